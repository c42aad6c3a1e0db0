"""Errors of aws-vault, rooted in one base class.

Every error's ``str()`` is a one-line message fit for ``aws-vault: error: <cmd>: <message>``.
No error ever carries a secret: constructors take names, ARNs, codes and paths only.
"""

from __future__ import annotations


class AwsVaultError(Exception):
    """Root of every error the CLI reports as a one-line message."""

    def __str__(self) -> str:
        # Messages quote the user's input (a profile name, a variable's value): a line break or another
        # control character in it is shown escaped, so the message stays one line everywhere.
        return escape_controls(super().__str__())


def escape_controls(text: str) -> str:
    """``text`` with every non-printable character escaped (``\n`` -> ``\\n``): always one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UsageError(AwsVaultError):
    """The command line itself is wrong (bad flag value, bad combination)."""


class InvalidDurationError(UsageError):
    def __init__(self, text: str, where: str = "") -> None:
        self.text = text
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f'{prefix}invalid duration "{text}" (use a unit, e.g. 1h, 90m, 3600s)')


class ConfigError(AwsVaultError):
    """The AWS config file is malformed or inconsistent."""


class ConfigSyntaxError(ConfigError):
    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {reason}")


class IncludeLoopError(ConfigError):
    def __init__(self, profile: str) -> None:
        self.profile = profile
        # Wording of aws-vault's go-ini loader (reference Appendix A).
        super().__init__(f"Loop detected in config file for profile '{profile}'")


class RoleChainLoopError(ConfigError):
    """A ``source_profile`` chain comes back to a profile already on it (aws-vault#1211 hangs)."""

    def __init__(self, loop: tuple[str, ...]) -> None:
        self.loop = loop
        super().__init__("source_profile loop detected: " + " -> ".join(loop))


class MissingSourceProfileError(ConfigError):
    def __init__(self, profile: str, source: str) -> None:
        self.profile = profile
        self.source = source
        super().__init__(
            f"profile {profile}: source_profile {source} has no config section and no stored credentials"
        )


class InvalidProfileValueError(ConfigError):
    def __init__(self, profile: str, key: str, reason: str) -> None:
        self.profile = profile
        self.key = key
        super().__init__(f"profile {profile}: {key}: {reason}")


class ProfileNotFoundError(AwsVaultError):
    def __init__(self, profile: str) -> None:
        self.profile = profile
        # ByteNess fork guard (reference §2.9 step 2), instead of silently using [default] (aws-vault#1248).
        super().__init__(
            f"profile '{profile}' not found in ~/.aws/config and no stored credentials exist for it"
        )


class CredentialsMissingError(AwsVaultError):
    def __init__(self, profile: str) -> None:
        self.profile = profile
        super().__init__(f"profile {profile}: credentials missing")


class SourceProfileHasNoEffectError(AwsVaultError):
    def __init__(self, profile: str, source: str) -> None:
        super().__init__(
            f"Your profile has a source_profile of {source}, adding credentials to {profile} won't have any effect"
        )


class NestedSessionError(AwsVaultError):
    def __init__(self, message: str) -> None:
        super().__init__(message)


class StoreError(AwsVaultError):
    """The secret store failed."""


class ItemNotFoundError(StoreError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"The specified item could not be found in the keyring: {key}")


class WrongPassphraseError(StoreError):
    def __init__(self, where: str) -> None:
        super().__init__(f"the passphrase does not unlock {where}")


class BackendUnavailableError(StoreError):
    def __init__(self, backend: str = "") -> None:
        self.backend = backend
        super().__init__("Specified keyring backend not available, try --help")


class CorruptItemError(StoreError):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"stored item {key!r} is unreadable: {reason}")


class StsRequestError(AwsVaultError):
    """AWS rejected (or could not be reached for) an STS/IAM call; carries the AWS error code."""

    def __init__(self, op: str, code: str, message: str) -> None:
        self.op = op
        self.code = code
        super().__init__(f"{op}: {code}: {message}" if code else f"{op}: {message}")


class MfaError(AwsVaultError):
    """No MFA code could be obtained."""


class PromptError(AwsVaultError):
    """A prompt could not be shown or answered (e.g. no terminal)."""


class ExternalCommandError(AwsVaultError):
    """A command or file named in the config failed (credential_process, mfa_process, web identity)."""


class SsoError(AwsVaultError):
    """IAM Identity Center sign-in or role credentials failed."""


class SsoRequestError(SsoError):
    """An SSO or SSO-OIDC call was rejected (or could not be made); carries the AWS error code."""

    def __init__(self, op: str, code: str, message: str) -> None:
        self.op = op
        self.code = code
        self.message = message
        super().__init__(f"{op}: {code}: {message}" if code else f"{op}: {message}")


class SsoAuthorizationPendingError(SsoRequestError):
    """CreateToken: the user has not approved the device authorization yet."""


class SsoSlowDownError(SsoRequestError):
    """CreateToken: polling too fast; the interval grows by 5 seconds (RFC 8628 §3.5)."""


class SsoTokenRejectedError(SsoRequestError):
    """CreateToken with a refresh token: the OIDC service refused the token or client; sign in again."""


class SsoUnauthorizedError(SsoRequestError):
    """GetRoleCredentials answered HTTP 401: the access token is unknown, expired or signed out."""


class SsoSignInTimeoutError(SsoError):
    def __init__(self, start_url: str, seconds: int) -> None:
        self.start_url = start_url
        super().__init__(
            f"the SSO authorization for {start_url} was not approved within {seconds}s; run the command again"
        )


class SsoCallbackTimeoutError(SsoSignInTimeoutError):
    """The authorization code flow: no callback with our ``state`` reached the listener in time."""

    def __init__(self, start_url: str, waited: str) -> None:
        self.start_url = start_url
        SsoError.__init__(
            self,
            f"the SSO sign-in for {start_url} did not come back from the browser within {waited} "
            "(AWS_VAULT_SSO_TIMEOUT sets the wait); run the command again, or add --device-code to sign in "
            "with a code instead",
        )


class SsoAuthorizationDeniedError(SsoError):
    """The authorization code flow's callback carried ``error`` (the user chose Deny, or the IdP refused)."""

    def __init__(self, start_url: str, error: str, description: str = "") -> None:
        self.start_url = start_url
        self.error = _one_line(error, 64)
        self.description = _one_line(description, 300)
        detail = f"{self.error}: {self.description}" if self.description else self.error
        super().__init__(f"the SSO sign-in for {start_url} was not authorized: {detail}")


class SsoCallbackListenerError(SsoError):
    """The authorization code flow's listener could not be started on 127.0.0.1."""


def _one_line(text: str, limit: int) -> str:
    """``text`` from a URL someone else wrote, safe for a one-line message: no control characters, bounded."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class LoginError(AwsVaultError):
    """``login`` could not turn credentials into a console sign-in URL (§7). Never carries the URL's token."""


class LockTimeoutError(AwsVaultError):
    """Another aws-vault process held a lock longer than we may wait."""

    def __init__(self, what: str, waited: str) -> None:
        super().__init__(
            f"another aws-vault process has been {what} for {waited}; gave up waiting "
            "(AWS_VAULT_LOCK_TIMEOUT sets the wait)"
        )

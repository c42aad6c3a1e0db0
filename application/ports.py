"""Ports: what the application needs from the outside world, as ``typing.Protocol`` classes.

Adapters (and the fakes in ``aws_vault.testing.fakes``) subclass these explicitly. Each method's docstring
names the ``aws_vault.domain.errors`` it raises; no library exception crosses a port.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from aws_vault.domain.records import Record

if TYPE_CHECKING:  # annotations only: keeps this module cheap on the credential_process path
    from contextlib import AbstractContextManager

    from aws_vault.domain.credentials import Credentials
    from aws_vault.domain.events import Event
    from aws_vault.domain.items import Item
    from aws_vault.domain.plan import SsoTarget, StsTarget
    from aws_vault.domain.profiles import ConfigFile
    from aws_vault.domain.sso import ClientRegistration, DeviceAuthorization, OidcToken


class SecretStore(Protocol):
    """A keyring backend holding aws-vault items (long-term keys, sessions, OIDC tokens)."""

    @abstractmethod
    def keys(self) -> list[str]:
        """All item keys, in backend order. Raises ``StoreError``."""

    @abstractmethod
    def get(self, key: str) -> Item | None:
        """The item, or ``None`` when absent. Raises ``StoreError`` (e.g. ``WrongPassphraseError``)."""

    @abstractmethod
    def set(self, item: Item) -> None:
        """Create or replace the item atomically. Raises ``StoreError``."""

    @abstractmethod
    def remove(self, key: str) -> None:
        """Delete the item. Raises ``ItemNotFoundError`` when absent, ``StoreError`` otherwise."""


class AssumeRoleRequest(Record):
    role_arn: str
    session_name: str
    duration: timedelta
    external_id: str = ""
    mfa_serial: str = ""
    token_code: str = ""
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_session_tags: tuple[str, ...] = ()
    source_identity: str = ""

    _hidden = frozenset({"token_code"})  # the MFA code stays out of logs


class TokenService(Protocol):
    """AWS STS."""

    @abstractmethod
    def get_session_token(
        self,
        source: Credentials,
        target: StsTarget,
        duration: timedelta,
        mfa_serial: str = "",
        token_code: str = "",
    ) -> Credentials:
        """GetSessionToken signed with ``source``. Raises ``StsRequestError``."""

    @abstractmethod
    def assume_role(self, source: Credentials, target: StsTarget, request: AssumeRoleRequest) -> Credentials:
        """AssumeRole signed with ``source``. Raises ``StsRequestError``."""

    @abstractmethod
    def assume_role_with_web_identity(
        self, target: StsTarget, role_arn: str, session_name: str, duration: timedelta, token: bytes
    ) -> Credentials:
        """AssumeRoleWithWebIdentity (unsigned). Raises ``StsRequestError``."""


class FederationService(Protocol):
    """The AWS calls ``login`` makes on credentials that cannot sign in to the console as they are (§7)."""

    @abstractmethod
    def caller_arn(self, source: Credentials, target: StsTarget) -> str:
        """sts:GetCallerIdentity signed with ``source``: the caller's ARN. Raises ``StsRequestError``."""

    @abstractmethod
    def user_name(self, source: Credentials, target: StsTarget) -> str:
        """iam:GetUser (no name: the caller) signed with ``source``. Raises ``StsRequestError`` (op ``GetUser``),
        whose message keeps AWS's text: an ``AccessDenied`` still names the user."""

    @abstractmethod
    def federation_token(
        self, source: Credentials, target: StsTarget, name: str, policy: str, duration: timedelta
    ) -> Credentials:
        """sts:GetFederationToken signed with ``source``. Raises ``StsRequestError``."""


class AccessKeys(Protocol):
    """IAM access keys of a user, and who a key belongs to (``rotate``)."""

    @abstractmethod
    def caller_arn(self, source: Credentials, target: StsTarget) -> str:
        """sts:GetCallerIdentity's ARN for ``source``. Raises ``StsRequestError``."""

    @abstractmethod
    def list_keys(self, source: Credentials, target: StsTarget, user: str) -> list[str]:
        """iam:ListAccessKeys: the user's key ids (``user`` empty: the caller). Raises ``StsRequestError``."""

    @abstractmethod
    def create_key(self, source: Credentials, target: StsTarget, user: str) -> Credentials:
        """iam:CreateAccessKey for ``user`` (empty: the caller). Raises ``StsRequestError``."""

    @abstractmethod
    def delete_key(self, source: Credentials, target: StsTarget, user: str, key_id: str) -> None:
        """iam:DeleteAccessKey. Raises ``StsRequestError``."""


class ConsoleSignin(Protocol):
    """The AWS sign-in federation endpoint (``getSigninToken``)."""

    @abstractmethod
    def signin_token(self, federation_url: str, session: Credentials) -> str:
        """A sign-in token for ``session``. Raises ``LoginError`` (non-200 answer, no ``SigninToken``,
        endpoint unreachable); the message never holds the request URL, which carries the secret."""


class ExternalCommands(Protocol):
    """Shell commands and files named in the config (credential_process, mfa_process, web identity)."""

    @abstractmethod
    def run_shell(
        self,
        command: str,
        *,
        extra_env: Mapping[str, str] | None = None,
        timeout: float = 120,
        interactive: bool = False,
    ) -> bytes:
        """Run through the shell; its stdout. Raises ``ExternalCommandError``.

        stdin/stderr are inherited, or with ``interactive`` the controlling terminal when there is one,
        so a program asking the user something (ykman's "touch your YubiKey") reaches them even under
        credential_process.
        """

    @abstractmethod
    def read_file(self, path: str) -> bytes:
        """The file's raw bytes. Raises ``ExternalCommandError`` (``unable to read file at <path>: ...``)."""


class MfaPrompt(Protocol):
    """Asks the user for a TOTP code."""

    @abstractmethod
    def ask(self, mfa_serial: str, profile: str) -> str:
        """The code. Raises ``PromptError``/``MfaError``."""


class Terminal(Protocol):
    """The user's controlling terminal, for questions that are not MFA codes."""

    @abstractmethod
    def ask(self, prompt: str, *, secret: bool = False) -> str:
        """One line typed by the user (not echoed when ``secret``). Raises ``PromptError``."""


class Clock(Protocol):
    @abstractmethod
    def now(self) -> datetime:
        """Aware UTC time."""

    @abstractmethod
    def sleep(self, seconds: float) -> None:
        """Wait (the SSO device flow polls with it). Raises nothing; Ctrl-C interrupts it."""


class SsoOidc(Protocol):
    """IAM Identity Center OIDC (``sso-oidc``): unsigned calls to ``target``'s region or endpoint."""

    @abstractmethod
    def register_client(
        self,
        target: SsoTarget,
        client_name: str,
        scopes: tuple[str, ...],
        *,
        redirect_uri: str = "",
        issuer_url: str = "",
    ) -> ClientRegistration:
        """RegisterClient (ClientType ``public``; scopes only when given). With ``redirect_uri``, a client for the
        authorization code flow: grant types ``authorization_code`` and ``refresh_token``, that redirect URI and
        ``issuer_url`` (the start URL). Raises ``SsoRequestError``."""

    @abstractmethod
    def authorize_endpoint(self, target: SsoTarget) -> str:
        """The base URL of the authorization page (``https://oidc.<region>.amazonaws.com``, or the endpoint the
        API calls go to when one is configured). Raises nothing."""

    @abstractmethod
    def exchange_code(
        self, target: SsoTarget, client: ClientRegistration, code: str, redirect_uri: str, code_verifier: str
    ) -> OidcToken:
        """CreateToken with the authorization_code grant and its PKCE verifier. Raises ``SsoRequestError``."""

    @abstractmethod
    def start_device_authorization(
        self, target: SsoTarget, client: ClientRegistration, start_url: str
    ) -> DeviceAuthorization:
        """StartDeviceAuthorization. Raises ``SsoRequestError``."""

    @abstractmethod
    def create_token(self, target: SsoTarget, client: ClientRegistration, device_code: str) -> OidcToken:
        """CreateToken with the device code grant. Raises ``SsoAuthorizationPendingError`` (not approved yet),
        ``SsoSlowDownError`` (poll less often), ``SsoRequestError`` otherwise (e.g. ``ExpiredTokenException``)."""

    @abstractmethod
    def refresh_token(self, target: SsoTarget, client: ClientRegistration, refresh_token: str) -> OidcToken:
        """CreateToken with the refresh_token grant. Raises ``SsoTokenRejectedError`` when the service refuses
        the token or client (only a new sign-in helps), ``SsoRequestError`` otherwise (network, 5xx)."""


class SsoPortal(Protocol):
    """The IAM Identity Center portal (``sso``)."""

    @abstractmethod
    def get_role_credentials(
        self, target: SsoTarget, access_token: str, account_id: str, role_name: str
    ) -> Credentials:
        """GetRoleCredentials, as expiring credentials. Raises ``SsoUnauthorizedError`` on HTTP 401 (token
        unknown, expired or signed out), ``SsoRequestError`` otherwise."""


class Browser(Protocol):
    """Opens a URL for the user."""

    @abstractmethod
    def open(self, url: str) -> bool:
        """Whether a browser was started. Raises nothing: failing to open one is not an error."""


class OAuthRedirect(Protocol):
    """One listening redirect endpoint (``CallbackListener.listen``)."""

    @property
    @abstractmethod
    def uri(self) -> str:
        """``http://127.0.0.1:<port><path>``: the ``redirect_uri`` to register and to send."""

    @abstractmethod
    def wait(self, timeout: float) -> dict[str, str] | None:
        """The query parameters of the next callback with the right ``state`` (its browser already has its
        answer), or ``None`` when ``timeout`` seconds pass without one. Raises nothing."""


class CallbackListener(Protocol):
    """The browser's way back at the end of the SSO authorization code flow: HTTP on 127.0.0.1 only."""

    @abstractmethod
    def listen(self, path: str, state: str) -> AbstractContextManager[OAuthRedirect]:
        """Listen on 127.0.0.1, on a free port, for ``GET <path>`` until the block ends. A request whose ``state``
        is not ``state`` gets HTTP 400 and is not delivered; the listener keeps waiting. Raises
        ``SsoCallbackListenerError`` when it cannot listen."""


class Console(Protocol):
    """Messages for the user that are not prompts or results (stderr: stdout may be captured)."""

    @abstractmethod
    def notice(self, text: str) -> None:
        """Show ``text`` (one or more lines) at once. Raises nothing."""


class Reminders(Protocol):
    """When the user was last told something (``at most once a day`` notices), kept across processes."""

    @abstractmethod
    def last(self, topic: str) -> datetime | None:
        """When ``topic`` was last marked, or ``None``. Raises nothing."""

    @abstractmethod
    def mark(self, topic: str, when: datetime) -> None:
        """Record that ``topic`` was told at ``when``. Raises nothing (a reminder is best effort)."""


class ConfigSource(Protocol):
    """``~/.aws/config`` (``AWS_CONFIG_FILE``)."""

    @property
    @abstractmethod
    def path(self) -> str:
        """The file's path (for messages)."""

    @abstractmethod
    def load(self) -> ConfigFile:
        """The parsed file; a missing file is an empty config. Raises ``ConfigSyntaxError``."""

    @abstractmethod
    def check_profile_name(self, name: str) -> None:
        """Raise ``ConfigError`` when ``name`` cannot be a section that reads back as itself (leading or trailing
        spaces, quotes, line breaks): ``add`` asks before it stores a key."""

    @abstractmethod
    def add_profile(self, name: str, values: dict[str, str] | None = None) -> None:
        """Append a ``[profile name]`` (or ``[default]``) section, keeping the rest of the file byte for byte.

        Raises ``ConfigError`` for a name ``check_profile_name`` refuses."""


class ProcessRunner(Protocol):
    """Runs the user's command with the credentials' environment."""

    @abstractmethod
    def run(self, argv: list[str], env: dict[str, str]) -> int:
        """Replace this process when possible (execve), else run and wait; the child's exit status."""


EventHandler = Callable[["Event"], None]


class Locks(Protocol):
    """Named locks shared by every aws-vault process of this user (single-flight across processes)."""

    @abstractmethod
    def hold(self, name: str) -> AbstractContextManager[None]:
        """Hold the lock ``name`` for the ``with`` block, waiting a bounded time for it.

        A holder that dies releases it at once. Raises ``LockTimeoutError`` when the wait is exceeded.
        """


class EventSink(Protocol):
    """Receives every published event (the structlog adapter logs them under ``--debug``)."""

    @abstractmethod
    def __call__(self, event: Event) -> None:
        """Handle one event. Must not raise; the bus swallows what it does raise."""

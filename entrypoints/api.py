"""The public Python API: ``aws_vault.Vault``, for tooling that embeds aws-vault.

A ``Vault`` is the vault the CLI builds from the same environment (``AWS_VAULT_BACKEND`` and the store
options, ``AWS_CONFIG_FILE``, ``AWS_ENDPOINT_URL*``, ``AWS_MIN_TTL``, ...), over the same wiring
(``entrypoints.wiring``), the same pipeline and the same encrypted session cache: a session cached by
the library is reused by ``aws-vault export`` and the other way round::

    from aws_vault import Vault

    vault = Vault.from_env(mfa_prompt=lambda serial: input(f"MFA code for {serial}: "))
    creds = vault.credentials("work-admin")             # access_key_id, ..., expiration
    s3 = vault.boto3_session("work-admin").client("s3") # refreshes itself through the vault
    stop = vault.subscribe(print)                       # every domain event, as typed objects
    vault.plan("work-admin")                            # what would happen, without calling AWS

A ``Vault`` is safe to share between threads: one credentials request runs at a time, so concurrent
refreshes make one STS call and ask for one MFA code.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_vault.application.ports import MfaPrompt
from aws_vault.domain.errors import UsageError
from aws_vault.domain.events import Event
from aws_vault.domain.records import Record
from aws_vault.entrypoints.settings import Settings
from aws_vault.entrypoints.wiring import PORTS, Wiring

if TYPE_CHECKING:
    import boto3
    import botocore.session

__all__ = ["Vault", "VaultCredentials"]

# botocore refreshes in its advisory window (15 min before expiry) and fails in its mandatory one
# (10 min): for sessions handed to botocore the cache must not reuse a session with less than this
# left, or botocore says "Credentials were refreshed, but the refreshed credentials are still expired".
BOTOCORE_MIN_TTL = timedelta(minutes=11)


class VaultCredentials(Record):
    """Credentials for one profile. ``expiration`` is timezone-aware, ``None`` for long-term keys."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    expiration: datetime | None

    _hidden = frozenset({"secret_access_key", "session_token"})


class _CallablePrompt(MfaPrompt):
    """``mfa_prompt(mfa_serial) -> str`` as the MFA prompt port."""

    def __init__(self, ask: Callable[[str], str]) -> None:
        self._ask = ask

    def ask(self, mfa_serial: str, profile: str) -> str:
        return self._ask(mfa_serial)


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _options(duration: timedelta | None, region: str) -> Any:
    from aws_vault.domain.role_chain import ResolveOptions

    return ResolveOptions(region=region, duration=duration)


def _vault_credentials(c: Any) -> VaultCredentials:
    return VaultCredentials(c.access_key_id, c.secret_access_key, c.session_token or None, c.expiration)


class Vault:
    """aws-vault as a library; build one with ``Vault.from_env()``."""

    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring
        self._lock = threading.RLock()

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        mfa_prompt: Callable[[str], str] | None = None,
        **overrides: Any,
    ) -> Vault:
        """The vault ``aws-vault`` would use with environment ``env`` (default ``os.environ``).

        ``mfa_prompt(mfa_serial)`` returns an MFA code whenever one is needed (default: the configured
        prompt driver, as the CLI). ``overrides`` are settings (``backend``, ``file_dir``,
        ``config_path``, ``min_ttl``, ``prompt``, ...; see ``aws-vault --help-long``) or ports by name
        (``secret_store``, ``token_service``, ``clock``, ...; see ``entrypoints.wiring.PORTS``), e.g.
        the fakes in ``aws_vault.testing``.
        """
        env = dict(os.environ if env is None else env)
        fields = set(Settings._fields)
        unknown = set(overrides) - fields - set(PORTS)
        if unknown:
            raise UsageError(f"Vault.from_env: unknown option(s): {', '.join(sorted(unknown))}")
        settings = Settings.build(env)
        chosen = {k: v for k, v in overrides.items() if k in fields}
        if chosen:
            settings = settings._replace(**chosen)
        given: dict[str, Any] = {name: value for name, value in overrides.items() if name in PORTS}
        if mfa_prompt is not None:
            given["mfa_prompt"] = _CallablePrompt(mfa_prompt)
        ports = {name: _constant(value) for name, value in given.items()}
        return cls(Wiring(settings, env, ports))

    @property
    def settings(self) -> Settings:
        return self._wiring.settings

    def credentials(
        self,
        profile: str,
        *,
        mfa_token: str | None = None,
        min_ttl: timedelta | None = None,
        duration: timedelta | None = None,
        region: str = "",
    ) -> VaultCredentials:
        """Credentials for ``profile`` through the pipeline and the shared session cache.

        ``min_ttl`` overrides ``AWS_MIN_TTL`` for this call; ``duration`` and ``region`` are ``exec``'s
        ``--duration`` and ``--region``. Raises ``aws_vault.errors.AwsVaultError``.
        """
        from aws_vault.application.use_cases.get_credentials import CredentialsRequest

        with self._lock:
            use_case = self._wiring.get_credentials(mfa_token or "", min_ttl=min_ttl)
            resolved = use_case(CredentialsRequest(profile, _options(duration, region)))
        return _vault_credentials(resolved.credentials)

    def role_credentials(
        self,
        profile: str,
        role_arn: str,
        *,
        mfa_token: str | None = None,
        min_ttl: timedelta | None = None,
        duration: timedelta | None = None,
        region: str = "",
    ) -> VaultCredentials:
        """``role_arn`` assumed with ``profile``'s credentials: no MFA, tags or external id, not cached
        (the ECS server's ``/role-arn/<ARN>`` route, reference §6.1). Raises ``AwsVaultError``."""
        from aws_vault.application.use_cases.assume_role_arn import AssumeRoleFromProfile
        from aws_vault.application.use_cases.get_credentials import CredentialsRequest

        with self._lock:
            use_case = AssumeRoleFromProfile(self._wiring.get_credentials(mfa_token or "", min_ttl=min_ttl))
            resolved = use_case(CredentialsRequest(profile, _options(duration, region)), role_arn)
        return _vault_credentials(resolved.credentials)

    def now(self) -> datetime:
        """The time by the vault's clock (``clock=`` in ``from_env``): what expiry is judged by."""
        return self._wiring.clock.now()

    def region(self, profile: str) -> str:
        """The region the profile's chain resolves to (``""`` when none is set)."""
        from aws_vault.domain.role_chain import resolve_profile

        with self._lock:
            config = self._wiring.port("config_source").load()
        return resolve_profile(config, profile, env=self._wiring.env).region

    def plan(self, profile: str) -> dict[str, Any]:
        """What getting ``profile``'s credentials would do now, as JSON-able data. No AWS call, no prompt."""
        from aws_vault.application.use_cases.get_credentials import CredentialsRequest

        with self._lock:
            return self._wiring.explain_plan()(CredentialsRequest(profile))

    def subscribe(self, handler: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``handler`` with every domain event (``aws_vault.events``); returns the unsubscribe function.

        A handler that raises is ignored: it never breaks the vault.
        """
        return self._wiring.bus.subscribe(handler)

    # -- botocore / boto3 --

    def _metadata(self, profile: str) -> dict[str, Any]:
        creds = self.credentials(profile, min_ttl=max(self.settings.min_ttl, BOTOCORE_MIN_TTL))
        return {
            "access_key": creds.access_key_id,
            "secret_key": creds.secret_access_key,
            "token": creds.session_token,
            "expiry_time": creds.expiration.isoformat() if creds.expiration else None,
        }

    def credential_provider(self, profile: str) -> Any:
        """A botocore ``CredentialProvider`` (method ``aws-vault``) whose credentials refresh through the vault.

        botocore judges expiry by the vault's clock, so its refresh windows and the vault's cache agree.
        """
        from botocore.credentials import CredentialProvider, Credentials, RefreshableCredentials

        vault = self

        class VaultCredentialProvider(CredentialProvider):  # type: ignore[misc]
            METHOD = "aws-vault"
            CANONICAL_NAME = "aws-vault"

            def load(self) -> Any:
                first = vault._metadata(profile)
                if first["expiry_time"] is None:  # long-term keys: nothing to refresh
                    return Credentials(first["access_key"], first["secret_key"], first["token"], method=self.METHOD)
                return RefreshableCredentials(
                    first["access_key"],
                    first["secret_key"],
                    first["token"],
                    datetime.fromisoformat(first["expiry_time"]),
                    refresh_using=lambda: vault._metadata(profile),
                    method=self.METHOD,
                    time_fetcher=vault._wiring.clock.now,
                )

        return VaultCredentialProvider()

    def install(self, session: botocore.session.Session, profile: str) -> None:
        """Put the vault into ``session``'s credential chain, before the environment variables."""
        resolver = session.get_component("credential_provider")
        resolver.insert_before("env", self.credential_provider(profile))

    def boto3_session(self, profile: str, **kwargs: Any) -> boto3.Session:
        """A ``boto3.Session`` with ``profile``'s credentials (refreshed through the vault) and region."""
        import boto3
        import botocore.session

        core = botocore.session.Session()
        self.install(core, profile)
        region = kwargs.pop("region_name", None) or self.region(profile) or None
        return boto3.Session(botocore_session=core, region_name=region, **kwargs)

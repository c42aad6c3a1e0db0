"""The cached credential lookup, wired by hand so it stays cheap.

Every SDK call through ``credential_process`` runs ``aws-vault export --format=json`` (or
``exec --json``). When a fresh session is cached, answering needs only the config file, the store and
the clock: no boto3/botocore (~150 ms to import), no dependency-injector (~100 ms), no structlog, no
keyring backend discovery. This module runs the *same* use case and pipeline as the container path,
with the STS and MFA ports replaced by a stand-in that aborts the attempt; on any miss the caller
falls back to the full container. It is the only other importer of adapters (import-linter contract).
"""

from __future__ import annotations

from datetime import timedelta

from aws_vault.adapters.clock import SystemClock
from aws_vault.adapters.config.aws_config_source import AwsConfigSource
from aws_vault.adapters.stores.file_store import FileSecretStore
from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline, SourceFunction
from aws_vault.application.ports import AssumeRoleRequest, MfaPrompt, SecretStore, TokenService
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.use_cases.get_credentials import (
    CredentialsRequest,
    GetCredentials,
    ResolvedCredentials,
    ResolveProfile,
)
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.plan import AssumeRoleWithWebIdentity, CredentialProcess, SsoRoleCredentials, StsTarget
from aws_vault.entrypoints.settings import Settings


class FullPathNeeded(Exception):
    """The lookup needs STS or a prompt: hand over to the container."""


class _NotHere(TokenService, MfaPrompt):
    def get_session_token(
        self, source: Credentials, target: StsTarget, duration: timedelta, mfa_serial: str = "", token_code: str = ""
    ) -> Credentials:
        raise FullPathNeeded

    def assume_role(self, source: Credentials, target: StsTarget, request: AssumeRoleRequest) -> Credentials:
        raise FullPathNeeded

    def assume_role_with_web_identity(
        self, target: StsTarget, role_arn: str, session_name: str, duration: timedelta, token: bytes
    ) -> Credentials:
        raise FullPathNeeded

    def ask(self, mfa_serial: str, profile: str) -> str:
        raise FullPathNeeded


def _needs_full_path(_step: object) -> Credentials:
    raise FullPathNeeded


def _no_passphrase() -> str:
    raise FullPathNeeded


def _store(settings: Settings) -> SecretStore:
    """The named backend's store, imported on demand (the container's Selector, without its import cost)."""
    backend = settings.backend
    if backend == "file":
        passphrase = settings.file_passphrase
        return FileSecretStore(settings.file_dir, (lambda: passphrase) if passphrase is not None else _no_passphrase)
    if backend == "keyctl":
        from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore

        return KeyctlSecretStore(scope=settings.keyctl_scope)
    if backend == "secret-service":
        from aws_vault.adapters.stores.secret_service_store import SecretServiceSecretStore

        return SecretServiceSecretStore(collection_name=settings.secret_service_collection)
    if backend == "pass":
        from aws_vault.adapters.stores.pass_store import PassSecretStore

        return PassSecretStore(settings.pass_cmd, settings.pass_dir, settings.pass_prefix, settings.env)
    raise FullPathNeeded  # kwallet, keychain, wincred: the container path


def cached_credentials(settings: Settings, request: CredentialsRequest, mfa_token: str) -> ResolvedCredentials | None:
    """The credentials if they can be served without STS or a prompt, else ``None``."""
    try:
        store = _store(settings)
    except FullPathNeeded:
        return None
    clock = SystemClock()
    bus = EventBus()
    stand_in = _NotHere()
    cache = SessionCache(store, clock, bus, settings.min_ttl)
    # SSO, web identity and credential_process answer from the cache here, or hand over.
    kinds: tuple[type, ...] = (SsoRoleCredentials, AssumeRoleWithWebIdentity, CredentialProcess)
    sources: dict[type, SourceFunction] = dict.fromkeys(kinds, _needs_full_path)
    pipeline = CredentialPipeline(store, stand_in, stand_in, clock, bus, cache, mfa_token, sources)
    resolve = ResolveProfile(AwsConfigSource(settings.config_path), store, settings.env)
    try:
        return GetCredentials(resolve, pipeline, bus)(request)
    except FullPathNeeded:
        return None

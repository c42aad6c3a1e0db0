"""Resolve a profile and produce its credentials through the pipeline (shared by exec and export)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.application.ports import ConfigSource, SecretStore
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import ProfileNotFoundError
from aws_vault.domain.plan import Plan, build_plan
from aws_vault.domain.profiles import ProfileConfig
from aws_vault.domain.records import Record
from aws_vault.domain.role_chain import ResolveOptions, resolve_profile
from aws_vault.domain.sessions import KeyKind, classify_key


class CredentialsRequest(Record):
    profile: str
    options: ResolveOptions = ResolveOptions()
    no_session: bool = False
    no_session_for: str = ""  # login: no GetSessionToken for this profile only (§7)


class ResolvedCredentials(Record):
    profile: ProfileConfig
    plan: Plan
    credentials: Credentials


def stored_credential_names(store: SecretStore) -> list[str]:
    """Keys that are long-term credentials (neither sessions nor OIDC tokens), in store order."""
    return [k for k in store.keys() if classify_key(k) == KeyKind.CREDENTIAL]


class ResolveProfile:
    """Config + stored keys -> the resolved profile and its plan. Fetches nothing."""

    def __init__(
        self, config: ConfigSource, store: SecretStore, env: Mapping[str, str], *, cache_roles: bool = False
    ) -> None:
        self.config = config
        self.store = store
        self.env = env
        self.cache_roles = cache_roles

    def __call__(self, request: CredentialsRequest) -> tuple[ProfileConfig, Plan]:
        config = self.config.load()
        stored = set(stored_credential_names(self.store))
        if config.section(request.profile) is None and request.profile not in stored:
            raise ProfileNotFoundError(request.profile)
        profile = resolve_profile(
            config, request.profile, env=self.env, options=request.options, stored=stored
        )
        plan = build_plan(
            profile,
            stored,
            no_session=request.no_session,
            no_session_for=request.no_session_for,
            cache_roles=self.cache_roles,
        )
        return profile, plan


class GetCredentials:
    def __init__(self, resolve: ResolveProfile, pipeline: CredentialPipeline, bus: EventBus) -> None:
        self.resolve = resolve
        self.pipeline = pipeline
        self.bus = bus

    def __call__(self, request: CredentialsRequest) -> ResolvedCredentials:
        profile, plan = self.resolve(request)
        return ResolvedCredentials(profile, plan, self.pipeline.run(plan))

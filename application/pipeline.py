"""The credential pipeline: runs a domain ``Plan`` through the ports and publishes what happened.

Each step is tried from the top of the plan down: a cached step that is still fresh ends the walk;
otherwise its input comes from the step below it (reference §3.2, ``CachedSessionProvider``). MFA
codes come from ``--mfa-token`` first, then the prompt (reference §2.8).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import (
    AssumeRoleRequest,
    Clock,
    ExternalCommands,
    Locks,
    MfaPrompt,
    SecretStore,
    TokenService,
)
from aws_vault.application.session_cache import SessionCache
from aws_vault.domain.credentials import Credentials, master_added, master_from_json
from aws_vault.domain.errors import AwsVaultError, CredentialsMissingError, MfaError
from aws_vault.domain.events import (
    MfaRequested,
    ProviderChosen,
    RoleAssumed,
    SessionTokenObtained,
    SourceUsed,
    StoredKeysUsed,
)
from aws_vault.domain.plan import AssumeRole, GetSessionToken, Plan, Step, UseStoredKeys, default_session_name

SourceFunction = Callable[[Any], Credentials]


class CredentialPipeline:
    def __init__(
        self,
        store: SecretStore,
        token_service: TokenService,
        mfa_prompt: MfaPrompt,
        clock: Clock,
        bus: EventBus,
        cache: SessionCache | None,
        mfa_token: str = "",
        sources: Mapping[type, SourceFunction] | None = None,
        commands: ExternalCommands | None = None,
        locks: Locks | None = None,
        held_by_caller: Collection[str] = (),
    ) -> None:
        self.store = store
        self.sts = token_service
        self.prompt = mfa_prompt
        self.clock = clock
        self.bus = bus
        self.cache = cache
        self.mfa_token = mfa_token
        # SSO, web identity and credential_process, by step type (application.sources, application.sso).
        self.sources = dict(sources or {})
        self.commands = commands
        # Single-flight across processes: one fetch (one STS call, one MFA code) per cache entry.
        self.locks = locks
        # Profiles an aws-vault process that started us (through a credential_process) is fetching. It holds
        # locks for them and for every cached step above them, so this process takes no lock at all (waiting
        # would deadlock); the source's recursion guard reports a loop instead.
        self.held_by_caller = frozenset(held_by_caller)

    def run(self, plan: Plan) -> Credentials:
        for note in plan.notes:
            self.bus.publish(ProviderChosen(plan.profile, note))
        return self._credentials(plan.steps, len(plan.steps) - 1)

    def _credentials(self, steps: tuple[Step, ...], index: int) -> Credentials:
        spec = steps[index].cache
        if spec is None or self.cache is None:
            return self._fetch(steps, index)
        cached = self.cache.lookup(spec)
        if cached is not None:
            return cached
        if self.locks is None or self.held_by_caller:
            return self._fetch(steps, index)
        with self.locks.hold(f"session:{spec.type},{spec.profile},{spec.mfa_serial}"):
            # Another process may have fetched it while we waited for the lock.
            cached = self.cache.lookup(spec)
            return cached if cached is not None else self._fetch(steps, index)

    def _fetch(self, steps: tuple[Step, ...], index: int) -> Credentials:
        """The step's credentials from its source or STS, saved to the cache when the step is cached."""
        step = steps[index]
        spec = step.cache
        if isinstance(step, UseStoredKeys):
            return self._stored(step.profile)
        if isinstance(step, GetSessionToken | AssumeRole):
            creds = self._call(step, self._credentials(steps, index - 1))
        else:
            source = self.sources.get(type(step))
            if source is None:
                raise AwsVaultError(f"profile {step.profile}: {type(step).__name__} is not supported here")
            creds = source(step)
            self.bus.publish(SourceUsed(step.profile, type(step).__name__, creds.masked_key_id))
        # Credentials that never expire (e.g. long-term keys from a credential_process) are not cached.
        if spec is not None and self.cache is not None and creds.expiration is not None:
            self.cache.save(spec, creds)
        return creds

    def _stored(self, profile: str) -> Credentials:
        item = self.store.get(profile)
        if item is None:
            raise CredentialsMissingError(profile)
        creds = master_from_json(item.data, profile)
        self.bus.publish(StoredKeysUsed(profile, creds.masked_key_id, master_added(item.data)))
        return creds

    def _code(self, profile: str, serial: str, mfa_process: str = "") -> str:
        if not serial:
            return ""
        code = self._raw_code(profile, serial, mfa_process)
        if not (code.isascii() and code.isprintable() and code):
            raise MfaError(f"the MFA code for {serial} must be printable ASCII digits")
        return code

    def _raw_code(self, profile: str, serial: str, mfa_process: str) -> str:
        if self.mfa_token:
            self.bus.publish(MfaRequested(profile, serial, "flag"))
            return self.mfa_token
        if mfa_process and self.commands is not None:
            # mfa_process: a command printing the TOTP (v7, §2.8); its output is trimmed.
            self.bus.publish(MfaRequested(profile, serial, "process"))
            try:
                return self.commands.run_shell(mfa_process, interactive=True).decode("utf-8", "replace").strip()
            except AwsVaultError as e:
                raise MfaError(f"process provider: {e}") from e
        self.bus.publish(MfaRequested(profile, serial, "prompt"))
        return self.prompt.ask(serial, profile).strip()

    def _call(self, step: GetSessionToken | AssumeRole, source: Credentials) -> Credentials:
        code = self._code(step.profile, step.mfa_serial, step.mfa_process)
        if isinstance(step, GetSessionToken):
            creds = self.sts.get_session_token(source, step.target, step.duration, step.mfa_serial, code)
            assert creds.expiration is not None
            self.bus.publish(
                SessionTokenObtained(step.profile, creds.masked_key_id, creds.expiration, bool(code))
            )
            return creds
        session_name = step.session_name or default_session_name(self.clock.now())
        request = AssumeRoleRequest(
            role_arn=step.role_arn,
            session_name=session_name,
            duration=step.duration,
            external_id=step.external_id,
            mfa_serial=step.mfa_serial,
            token_code=code,
            session_tags=step.session_tags,
            transitive_session_tags=step.transitive_session_tags,
            source_identity=step.source_identity,
        )
        creds = self.sts.assume_role(source, step.target, request)
        assert creds.expiration is not None
        self.bus.publish(
            RoleAssumed(step.profile, step.role_arn, creds.masked_key_id, creds.expiration, bool(code))
        )
        return creds

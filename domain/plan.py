"""The provider pipeline as data: which steps turn stored keys into the credentials a command gets.

``build_plan`` decides, for a resolved profile chain, where credentials come from and which STS calls
follow (reference §2.6). It follows the maintained fork's policy, which fixes upstream's role-chaining
failures: a source profile is "primed" with GetSessionToken when that lets one MFA code serve the whole
chain; AssumeRole on temporary credentials is capped at AWS's 1h role-chaining maximum; a role whose
MFA serial was already spent lower in the chain is assumed without MFA ("chained MFA").

The plan is linear: ``steps[0]`` yields source credentials and every later step consumes the output
of the one before it. ``notes`` are the decisions in aws-vault's own debug wording.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

from aws_vault.domain.durations import (
    ASSUME_ROLE_LIMITS,
    GET_SESSION_TOKEN_LIMITS,
    WEB_IDENTITY_LIMITS,
    check_call_duration,
    format_duration,
)
from aws_vault.domain.errors import CredentialsMissingError, InvalidProfileValueError
from aws_vault.domain.profiles import ROLE_CHAINING_MAXIMUM, ProfileConfig
from aws_vault.domain.records import Record
from aws_vault.domain.sessions import (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    CREDENTIAL_PROCESS,
    GET_SESSION_TOKEN,
    SSO_ROLE_CREDENTIALS,
)


class StsTarget(Record):
    """Where a profile's STS calls go."""

    region: str = ""
    regional_endpoints: str = ""
    endpoint_url: str = ""


class SsoTarget(Record):
    """Where a profile's SSO and SSO-OIDC calls go: ``sso_region``, and an explicit endpoint if any."""

    region: str
    endpoint_url: str = ""


class CacheSpec(Record):
    type: str
    profile: str
    mfa_serial: str


class UseStoredKeys(Record):
    profile: str

    @property
    def cache(self) -> CacheSpec | None:
        return None


class GetSessionToken(Record):
    profile: str
    duration: timedelta
    mfa_serial: str
    mfa_process: str
    target: StsTarget

    @property
    def cache(self) -> CacheSpec | None:
        return CacheSpec(GET_SESSION_TOKEN, self.profile, self.mfa_serial)


class AssumeRole(Record):
    profile: str
    role_arn: str
    duration: timedelta
    mfa_serial: str  # empty when no MFA is sent (none configured, or chained MFA)
    mfa_process: str
    session_name: str  # empty: the pipeline uses the clock's UnixNano, as aws-vault does
    external_id: str
    session_tags: tuple[tuple[str, str], ...]
    transitive_session_tags: tuple[str, ...]
    source_identity: str
    target: StsTarget
    always_cached: bool = False

    @property
    def cache(self) -> CacheSpec | None:
        # aws-vault caches a role only when MFA is sent (§2.7.3). Each AssumeRole costs a process
        # ~0.7 s, so by default we cache every role (``always_cached``; AWS_VAULT_CACHE_ROLES=false opts out).
        if not self.mfa_serial and not self.always_cached:
            return None
        return CacheSpec(ASSUME_ROLE, self.profile, self.mfa_serial)


class SsoRoleCredentials(Record):
    """IAM Identity Center: an OIDC token for ``start_url``, then GetRoleCredentials (§2.7.6)."""

    profile: str
    start_url: str
    sso_region: str
    account_id: str
    role_name: str
    registration_scopes: tuple[str, ...]
    endpoint_url: str

    @property
    def cache(self) -> CacheSpec | None:
        # The start URL sits in the MFA-serial slot of the key (§3.1).
        return CacheSpec(SSO_ROLE_CREDENTIALS, self.profile, self.start_url)

    @property
    def target(self) -> SsoTarget:
        return SsoTarget(self.sso_region, self.endpoint_url)


class AssumeRoleWithWebIdentity(Record):
    profile: str
    role_arn: str
    session_name: str
    duration: timedelta
    token_file: str
    token_process: str
    target: StsTarget

    @property
    def cache(self) -> CacheSpec | None:
        return CacheSpec(ASSUME_ROLE_WITH_WEB_IDENTITY, self.profile, "")


class CredentialProcess(Record):
    profile: str
    command: str

    @property
    def cache(self) -> CacheSpec | None:
        # Cached only when the output expires; the pipeline skips saving long-term keys.
        return CacheSpec(CREDENTIAL_PROCESS, self.profile, "")


Step = UseStoredKeys | SsoRoleCredentials | AssumeRoleWithWebIdentity | CredentialProcess | GetSessionToken | AssumeRole


class Plan(Record):
    profile: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...]
    region: str

    @property
    def mfa_serials(self) -> tuple[str, ...]:
        return tuple(s.mfa_serial for s in self.steps if isinstance(s, GetSessionToken | AssumeRole) and s.mfa_serial)


def default_session_name(now: datetime) -> str:
    """aws-vault's default RoleSessionName: the time in Unix nanoseconds (§2.7.3)."""
    return str(int(now.timestamp() * 1_000_000) * 1000)


def sts_target(p: ProfileConfig) -> StsTarget:
    """Where STS calls for ``p`` go: its region, regional-endpoint setting and endpoint URL."""
    return StsTarget(p.region, p.sts_regional_endpoints, p.endpoint_url)


def _sso_step(p: ProfileConfig) -> SsoRoleCredentials:
    """The SSO step, or a one-line error naming the missing key (aws-vault calls AWS with empty values)."""
    if not p.sso_start_url:
        reason = f"no [sso-session {p.sso_session}] section with an sso_start_url in the config"
        raise InvalidProfileValueError(p.name, "sso_session", reason)
    where = f"the profile or its [sso-session {p.sso_session}] section" if p.sso_session else "the profile"
    for key, value in (("sso_region", p.sso_region), ("sso_account_id", p.sso_account_id),
                       ("sso_role_name", p.sso_role_name)):
        if not value:
            raise InvalidProfileValueError(p.name, key, f"not set; an SSO profile needs it in {where}")
    # Comma- or space-separated, as the AWS CLI and the fork accept them.
    scopes = tuple(x for x in re.split(r"[,\s]+", p.sso_registration_scopes) if x)
    return SsoRoleCredentials(
        p.name, p.sso_start_url, p.sso_region, p.sso_account_id, p.sso_role_name, scopes, p.endpoint_url
    )


class _Planner:
    """Plans ``target``'s chain with loops, not recursion: chains may be thousands of profiles deep."""

    def __init__(
        self, target: ProfileConfig, stored: Collection[str], no_session: bool, no_session_for: str = ""
    ) -> None:
        self.stored = stored
        self.no_session = no_session
        self.no_session_for = no_session_for
        self.notes: list[str] = []
        self.cache_roles = False
        self.chained_mfa = ""
        # chain[0] is the target; chain[i - 1] uses chain[i] as its source ("consumer"), in this resolution.
        self.chain = target.chain
        # keeps_full[i]: exactly one role from chain[i] up to the target, wanting more than the chaining
        # maximum (the fork's ``keepsFull``, §2.6); counted once for the whole chain.
        self.keeps_full: list[bool] = []
        roles = 0
        first_role: ProfileConfig | None = None
        for p in self.chain:
            if p.role_arn:
                roles += 1
                first_role = first_role or p
            self.keeps_full.append(
                roles == 1 and first_role is not None and first_role.assume_role_duration > ROLE_CHAINING_MAXIMUM
            )

    def _can_use_session_token(self, p: ProfileConfig, consumer: ProfileConfig | None) -> tuple[bool, str]:
        if self.no_session:
            return False, "sessions are disabled"
        if p.name == self.no_session_for:
            # aws-vault's DisableSessionsForProfile (used by login, §7): a GetSessionToken session
            # cannot sign in to the console, but a source profile further down may still prime one.
            return False, "sessions are disabled for this profile"
        if consumer is not None:
            if not consumer.mfa_serial:
                return False, f"profile '{consumer.name}' has no MFA serial defined"
            if not p.mfa_serial:
                return False, f"profile '{p.name}' has no MFA serial defined"
            if consumer.mfa_serial != p.mfa_serial:
                return False, f"MFA serial doesn't match profile '{consumer.name}'"
        return True, ""

    def _other_source(self, p: ProfileConfig) -> Step:
        """A profile without stored keys or a source profile: SSO, web identity, credential_process (§2.6)."""
        if p.sso_start_url or p.sso_session:
            step = _sso_step(p)
            self.notes.append(f"profile {p.name}: using SSO role credentials")
            return step
        if p.web_identity_token_file or p.web_identity_token_process:
            self.notes.append(f"profile {p.name}: using web identity")
            duration = check_call_duration(
                p.assume_role_duration, WEB_IDENTITY_LIMITS, p.assume_role_duration_setting, p.name
            )
            return AssumeRoleWithWebIdentity(
                p.name,
                p.role_arn,
                p.role_session_name,
                duration,
                p.web_identity_token_file,
                p.web_identity_token_process,
                sts_target(p),
            )
        if p.credential_process:
            self.notes.append(f"profile {p.name}: using credential process")
            return CredentialProcess(p.name, p.credential_process)
        raise CredentialsMissingError(p.name)

    def steps(self) -> list[Step]:
        """Down the chain to the first profile with stored keys or no source, then back up (§2.6)."""
        chain = self.chain
        k = 0
        while chain[k].name not in self.stored and chain[k].source is not None:
            self.notes.append(f"profile {chain[k].name}: sourcing credentials from profile {chain[k + 1].name}")
            k += 1
        steps: list[Step]
        if chain[k].name in self.stored:
            self.notes.append(f"profile {chain[k].name}: using stored credentials")
            steps = [UseStoredKeys(chain[k].name)]
            self._on_top(k, steps)
        else:
            steps = [self._other_source(chain[k])]
        for i in range(k - 1, -1, -1):
            self._on_top(i, steps)
        return steps

    def _on_top(self, i: int, steps: list[Step]) -> None:
        """Append what ``chain[i]`` adds on top of its source's ``steps``: GetSessionToken, AssumeRole."""
        p = self.chain[i]
        consumer = self.chain[i - 1] if i else None
        # Long-term keys may come through an alias profile untouched: what counts is the last step.
        source_is_long_term = isinstance(steps[-1], UseStoredKeys)
        is_source_for_role = consumer is not None and bool(consumer.role_arn)
        # Priming depends on the source being long-term keys, not on whose keys they are: a profile with
        # `source_profile` and no `role_arn` gets a GetSessionToken session signed with the source's key,
        # never the key itself (aws-vault's `isMasterCredentialsProvider(source)` test, reference §2.6
        # "Source path"; e.g. §9.1's `include_profile=root` + `source_profile=root` config).
        if source_is_long_term and (not p.role_arn or is_source_for_role) and not self.keeps_full[i]:
            ok, reason = self._can_use_session_token(p, consumer)
            if ok:
                if consumer:
                    duration, setting = p.chained_session_token_duration, p.chained_session_token_duration_setting
                else:
                    duration, setting = p.session_token_duration, p.session_token_duration_setting
                check_call_duration(duration, GET_SESSION_TOKEN_LIMITS, setting, p.name)
                details = " (with MFA)" if p.mfa_serial else ""
                self.notes.append(f"profile {p.name}: using GetSessionToken{details}")
                steps.append(GetSessionToken(p.name, duration, p.mfa_serial, p.mfa_process, sts_target(p)))
                self.chained_mfa = p.mfa_serial
                source_is_long_term = False
            else:
                self.notes.append(f"profile {p.name}: skipping GetSessionToken because {reason}")

        if p.role_arn:
            duration = p.assume_role_duration
            if not source_is_long_term and duration > ROLE_CHAINING_MAXIMUM:
                self.notes.append(
                    f"profile {p.name}: capping AssumeRole duration from {format_duration(duration)} "
                    f"to AWS maximum {format_duration(ROLE_CHAINING_MAXIMUM)} for role chaining"
                )
                duration = ROLE_CHAINING_MAXIMUM
            # Checked after the cap: capping is not an error, the duration sent must be in range.
            check_call_duration(duration, ASSUME_ROLE_LIMITS, p.assume_role_duration_setting, p.name)
            mfa = p.mfa_serial
            if mfa and mfa == self.chained_mfa:
                mfa = ""
                details = " (chained MFA)"
            else:
                details = " (with MFA)" if mfa else ""
            self.notes.append(f"profile {p.name}: using AssumeRole{details}")
            steps.append(
                AssumeRole(
                    profile=p.name,
                    role_arn=p.role_arn,
                    duration=duration,
                    mfa_serial=mfa,
                    mfa_process=p.mfa_process,
                    session_name=p.role_session_name,
                    external_id=p.external_id,
                    session_tags=p.session_tags,
                    transitive_session_tags=p.transitive_session_tags,
                    source_identity=p.source_identity,
                    target=sts_target(p),
                    always_cached=self.cache_roles,
                )
            )


def build_plan(
    profile: ProfileConfig,
    stored: Collection[str],
    *,
    no_session: bool = False,
    no_session_for: str = "",
    cache_roles: bool = False,
) -> Plan:
    """The steps that produce ``profile``'s credentials, given which keys are stored.

    ``no_session`` disables GetSessionToken everywhere; ``no_session_for`` only for the profile so named.
    ``cache_roles`` caches every AssumeRole, not only those sent with MFA (aws-vault's rule).
    """
    planner = _Planner(profile, stored, no_session, no_session_for)
    planner.cache_roles = cache_roles
    steps = planner.steps()
    return Plan(profile.name, tuple(steps), tuple(planner.notes), profile.region)

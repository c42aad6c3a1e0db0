"""``check-config``: lint a parsed ``~/.aws/config`` offline (no AWS calls, no secret store).

``check_config`` turns a ``ConfigFile`` into ``Finding``s, each naming the section's ``file:line``
(the parser records lines per section, not per key). It uses the resolver's and the planner's rules, so
the linter and ``exec`` never disagree: every profile is checked as if resolved and planned on its own, and
a broken profile only loses the checks that need its resolved chain; every other profile is still checked.

It takes time linear in the size of the config (plus the findings'), however deep the ``source_profile``
chains, ``include_profile`` chains and ``include_profile`` loops: each profile is resolved without its source
once (the resolver's own step, by one resolver, which walks each step of an include chain once for all the
profiles on it), and a chain's verdict is its source's verdict plus one hop, so profiles that share a chain
share that work (``_Chains``, ``_IncludeWalks``). ``tests/unit/domain/test_check_from_scratch.py`` holds the
findings equal to resolving and planning every profile from scratch (``resolve_profile``, ``build_plan``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from difflib import get_close_matches
from types import MappingProxyType
from typing import Literal

from aws_vault.domain.durations import ASSUME_ROLE_LIMITS, GET_SESSION_TOKEN_LIMITS, check_call_duration
from aws_vault.domain.errors import (
    AwsVaultError,
    IncludeLoopError,
    InvalidProfileValueError,
    MissingSourceProfileError,
)
from aws_vault.domain.plan import build_plan
from aws_vault.domain.profiles import PROFILE_KEYS, ROLE_CHAINING_MAXIMUM, ConfigFile, ProfileConfig, Section
from aws_vault.domain.records import Record
from aws_vault.domain.role_chain import ResolveOptions, _Resolver, parse_session_tags, resolve_profile

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

# Finding codes: short, stable ids (scripts may match on them).
SYNTAX_ERROR = "syntax-error"
SOURCE_LOOP = "source-loop"
MISSING_SOURCE = "missing-source-profile"
INCLUDE_LOOP = "include-loop"
MISSING_INCLUDE = "missing-include-profile"
INVALID_ROLE_ARN = "invalid-role-arn"
INVALID_MFA_SERIAL = "invalid-mfa-serial"
INVALID_DURATION = "invalid-duration"
DURATION_OUT_OF_RANGE = "duration-out-of-range"
INVALID_SESSION_TAGS = "invalid-session-tags"
INCOMPLETE_SSO = "incomplete-sso"
ROLE_CHAIN_CAPPED = "role-chain-capped"
MFA_MISMATCH = "mfa-mismatch"
UNKNOWN_KEY = "unknown-key"
LEGACY_KEY = "legacy-key"
INVALID_VALUE = "invalid-value"

# AssumeRole DurationSeconds: 15 minutes to 12 hours (the role's MaxSessionDuration may be lower).
MIN_ASSUME_ROLE_SECONDS = 900
MAX_ASSUME_ROLE_SECONDS = 43_200

SSO_SESSION_KEYS = frozenset({"sso_start_url", "sso_region", "sso_registration_scopes"})

# Profile keys the AWS CLI and SDKs read that aws-vault ignores (reference §2.2 "Not understood"):
# not typos, so never flagged. Any ``cli_*`` key is an AWS CLI setting too.
AWS_CLI_KEYS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "aws_account_id",
        "account_id_endpoint_mode",
        "api_versions",
        "auth_scheme_preference",
        "ca_bundle",
        "credential_source",
        "csm_client_id",
        "csm_enabled",
        "csm_host",
        "csm_port",
        "defaults_mode",
        "disable_request_compression",
        "ec2_metadata_service_endpoint",
        "ec2_metadata_service_endpoint_mode",
        "ec2_metadata_v1_disabled",
        "endpoint_discovery_enabled",
        "ignore_configure_endpoint_urls",
        "max_attempts",
        "metadata_service_num_attempts",
        "metadata_service_timeout",
        "output",
        "parameter_validation",
        "request_checksum_calculation",
        "request_min_compression_size_bytes",
        "response_checksum_validation",
        "retry_mode",
        "s3",
        "sdk_ua_app_id",
        "services",
        "sigv4a_signing_region_set",
        "tcp_keepalive",
        "use_dualstack_endpoint",
        "use_fips_endpoint",
    }
)
KNOWN_PROFILE_KEYS = PROFILE_KEYS | SSO_SESSION_KEYS | AWS_CLI_KEYS
_SUGGESTIONS = sorted(KNOWN_PROFILE_KEYS)

# Keys older aws-vault versions read and v7 does not (reference §2.2 include_profile).
LEGACY_KEYS = MappingProxyType({"parent_profile": "include_profile"})

# An MFA device ARN, or a hardware token's serial number (STS SerialNumber: [\w+=/:,.@-]{9,256}).
# The account part is as lenient as the resolver's role_arn check.
_MFA_ARN = re.compile(r"^arn:[a-z0-9-]+:iam::[^:]*:mfa/.+$")
_HARDWARE_SERIAL = re.compile(r"^[\w+=/:,.@-]{9,256}$", re.ASCII)


class Finding(Record):
    """One problem: where it is, how bad it is, and a stable ``code``."""

    severity: Severity
    path: str
    line: int
    profile: str
    key: str
    message: str
    code: str


def check_config(config: ConfigFile, *, stored: Collection[str] = ()) -> list[Finding]:
    """Every problem found in ``config``, sorted by ``(path, line)``; never raises.

    ``stored``: profile names known to have credentials in the vault (a ``source_profile`` may name one
    that has no section). ``check-config`` passes none: it works without the store.
    """
    return _Checker(config, stored).run()


class _Checker:
    def __init__(self, config: ConfigFile, stored: Collection[str]) -> None:
        self.config = config
        self.stored = frozenset(stored)
        self.findings: list[Finding] = []

    def add(self, severity: Severity, section: Section | None, profile: str, key: str, message: str,
            code: str) -> None:
        line = section.line if section is not None else 0
        self.findings.append(Finding(severity, self.config.path, line, profile, key, message, code))

    def run(self) -> list[Finding]:
        sanitized: list[Section] = []
        for section in self.config.profiles:
            sanitized.append(self._check_profile_section(section))
        for section in self.config.sso_sessions:
            self._check_keys(section, f"sso-session {section.name}", SSO_SESSION_KEYS, sorted(SSO_SESSION_KEYS))
        # Values the resolver would refuse are reported above; without them the chains still resolve.
        clean = self.config._replace(profiles=tuple(sanitized))
        includes = _IncludeWalks(self.config)  # sanitizing keeps every include_profile: one analysis serves both
        self._check_include_loops(includes)
        self._check_chains(_Chains(clean, self.stored, includes))
        return sorted(self.findings, key=lambda f: (f.path, f.line))

    # --- one section at a time -------------------------------------------------------------------

    def _check_profile_section(self, section: Section) -> Section:
        """Check ``section``'s own keys; return it without the values that would stop resolution."""
        name = section.name
        self._check_keys(section, name, KNOWN_PROFILE_KEYS, _SUGGESTIONS)
        drop: set[str] = set()

        role_arn = section.get("role_arn")
        if role_arn and not _is_role_arn(role_arn):
            self.add(ERROR, section, name, "role_arn",
                     f"role_arn {role_arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                     INVALID_ROLE_ARN)
            drop.add("role_arn")

        mfa_serial = section.get("mfa_serial")
        if mfa_serial and not _is_mfa_serial(mfa_serial):
            self.add(ERROR, section, name, "mfa_serial",
                     f"mfa_serial {mfa_serial!r} is neither an MFA device ARN (arn:aws:iam::<account>:mfa/<name>) "
                     "nor a hardware token serial number", INVALID_MFA_SERIAL)

        if section.get("duration_seconds") and not self._check_duration(section):
            drop.add("duration_seconds")

        tags = section.get("session_tags")
        if tags:
            try:
                parse_session_tags(tags, name)
            except InvalidProfileValueError:
                self.add(ERROR, section, name, "session_tags",
                         "session_tags must be <key1>=<value1>[,<key2>=<value2>...]", INVALID_SESSION_TAGS)
                drop.add("session_tags")

        source = section.get("source_profile")
        # A profile that names itself as its source has none (reference §2.2).
        if source and source != name and self.config.section(source) is None and source not in self.stored:
            self.add(ERROR, section, name, "source_profile",
                     f"source_profile {source!r} has no [profile {source}] section in the config", MISSING_SOURCE)

        include = section.get("include_profile")
        if include and self.config.section(include) is None:
            self.add(ERROR, section, name, "include_profile",
                     f"include_profile {include!r} has no [profile {include}] section in the config", MISSING_INCLUDE)

        if not drop:
            return section
        return section._replace(values={k: v for k, v in section.values.items() if k not in drop})

    def _check_keys(self, section: Section, label: str, known: Collection[str], suggestions: list[str]) -> None:
        for key, value in section.values.items():
            # An empty value has no effect; it is also how a nested block (``s3 =`` + indented lines) starts.
            if key in known or key.startswith("cli_") or not value:
                continue
            if key in LEGACY_KEYS:
                self.add(WARNING, section, label, key,
                         f"{key} is not read by aws-vault v7 and later; use {LEGACY_KEYS[key]}", LEGACY_KEY)
                continue
            close = get_close_matches(key, suggestions, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.add(WARNING, section, label, key, f"unknown key {key!r}{hint}", UNKNOWN_KEY)

    def _check_duration(self, section: Section) -> bool:
        """Report a bad ``duration_seconds``; False when the resolver would refuse the value."""
        text = section.get("duration_seconds")
        try:
            seconds = int(text)
        except ValueError:  # also digit strings too long to convert
            self.add(ERROR, section, section.name, "duration_seconds",
                     f"duration_seconds {text!r} is not a whole number of seconds", INVALID_DURATION)
            return False
        if not MIN_ASSUME_ROLE_SECONDS <= seconds <= MAX_ASSUME_ROLE_SECONDS:
            self.add(ERROR, section, section.name, "duration_seconds",
                     f"duration_seconds {seconds} is outside AWS's AssumeRole range "
                     f"{MIN_ASSUME_ROLE_SECONDS}..{MAX_ASSUME_ROLE_SECONDS} (15m to 12h)", DURATION_OUT_OF_RANGE)
        # Out of range is still resolvable; absurd values would overflow ``timedelta``.
        return abs(seconds) <= 10**9

    # --- include_profile loops -----------------------------------------------------------------

    def _check_include_loops(self, includes: _IncludeWalks) -> None:
        seen: set[int] = set()
        for section in self.config.profiles:
            loop = includes.loop(section.name)
            if loop is None or loop[0] in seen:
                continue
            number, implicit = loop
            seen.add(number)
            first, path = self._rotate(includes.members(section.name))
            note = " (a profile without include_profile falls through to [default])" if implicit else ""
            self.add(ERROR, self.config.section(first), first, "include_profile",
                     f"include_profile loop: {path}{note}", INCLUDE_LOOP)

    def _rotate(self, members: tuple[str, ...]) -> tuple[str, str]:
        """Start the loop at its member written first in the file: ``(first, "a -> b -> a")``."""

        def position(i: int) -> tuple[int, int]:
            section = self.config.section(members[i])
            return (section.line if section is not None else 1 << 62, i)

        start = min(range(len(members)), key=position)
        ordered = (*members[start:], *members[:start])
        return ordered[0], " -> ".join((*ordered, ordered[0]))

    # --- resolved chains ------------------------------------------------------------------------

    def _check_chains(self, chains: _Chains) -> None:
        """Each profile, in file order, as ``resolve_profile`` and then ``build_plan`` would treat it."""
        loops: set[int] = set()
        failed: set[tuple[str, str]] = set()
        planned: list[tuple[str, _Cap | None]] = []  # (profile, the roles its plan caps), plans that succeed
        for section in chains.config.profiles:
            name = section.name
            resolved = chains.resolve(name)
            if isinstance(resolved, _SourceLoop):
                if resolved.number not in loops:
                    loops.add(resolved.number)
                    first, path = self._rotate(resolved.members)
                    self.add(ERROR, self.config.section(first), first, "source_profile",
                             f"source_profile loop: {path}", SOURCE_LOOP)
                continue
            if isinstance(resolved, MissingSourceProfileError | IncludeLoopError):
                continue  # reported from the sections themselves
            if isinstance(resolved, InvalidProfileValueError):
                self._invalid(resolved, failed, INVALID_VALUE)
                continue
            if resolved is not None:
                continue
            self._check_mfa(section, chains.profile(name), chains.serial_below(name))
            # Planned as ``exec`` would, assuming the profile at the chain's bottom has stored keys.
            plan = chains.plan(name)
            if isinstance(plan, InvalidProfileValueError):
                self._invalid(plan, failed, INCOMPLETE_SSO if plan.key.startswith("sso_") else INVALID_VALUE)
            elif not isinstance(plan, AwsVaultError):
                planned.append((name, plan))
        self._report_caps(chains, planned)

    def _invalid(self, error: InvalidProfileValueError, failed: set[tuple[str, str]], code: str) -> None:
        key = (error.profile, error.key)
        if key in failed:
            return
        failed.add(key)
        reason = str(error).removeprefix(f"profile {error.profile}: ")
        self.add(ERROR, self.config.section(error.profile), error.profile, error.key, reason, code)

    def _check_mfa(self, section: Section, profile: ProfileConfig, below: ProfileConfig | None) -> None:
        """A serial that differs from the nearest one below it on the chain: one more device to prompt for."""
        mine = profile.mfa_serial
        if not mine or below is None or below.mfa_serial == mine:
            return
        self.add(WARNING, section, profile.name, "mfa_serial",
                 f"mfa_serial {mine} differs from {below.mfa_serial} of source profile {below.name}: "
                 "one MFA session cannot serve this chain, so expect a separate MFA prompt per device", MFA_MISMATCH)

    def _report_caps(self, chains: _Chains, planned: list[tuple[str, _Cap | None]]) -> None:
        """One warning per capped role, in the order a profile-by-profile pass meets them.

        That order is: profiles in file order, each plan's roles bottom-up. Plans share their lower parts
        (``_Cap``), so each shared part is walked once.
        """
        order: dict[str, None] = {}
        walked: set[_Cap] = set()
        for _target, cap in planned:
            met: list[str] = []
            while cap is not None and cap not in walked:  # all below a walked part is walked
                walked.add(cap)
                met.append(cap.role)
                cap = cap.below
            for role in reversed(met):
                order.setdefault(role)
        # A role capped in its own plan gets a warning that names no other profile; only the others need
        # the profiles whose plans cap them, and those are all named in their warnings.
        tops = dict(planned)
        own = {role for role in order if (top := tops.get(role)) is not None and top.role == role}
        users: dict[str, set[str]] = {role: set() for role in order if role not in own}
        next_named: dict[_Cap, _Cap | None] = {}  # a part -> its first part (itself or below) of such a role

        def named(cap: _Cap | None) -> _Cap | None:
            skipped: list[_Cap] = []
            while cap is not None and cap.role in own:
                if cap in next_named:
                    cap = next_named[cap]
                    break
                skipped.append(cap)
                cap = cap.below
            for part in skipped:
                next_named[part] = cap
            return cap

        for target, top in planned:
            cap = named(top)
            while cap is not None:
                users[cap.role].add(target)
                cap = named(cap.below)
        for role in order:
            self._report_cap(chains.profile(role), {role} if role in own else users[role])

    def _report_cap(self, profile: ProfileConfig, users: set[str]) -> None:
        """``users``: the profiles whose plans cap ``profile``'s AssumeRole."""
        name = profile.name
        wanted = profile.assume_role_duration
        others = sorted(users - {name})
        when = "" if name in users else f" when used as the source of {', '.join(others)}"
        limit = int(ROLE_CHAINING_MAXIMUM.total_seconds())
        self.add(WARNING, self.config.section(name), name, "duration_seconds",
                 f"role chaining: the role is assumed with temporary credentials{when}; AWS caps such sessions "
                 f"at {limit}s (1h), so the requested {int(wanted.total_seconds())}s is cut to {limit}s",
                 ROLE_CHAIN_CAPPED)


def _is_role_arn(value: str) -> bool:
    """The resolver's own check (so ``check-config`` and ``exec`` agree), run on a one-profile config."""
    probe = ConfigFile(profiles=(Section("probe", {"role_arn": value}),))
    try:
        resolve_profile(probe, "probe")
    except InvalidProfileValueError:
        return False
    return True


def _is_mfa_serial(value: str) -> bool:
    if value.startswith("arn:"):
        return _MFA_ARN.match(value) is not None
    return _HARDWARE_SERIAL.match(value) is not None


# --- include_profile walks -----------------------------------------------------------------------

_FALL_THROUGH = -1
"""The number of the one loop that falls through to ``[default]`` (cycles are numbered from 0)."""


class _IncludeWalks:
    """The loop, if any, that the resolver's ``include_profile`` walk from each name runs into.

    The walk (``role_chain``'s): ``include_profile`` if set, else fall through to ``[default]`` once (a name
    without a section has no ``include_profile``). ``include_profile`` alone makes a functional graph, so one
    colour-marking pass gives each name where its path stops: at a name without ``include_profile``, or at
    the member of a cycle it reaches first. A walk then loops iff its path ends in a cycle, or it falls
    through to ``[default]`` and ``[default]``'s path runs into a cycle or back into its own path: that is, to
    the same last name, so the loop is ``[default]``'s path closed by the fall-through.
    """

    def __init__(self, config: ConfigFile) -> None:
        self.config = config
        # name -> (where its path stops, whether that is in a cycle, whether [default] is on the path)
        self._stops: dict[str, tuple[str, bool, bool]] = {}
        self._cycles: dict[str, tuple[tuple[str, ...], int, int]] = {}  # member -> (cycle, index in it, number)
        self._count = 0

    def _include(self, name: str) -> str:
        section = self.config.section(name)
        return section.get("include_profile") if section is not None else ""

    def _stop(self, name: str) -> tuple[str, bool, bool]:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current = name
        while current not in self._stops:
            if current in on_path:  # a cycle: each member enters it at itself
                cycle = tuple(path[on_path[current] :])
                has_default = "default" in cycle
                for i, member in enumerate(cycle):
                    self._cycles[member] = (cycle, i, self._count)
                    self._stops[member] = (member, True, has_default)
                self._count += 1
                del path[on_path[current] :]
                break
            on_path[current] = len(path)
            path.append(current)
            include = self._include(current)
            if not include:
                self._stops[current] = (current, False, current == "default")
                path.pop()
                break
            current = include
        for member in reversed(path):
            stop, cyclic, via_default = self._stops[self._include(member)]
            self._stops[member] = (stop, cyclic, via_default or member == "default")
        return self._stops[name]

    def _walk_stop(self, name: str) -> tuple[str, bool] | None:
        """Where ``name``'s whole walk stops (fall-through included): (stop, in a cycle); None if it ends."""
        stop, cyclic, via_default = self._stop(name)
        if cyclic:
            return stop, True
        if via_default:
            return None  # past [default], a profile without include_profile ends the walk
        default_stop, default_cyclic, _ = self._stop("default")
        if default_cyclic:
            return default_stop, True
        return (stop, False) if default_stop == stop else None

    def loop(self, name: str) -> tuple[int, bool] | None:
        """The loop ``name``'s walk runs into: (its number, whether it falls through to [default])."""
        found = self._walk_stop(name)
        if found is None:
            return None
        stop, cyclic = found
        return (self._cycles[stop][2], False) if cyclic else (_FALL_THROUGH, True)

    def members(self, name: str) -> tuple[str, ...]:
        """The members of ``name``'s loop, from the one its walk comes back to (as ``IncludeLoopError`` names)."""
        found = self._walk_stop(name)
        assert found is not None
        stop, cyclic = found
        if cyclic:
            cycle, i, _ = self._cycles[stop]
            return (*cycle[i:], *cycle[:i])
        # [default]'s path comes back into name's path where the two paths merge.
        fall = ["default"]
        while include := self._include(fall[-1]):
            fall.append(include)
        index = {member: i for i, member in enumerate(fall)}
        merge = name
        while merge not in index:
            merge = self._include(merge)
        i = index[merge]
        return (*fall[i:], *fall[:i])


# --- source_profile chains ---------------------------------------------------------------------


class _SourceLoop(Record):
    """A ``source_profile`` loop: the resolver's ``RoleChainLoopError``, without a tuple per profile on it."""

    number: int
    cycle: tuple[str, ...]  # shared by every profile whose chain runs into it
    start: int  # the member the walk comes back to

    @property
    def members(self) -> tuple[str, ...]:
        return (*self.cycle[self.start :], *self.cycle[: self.start])


class _Cap:
    """A role whose AssumeRole a plan caps, on top of the roles capped further down the same plan.

    Plans of profiles that share a chain share its lower part, so they share these too.
    """

    __slots__ = ("below", "role")

    def __init__(self, role: str, below: _Cap | None) -> None:
        self.role = role
        self.below = below


_Resolved = AwsVaultError | _SourceLoop | None
_Planned = tuple[bool, _Cap | None] | AwsVaultError  # (credentials still long-term keys, capped roles); or the error
_Hop = tuple[str, str | None, int]  # (profile, the profile using it as its source or None, roles above: _ONE_...)

# The roles above a profile on the chain being planned, as ``_Planner.keeps_full`` counts them: none, exactly one
# that wants more than the chaining maximum, or anything else.
_NO_ROLE, _ONE_LONG_ROLE, _OTHER_ROLES = 0, 1, 2


def _roles_down_to(above: int, p: ProfileConfig) -> int:
    """The roles above ``p``'s source: those above ``p``, and ``p``."""
    if not p.role_arn:
        return above
    if above == _NO_ROLE and p.assume_role_duration > ROLE_CHAINING_MAXIMUM:
        return _ONE_LONG_ROLE
    return _OTHER_ROLES


def _has_other_source(p: ProfileConfig) -> bool:
    return bool(
        p.sso_start_url
        or p.sso_session
        or p.web_identity_token_file
        or p.web_identity_token_process
        or p.credential_process
    )


def _on_top(p: ProfileConfig, consumer: ProfileConfig | None, keeps_full: bool, long_term: bool) -> tuple[bool, bool]:
    """``_Planner._on_top`` with ``build_plan``'s defaults, as far as check-config looks at its steps.

    ``p``'s GetSessionToken and AssumeRole on credentials that are ``long_term`` keys or not; ``consumer``
    uses ``p`` as its source. Returns (what ``p`` hands up is still long-term keys, its AssumeRole is capped);
    raises what the planner raises.
    """
    primes = (
        long_term
        and (not p.role_arn or (consumer is not None and bool(consumer.role_arn)))
        and not keeps_full
        # build_plan's ``no_session_for`` is "", which a profile named "" matches.
        and p.name != ""
        and (consumer is None or (bool(consumer.mfa_serial) and consumer.mfa_serial == p.mfa_serial))
    )
    if primes:
        if consumer is None:
            duration, setting = p.session_token_duration, p.session_token_duration_setting
        else:
            duration, setting = p.chained_session_token_duration, p.chained_session_token_duration_setting
        check_call_duration(duration, GET_SESSION_TOKEN_LIMITS, setting, p.name)
        long_term = False
    if not p.role_arn:
        return long_term, False
    capped = not long_term and p.assume_role_duration > ROLE_CHAINING_MAXIMUM
    duration = ROLE_CHAINING_MAXIMUM if capped else p.assume_role_duration
    check_call_duration(duration, ASSUME_ROLE_LIMITS, p.assume_role_duration_setting, p.name)
    return False, capped


class _Chains:
    """Every profile's ``source_profile`` chain, resolved and planned as on its own, with each hop done once.

    ``resolve_profile`` and ``build_plan`` walk a profile's whole chain: called for every profile of a chain
    n deep, they make n^2 hops. Here each profile is resolved without its source once (the resolver's own
    step), and a chain's verdict is its source's verdict plus one hop, kept for every profile above it:
    the resolver's error, loop or success; the nearest MFA serial below; the plan. A plan's hop depends on
    the profile above it (its "consumer") and on how many roles are above (``_Planner.keeps_full``), so plans
    are kept per ``_Hop``: at most three per source link. Walks are loops: chains may be thousands deep.
    """

    def __init__(self, config: ConfigFile, stored: frozenset[str], includes: _IncludeWalks) -> None:
        self.config = config
        self.stored = stored
        self.includes = includes
        # check-config reads no environment and no flags, so a profile resolves the same in every chain.
        self.resolver = _Resolver(config, {}, ResolveOptions(), "", stored)
        self._own: dict[str, ProfileConfig | AwsVaultError] = {}
        self._resolved: dict[str, _Resolved] = {}
        self._loops = 0
        self._serials: dict[str, ProfileConfig | None] = {}
        self._plans: dict[_Hop, _Planned] = {}

    def own(self, name: str) -> ProfileConfig | AwsVaultError:
        """``name`` resolved without its source (``source`` unset), or what resolving it raises."""
        if name not in self._own:
            if self.includes.loop(name) is not None:
                # What the resolver raises (it keeps no walk that loops, so it would walk the loop again for
                # each profile on it); check-config reports include loops from the sections instead.
                self._own[name] = IncludeLoopError(name)
            else:
                try:
                    self._own[name] = self.resolver._own(name)
                except AwsVaultError as e:
                    self._own[name] = e
        return self._own[name]

    def profile(self, name: str) -> ProfileConfig:
        """``own(name)`` for a profile on a chain that resolves."""
        own = self.own(name)
        assert isinstance(own, ProfileConfig)
        return own

    def resolve(self, name: str) -> _Resolved:
        """What ``resolve_profile`` raises for ``name`` (a loop as ``_SourceLoop``); None when it resolves.

        The resolver's walk: ``name`` resolved on its own, then a loop back onto the walk, then a source
        that exists nowhere, then on to the source.
        """
        path: list[tuple[str, str]] = []  # (profile, its source), each waiting for its source's verdict
        on_path: dict[str, int] = {}
        current = name
        while current not in self._resolved:
            own = self.own(current)
            if isinstance(own, AwsVaultError):
                self._resolved[current] = own
                break
            source = own.source_profile_name
            if not source:
                self._resolved[current] = None
                break
            on_path[current] = len(path)
            path.append((current, source))
            if source in on_path:
                cycle = tuple(member for member, _ in path[on_path[source] :])
                for i, member in enumerate(cycle):
                    self._resolved[member] = _SourceLoop(self._loops, cycle, i)
                self._loops += 1
                del path[on_path[source] :]
                break
            if self.config.section(source) is None and source not in self.stored:
                self._resolved[current] = MissingSourceProfileError(current, source)
                path.pop()
                break
            current = source
        for member, source in reversed(path):
            self._resolved[member] = self._resolved[source]
        return self._resolved[name]

    def serial_below(self, name: str) -> ProfileConfig | None:
        """The nearest profile below ``name`` on its chain (which resolves) that has an ``mfa_serial``."""
        path: list[str] = []
        current = self.profile(name).source_profile_name
        found: ProfileConfig | None = None
        while current:
            if current in self._serials:
                found = self._serials[current]
                break
            profile = self.profile(current)
            if profile.mfa_serial:
                found = profile
                break
            path.append(current)
            current = profile.source_profile_name
        for member in path:
            self._serials[member] = found
        return found

    def plan(self, name: str) -> _Cap | AwsVaultError | None:
        """What ``build_plan`` raises for ``name`` (chain resolved), or the roles whose AssumeRole it caps.

        As check-config plans: the profile at the bottom of the chain has stored keys, unless it gets
        credentials another way (SSO, web identity, credential_process).
        """
        hop: _Hop = (name, None, _NO_ROLE)
        pending: list[_Hop] = []
        while hop not in self._plans:
            current, _, above = hop
            p = self.profile(current)
            source = p.source_profile_name
            if current in self.stored or not (source or _has_other_source(p)):
                self._plans[hop] = self._on_top(hop, (True, None))  # build_plan starts from stored keys here
                break
            if not source:
                self._plans[hop] = self._from_other_source(p)
                break
            pending.append(hop)
            hop = (source, current, _roles_down_to(above, p))
        for waiting in reversed(pending):
            self._plans[waiting] = self._on_top(waiting, self._plans[hop])
            hop = waiting
        planned = self._plans[hop]
        return planned if isinstance(planned, AwsVaultError) else planned[1]

    def _from_other_source(self, bottom: ProfileConfig) -> _Planned:
        """The plan's first step, from SSO, web identity or credential_process: the planner's own."""
        try:
            build_plan(bottom, self.stored)  # ``bottom`` has no source: this plans only that step
        except AwsVaultError as e:
            return e
        return False, None

    def _on_top(self, hop: _Hop, below: _Planned) -> _Planned:
        """The plan up to ``hop``'s source, ``below``, with ``hop``'s profile's steps on top."""
        if isinstance(below, AwsVaultError):
            return below
        name, consumer, above = hop
        p = self.profile(name)
        long_term, caps = below
        keeps_full = _roles_down_to(above, p) == _ONE_LONG_ROLE
        try:
            long_term, capped = _on_top(p, None if consumer is None else self.profile(consumer), keeps_full, long_term)
        except AwsVaultError as e:
            return e
        return long_term, _Cap(name, caps) if capped else caps

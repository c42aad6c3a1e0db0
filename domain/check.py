"""``check-config``: lint a parsed ``~/.aws/config`` offline (no AWS calls, no secret store).

``check_config`` turns a ``ConfigFile`` into ``Finding``s, each naming the section's ``file:line``
(the parser records lines per section, not per key). It reuses the resolver and the planner, so the
linter and ``exec`` never disagree: every profile is resolved on its own, and a broken profile only
loses the checks that need its resolved chain; every other profile is still checked.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from difflib import get_close_matches
from types import MappingProxyType
from typing import Literal

from aws_vault.domain.errors import (
    AwsVaultError,
    IncludeLoopError,
    InvalidProfileValueError,
    MissingSourceProfileError,
    RoleChainLoopError,
)
from aws_vault.domain.plan import AssumeRole, build_plan
from aws_vault.domain.profiles import PROFILE_KEYS, ROLE_CHAINING_MAXIMUM, ConfigFile, ProfileConfig, Section
from aws_vault.domain.records import Record
from aws_vault.domain.role_chain import parse_session_tags, resolve_profile

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
        self.stored = stored
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
        self._check_include_loops()
        self._check_chains(clean)
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

    def _check_include_loops(self) -> None:
        seen: set[frozenset[str]] = set()
        for section in self.config.profiles:
            loop = _include_loop(self.config, section.name)
            if loop is None:
                continue
            members, implicit = loop
            if frozenset(members) in seen:
                continue
            seen.add(frozenset(members))
            first, path = self._rotate(members)
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

    def _check_chains(self, clean: ConfigFile) -> None:
        loops: set[frozenset[str]] = set()
        failed: set[tuple[str, str]] = set()
        # profile -> (the profile, the targets whose plans cap its AssumeRole)
        capped: dict[str, tuple[ProfileConfig, list[str]]] = {}
        for section in clean.profiles:
            name = section.name
            try:
                profile = resolve_profile(clean, name, stored=self.stored)
            except RoleChainLoopError as e:
                members = tuple(e.loop[:-1])
                if frozenset(members) not in loops:
                    loops.add(frozenset(members))
                    first, path = self._rotate(members)
                    self.add(ERROR, self.config.section(first), first, "source_profile",
                             f"source_profile loop: {path}", SOURCE_LOOP)
                continue
            except (MissingSourceProfileError, IncludeLoopError):
                continue  # reported from the sections themselves
            except InvalidProfileValueError as e:
                self._invalid(e, failed, INVALID_VALUE)
                continue
            except AwsVaultError:
                continue
            self._check_mfa(section, profile)
            self._check_plan(profile, capped, failed)
        for profile, targets in capped.values():
            self._report_cap(profile, targets)

    def _invalid(self, error: InvalidProfileValueError, failed: set[tuple[str, str]], code: str) -> None:
        key = (error.profile, error.key)
        if key in failed:
            return
        failed.add(key)
        reason = str(error).removeprefix(f"profile {error.profile}: ")
        self.add(ERROR, self.config.section(error.profile), error.profile, error.key, reason, code)

    def _check_mfa(self, section: Section, profile: ProfileConfig) -> None:
        """A serial that differs from the nearest one below it on the chain: one more device to prompt for."""
        mine = profile.mfa_serial
        if not mine:
            return
        below = next((p for p in profile.chain[1:] if p.mfa_serial), None)
        if below is None or below.mfa_serial == mine:
            return
        self.add(WARNING, section, profile.name, "mfa_serial",
                 f"mfa_serial {mine} differs from {below.mfa_serial} of source profile {below.name}: "
                 "one MFA session cannot serve this chain, so expect a separate MFA prompt per device", MFA_MISMATCH)

    def _check_plan(self, profile: ProfileConfig, capped: dict[str, tuple[ProfileConfig, list[str]]],
                    failed: set[tuple[str, str]]) -> None:
        """Plan the chain as ``exec`` would, assuming the profile at its bottom has stored keys."""
        bottom = profile.chain[-1]
        other_source = (
            bottom.sso_start_url or bottom.sso_session or bottom.web_identity_token_file
            or bottom.web_identity_token_process or bottom.credential_process
        )
        stored = set(self.stored) if other_source else {*self.stored, bottom.name}
        try:
            plan = build_plan(profile, stored)
        except InvalidProfileValueError as e:
            self._invalid(e, failed, INCOMPLETE_SSO if e.key.startswith("sso_") else INVALID_VALUE)
            return
        except AwsVaultError:
            return
        by_name = {p.name: p for p in profile.chain}
        for step in plan.steps:
            if not isinstance(step, AssumeRole):
                continue
            role = by_name.get(step.profile)
            if role is not None and step.duration < role.assume_role_duration:
                capped.setdefault(role.name, (role, []))[1].append(profile.name)

    def _report_cap(self, profile: ProfileConfig, targets: Iterable[str]) -> None:
        name = profile.name
        wanted = profile.assume_role_duration
        users = set(targets)
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


def _include_loop(config: ConfigFile, name: str) -> tuple[tuple[str, ...], bool] | None:
    """The loop the resolver's ``include_profile`` walk from ``name`` runs into: (members, via [default]).

    The same walk as ``role_chain``: ``include_profile`` if set, else fall through to ``[default]`` once.
    """
    visited: list[str] = []
    implicit: list[bool] = []  # implicit[i]: visited[i] was left by falling through to [default]
    current: str | None = name
    while current is not None:
        if current in visited:
            start = visited.index(current)
            return tuple(visited[start:]), any(implicit[start:])
        visited.append(current)
        section = config.section(current)
        include = section.get("include_profile") if section is not None else ""
        if include:
            current, fell = include, False
        elif current != "default" and "default" not in visited:
            current, fell = "default", True
        else:
            current, fell = None, False
        implicit.append(fell)
    return None

"""Property tests of the domain: resolution, plans, sessions and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aws_vault.domain.durations import format_duration, parse_duration
from aws_vault.domain.errors import InvalidDurationError, MissingSourceProfileError, RoleChainLoopError
from aws_vault.domain.plan import AssumeRole, GetSessionToken, UseStoredKeys, build_plan
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.domain.sessions import KeyKind, SessionKey, classify_key, is_fresh

NAMES = ["default", "a", "b", "c", "d", "e"]


@st.composite
def profile_graphs(draw: st.DrawFn) -> tuple[ConfigFile, set[str], str]:
    """A config where each section may name a source (possibly one that exists nowhere)."""
    present = draw(st.lists(st.sampled_from(NAMES), unique=True, min_size=1))
    sections = []
    for name in present:
        values: dict[str, str] = {}
        source = draw(st.none() | st.sampled_from([*NAMES, "ghost"]))
        if source is not None:
            values["source_profile"] = source
        if draw(st.booleans()):
            values["role_arn"] = f"arn:aws:iam::111111111111:role/{name}"
        sections.append(Section(name, values))
    stored = set(draw(st.lists(st.sampled_from([*NAMES, "ghost"]), unique=True)))
    target = draw(st.sampled_from(present))
    return ConfigFile("config", tuple(sections)), stored, target


def _effective_source(config: ConfigFile, name: str) -> str:
    """aws-vault's rule: own source_profile, else [default]'s; naming itself means none."""
    section = config.section(name)
    source = section.get("source_profile") if section else ""
    if not source and name != "default":
        default = config.section("default")
        source = default.get("source_profile") if default else ""
    return "" if source == name else source


def _oracle(config: ConfigFile, stored: set[str], target: str) -> str:
    seen = [target]
    current = target
    while True:
        source = _effective_source(config, current)
        if not source:
            return "ok"
        if source in seen:
            return "loop"
        if config.section(source) is None and source not in stored:
            return "missing"
        seen.append(source)
        current = source


@given(profile_graphs())
def test_resolution_terminates_and_fails_iff_cycle_or_missing_source(
    graph: tuple[ConfigFile, set[str], str],
) -> None:
    config, stored, target = graph
    expected = _oracle(config, stored, target)
    if expected == "loop":
        with pytest.raises(RoleChainLoopError) as info:
            resolve_profile(config, target, stored=stored)
        loop = info.value.loop
        assert loop[0] == loop[-1] and len(loop) >= 2
    elif expected == "missing":
        with pytest.raises(MissingSourceProfileError):
            resolve_profile(config, target, stored=stored)
    else:
        profile = resolve_profile(config, target, stored=stored)
        names = [p.name for p in profile.chain]
        assert names[0] == target
        assert len(names) == len(set(names))


@st.composite
def mfa_chains(draw: st.DrawFn) -> tuple[ConfigFile, set[str], str, str]:
    """A straight source chain where every profile uses the same MFA serial."""
    serial = "arn:aws:iam::111111111111:mfa/user"
    length = draw(st.integers(min_value=1, max_value=5))
    names = [f"p{i}" for i in range(length)]
    sections = []
    for i, name in enumerate(names):
        values = {"mfa_serial": serial}
        if i > 0:
            values["source_profile"] = names[i - 1]
        if i > 0 or draw(st.booleans()):
            values["role_arn"] = f"arn:aws:iam::111111111111:role/{name}"
        if draw(st.booleans()):
            values["duration_seconds"] = str(draw(st.sampled_from([900, 3600, 7200, 43200])))
        sections.append(Section(name, values))
    return ConfigFile("config", tuple(sections)), {names[0]}, names[-1], serial


@given(mfa_chains())
def test_mfa_is_requested_at_most_once_per_serial(chain: tuple[ConfigFile, set[str], str, str]) -> None:
    config, stored, target, serial = chain
    plan = build_plan(resolve_profile(config, target, stored=stored), stored)
    assert list(plan.mfa_serials).count(serial) <= 1
    assert isinstance(plan.steps[0], UseStoredKeys)
    # Only the first STS call runs on long-term keys; AssumeRole on temporary keys is capped at 1h.
    for earlier, step in zip(plan.steps, plan.steps[1:], strict=False):
        if isinstance(step, AssumeRole) and not isinstance(earlier, UseStoredKeys):
            assert step.duration <= timedelta(hours=1)
    assert sum(isinstance(s, GetSessionToken) for s in plan.steps) <= 1


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
ttls = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2))


@given(moments, moments, moments, ttls)
def test_cached_session_reuse_is_monotone_in_time(
    expiry: datetime, t0: datetime, t1: datetime, min_ttl: timedelta
) -> None:
    early, late = sorted([t0, t1])
    if is_fresh(expiry, late, min_ttl):
        assert is_fresh(expiry, early, min_ttl)
    if not is_fresh(expiry, early, min_ttl):
        assert not is_fresh(expiry, late, min_ttl)


@given(st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)))
def test_duration_format_then_parse_round_trips(d: timedelta) -> None:
    assert parse_duration(format_duration(d)) == d


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=500), st.sampled_from(["h", "m", "s", "ms", "us"])),
        min_size=1,
        max_size=4,
    )
)
def test_go_duration_strings_parse_to_their_sum(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{n}{u}" for n, u in parts)
    unit = {"h": 3600e6, "m": 60e6, "s": 1e6, "ms": 1e3, "us": 1.0}
    expected = timedelta(microseconds=sum(n * unit[u] for n, u in parts))
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@given(st.integers(min_value=1, max_value=10**6))
def test_bare_numbers_are_not_durations(n: int) -> None:
    with pytest.raises(InvalidDurationError):
        parse_duration(str(n))


@settings(max_examples=200)
@given(
    st.sampled_from(["sts.GetSessionToken", "sts.AssumeRole", "sso.GetRoleCredentials", "credential_process"]),
    st.text(min_size=1),
    st.text(),
    st.integers(min_value=0, max_value=2**40),
)
def test_session_keys_round_trip_and_classify_as_sessions(kind: str, profile: str, mfa: str, expiry: int) -> None:
    assume("," not in kind)
    key = SessionKey(kind, profile, mfa, expiry)
    assert SessionKey.parse(key.format()) == key
    assert classify_key(key.format()) == KeyKind.SESSION

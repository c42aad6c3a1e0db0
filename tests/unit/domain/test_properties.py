"""Property tests of the domain: resolution, plans, sessions and durations.

Configs come from ``aws_vault.testing.strategies``, the strategies tooling teams use to test their own code
against our resolver. Each resolution property checks the real resolver against an oracle written here from
the rules of reference §2.3 (own section, then ``include_profile`` chain, then ``[default]``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import Phase, assume, example, find, given, settings
from hypothesis import strategies as st

from aws_vault.adapters.config.aws_config_source import parse_config_text
from aws_vault.domain.durations import format_duration, parse_duration
from aws_vault.domain.errors import (
    AwsVaultError,
    IncludeLoopError,
    InvalidDurationError,
    MissingSourceProfileError,
    RoleChainLoopError,
)
from aws_vault.domain.plan import AssumeRole, GetSessionToken, Plan, SsoRoleCredentials, UseStoredKeys, build_plan
from aws_vault.domain.profiles import ROLE_CHAINING_MAXIMUM, ConfigFile, ProfileConfig, Section
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.domain.sessions import KeyKind, SessionKey, classify_key, is_fresh
from aws_vault.testing.strategies import ConfigDocument, ProfileGraph, config_documents, config_texts, profile_graphs

# --- the oracle -----------------------------------------------------------------------------------------------


def _lookup(config: ConfigFile, name: str, key: str) -> str:
    """The first non-empty ``key`` along the profile's section, its include chain, then ``[default]``."""
    seen: list[str] = []
    current = name
    while current:
        assert current not in seen, "the strategies never generate include_profile loops"
        seen.append(current)
        section = config.section(current)
        if section is not None and section.get(key):
            return section.get(key)
        include = section.get("include_profile") if section is not None else ""
        current = include or ("default" if "default" not in seen else "")
    return ""


def _effective_source(config: ConfigFile, name: str) -> str:
    """aws-vault's rule: the looked-up source_profile; a profile naming itself has none."""
    source = _lookup(config, name, "source_profile")
    return "" if source == name else source


def _expected(graph: ProfileGraph) -> tuple[str, tuple[str, ...]]:
    """``("ok", chain)``, ``("loop", loop)`` or ``("missing", (profile, source))`` for the graph's target."""
    config, stored = graph.config, graph.stored
    chain = [graph.target]
    while True:
        source = _effective_source(config, chain[-1])
        if not source:
            return "ok", tuple(chain)
        if source in chain:
            return "loop", (*chain[chain.index(source) :], source)
        if config.section(source) is None and source not in stored:
            return "missing", (chain[-1], source)
        chain.append(source)


def _plan(graph: ProfileGraph, name: str | None = None) -> tuple[ProfileConfig, Plan]:
    profile = resolve_profile(graph.config, name or graph.target, stored=graph.stored)
    return profile, build_plan(profile, graph.stored)


# --- resolution -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cycles", "missing"), [(False, False), (True, False), (False, True), (True, True)])
@given(data=st.data())
def test_resolution_terminates_and_fails_iff_cycle_or_missing_source(
    cycles: bool, missing: bool, data: st.DataObject
) -> None:
    graph = data.draw(profile_graphs(cycles=cycles, missing_sources=missing), label="graph")
    outcome, detail = _expected(graph)
    assert cycles or outcome != "loop"
    assert missing or outcome != "missing"
    if outcome == "loop":
        with pytest.raises(RoleChainLoopError) as loop:
            resolve_profile(graph.config, graph.target, stored=graph.stored)
        assert loop.value.loop == detail  # which implies loop[0] == loop[-1], len >= 2
    elif outcome == "missing":
        with pytest.raises(MissingSourceProfileError) as missing_source:
            resolve_profile(graph.config, graph.target, stored=graph.stored)
        assert (missing_source.value.profile, missing_source.value.source) == detail
    else:
        profile = resolve_profile(graph.config, graph.target, stored=graph.stored)
        names = tuple(p.name for p in profile.chain)
        assert names == detail
        assert len(names) == len(set(names))


@given(profile_graphs())
def test_every_profile_of_a_default_graph_resolves_and_plans(graph: ProfileGraph) -> None:
    for name in {s.name for s in graph.config.profiles} | {graph.target}:
        profile, plan = _plan(graph, name)
        assert plan.profile == name and profile.name == name
        assert plan.steps  # build_plan raised nothing: every chain ends in stored keys or SSO


@given(profile_graphs(cycles=True, missing_sources=True, malformed=True))
def test_resolution_raises_nothing_but_our_own_errors(graph: ProfileGraph) -> None:
    for name in {s.name for s in graph.config.profiles} | {graph.target}:
        try:
            _plan(graph, name)
        except AwsVaultError as e:  # anything else fails the test
            assert not isinstance(e, IncludeLoopError)  # include_profile never loops in these graphs
            assert str(e) and "\n" not in str(e)  # one line for "aws-vault: error: <cmd>: <msg>"


# --- plans ----------------------------------------------------------------------------------------------------


@given(profile_graphs())
def test_plans_start_at_the_first_stored_profile_and_assume_the_chain_s_roles_in_order(graph: ProfileGraph) -> None:
    profile, plan = _plan(graph)
    chain = profile.chain
    k = next((i for i, p in enumerate(chain) if p.name in graph.stored), len(chain) - 1)
    first, rest = plan.steps[0], plan.steps[1:]
    assert first.profile == chain[k].name
    assert isinstance(first, UseStoredKeys if chain[k].name in graph.stored else SsoRoleCredentials)
    assert all(isinstance(s, GetSessionToken | AssumeRole) for s in rest)
    # An SSO profile's own role_arn is not assumed: GetRoleCredentials already yields the role.
    roles = [chain[k]] if isinstance(first, UseStoredKeys) and chain[k].role_arn else []
    roles += [p for p in reversed(chain[:k]) if p.role_arn]
    assumed = [s for s in rest if isinstance(s, AssumeRole)]
    assert [(s.profile, s.role_arn) for s in assumed] == [(p.name, p.role_arn) for p in roles]
    sessions = [i for i, s in enumerate(plan.steps) if isinstance(s, GetSessionToken)]
    assert sessions in ([], [1])  # at most one, right on the stored keys


@given(profile_graphs())
def test_role_chaining_caps_durations_and_chained_mfa_is_not_sent_again(graph: ProfileGraph) -> None:
    _profile, plan = _plan(graph)
    primed = ""
    for earlier, step in zip(plan.steps, plan.steps[1:], strict=False):
        if isinstance(step, AssumeRole):
            # Only the first STS call runs on long-term keys; AssumeRole on temporary keys is capped at 1h.
            if not isinstance(earlier, UseStoredKeys):
                assert step.duration <= ROLE_CHAINING_MAXIMUM
            assert not primed or step.mfa_serial != primed
        if isinstance(step, GetSessionToken):
            primed = step.mfa_serial


def _alias_between_roles(chain: tuple[ProfileConfig, ...], stored: frozenset[str]) -> bool:
    """The stored profile has a role, its consumer is an alias (no role), and a role sits further up.

    The fork primes a stored profile that has a role only when its *immediate* consumer has one too
    (``isSourceForRoleProfile``, reference §2.6), so such an alias hop costs one MFA prompt per role.
    """
    k = next((i for i, p in enumerate(chain) if p.name in stored), len(chain) - 1)
    return k >= 2 and bool(chain[k].role_arn) and not chain[k - 1].role_arn and any(p.role_arn for p in chain[: k - 1])


SERIAL = "arn:aws:iam::111111111111:mfa/user"
ALIAS_HOP = ProfileGraph(
    ConfigFile(
        "config",
        (
            Section("source", {"role_arn": "arn:aws:iam::111111111111:role/source", "mfa_serial": SERIAL}),
            Section("alias", {"source_profile": "source", "mfa_serial": SERIAL}),
            Section(
                "target",
                {"source_profile": "alias", "role_arn": "arn:aws:iam::222222222222:role/target", "mfa_serial": SERIAL},
            ),
        ),
    ),
    frozenset({"source"}),
    "target",
)


@example(ALIAS_HOP)
@given(profile_graphs(shared_mfa=True, sso=False))
def test_mfa_is_requested_at_most_once_per_serial(graph: ProfileGraph) -> None:
    profile, plan = _plan(graph)
    serials = {p.mfa_serial for p in profile.chain}
    assert len(serials) == 1 and "" not in serials  # the strategy's promise: one serial on every profile
    if _alias_between_roles(profile.chain, graph.stored):
        assert list(plan.mfa_serials) == [*serials] * sum(isinstance(s, AssumeRole) for s in plan.steps)
    else:
        assert len(plan.mfa_serials) <= 1
    assert isinstance(plan.steps[0], UseStoredKeys)
    for earlier, step in zip(plan.steps, plan.steps[1:], strict=False):
        if isinstance(step, AssumeRole) and not isinstance(earlier, UseStoredKeys):
            assert step.duration <= timedelta(hours=1)
    assert sum(isinstance(s, GetSessionToken) for s in plan.steps) <= 1


# --- config text ----------------------------------------------------------------------------------------------


@settings(max_examples=200)
@given(config_documents(cycles=True, missing_sources=True, malformed=True))
def test_config_texts_parse_into_the_graph_they_encode(document: ConfigDocument) -> None:
    assert parse_config_text(document.text, document.graph.config.path) == document.graph.config


@given(config_documents())
def test_every_profile_of_a_default_config_text_resolves_and_plans(document: ConfigDocument) -> None:
    config = parse_config_text(document.text, document.graph.config.path)
    for name in config.profile_names():
        build_plan(resolve_profile(config, name, stored=document.graph.stored), document.graph.stored)


@given(config_texts(max_profiles=2))
def test_config_texts_are_config_files(text: str) -> None:
    assert parse_config_text(text, "config").profiles


# --- the strategies reach every case -------------------------------------------------------------------------


def _source_from_default(graph: ProfileGraph) -> bool:
    section, default = graph.config.section(graph.target), graph.config.section("default")
    return (
        graph.target != "default"
        and section is not None
        and not section.get("source_profile")
        and not section.get("include_profile")
        and default is not None
        and _expected(graph)[0] == "ok"
        and len(_expected(graph)[1]) > 1
    )


def _role_from_include(graph: ProfileGraph) -> bool:
    section = graph.config.section(graph.target)
    return (
        section is not None
        and bool(section.get("include_profile"))
        and not section.get("role_arn")
        and bool(_plan(graph)[0].role_arn)
    )


CASES: dict[str, tuple[dict[str, bool], Callable[[ProfileGraph], bool]]] = {
    "a source_profile loop": ({"cycles": True}, lambda g: _expected(g)[0] == "loop"),
    "a source that exists nowhere": ({"missing_sources": True}, lambda g: _expected(g)[0] == "missing"),
    "a chain of three profiles": ({}, lambda g: len(_expected(g)[1]) >= 3),
    "a source inherited from [default]": ({}, _source_from_default),
    "a role inherited through include_profile": ({}, _role_from_include),
    "a keys-only source": ({}, lambda g: any(g.config.section(n) is None for n in _expected(g)[1])),
    "SSO through an [sso-session]": (
        {},
        lambda g: isinstance(_plan(g)[1].steps[0], SsoRoleCredentials) and bool(_plan(g)[0].chain[-1].sso_session),
    ),
    "a role assumed with chained MFA": ({"shared_mfa": True}, lambda g: any("(chained MFA)" in n for n in _plan(g)[1].notes)),
    "an AssumeRole capped at 1h": ({}, lambda g: any("capping" in n for n in _plan(g)[1].notes)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_strategies_reach(case: str) -> None:
    knobs, condition = CASES[case]
    # Generation only: shrinking the example found would take most of the time.
    find(profile_graphs(**knobs), condition, settings=settings(max_examples=5000, database=None, phases=[Phase.generate]))


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
    st.integers(min_value=0, max_value=253402300799),  # up to 9999-12-31T23:59:59Z, datetime's last second
)
def test_session_keys_round_trip_and_classify_as_sessions(kind: str, profile: str, mfa: str, expiry: int) -> None:
    assume("," not in kind)
    key = SessionKey(kind, profile, mfa, expiry)
    assert SessionKey.parse(key.format()) == key
    assert classify_key(key.format()) == KeyKind.SESSION


@given(st.integers(min_value=253402300800, max_value=10**30))
def test_a_session_key_expiring_after_year_9999_is_not_a_session(expiry: int) -> None:
    assert SessionKey.parse(f"sts.GetSessionToken,cA,,{expiry}") is None

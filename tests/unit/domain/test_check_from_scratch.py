"""``check_config`` against an oracle that resolves and plans every profile from scratch.

``check_config`` shares work between profiles on one chain (``_Chains``, ``_IncludeWalks``), so a chain n deep
costs n hops, not n^2. The oracle is the checker as it was before that: each profile through the public
``resolve_profile`` and ``build_plan``, each ``include_profile`` walk on its own. The two must print exactly the
same findings, in the same order, on any config; the oracle also keeps check-config in step with the resolver
and the planner, whose per-hop rules ``_Chains`` replays.
"""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from aws_vault.adapters.config.aws_config_source import parse_config_text
from aws_vault.domain.check import (
    ERROR,
    INCLUDE_LOOP,
    INCOMPLETE_SSO,
    INVALID_VALUE,
    SOURCE_LOOP,
    Finding,
    _Chains,
    _Checker,
    _IncludeWalks,
    check_config,
)
from aws_vault.domain.errors import (
    AwsVaultError,
    IncludeLoopError,
    InvalidProfileValueError,
    MissingSourceProfileError,
    RoleChainLoopError,
)
from aws_vault.domain.plan import AssumeRole, build_plan
from aws_vault.domain.profiles import ConfigFile, ProfileConfig, Section
from aws_vault.domain.role_chain import resolve_profile
from tests.unit.domain.test_check import ACCOUNT, MFA, OTHER_MFA, PATH, role

# --- the oracle: check-config before chains shared their work -----------------------------------------------


class FromScratch(_Checker):
    """``_Checker`` with its chain and include-loop checks done profile by profile, from scratch."""

    def _check_include_loops(self, includes: _IncludeWalks) -> None:
        seen: set[frozenset[str]] = set()
        for section in self.config.profiles:
            loop = include_loop(self.config, section.name)
            if loop is None:
                continue
            members, implicit = loop
            if frozenset(members) in seen:
                continue
            seen.add(frozenset(members))
            first, path = self._rotate(members)
            note = " (a profile without include_profile falls through to [default])" if implicit else ""
            self.add(
                ERROR,
                self.config.section(first),
                first,
                "include_profile",
                f"include_profile loop: {path}{note}",
                INCLUDE_LOOP,
            )

    def _check_chains(self, chains: _Chains) -> None:
        clean = chains.config
        loops: set[frozenset[str]] = set()
        failed: set[tuple[str, str]] = set()
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
                    self.add(
                        ERROR,
                        self.config.section(first),
                        first,
                        "source_profile",
                        f"source_profile loop: {path}",
                        SOURCE_LOOP,
                    )
                continue
            except (MissingSourceProfileError, IncludeLoopError):
                continue
            except InvalidProfileValueError as e:
                self._invalid(e, failed, INVALID_VALUE)
                continue
            except AwsVaultError:
                continue
            below = next((p for p in profile.chain[1:] if p.mfa_serial), None)
            self._check_mfa(section, profile, below)
            self._check_plan(profile, capped, failed)
        for profile, targets in capped.values():
            self._report_cap(profile, set(targets))

    def _check_plan(
        self, profile: ProfileConfig, capped: dict[str, tuple[ProfileConfig, list[str]]], failed: set[tuple[str, str]]
    ) -> None:
        bottom = profile.chain[-1]
        other_source = (
            bottom.sso_start_url
            or bottom.sso_session
            or bottom.web_identity_token_file
            or bottom.web_identity_token_process
            or bottom.credential_process
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


def include_loop(config: ConfigFile, name: str) -> tuple[tuple[str, ...], bool] | None:
    """The resolver's ``include_profile`` walk from ``name``, step by step: the loop it runs into, if any."""
    visited: list[str] = []
    implicit: list[bool] = []
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


def from_scratch(config: ConfigFile, stored: Iterable[str] = ()) -> list[Finding]:
    return FromScratch(config, frozenset(stored)).run()


# --- random configs ---------------------------------------------------------------------------------------

# A few names, so chains, loops and shared sources happen; "" and sectionless stored names ("k1", "k2") too.
NAMES = ["default", "a", "b", "c", "d", "e", "f", ""]
STORED_ONLY = ["k1", "k2"]
TARGETS = st.sampled_from([*NAMES, *STORED_ONLY, "ghost"])
VALUES = {
    "source_profile": TARGETS,
    "include_profile": TARGETS,
    "role_arn": st.sampled_from([role("x"), role("y"), "nonsense"]),
    "mfa_serial": st.sampled_from([MFA, OTHER_MFA]),
    "duration_seconds": st.sampled_from(["900", "3600", "3601", "7200", "43200", "50000", "600", "-5", "0", "1h"]),
    "sso_session": st.sampled_from(["corp", "ghost"]),
    "sso_start_url": st.just("https://corp.awsapps.com/start"),
    "sso_region": st.just("us-east-1"),
    "sso_account_id": st.just(ACCOUNT),
    "sso_role_name": st.just("Admin"),
    "credential_process": st.just("fetch-keys"),
    "web_identity_token_file": st.just("/tmp/token"),
    "session_tags": st.sampled_from(["team=x", "team"]),
    "region": st.just("eu-west-1"),
}
# Mostly the keys that build chains and change plans.
KEYS = [*VALUES, *["source_profile", "role_arn", "mfa_serial", "duration_seconds", "include_profile"] * 3]


@st.composite
def sections(draw: st.DrawFn, name: str, line: int) -> Section:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=5))
    return Section(name, {key: draw(VALUES[key]) for key in keys}, line=line)


@st.composite
def configs(draw: st.DrawFn) -> ConfigFile:
    # Repeated names and shared lines (hand-built configs have them) test the order of ties as well.
    names = draw(st.lists(st.sampled_from(NAMES), max_size=9))
    same_lines = draw(st.booleans())
    lines = [draw(st.integers(0, 2)) if same_lines else i * 10 + 1 for i in range(len(names))]
    profiles = tuple(draw(sections(name, line)) for name, line in zip(names, lines, strict=True))
    sso = Section("corp", {"sso_start_url": "https://corp.awsapps.com/start", "sso_region": "us-east-1"}, line=500)
    return ConfigFile(PATH, profiles, (sso,) if draw(st.booleans()) else ())


stored_sets = st.frozensets(st.sampled_from([*NAMES, *STORED_ONLY]), max_size=3)


@settings(max_examples=1000, deadline=None)
@given(configs(), stored_sets)
def test_findings_are_those_of_checking_each_profile_from_scratch(config: ConfigFile, stored: frozenset[str]) -> None:
    assert check_config(config, stored=stored) == from_scratch(config, stored)


@st.composite
def long_chains(draw: st.DrawFn) -> tuple[ConfigFile, frozenset[str]]:
    """Up to 40 profiles, each sourcing or including one drawn from a few near it: trees, combs, loops."""
    count = draw(st.integers(1, 40))
    profiles = []
    for i in range(count):
        values = {}
        if draw(st.integers(0, 9)):
            key = draw(st.sampled_from(["source_profile"] * 4 + ["include_profile"]))
            values[key] = f"p{draw(st.integers(i + 1 - draw(st.sampled_from([0, 3])), i + 3))}"
        if draw(st.booleans()):
            values["role_arn"] = role(f"p{i}")
        if draw(st.integers(0, 3)) == 0:
            values["duration_seconds"] = draw(st.sampled_from(["7200", "3600", "600"]))
        if draw(st.integers(0, 3)) == 0:
            values["mfa_serial"] = draw(st.sampled_from([MFA, OTHER_MFA]))
        profiles.append(Section(f"p{i}", values, line=2 * i + 1))
    if draw(st.booleans()):
        profiles.append(Section("default", {"include_profile": f"p{draw(st.integers(0, count))}"}, line=0))
    order = draw(st.permutations(profiles)) if draw(st.booleans()) else profiles
    return ConfigFile(PATH, tuple(order)), draw(st.frozensets(st.sampled_from([f"p{i}" for i in range(count + 3)])))


@settings(max_examples=300, deadline=None)
@given(long_chains())
def test_longer_chains_match_checking_each_profile_from_scratch(drawn: tuple[ConfigFile, frozenset[str]]) -> None:
    config, stored = drawn
    assert check_config(config, stored=stored) == from_scratch(config, stored)


# --- the shapes that cost n^2 when each profile is walked on its own ----------------------------------------


def deep(depth: int, extra: str = "", bottom: str = "") -> ConfigFile:
    """``p0 -> p1 -> ... -> p<depth>`` by ``source_profile``, every link a role, with ``extra`` keys on each."""
    text = "\n".join(
        f"[profile p{i}]\nsource_profile = p{i + 1}\nrole_arn = {role(f'p{i}')}\n{extra}" for i in range(depth)
    )
    return parse_config_text(f"{text}\n[profile p{depth}]\n{bottom}", PATH)


def test_a_deep_chain_of_long_roles_warns_once_per_role() -> None:
    """Every plan caps every role it chains: n^2 (target, role) pairs, n short warnings."""
    config = deep(200, "duration_seconds = 7200\n")
    findings = check_config(config)
    assert findings == from_scratch(config)
    assert [f.profile for f in findings] == [f"p{i}" for i in range(199)]
    assert all(" when used as" not in f.message for f in findings)


def test_a_long_role_at_the_bottom_names_every_profile_above() -> None:
    config = parse_config_text(
        f"[profile user]\nmfa_serial = {MFA}\n"
        f"[profile base]\nsource_profile = user\nrole_arn = {role('base')}\nmfa_serial = {MFA}\nduration_seconds = 7200\n"
        + "".join(
            f"[profile r{i}]\nsource_profile = {f'r{i - 1}' if i else 'base'}\nrole_arn = {role('r')}\n"
            for i in range(200)
        ),
        PATH,
    )
    findings = check_config(config)
    assert findings == from_scratch(config)
    assert [(f.profile, f.code) for f in findings] == [("base", "role-chain-capped")]
    above = ", ".join(sorted(f"r{i}" for i in range(200)))
    assert f"when used as the source of {above};" in findings[0].message


def test_a_deep_chain_ending_in_a_loop_a_missing_source_or_an_sso_gap_is_one_finding() -> None:
    looped = deep(300, bottom="source_profile = p150\n")
    assert [f.code for f in check_config(looped)] == ["source-loop"]
    assert check_config(looped) == from_scratch(looped)
    missing = deep(300, bottom="source_profile = ghost\n")
    assert [(f.profile, f.code) for f in check_config(missing)] == [("p300", "missing-source-profile")]
    sso = deep(300, bottom="sso_session = corp\n")
    assert [(f.profile, f.code) for f in check_config(sso)] == [("p300", "incomplete-sso")]
    assert check_config(sso) == from_scratch(sso)


def test_a_comb_of_roles_on_a_deep_chain_matches() -> None:
    """Each link also sources a role of its own: the links' plans share the chain below them."""
    config = parse_config_text(
        "".join(
            f"[profile p{i}]\nsource_profile = p{i + 1}\nmfa_serial = {MFA}\n"
            f"[profile t{i}]\nsource_profile = p{i}\nrole_arn = {role('t')}\nduration_seconds = 7200\n"
            f"mfa_serial = {MFA if i % 2 else OTHER_MFA}\n"
            for i in range(150)
        )
        + "[profile p150]\n",
        PATH,
    )
    assert check_config(config) == from_scratch(config)


def test_deep_include_chains_and_loops_match() -> None:
    chain = "".join(f"[profile p{i}]\ninclude_profile = p{i + 1}\n" for i in range(300))
    ends = parse_config_text(chain + "[profile p300]\nregion = eu-west-1\n", PATH)
    assert check_config(ends) == from_scratch(ends) == []
    loops = parse_config_text(chain + "[profile p300]\ninclude_profile = p100\n", PATH)
    assert [f.code for f in check_config(loops)] == [INCLUDE_LOOP]
    assert check_config(loops) == from_scratch(loops)
    falls = parse_config_text(chain + "[profile p300]\n[default]\ninclude_profile = p150\n", PATH)
    assert [f.code for f in check_config(falls)] == [INCLUDE_LOOP]
    assert check_config(falls) == from_scratch(falls)


def test_warnings_on_one_line_keep_the_order_profile_by_profile_checking_gives_them() -> None:
    """Hand-built sections all sit on line 0: the sort keeps the order the warnings were found in."""
    config = ConfigFile(PATH, (
        Section("a", {"source_profile": "user", "role_arn": role("a"), "mfa_serial": MFA, "duration_seconds": "7200"}),
        Section("b", {"source_profile": "a", "role_arn": role("b"), "duration_seconds": "7200"}),
        Section("user", {"mfa_serial": MFA}),
    ))  # fmt: skip
    findings = check_config(config)
    assert findings == from_scratch(config)
    assert [(f.profile, f.code) for f in findings] == [("a", "role-chain-capped"), ("b", "role-chain-capped")]

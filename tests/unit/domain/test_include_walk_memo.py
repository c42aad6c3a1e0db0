"""The resolver's kept include walks against an oracle that walks every profile's include chain from scratch.

``_Resolver`` keeps the walk from each step (a name, and whether ``[default]`` was visited before it), so
``check-config``, which resolves every profile with one resolver, walks an include chain n deep in n steps,
not n^2. The oracle is ``_own`` as it was before: the whole walk for each profile, with its own ``visited``
set. On any config both must give the same ``ProfileConfig``, or raise the same error with the same message,
for every profile: resolved in any order by one resolver (so kept walks are reused, also across loops and the
fall-through to ``[default]``) and each by a fresh one.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aws_vault.domain.errors import AwsVaultError, IncludeLoopError, InvalidProfileValueError
from aws_vault.domain.profiles import ConfigFile, ProfileConfig, Section
from aws_vault.domain.role_chain import (
    _STRING_FIELDS,
    ResolveOptions,
    _Resolver,
    _Walk,
    is_role_arn,
    parse_session_tags,
    parse_transitive_tags,
    resolve_profile,
)
from aws_vault.testing.strategies import CONFIG_PATH, ProfileGraph, profile_graphs

ROLE = "arn:aws:iam::123456789012:role/r"

# --- the oracle: the include walk before walks were kept --------------------------------------------------------


class FromScratch(_Resolver):
    """``_Resolver`` with ``_own`` as it was: each profile's include walk done from scratch (n^2 on a chain)."""

    def _own(self, name: str) -> ProfileConfig:
        fields: dict[str, str] = {}
        self._env_overrides(name, fields)
        duration_seconds = ""
        tags_text = fields.pop("_session_tags", "")
        transitive_text = fields.pop("_transitive_tags", "")
        visited: set[str] = set()
        current: str | None = name
        while current is not None:
            if current in visited:
                raise IncludeLoopError(current)
            visited.add(current)
            section = self.config.section(current)
            if section is None:
                current = None if current == "default" or "default" in visited else "default"
                continue
            for attr, key in _STRING_FIELDS:
                if not fields.get(attr) and section.get(key):
                    fields[attr] = section.get(key)
            if not duration_seconds:
                duration_seconds = section.get("duration_seconds")
            self._sso(section.get("sso_session"), section.get("sso_start_url"), section.get("sso_region"), fields)
            if not tags_text:
                tags_text = section.get("session_tags")
            if not transitive_text:
                transitive_text = section.get("transitive_session_tags")
            include = section.get("include_profile")
            if include:
                current = include
            elif current != "default" and "default" not in visited:
                current = "default"
            else:
                current = None
        if fields.get("source_profile_name") == name:
            fields["source_profile_name"] = ""
        role_arn = fields.get("role_arn", "")
        if role_arn and not is_role_arn(role_arn):
            raise InvalidProfileValueError(name, "role_arn", f"not an IAM role ARN: {role_arn!r}")

        (assume, assume_from), (session, session_from), (chained, chained_from) = self._durations(
            name, duration_seconds
        )
        return ProfileConfig(
            name=name,
            has_section=self.config.section(name) is not None,
            session_tags=parse_session_tags(tags_text, name) if tags_text else (),
            transitive_session_tags=parse_transitive_tags(transitive_text),
            assume_role_duration=assume,
            session_token_duration=session,
            chained_session_token_duration=chained,
            assume_role_duration_setting=assume_from,
            session_token_duration_setting=session_from,
            chained_session_token_duration_setting=chained_from,
            **cast("dict[str, Any]", {k: v for k, v in fields.items() if not k.startswith("_")}),
        )


# --- comparing ------------------------------------------------------------------------------------------------

Outcome = ProfileConfig | tuple[type[BaseException], str, tuple[Any, ...]]


def outcome(call: Callable[[], ProfileConfig]) -> Outcome:
    """The profile, or the error's type, message and attributes (``profile`` of ``IncludeLoopError``, ...)."""
    try:
        return call()
    except AwsVaultError as e:
        return type(e), str(e), tuple(sorted(vars(e).items()))


class Case:
    """One config with the flags, environment and stored keys to resolve its profiles with."""

    def __init__(
        self,
        config: ConfigFile,
        *,
        env: Mapping[str, str] | None = None,
        options: ResolveOptions | None = None,
        stored: frozenset[str] = frozenset(),
        active: str = "",
    ) -> None:
        self.config = config
        self.env = dict(env or {})
        self.options = options or ResolveOptions()
        self.stored = stored
        self.active = active

    def names(self) -> list[str]:
        """Every section's name, ``default``, names that are only included or sourced, and one that is nowhere."""
        names = [s.name for s in self.config.profiles]
        for section in self.config.profiles:
            names += [section.get("include_profile"), section.get("source_profile")]
        names += ["default", "nowhere", *sorted(self.stored)]
        return list(dict.fromkeys(n for n in names if n))

    def resolver(self, active: str | None = None) -> _Resolver:
        return _Resolver(self.config, self.env, self.options, self.active if active is None else active, self.stored)

    def oracle(self, active: str | None = None) -> FromScratch:
        return FromScratch(self.config, self.env, self.options, self.active if active is None else active, self.stored)


def assert_same_as_from_scratch(case: Case, order: list[str] | None = None) -> None:
    """Every name through one resolver (kept walks reused), each through a fresh one, and ``resolve_profile``."""
    order = order or case.names()
    shared, oracle = case.resolver(), case.oracle()
    for name in order:
        expected = outcome(lambda n=name: oracle._own(n))  # type: ignore[misc]
        assert outcome(lambda n=name: shared._own(n)) == expected, f"{name} resolved after others"  # type: ignore[misc]
        assert outcome(lambda n=name: case.resolver()._own(n)) == expected, f"{name} resolved alone"  # type: ignore[misc]
    for name in order:  # whole source chains, the same resolver again (its walks all kept by now)
        expected = outcome(lambda n=name: oracle.resolve(n))  # type: ignore[misc]
        assert outcome(lambda n=name: shared.resolve(n)) == expected, f"{name}'s chain"  # type: ignore[misc]
    for name in order:  # as the commands resolve: the name is the active profile
        expected = outcome(lambda n=name: case.oracle(active=n).resolve(n))  # type: ignore[misc]
        got = outcome(
            lambda n=name: resolve_profile(case.config, n, env=case.env, options=case.options, stored=case.stored)  # type: ignore[misc]
        )
        assert got == expected, f"resolve_profile({name!r})"


# --- configs: the package's graphs, with include_profile rewired so it loops too ---------------------------------

_ENV_KEYS = (
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_MFA_SERIAL", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_SOURCE_IDENTITY", "AWS_SESSION_TAGS", "AWS_TRANSITIVE_TAGS", "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ASSUME_ROLE_TTL", "AWS_SESSION_TOKEN_TTL",
    "AWS_CHAINED_SESSION_TOKEN_TTL",
)  # fmt: skip
_ENV_VALUES = {
    "AWS_ROLE_ARN": st.sampled_from((ROLE, "not-an-arn")),
    "AWS_SESSION_TAGS": st.sampled_from(("team=blue", "bad")),
    "AWS_ASSUME_ROLE_TTL": st.sampled_from(("2h", "0", "x")),
    "AWS_SESSION_TOKEN_TTL": st.sampled_from(("30m", "-1h")),
    "AWS_CHAINED_SESSION_TOKEN_TTL": st.sampled_from(("45m",)),
}
envs = st.dictionaries(st.sampled_from(_ENV_KEYS), st.just(""), max_size=3).flatmap(
    lambda keys: st.fixed_dictionaries({k: _ENV_VALUES.get(k, st.sampled_from(("env-1", "env-2"))) for k in keys})
)
options = st.builds(
    ResolveOptions,
    region=st.sampled_from(("", "", "flag-region")),
    duration=st.sampled_from((None, None, timedelta(hours=2))),
)


@st.composite
def rewired(draw: st.DrawFn, graph: ProfileGraph) -> ProfileGraph:
    """``graph`` with some ``include_profile`` keys pointed anywhere: loops, ``[default]`` including others,
    names without a section. The package's strategies never loop ``include_profile``."""
    config = graph.config
    names = [s.name for s in config.profiles]
    targets = [*names, "default", "ghost", *sorted(graph.stored)]
    profiles = []
    for section in config.profiles:
        values = dict(section.values)
        change = draw(st.sampled_from(("keep", "keep", "point", "drop")))
        if change == "point":
            values["include_profile"] = draw(st.sampled_from(targets))
        elif change == "drop":
            values.pop("include_profile", None)
        profiles.append(section._replace(values=values))
    return graph._replace(config=config._replace(profiles=tuple(profiles)))


graphs = st.one_of(
    profile_graphs(),
    profile_graphs(cycles=True, missing_sources=True, malformed=True),
    profile_graphs(cycles=True, missing_sources=True, malformed=True).flatmap(rewired),
    profile_graphs(max_profiles=12, sso=True).flatmap(rewired),
)


@settings(max_examples=300, deadline=None)
@given(graphs, envs, options, st.data())
def test_kept_walks_resolve_the_package_graphs_as_from_scratch(
    graph: ProfileGraph, env: dict[str, str], opts: ResolveOptions, data: st.DataObject
) -> None:
    case = Case(graph.config, env=env, options=opts, stored=graph.stored, active=graph.target)
    assert_same_as_from_scratch(case, data.draw(st.permutations(case.names())))


# --- configs: a few names, each key drawn from a few values, so walks overlap and collide ------------------------

_POOL = ("default", "a", "b", "c", "d", "e")
_VALUES = {
    "include_profile": (*_POOL, "ghost"),
    "source_profile": (*_POOL, "ghost"),
    "role_arn": (ROLE, "arn:aws:iam::1:role/other", "not-an-arn"),
    "region": ("us-east-1", "eu-west-1"),
    "mfa_serial": ("arn:aws:iam::123456789012:mfa/me",),
    "mfa_process": ("otp",),
    "credential_process": ("creds",),
    "external_id": ("x",),
    "duration_seconds": ("3600", "7200", "abc", "-5"),
    "session_tags": ("team=blue", "env=dev,team=red", "bad"),
    "transitive_session_tags": ("team", "env,team"),
    "sso_session": ("s1", "s2", "nope"),
    "sso_start_url": ("https://inline.example/start", "https://other.example/start"),
    "sso_region": ("us-west-2", "ap-southeast-2"),
    "sso_account_id": ("111111111111",),
    "sso_role_name": ("Admin",),
}
_SSO_VALUES = {
    "sso_start_url": ("https://s.example/start", "https://t.example/start"),
    "sso_region": ("eu-central-1",),
    "sso_registration_scopes": ("sso:account:access",),
}


def _values(table: Mapping[str, tuple[str, ...]], most: int) -> st.SearchStrategy[dict[str, str]]:
    keys = st.lists(st.sampled_from(sorted(table)), max_size=most, unique=True)
    return keys.flatmap(lambda ks: st.fixed_dictionaries({k: st.sampled_from(("", *table[k])) for k in ks}))


@st.composite
def dense_configs(draw: st.DrawFn) -> ConfigFile:
    names = draw(st.lists(st.sampled_from(_POOL), min_size=1, unique=True))
    profiles = tuple(Section(name, draw(_values(_VALUES, 6)), line) for line, name in enumerate(names, 1))
    sessions = tuple(
        Section(s, draw(_values(_SSO_VALUES, 3))) for s in draw(st.lists(st.sampled_from(("s1", "s2")), unique=True))
    )
    return ConfigFile(CONFIG_PATH, profiles, sessions)


@settings(max_examples=500, deadline=None)
@given(
    dense_configs(),
    envs,
    options,
    st.sampled_from(("", *_POOL)),
    st.frozensets(st.sampled_from((*_POOL, "ghost"))),
    st.data(),
)
def test_kept_walks_resolve_dense_configs_as_from_scratch(
    config: ConfigFile,
    env: dict[str, str],
    opts: ResolveOptions,
    active: str,
    stored: frozenset[str],
    data: st.DataObject,
) -> None:
    case = Case(config, env=env, options=opts, stored=stored, active=active)
    assert_same_as_from_scratch(case, data.draw(st.permutations(case.names())))


# --- hand-written: loops, the fall-through to [default], and sso_session down a chain ---------------------------


def config(**sections: dict[str, str]) -> ConfigFile:
    return ConfigFile(
        CONFIG_PATH, tuple(Section(name, values, line) for line, (name, values) in enumerate(sections.items(), 1))
    )


def loop_name(resolver: _Resolver, name: str) -> str:
    with pytest.raises(IncludeLoopError) as raised:
        resolver._own(name)
    return raised.value.profile


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        # [default] includes a profile that falls through to it.
        ({"default": {"include_profile": "a"}, "a": {"region": "r"}}, {"a": "a", "default": None}),
        # A chain that falls through to [default], whose walk comes back into the chain further down.
        (
            {
                "default": {"include_profile": "b"},
                "a": {"include_profile": "b"},
                "b": {"include_profile": "c"},
                "c": {},
            },
            {"a": "b", "b": "b", "c": "c", "default": None},
        ),
        # A cycle, and a chain running into it.
        (
            {"x": {"include_profile": "a"}, "a": {"include_profile": "b"}, "b": {"include_profile": "a"}},
            {"x": "a", "a": "a", "b": "b", "default": None},
        ),
        # A cycle through [default].
        ({"default": {"include_profile": "a"}, "a": {"include_profile": "default"}}, {"a": "a", "default": "default"}),
        # An included name without a section falls through to [default], which includes it.
        (
            {"default": {"include_profile": "ghost"}, "a": {"include_profile": "ghost"}},
            {"a": "ghost", "ghost": "ghost"},
        ),
        # [default] includes itself.
        ({"default": {"include_profile": "default"}, "a": {}}, {"a": "default", "default": "default"}),
    ],
)
def test_loops_name_the_profile_visited_twice_in_any_order(
    sections: dict[str, dict[str, str]], expected: dict[str, str | None]
) -> None:
    case = Case(config(**sections))
    for order in (list(expected), list(reversed(expected))):
        resolver = case.resolver()
        for name in order:
            if expected[name] is None:
                assert isinstance(resolver._own(name), ProfileConfig)
            else:
                assert loop_name(resolver, name) == expected[name], (order, name)
        assert_same_as_from_scratch(case, order)


def test_an_sso_session_set_above_shuts_out_the_sso_sessions_below() -> None:
    """Once a profile's walk has an sso_session, the [sso-session] sections further down are not read: only inline
    values follow. The kept walk below has read them, so it keeps the inline values apart."""
    cfg = config(
        top={"sso_session": "nope", "include_profile": "mid"},
        mid={"include_profile": "low", "sso_region": "inline-region"},
        low={"sso_session": "s1", "sso_start_url": "https://inline.example/start"},
    )
    cfg = cfg._replace(
        sso_sessions=(Section("s1", {"sso_start_url": "https://s1/start", "sso_registration_scopes": "x"}),)
    )
    resolver = _Resolver(cfg, {}, ResolveOptions(), "", ())
    low = resolver._own("low")  # keeps the walks from low and mid first
    assert (low.sso_session, low.sso_start_url, low.sso_registration_scopes) == ("s1", "https://s1/start", "x")
    top = resolver._own("top")
    assert (top.sso_session, top.sso_start_url, top.sso_region, top.sso_registration_scopes) == (
        "nope", "https://inline.example/start", "inline-region", ""
    )  # fmt: skip
    assert_same_as_from_scratch(Case(cfg), ["low", "mid", "top"])


# --- deep chains: each step walked once, no recursion ------------------------------------------------------------


class Counting(_Resolver):
    """Counts the steps whose walk is worked out (``_over``): each at most once per resolver."""

    steps = 0

    def _over(self, section: Section | None, below: _Walk) -> _Walk:
        self.steps += 1
        return super()._over(section, below)


def include_chain(depth: int, *, reverse: bool = False, last: dict[str, str] | None = None) -> ConfigFile:
    """p0 includes p1, ..., p(depth-1) includes p(depth), which holds ``last``; [default] sets a region."""
    sections = [Section(f"p{i}", {"include_profile": f"p{i + 1}", "session_tags": f"k{i}=v"}) for i in range(depth)]
    sections.append(Section(f"p{depth}", last if last is not None else {"mfa_serial": "arn:aws:iam::1:mfa/me"}))
    sections.append(Section("default", {"region": "eu-west-1", "sso_session": "s"}))
    ordered = tuple(reversed(sections)) if reverse else tuple(sections)
    return ConfigFile(CONFIG_PATH, tuple(s._replace(line=i) for i, s in enumerate(ordered, 1)))


@pytest.mark.parametrize("reverse", [False, True])
def test_a_deep_include_chain_is_walked_once_per_step(reverse: bool) -> None:
    depth = 5000
    cfg = include_chain(depth, reverse=reverse)
    resolver = Counting(cfg, {}, ResolveOptions(), "", ())
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 50)  # loops, not recursion: a recursive walk fails here
    try:
        resolved = {s.name: resolver._own(s.name) for s in cfg.profiles}
    finally:
        sys.setrecursionlimit(limit)
    # Every step once: p0..p(depth) before [default], and [default] itself.
    assert resolver.steps == depth + 2
    assert resolved["p0"].session_tags == (("k0", "v"),) and resolved["p0"].mfa_serial == "arn:aws:iam::1:mfa/me"
    assert resolved[f"p{depth}"].region == "eu-west-1" and resolved[f"p{depth}"].sso_session == "s"
    oracle = FromScratch(cfg, {}, ResolveOptions(), "", ())
    for name in ("p0", "p1", f"p{depth // 2}", f"p{depth}", "default"):
        assert resolved[name] == oracle._own(name)


@pytest.mark.parametrize("reverse", [False, True])
def test_a_deep_include_chain_resolves_as_from_scratch(reverse: bool) -> None:
    """Every profile of a chain short enough for the oracle, in file order, in both file orders."""
    cfg = include_chain(300, reverse=reverse, last={"include_profile": "p150"})  # and closed into a loop
    assert_same_as_from_scratch(Case(cfg))
    assert_same_as_from_scratch(Case(include_chain(300, reverse=reverse)))


def test_a_deep_chain_falling_back_into_itself_through_default() -> None:
    """p(depth) has no include and falls through to [default], which includes p(depth // 2): every profile's walk
    comes back there, also after [default]'s walk is kept."""
    depth = 400
    cfg = include_chain(depth, last={})
    cfg = cfg._replace(profiles=(*cfg.profiles[:-1], Section("default", {"include_profile": f"p{depth // 2}"})))
    case = Case(cfg)
    resolver = case.resolver()
    assert isinstance(resolver._own("default"), ProfileConfig)
    assert loop_name(resolver, "p0") == f"p{depth // 2}"
    assert loop_name(resolver, f"p{depth}") == f"p{depth}"
    assert loop_name(resolver, f"p{depth // 2 + 1}") == f"p{depth // 2 + 1}"
    assert_same_as_from_scratch(case, ["default", *(s.name for s in cfg.profiles)])
    assert_same_as_from_scratch(case, [*(s.name for s in reversed(cfg.profiles))])

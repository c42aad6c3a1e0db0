"""Very large configs resolve and plan correctly, in loops rather than recursion (issue 12).

Results only: the timings are ``benchmarks/big_config.py``'s business. Each test runs under Python's
default recursion limit, so a recursive walk over these chains would fail here.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest

from aws_vault.adapters.config.aws_config_source import parse_config_text
from aws_vault.domain.errors import IncludeLoopError, RoleChainLoopError
from aws_vault.domain.plan import AssumeRole, UseStoredKeys, build_plan
from aws_vault.domain.profiles import ROLE_CHAINING_MAXIMUM, ConfigFile, Section
from aws_vault.domain.role_chain import resolve_profile

DEPTH = 5_000


def deep_chain(depth: int, *, loop: bool = False) -> str:
    """``link-0`` (stored keys) <- ``link-1`` <- ... each a role wanting 2h; ``loop`` closes the ring."""
    head = "[profile link-0]\nregion = us-east-1\n" + (f"source_profile = link-{depth - 1}\n" if loop else "")
    links = (
        f"[profile link-{i}]\nsource_profile = link-{i - 1}\n"
        f"role_arn = arn:aws:iam::{100000000000 + i}:role/link-{i}\nduration_seconds = 7200\n"
        for i in range(1, depth)
    )
    return "\n".join([head, *links])


def test_the_recursion_limit_is_below_the_depth() -> None:
    assert sys.getrecursionlimit() < DEPTH  # else the tests below would prove nothing


def test_a_5000_deep_source_chain_resolves_and_plans() -> None:
    config = parse_config_text(deep_chain(DEPTH), "config")
    target = f"link-{DEPTH - 1}"

    profile = resolve_profile(config, target, stored={"link-0"})
    chain = profile.chain
    assert [p.name for p in chain] == [f"link-{i}" for i in reversed(range(DEPTH))]
    assert all(p.source_profile_name == f"link-{i - 1}" for i, p in zip(range(DEPTH - 1, 0, -1), chain, strict=False))
    assert chain[-1].source is None and chain[-1].region == "us-east-1"
    assert all(p.assume_role_duration == timedelta(hours=2) for p in chain[:-1])

    plan = build_plan(profile, {"link-0"})
    assert plan.steps[0] == UseStoredKeys("link-0")
    roles = plan.steps[1:]
    assert all(isinstance(s, AssumeRole) for s in roles)
    assert [s.profile for s in roles] == [f"link-{i}" for i in range(1, DEPTH)]
    # The first role runs on long-term keys and keeps its 2h; every later one is chained and capped.
    assert [s.duration for s in roles[:2]] == [timedelta(hours=2), ROLE_CHAINING_MAXIMUM]
    assert all(s.duration == ROLE_CHAINING_MAXIMUM for s in roles[1:])
    assert plan.notes[0] == f"profile {target}: sourcing credentials from profile link-{DEPTH - 2}"
    assert plan.notes[DEPTH - 1] == "profile link-0: using stored credentials"
    assert plan.notes[-1] == f"profile {target}: using AssumeRole"


def test_a_5000_deep_source_loop_is_named_whole() -> None:
    config = parse_config_text(deep_chain(DEPTH, loop=True), "config")
    with pytest.raises(RoleChainLoopError) as caught:
        resolve_profile(config, "link-0", stored={"link-0"})
    assert caught.value.loop == ("link-0", *(f"link-{i}" for i in reversed(range(1, DEPTH))), "link-0")


def test_a_5000_deep_include_chain_inherits_from_its_far_end() -> None:
    sections = [Section(f"inc-{i}", {"include_profile": f"inc-{i + 1}"}) for i in range(DEPTH - 1)]
    sections.append(Section(f"inc-{DEPTH - 1}", {"region": "eu-north-1"}))
    profile = resolve_profile(ConfigFile("config", tuple(sections)), "inc-0")
    assert profile.region == "eu-north-1" and profile.source is None

    looped = ConfigFile("config", (*sections[:-1], Section(f"inc-{DEPTH - 1}", {"include_profile": "inc-0"})))
    with pytest.raises(IncludeLoopError, match="'inc-0'"):
        resolve_profile(looped, "inc-0")


def test_a_10000_profile_config_finds_every_section_and_the_first_of_a_repeated_name() -> None:
    sections = tuple(Section(f"p-{i}", {"region": f"r-{i}"}) for i in range(10_000))
    config = ConfigFile("config", (*sections, Section("p-7", {"region": "later"})))
    assert [config.section(f"p-{i}") for i in range(10_000)] == list(sections)
    assert config.section("p-7") == Section("p-7", {"region": "r-7"})
    assert config.section("nope") is None
    assert config._replace(profiles=()).section("p-0") is None  # a changed copy gets its own index
    assert config == ConfigFile("config", (*sections, Section("p-7", {"region": "later"})))

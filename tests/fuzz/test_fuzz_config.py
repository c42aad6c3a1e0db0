"""Fuzzing ``~/.aws/config``: random and garbled texts, odd headers, byte-level noise, huge lines and deep
``include_profile``/``source_profile`` chains, through the parser, the loader, the resolver, the planner and
``check-config``'s checker.

Property: each step returns a result or raises a one-line ``AwsVaultError``; ``check_config`` never raises.
Where the answer is known it is checked too: invalid UTF-8 is reported on the line that holds it, a deep
chain resolves to exactly its depth, a loop is reported as a loop.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Collection, Mapping
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from aws_vault.adapters.config.aws_config_source import AwsConfigSource, parse_config_text
from aws_vault.domain.check import check_config
from aws_vault.domain.errors import (
    ConfigSyntaxError,
    IncludeLoopError,
    MissingSourceProfileError,
    RoleChainLoopError,
)
from aws_vault.domain.plan import AssumeRole, Plan, UseStoredKeys, build_plan
from aws_vault.domain.profiles import ConfigFile, ProfileConfig
from aws_vault.domain.role_chain import ResolveOptions, resolve_profile
from aws_vault.errors import AwsVaultError
from aws_vault.testing.strategies import config_texts
from tests.fuzz.support import (
    ROLE_ARN,
    Known,
    config_names,
    config_values,
    fuzz,
    garbled,
    no_hang,
    noisy_bytes,
    outcome,
    structured_texts,
)

PATH = "/fuzz/.aws/config"

# --- strategies ------------------------------------------------------------------------------------------------

config_like_texts = st.one_of(
    st.text(max_size=500),
    structured_texts,
    config_texts(cycles=True, missing_sources=True, malformed=True).flatmap(garbled),
    config_texts(cycles=True, missing_sources=True, malformed=True),
)

_stored = st.frozensets(config_names, max_size=3)
_envs = st.dictionaries(
    st.sampled_from(
        (
            "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_MFA_SERIAL", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
            "AWS_SOURCE_IDENTITY", "AWS_SESSION_TAGS", "AWS_TRANSITIVE_TAGS", "AWS_STS_REGIONAL_ENDPOINTS",
            "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ASSUME_ROLE_TTL", "AWS_SESSION_TOKEN_TTL",
            "AWS_SESSION_TTL", "AWS_CHAINED_SESSION_TOKEN_TTL",
        )
    ),
    config_values,
    max_size=3,
)  # fmt: skip


# --- the property over one parsed config ---------------------------------------------------------------------


def exercise(config: ConfigFile, stored: Collection[str], env: Mapping[str, str] | None = None, typed: str = "") -> None:
    """Resolve and plan every profile (and a few names that are not there); check the whole file.

    ``typed``: the config's text, whose line breaks an error may quote (``support.RAW_ECHO``).
    """
    typed += "".join((env or {}).values()) + "".join(stored)
    names = [*config.profile_names(), "default", "no-such-profile", *stored][:25]
    for name in names:
        for no_session in (False, True):
            profile = outcome(lambda n=name: resolve_profile(config, n, env=env or {}, stored=stored), typed=typed)  # type: ignore[misc]
            if isinstance(profile, ProfileConfig):
                plan = outcome(lambda p=profile, s=no_session: build_plan(p, stored, no_session=s, cache_roles=s),  # type: ignore[misc]
                               typed=typed)
                assert isinstance(plan, Plan | AwsVaultError | Known)
                if isinstance(plan, Plan):
                    assert plan.steps, f"an empty plan for {name!r}"
    findings = outcome(lambda: check_config(config, stored=stored))
    assert isinstance(findings, list | Known), f"check_config must never raise; it raised {findings!r}"


# --- texts -------------------------------------------------------------------------------------------------------


@fuzz(max_examples=400)
@given(config_like_texts, _stored, _envs)
def test_config_texts_parse_resolve_plan_and_check_cleanly(text: str, stored: frozenset[str], env: dict[str, str]) -> None:
    config = outcome(lambda: parse_config_text(text, PATH))
    if isinstance(config, ConfigSyntaxError):
        assert config.path == PATH and 1 <= config.line <= text.count("\n") + text.count("\r") + 1
        return
    assert isinstance(config, ConfigFile), f"the parser raised {config!r}"
    event(f"profiles: {min(len(config.profiles), 5)}")
    exercise(config, stored, env, typed=text)


@fuzz(max_examples=60)
@given(st.lists(st.sampled_from(("[profile a]", "[default]", "region = us-east-1", "# c", "")), max_size=4),
       st.integers(10_000, 400_000), st.sampled_from(("key", "value", "header", "comment", "indented")))
def test_huge_lines_are_parsed_or_refused_cleanly(lines: list[str], size: int, where: str) -> None:
    huge = {
        "key": "k" * size + " = v",
        "value": "region = " + "v" * size,
        "header": "[profile " + "p" * size + "]",
        "comment": "#" + "c" * size,
        "indented": "s3 =\n  " + "x" * size + " = 1",
    }[where]
    text = "\n".join(["[profile a]", *lines, huge, "[profile b]", "source_profile = a"])
    config = outcome(lambda: parse_config_text(text, PATH))
    if isinstance(config, ConfigFile):
        exercise(config, {"a"})


# --- bytes through the loader ------------------------------------------------------------------------------------


@fuzz(max_examples=200)
@given(st.one_of(config_texts(malformed=True).map(str.encode).flatmap(noisy_bytes), st.binary(max_size=300)))
def test_config_bytes_load_or_fail_on_the_right_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config"
        path.write_bytes(data)
        config = outcome(lambda: AwsConfigSource(str(path)).load())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        assert isinstance(config, ConfigSyntaxError), f"invalid UTF-8 was not refused: {config!r}"
        if b"\r" not in data[: e.start]:  # the parser also breaks lines at a lone CR
            assert config.line == data.count(b"\n", 0, e.start) + 1
        assert "UTF-8" in str(config)
        return
    expected = outcome(lambda: parse_config_text(text, str(path)) if text else ConfigFile(path=str(path)))
    if isinstance(config, ConfigFile):
        assert config == expected
        exercise(config, {"a"}, typed=text)
    else:
        assert type(config) is type(expected) and str(config) == str(expected)


# --- deep chains -------------------------------------------------------------------------------------------------


@st.composite
def deep_chains(draw: st.DrawFn) -> tuple[str, int, str, bool]:
    """A config of ``depth`` profiles p0 -> p1 -> ... linked by ``kind``, maybe closed into a loop."""
    depth = draw(st.one_of(st.integers(1, 50), st.integers(500, 3000)))
    kind = draw(st.sampled_from(("source_profile", "include_profile")))
    loop = depth >= 2 and draw(st.booleans())  # a profile naming itself as its source has none: no loop
    sections = []
    for i in range(depth):
        target = f"p{i + 1}" if i + 1 < depth or not loop else f"p{draw(st.integers(0, i - 1))}"
        role = f"role_arn = {ROLE_ARN}\n" if kind == "source_profile" else ""
        sections.append(f"[profile p{i}]\n{kind} = {target}\n{role}")
    if not loop:
        sections.append(f"[profile p{depth}]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/fuzz\n")
    order = draw(st.sampled_from(("forward", "reverse")))
    text = "\n".join(sections if order == "forward" else reversed(sections))
    return text, depth, kind, loop


@fuzz(max_examples=30, deadline_ms=None)
@given(deep_chains())
def test_deep_chains_resolve_to_their_depth_or_report_the_loop(chain: tuple[str, int, str, bool]) -> None:
    text, depth, kind, loop = chain
    config = parse_config_text(text, PATH)
    stored = {f"p{depth}"}
    started = time.monotonic()
    profile = outcome(lambda: resolve_profile(config, "p0", stored=stored, options=ResolveOptions()))
    if loop:
        expected_error = RoleChainLoopError if kind == "source_profile" else IncludeLoopError
        assert isinstance(profile, expected_error), f"a {kind} loop gave {profile!r}"
    elif kind == "source_profile":
        assert isinstance(profile, ProfileConfig)
        assert len(profile.chain) == depth + 1 and profile.chain[-1].name == f"p{depth}"
        plan = build_plan(profile, stored, cache_roles=True)
        assert isinstance(plan.steps[0], UseStoredKeys) and plan.steps[0].profile == f"p{depth}"
        assert [s.profile for s in plan.steps if isinstance(s, AssumeRole)] == [f"p{i}" for i in reversed(range(depth))]
    else:
        assert isinstance(profile, ProfileConfig)  # everything included from the last profile of the chain
        assert profile.region == "eu-west-1" and profile.mfa_serial.endswith("mfa/fuzz")
    assert time.monotonic() - started < 10, f"resolving a {depth}-deep {kind} chain took too long"
    if depth <= 50:
        exercise(config, stored)
    # check_config is linear in deep chains and loops of either kind (see the regression tests below).
    findings = outcome(lambda: check_config(config, stored=stored))
    assert isinstance(findings, list), f"check_config raised {findings!r}"
    loop_code = "source-loop" if kind == "source_profile" else "include-loop"
    assert [f.code for f in findings] == ([loop_code] if loop else [])


def test_regression_check_config_is_linear_on_a_deep_chain() -> None:
    """check_config once resolved and planned each profile of a chain from scratch: n^2 hops, ~43 s at 1 500
    deep and ~9 min at 5 000. Now a profile's verdict is its source's plus one hop, and 5 000 deep takes a
    fraction of a second; no timer: a quadratic check_config would take minutes here.
    """
    depth = 5000
    text = "\n".join(f"[profile p{i}]\nsource_profile = p{i + 1}\nrole_arn = {ROLE_ARN}\n" for i in range(depth))
    config = parse_config_text(text + f"\n[profile p{depth}]\n", PATH)
    assert check_config(config) == []
    # Broken at the bottom, the chain is one finding, there, and no other profile repeats it.
    looped = parse_config_text(text + f"\n[profile p{depth}]\nsource_profile = p0\n", PATH)
    (loop,) = check_config(looped)
    assert (loop.profile, loop.line, loop.code) == ("p0", 1, "source-loop")
    assert loop.message == "source_profile loop: " + " -> ".join(f"p{i}" for i in (*range(depth + 1), 0))
    cut = parse_config_text(text + f"\n[profile p{depth}]\nsource_profile = ghost\n", PATH)
    assert [(f.profile, f.line, f.code) for f in check_config(cut)] == [
        (f"p{depth}", 4 * depth + 1, "missing-source-profile")
    ]


def test_regression_check_config_is_linear_on_a_deep_include_chain() -> None:
    """check_config resolved each profile of an ``include_profile`` chain with one resolver, which walked the rest
    of the chain again for every profile: n^2 steps, ~25 s for each of the first two configs below. Now the
    resolver keeps the walk from each profile on, and each config takes a fraction of a second; no timer: the
    quadratic check_config took ~50 s here.
    """
    depth = 5000
    text = "\n".join(f"[profile p{i}]\ninclude_profile = p{i + 1}\n" for i in range(depth))
    # Every profile gets its role and source from the bottom of the chain, and plans on them.
    bottom = f"\n[profile p{depth}]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n"
    assert check_config(parse_config_text(text + bottom + "[profile base]\n", PATH)) == []
    # ... and its MFA serial from [default], past the bottom: each profile's serial differs from its source's.
    serials = "[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n"
    serials += "[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/other\n"
    findings = check_config(parse_config_text(text + bottom + serials, PATH))
    assert [(f.profile, f.line, f.code) for f in findings] == [
        (f"p{i}", 3 * i + 1, "mfa-mismatch") for i in range(depth + 1)
    ]
    assert findings[0].message.startswith(
        "mfa_serial arn:aws:iam::123456789012:mfa/other differs from arn:aws:iam::123456789012:mfa/me of source "
        "profile base"
    )
    # Closed at the bottom, directly or through [default], the chain is one loop, reported once.
    (loop,) = check_config(parse_config_text(text + f"\n[profile p{depth}]\ninclude_profile = p0\n", PATH))
    assert (loop.profile, loop.line, loop.code) == ("p0", 1, "include-loop")
    assert loop.message == "include_profile loop: " + " -> ".join(f"p{i}" for i in (*range(depth + 1), 0))
    fall = f"\n[profile p{depth}]\n[default]\ninclude_profile = p0\n"
    (loop,) = check_config(parse_config_text(text + fall, PATH))
    assert (loop.profile, loop.line, loop.code) == ("p0", 1, "include-loop")
    assert loop.message == (
        "include_profile loop: "
        + " -> ".join((*(f"p{i}" for i in range(depth + 1)), "default", "p0"))
        + " (a profile without include_profile falls through to [default])"
    )


def test_regression_deep_chain_resolves_and_plans_in_one_walk() -> None:
    """The same chain through the resolver and the planner alone: one walk each, well under a second."""
    depth = 1500
    text = "\n".join(f"[profile p{i}]\nsource_profile = p{i + 1}\nrole_arn = {ROLE_ARN}\n" for i in range(depth))
    config = parse_config_text(text + f"\n[profile p{depth}]\n", PATH)
    with no_hang(5):
        profile = resolve_profile(config, "p0", stored={f"p{depth}"})
        assert sum(isinstance(s, AssumeRole) for s in build_plan(profile, {f"p{depth}"}).steps) == depth
    with pytest.raises(MissingSourceProfileError):
        resolve_profile(config._replace(profiles=config.profiles[:-1]), "p0")

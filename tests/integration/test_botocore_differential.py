"""Differential test: for generated configs, our region, role chain and source agree with botocore's.

The configs stay inside what both define: profiles either hold static keys (aws-vault: stored
credentials) or assume a role from a ``source_profile``; no ``[default]`` and no ``include_profile``
(aws-vault-only inheritance). botocore resolves the chain without network calls (its credentials are
deferred), so every ``_get_role_config`` call it makes is recorded and compared with our chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import InfiniteLoopConfigError, InvalidConfigError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_vault.adapters.config.aws_config_source import AwsConfigSource
from aws_vault.domain.errors import MissingSourceProfileError, RoleChainLoopError
from aws_vault.domain.role_chain import resolve_profile

NAMES = ["alpha", "beta", "gamma", "delta", "eps"]
REGIONS = ["us-east-1", "eu-west-1", "ap-south-1"]


@st.composite
def configs(draw: st.DrawFn) -> tuple[str, str, set[str]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=2, unique=True))
    lines: list[str] = []
    leaves: set[str] = set()
    roles: list[str] = []
    for name in names:
        lines.append(f"[profile {name}]")
        if draw(st.booleans()):
            lines.append(f"region = {draw(st.sampled_from(REGIONS))}")
        if draw(st.booleans()) and not (name == names[-1] and not roles):
            leaves.add(name)
            lines += ["aws_access_key_id = AKIAEXAMPLE", "aws_secret_access_key = secret"]
        else:
            roles.append(name)
            others = [n for n in names if n != name]
            source = draw(st.sampled_from(others)) if draw(st.integers(0, 9)) else "ghost"
            lines += [f"role_arn = arn:aws:iam::123456789012:role/{name}", f"source_profile = {source}"]
            if draw(st.booleans()):
                lines.append(f"mfa_serial = arn:aws:iam::123456789012:mfa/{name}")
            if draw(st.booleans()):
                lines.append(f"external_id = ext-{name}")
            if draw(st.booleans()):
                lines.append(f"role_session_name = sess-{name}")
            if draw(st.booleans()):
                lines.append(f"duration_seconds = {draw(st.sampled_from([900, 3600, 7200]))}")
        lines.append("")
    target = draw(st.sampled_from(roles))
    return "\n".join(lines), target, leaves


def botocore_chain(path: Path, target: str) -> tuple[str, list[dict[str, Any]] | type[Exception]]:
    session = botocore.session.Session(profile=target)
    session.set_config_variable("config_file", str(path))
    session.set_config_variable("credentials_file", "/dev/null")
    provider = session.get_component("credential_provider").get_provider("assume-role")
    seen: list[dict[str, Any]] = []
    original = provider._get_role_config

    def spy(profile_name: str) -> dict[str, Any]:
        config: dict[str, Any] = original(profile_name)
        seen.append({"profile": profile_name, **config})
        return config

    provider._get_role_config = spy
    region = session.get_config_variable("region") or ""
    try:
        provider.load()
    except InfiniteLoopConfigError:
        return region, InfiniteLoopConfigError
    except InvalidConfigError as e:
        assert "does not exist" in str(e), e
        return region, InvalidConfigError
    return region, seen


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(configs())
def test_region_and_role_chain_match_botocore(tmp_path: Path, case: tuple[str, str, set[str]]) -> None:
    text, target, leaves = case
    path = tmp_path / "config"
    path.write_text(text)
    region, boto = botocore_chain(path, target)
    ours_config = AwsConfigSource(str(path)).load()

    if boto is InfiniteLoopConfigError:
        with pytest.raises(RoleChainLoopError):
            resolve_profile(ours_config, target, stored=leaves)
        return
    if boto is InvalidConfigError:
        with pytest.raises(MissingSourceProfileError):
            resolve_profile(ours_config, target, stored=leaves)
        return
    assert isinstance(boto, list)
    profile = resolve_profile(ours_config, target, stored=leaves)
    assert profile.region == region
    ours = [
        {
            "profile": p.name,
            "role_arn": p.role_arn,
            "source_profile": p.source_profile_name,
            "mfa_serial": p.mfa_serial or None,
            "external_id": p.external_id or None,
            "role_session_name": p.role_session_name or None,
        }
        for p in profile.chain
        if p.role_arn
    ]
    theirs = [
        {k: c[k] for k in ("profile", "role_arn", "source_profile", "mfa_serial", "external_id", "role_session_name")}
        for c in boto
    ]
    assert ours == theirs
    # The chain ends on the profile whose static keys botocore would use: our stored credentials.
    assert profile.chain[-1].name in leaves
    durations = {c["profile"]: c.get("duration_seconds") for c in boto}
    for p in profile.chain:
        if p.role_arn and durations[p.name] is not None:
            assert p.assume_role_duration.total_seconds() == durations[p.name]

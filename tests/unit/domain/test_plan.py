"""Provider-selection cases from the maintained fork's vault_test.go (reference §9.2) and §2.6's table."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aws_vault.domain.errors import CredentialsMissingError
from aws_vault.domain.plan import AssumeRole, GetSessionToken, UseStoredKeys, build_plan
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import ResolveOptions, resolve_profile

MFA = "arn:aws:iam::111111111111:mfa/user"


def config(**sections: dict[str, str]) -> ConfigFile:
    return ConfigFile("config", tuple(Section(name, values) for name, values in sections.items()))


def notes(cfg: ConfigFile, target: str, stored: set[str], hours: int | None = None, **kw: bool) -> list[str]:
    options = ResolveOptions(duration=timedelta(hours=hours) if hours else None)
    return list(build_plan(resolve_profile(cfg, target, stored=stored, options=options), stored, **kw).notes)


E = config(
    source={"role_arn": "arn:aws:iam::111111111111:role/source", "mfa_serial": MFA},
    target={"source_profile": "source", "role_arn": "arn:aws:iam::222222222222:role/target", "mfa_serial": MFA},
)
G = config(
    source={"region": "us-east-1", "mfa_serial": MFA},
    target={
        "source_profile": "source",
        "region": "us-east-1",
        "mfa_serial": MFA,
        "role_arn": "arn:aws:iam::111111111111:role/target",
    },
)


def index(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def test_direct_role_login_does_not_use_get_session_token() -> None:
    cfg = config(target={"role_arn": "arn:aws:iam::1:role/t", "mfa_serial": MFA})
    lines = notes(cfg, "target", {"target"})
    assert not any("using GetSessionToken" in n for n in lines)
    assert "profile target: using AssumeRole (with MFA)" in lines


def test_role_chaining_with_mfa_primes_get_session_token_first() -> None:
    lines = notes(E, "target", {"source"})
    gst = index(lines, "profile source: using GetSessionToken")
    source_role = index(lines, "profile source: using AssumeRole")
    target_role = index(lines, "profile target: using AssumeRole")
    assert gst < source_role < target_role


def test_non_role_chaining_flow_does_not_use_chained_mfa_path() -> None:
    cfg = config(
        source={"role_arn": "arn:aws:iam::1:role/s", "mfa_serial": MFA},
        target={"source_profile": "source"},
    )
    lines = notes(cfg, "target", {"source"})
    assert not any(n.startswith("profile source: using GetSessionToken") for n in lines)
    assert "profile source: using AssumeRole (with MFA)" in lines


def test_default_mfa_role_chain_uses_one_session_token() -> None:
    cfg = config(
        default={"mfa_serial": MFA},
        source={"region": "eu-west-1", "duration_seconds": "7200"},
        admin={"role_arn": "arn:aws:iam::2:role/admin", "source_profile": "source", "duration_seconds": "7200"},
        target={"role_arn": "arn:aws:iam::3:role/target", "source_profile": "admin", "duration_seconds": "7200"},
    )
    lines = notes(cfg, "target", {"source"})
    assert "profile source: using GetSessionToken (with MFA)" in lines
    assert "profile admin: using AssumeRole (chained MFA)" in lines
    assert "profile target: using AssumeRole (chained MFA)" in lines
    assert sum("GetSessionToken" in n for n in lines) == 1


def test_role_chaining_caps_assume_role_duration_to_one_hour() -> None:
    resolved = resolve_profile(E, "target", stored={"source"}, options=ResolveOptions(duration=timedelta(hours=12)))
    plan = build_plan(resolved, {"source"})
    gst = next(s for s in plan.steps if isinstance(s, GetSessionToken))
    roles = [s for s in plan.steps if isinstance(s, AssumeRole)]
    assert gst.duration == timedelta(hours=12)
    assert [r.duration for r in roles] == [timedelta(hours=1), timedelta(hours=1)]
    assert any(n.startswith("profile source: capping AssumeRole duration") for n in plan.notes)
    assert any(n.startswith("profile target: capping AssumeRole duration") for n in plan.notes)


def test_single_role_longer_than_an_hour_keeps_its_duration() -> None:
    lines = notes(G, "target", {"source"}, hours=12)
    assert not any("using GetSessionToken" in n for n in lines)
    assert not any("capping" in n for n in lines)
    assert "profile target: using AssumeRole (with MFA)" in lines


def test_aliased_source_keeps_full_duration_too() -> None:
    cfg = config(
        source={"region": "us-east-1", "mfa_serial": MFA},
        alias={"source_profile": "source", "mfa_serial": MFA},
        target={"source_profile": "alias", "mfa_serial": MFA, "role_arn": "arn:aws:iam::1:role/target"},
    )
    lines = notes(cfg, "target", {"source"}, hours=12)
    assert not any("using GetSessionToken" in n for n in lines)
    assert "profile target: using AssumeRole (with MFA)" in lines


def test_single_role_within_cap_primes_get_session_token() -> None:
    lines = notes(G, "target", {"source"})
    assert "profile source: using GetSessionToken (with MFA)" in lines
    assert "profile target: using AssumeRole (chained MFA)" in lines
    assert not any("capping" in n for n in lines)


def test_session_token_for_a_plain_user_is_cached_and_no_session_returns_raw_keys() -> None:
    cfg = config(home={"mfa_serial": MFA})
    plan = build_plan(resolve_profile(cfg, "home", stored={"home"}), {"home"})
    assert [type(s) for s in plan.steps] == [UseStoredKeys, GetSessionToken]
    gst = plan.steps[1]
    assert isinstance(gst, GetSessionToken) and gst.duration == timedelta(hours=1) and gst.cache is not None
    raw = build_plan(resolve_profile(cfg, "home", stored={"home"}), {"home"}, no_session=True)
    assert [type(s) for s in raw.steps] == [UseStoredKeys]


def test_seed_roles_share_one_chained_session_token_of_eight_hours() -> None:
    seed = config(
        work={"region": "eu-west-1", "mfa_serial": MFA},
        **{
            "work-admin_role": {"role_arn": "arn:aws:iam::1:role/admin_role", "source_profile": "work", "mfa_serial": MFA},
            "work-read_only_role": {
                "role_arn": "arn:aws:iam::1:role/read_only_role",
                "source_profile": "work",
                "mfa_serial": MFA,
            },
        },
    )
    for role in ("work-admin_role", "work-read_only_role"):
        plan = build_plan(resolve_profile(seed, role, stored={"work"}), {"work"})
        gst, assume = plan.steps[1], plan.steps[2]
        assert isinstance(gst, GetSessionToken) and gst.profile == "work" and gst.duration == timedelta(hours=8)
        assert isinstance(assume, AssumeRole) and assume.mfa_serial == "" and assume.cache is None
        assert gst.cache is not None and gst.cache.profile == "work"


def test_unsourced_profile_without_keys_is_missing_credentials() -> None:
    with pytest.raises(CredentialsMissingError, match="profile lonely: credentials missing"):
        build_plan(resolve_profile(config(lonely={"region": "us-east-1"}), "lonely"), set())

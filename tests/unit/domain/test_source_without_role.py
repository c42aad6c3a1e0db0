"""A profile with ``source_profile`` and no ``role_arn``: a session signed with the source's key (§2.6).

aws-vault primes long-term keys with GetSessionToken whenever the source is master credentials
(``isMasterCredentialsProvider``), whoever owns them; the child never receives the source's key itself.
"""

from __future__ import annotations

from datetime import timedelta

from aws_vault.adapters.config.aws_config_source import parse_config_text
from aws_vault.domain.plan import AssumeRole, GetSessionToken, Plan, StsTarget, UseStoredKeys, build_plan
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import resolve_profile

MFA = "arn:aws:iam::111111111111:mfa/user"


def plan(config: ConfigFile, target: str, stored: set[str], **kw: bool) -> Plan:
    return build_plan(resolve_profile(config, target, stored=stored), stored, **kw)


def test_source_profile_without_role_gets_a_session_signed_with_the_source_key() -> None:
    config = ConfigFile("config", (Section("root", {}), Section("child", {"source_profile": "root"})))
    got = plan(config, "child", {"root"})
    assert got.steps == (
        UseStoredKeys("root"),
        GetSessionToken("child", timedelta(hours=1), "", "", StsTarget()),
    )
    assert got.notes == (
        "profile child: sourcing credentials from profile root",
        "profile root: using stored credentials",
        "profile root: skipping GetSessionToken because profile 'child' has no MFA serial defined",
        "profile child: using GetSessionToken",
    )
    gst = got.steps[1]
    assert gst.cache is not None and gst.cache.profile == "child"  # cached under the child's name


def test_include_and_source_of_the_same_parent_plan_the_same_session() -> None:
    # reference §9.1 TestSourceProfileCanReferToParent's config.
    config = parse_config_text("[profile root]\n\n[profile foo]\ninclude_profile=root\nsource_profile=root\n", "c")
    got = plan(config, "foo", {"root"})
    assert [type(s) for s in got.steps] == [UseStoredKeys, GetSessionToken]
    assert got.steps[1].profile == "foo"


def test_the_child_s_mfa_goes_on_its_session() -> None:
    config = ConfigFile(
        "config",
        (Section("root", {}), Section("child", {"source_profile": "root", "mfa_serial": MFA, "region": "eu-west-1"})),
    )
    got = plan(config, "child", {"root"})
    assert got.steps[1] == GetSessionToken("child", timedelta(hours=1), MFA, "", StsTarget("eu-west-1"))
    assert got.notes[-1] == "profile child: using GetSessionToken (with MFA)"
    assert got.mfa_serials == (MFA,)


def test_a_source_that_primes_itself_is_not_primed_again() -> None:
    # Same MFA on both: the source's own session serves the child (the fork's per-profile rule).
    config = ConfigFile(
        "config",
        (Section("root", {"mfa_serial": MFA}), Section("child", {"source_profile": "root", "mfa_serial": MFA})),
    )
    got = plan(config, "child", {"root"})
    assert [(type(s), s.profile) for s in got.steps] == [(UseStoredKeys, "root"), (GetSessionToken, "root")]
    assert got.steps[1].duration == timedelta(hours=8)  # chained: the root is somebody's source


def test_no_session_still_hands_over_the_long_term_keys() -> None:
    config = ConfigFile("config", (Section("root", {}), Section("child", {"source_profile": "root"})))
    got = plan(config, "child", {"root"}, no_session=True)
    assert got.steps == (UseStoredKeys("root"),)
    assert got.notes[-1] == "profile child: skipping GetSessionToken because sessions are disabled"


def test_an_alias_between_keys_and_a_role_changes_nothing_for_the_role() -> None:
    role = "arn:aws:iam::222222222222:role/admin"
    config = ConfigFile(
        "config",
        (
            Section("root", {}),
            Section("alias", {"source_profile": "root"}),
            Section("admin", {"source_profile": "alias", "role_arn": role}),
        ),
    )
    got = plan(config, "admin", {"root"})
    assert [type(s) for s in got.steps] == [UseStoredKeys, AssumeRole]
    assert "profile alias: skipping GetSessionToken because profile 'admin' has no MFA serial defined" in got.notes

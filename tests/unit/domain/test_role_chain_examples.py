"""Resolution examples of aws-vault's ``vault/config_test.go`` (reference §9.1, §9.2).

Each config is parsed by the config adapter's parser and resolved by ``aws_vault.domain.role_chain``.
"""

from __future__ import annotations

from datetime import timedelta
from textwrap import dedent

import pytest

from aws_vault.adapters.config.aws_config_source import parse_config_text
from aws_vault.domain.errors import (
    IncludeLoopError,
    InvalidProfileValueError,
    MissingSourceProfileError,
    RoleChainLoopError,
)
from aws_vault.domain.profiles import ConfigFile
from aws_vault.domain.role_chain import resolve_profile

# reference §9.1 ``exampleConfig`` (with the fork's ``withendpointurl`` profile).
EXAMPLE_CONFIG = """\
# an example profile file
[default]
region=us-west-2
output=json

[profile user2]
REGION=us-east-1
output=text

[profile withsource]
source_profile=user2
region=us-east-1

[profile withMFA]
source_profile=user2
Role_Arn=arn:aws:iam::4451234513441615400570:role/aws_admin
mfa_Serial=arn:aws:iam::1234513441:mfa/blah
Region=us-east-1
duration_seconds=1200
sts_regional_endpoints=legacy

[profile withendpointurl]
region=us-east-1
endpoint_url=https://localhost:1234

[profile testincludeprofile1]
region=us-east-1

[profile testincludeprofile2]
include_profile=testincludeprofile1

[profile with-sso-session]
sso_session = moon-sso
sso_account_id=123456
region = moon-1 # Different from sso region

[sso-session moon-sso]
sso_start_url = https://d-123456789.example.com/start
sso_region = moon-2  # Different from profile region
sso_registration_scopes = sso:account:access
"""

# reference §9.2 config (D).
CONFIG_D = """\
[sso-session my-sso]
sso_start_url = https://session.awsapps.com/start
sso_region = us-east-1

[profile modern]
sso_session = my-sso
sso_account_id = 111122223333

[profile legacy]
sso_start_url = https://inline.awsapps.com/start
sso_account_id = 222233334444

[profile both]
sso_session = my-sso
sso_start_url = https://inline.awsapps.com/start
sso_account_id = 333344445555

[profile none]
region = us-east-1
"""

TAGGED = """\
[profile tagged]
session_tags = tag1 = value1 , tag2=value2 ,tag3=value3
transitive_session_tags = tagOne ,tagTwo,tagThree
"""

CHAINED_TAGS = """\
[profile base]

[profile interim]
session_tags=tag1=value1
transitive_session_tags=tag2
source_profile=base

[profile target]
session_tags=tagA=valueA
transitive_session_tags=tagB
source_profile=interim
"""


def parse(text: str) -> ConfigFile:
    return parse_config_text(dedent(text), "/tmp/config")


@pytest.fixture
def example() -> ConfigFile:
    return parse(EXAMPLE_CONFIG)


def test_include_profile_supplies_region(example: ConfigFile) -> None:  # TestIncludeProfile
    assert resolve_profile(example, "testincludeprofile2").region == "us-east-1"


def test_sso_session_supplies_url_and_region_but_not_profile_region(example: ConfigFile) -> None:
    # TestIncludeSsoSession
    p = resolve_profile(example, "with-sso-session")
    assert (p.region, p.sso_start_url, p.sso_region) == (
        "moon-1",
        "https://d-123456789.example.com/start",
        "moon-2",
    )
    assert (p.sso_session, p.sso_account_id, p.sso_registration_scopes) == (
        "moon-sso",
        "123456",
        "sso:account:access",
    )


def test_resolved_with_mfa_profile_reads_mixed_case_keys(example: ConfigFile) -> None:
    p = resolve_profile(example, "withMFA", stored={"user2"})
    assert p.mfa_serial == "arn:aws:iam::1234513441:mfa/blah"
    assert p.role_arn == "arn:aws:iam::4451234513441615400570:role/aws_admin"
    assert p.assume_role_duration == timedelta(seconds=1200)
    assert p.sts_regional_endpoints == "legacy"
    assert p.source is not None and p.source.name == "user2"
    assert p.source.region == "us-east-1"


def test_every_profile_inherits_unset_keys_from_default() -> None:
    config = parse("[default]\nregion=eu-west-3\nmfa_serial=arn:m\n[profile x]\nrole_arn=arn:aws:iam::1:role/r\n")
    p = resolve_profile(config, "x")
    assert (p.region, p.mfa_serial, p.role_arn) == ("eu-west-3", "arn:m", "arn:aws:iam::1:role/r")


def test_profile_without_section_resolves_to_a_copy_of_default(example: ConfigFile) -> None:
    p = resolve_profile(example, "nopenotthere")
    assert (p.name, p.region, p.has_section) == ("nopenotthere", "us-west-2", False)
    assert resolve_profile(example, "user2").has_section is True


def test_profile_naming_itself_as_source_has_no_source() -> None:  # TestLoadedProfileDoesntReferToItself
    config = parse("[profile foo]\nsource_profile=foo\n")
    assert config.section("foo") is not None
    assert config.section("foo").get("source_profile") == "foo"  # type: ignore[union-attr]
    p = resolve_profile(config, "foo")
    assert (p.source_profile_name, p.source) == ("", None)


def test_source_profile_may_be_the_included_profile() -> None:  # TestSourceProfileCanReferToParent
    config = parse("[profile root]\n\n[profile foo]\ninclude_profile=root\nsource_profile=root\n")
    p = resolve_profile(config, "foo")
    assert p.source_profile_name == "root"
    assert p.source is not None and p.source.name == "root"
    assert [c.name for c in p.chain] == ["foo", "root"]


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("modern", "https://session.awsapps.com/start"),
        ("legacy", "https://inline.awsapps.com/start"),
        ("both", "https://session.awsapps.com/start"),  # the [sso-session] URL wins
        ("none", ""),
    ],
)
def test_config_d_resolved_sso_start_url(name: str, url: str) -> None:  # TestConfigFileResolvedSSOStartURL
    assert resolve_profile(parse(CONFIG_D), name).sso_start_url == url


def test_session_tags_from_ini() -> None:  # TestSessionTaggingFromIni
    p = resolve_profile(parse(TAGGED), "tagged", env={})
    assert dict(p.session_tags) == {"tag1": "value1", "tag2": "value2", "tag3": "value3"}
    assert p.transitive_session_tags == ("tagOne", "tagTwo", "tagThree")


def test_session_tags_from_environment_win() -> None:  # TestSessionTaggingFromEnvironment
    env = {"AWS_SESSION_TAGS": " tagA = val1 , tagB=val2 ,tagC=val3", "AWS_TRANSITIVE_TAGS": " tagD ,tagE"}
    p = resolve_profile(parse(TAGGED), "tagged", env=env)
    assert dict(p.session_tags) == {"tagA": "val1", "tagB": "val2", "tagC": "val3"}
    assert p.transitive_session_tags == ("tagD", "tagE")


def test_environment_tags_apply_to_the_active_profile_only() -> None:
    # TestSessionTaggingFromEnvironmentChainedRoles
    env = {"AWS_SESSION_TAGS": "tagI=valI", "AWS_TRANSITIVE_TAGS": " tagII"}
    target = resolve_profile(parse(CHAINED_TAGS), "target", env=env)
    interim, base = target.chain[1], target.chain[2]
    assert (interim.name, base.name) == ("interim", "base")
    assert (target.session_tags, target.transitive_session_tags) == ((("tagI", "valI"),), ("tagII",))
    assert (interim.session_tags, interim.transitive_session_tags) == ((("tag1", "value1"),), ("tag2",))
    assert (base.session_tags, base.transitive_session_tags) == ((), ())


def test_include_loop_is_an_error() -> None:
    config = parse("[profile a]\ninclude_profile=b\n[profile b]\ninclude_profile=a\n")
    with pytest.raises(IncludeLoopError, match="Loop detected in config file for profile 'a'"):
        resolve_profile(config, "a")


def test_source_profile_loop_is_an_error_naming_the_loop() -> None:
    config = parse(
        "[profile a]\nsource_profile=b\nrole_arn=arn:aws:iam::1:role/a\n"
        "[profile b]\nsource_profile=c\nrole_arn=arn:aws:iam::1:role/b\n"
        "[profile c]\nsource_profile=a\nrole_arn=arn:aws:iam::1:role/c\n"
    )
    with pytest.raises(RoleChainLoopError) as info:
        resolve_profile(config, "a")
    assert info.value.loop == ("a", "b", "c", "a")
    assert "a -> b -> c -> a" in str(info.value)


def test_source_profile_loop_entered_part_way_names_only_the_loop() -> None:
    config = parse(
        "[profile top]\nsource_profile=x\n[profile x]\nsource_profile=y\n[profile y]\nsource_profile=x\n"
    )
    with pytest.raises(RoleChainLoopError) as info:
        resolve_profile(config, "top")
    assert info.value.loop == ("x", "y", "x")


def test_source_profile_that_exists_nowhere_is_an_error() -> None:
    config = parse("[profile a]\nsource_profile=ghost\nrole_arn=arn:aws:iam::1:role/r\n")
    with pytest.raises(MissingSourceProfileError, match="ghost"):
        resolve_profile(config, "a")


def test_source_profile_with_only_stored_credentials_is_fine() -> None:
    config = parse("[profile a]\nsource_profile=ghost\nrole_arn=arn:aws:iam::1:role/r\n")
    p = resolve_profile(config, "a", stored={"ghost"})
    assert p.source is not None and (p.source.name, p.source.has_section) == ("ghost", False)


def test_profile_default_section_is_read_when_there_is_no_default_section() -> None:
    config = parse("[profile default]\nregion=ap-south-1\n[profile x]\n")
    assert resolve_profile(config, "x").region == "ap-south-1"
    both = parse("[profile default]\nregion=ap-south-1\n[default]\nregion=eu-north-1\n[profile x]\n")
    assert resolve_profile(both, "x").region == "eu-north-1"


@pytest.mark.parametrize("value", ["arn:aws:iam::123456789012:user/bob", "my-role", "arn:aws:s3:::bucket"])
def test_a_role_arn_that_is_not_a_role_names_the_profile_and_key(value: str) -> None:
    config = parse(f"[profile p]\nsource_profile=q\nrole_arn={value}\n[profile q]\n")
    with pytest.raises(InvalidProfileValueError, match=r"^profile p: role_arn: not an IAM role ARN: "):
        resolve_profile(config, "p", stored={"q"})


def test_mfa_process_is_inherited_from_the_source_profile() -> None:
    # The fork's TestMfaProcessInheritedFromSourceProfile / ...NotOverriddenBySource (reference §9.2).
    config = parse(
        "[profile foo]\nmfa_serial=arn:aws:iam::1:mfa/u\nmfa_process=op item get 'AWS Login' --otp\n"
        "[profile bar]\nsource_profile=foo\nrole_arn=arn:aws:iam::1:role/r\nmfa_serial=arn:aws:iam::1:mfa/u\n"
        "[profile baz]\nsource_profile=foo\nrole_arn=arn:aws:iam::1:role/r\nmfa_process=target-otp\n"
    )
    assert resolve_profile(config, "bar", stored={"foo"}).mfa_process == "op item get 'AWS Login' --otp"
    assert resolve_profile(config, "baz", stored={"foo"}).mfa_process == "target-otp"

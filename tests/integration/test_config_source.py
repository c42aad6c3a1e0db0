"""``AwsConfigSource`` against real files: parsing (checked against botocore), errors, and ``add_profile``."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from unittest import mock

import pytest
from botocore.configloader import load_config

from aws_vault.adapters.config.aws_config_source import AwsConfigSource
from aws_vault.application.ports import ConfigSource
from aws_vault.domain.errors import ConfigError, ConfigSyntaxError
from aws_vault.domain.profiles import ConfigFile
from tests.fakes.config_source import AddProfileCall, FakeConfigSource
from tests.unit.domain.test_role_chain_examples import CONFIG_D, EXAMPLE_CONFIG

# reference §9.1 TestAddProfileToExistingNestedConfig
NESTED = (
    "[default]\n\n[profile testing]\naws_access_key_id=foo\naws_secret_access_key=bar\n"
    "region=us-west-2\ns3=\n  max_concurrent_requests=10\n  max_queue_size=1000\n"
)


def write(tmp_path: Path, text: str | bytes, name: str = "config") -> AwsConfigSource:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return AwsConfigSource(str(path))


def load(tmp_path: Path, text: str | bytes) -> ConfigFile:
    return write(tmp_path, text).load()


def values(config: ConfigFile, name: str) -> dict[str, str]:
    section = config.section(name)
    assert section is not None, name
    return dict(section.values)


@pytest.fixture
def example(tmp_path: Path) -> ConfigFile:
    return load(tmp_path, EXAMPLE_CONFIG)


# --- the exampleConfig fixture (reference §9.1) ---------------------------------------------------


def test_profiles_in_file_order(example: ConfigFile) -> None:  # TestProfilesFromConfig
    assert example.profile_names() == [
        "default",
        "user2",
        "withsource",
        "withMFA",
        "withendpointurl",
        "testincludeprofile1",
        "testincludeprofile2",
        "with-sso-session",
    ]
    assert [s.name for s in example.sso_sessions] == ["moon-sso"]
    assert example.section("moon-sso") is None


def test_sections_record_their_header_line(example: ConfigFile) -> None:
    assert [(s.name, s.line) for s in example.profiles[:3]] == [
        ("default", 2),
        ("user2", 6),
        ("withsource", 10),
    ]
    assert example.sso_sessions[0].line == 37


def test_key_names_are_case_insensitive(example: ConfigFile) -> None:
    # TestConfigParsingProfiles / TestProfileNameCaseSensitivity
    assert values(example, "user2") == {"region": "us-east-1", "output": "text"}
    assert values(example, "withMFA") == {
        "source_profile": "user2",
        "role_arn": "arn:aws:iam::4451234513441615400570:role/aws_admin",
        "mfa_serial": "arn:aws:iam::1234513441:mfa/blah",
        "region": "us-east-1",
        "duration_seconds": "1200",
        "sts_regional_endpoints": "legacy",
    }
    assert values(example, "withendpointurl")["endpoint_url"] == "https://localhost:1234"
    assert example.section("nopenotthere") is None
    assert example.section("withmfa") is None  # section names stay case-sensitive


def test_default_section_has_only_region_among_recognised_keys(example: ConfigFile) -> None:
    # TestConfigParsingDefault
    default = values(example, "default")
    assert default["region"] == "us-west-2"
    assert [k for k in default if k != "output"] == ["region"]


def test_inline_comments_after_whitespace_are_stripped(example: ConfigFile) -> None:
    assert values(example, "with-sso-session") == {
        "sso_session": "moon-sso",
        "sso_account_id": "123456",
        "region": "moon-1",
    }
    assert example.sso_session("moon-sso") is not None
    assert dict(example.sso_session("moon-sso").values) == {  # type: ignore[union-attr]
        "sso_start_url": "https://d-123456789.example.com/start",
        "sso_region": "moon-2",
        "sso_registration_scopes": "sso:account:access",
    }


# --- dialect details (reference §2.1) -------------------------------------------------------------


def test_go_ini_DEFAULT_section_is_ignored(tmp_path: Path) -> None:  # TestIniWithDEFAULTHeader
    config = load(tmp_path, "[DEFAULT]\nregion=us-east-1\n[default]\nregion=us-west-2\n")
    assert [s.name for s in config.profiles] == ["default"]
    assert values(config, "default") == {"region": "us-west-2"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("sso_start_url = https://x/start#/", "https://x/start#/"),
        ("sso_start_url = https://x/start;x", "https://x/start;x"),
        ("sso_start_url = https://x/start #/", "https://x/start"),
        ("sso_start_url = https://x/start\t; note", "https://x/start"),
        ("sso_start_url = #not-a-comment", "#not-a-comment"),
        ("sso_start_url =", ""),
        ("sso_start_url:https://x/start", "https://x/start"),
        ("sso_start_url : https://x/start", "https://x/start"),
        ("  sso_start_url=  https://x/start  ", "https://x/start"),
    ],
)
def test_values(tmp_path: Path, line: str, expected: str) -> None:
    assert values(load(tmp_path, f"[profile p]\n{line}\n"), "p") == {"sso_start_url": expected}


def test_delimiter_is_the_first_of_equals_or_colon(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "[profile p]\nrole_arn = arn:aws:iam::1:role/x\nsession_tags=a=b,c=d\n"
        "mfa_serial: arn:aws:iam::1:mfa/u\n",
    )
    assert values(config, "p") == {
        "role_arn": "arn:aws:iam::1:role/x",
        "session_tags": "a=b,c=d",
        "mfa_serial": "arn:aws:iam::1:mfa/u",
    }


def test_nested_values_are_skipped_not_read_as_profile_keys(tmp_path: Path) -> None:
    text = (
        "[profile p]\nregion=us-west-2\ns3 =\n  max_concurrent_requests = 10\n\n  # note\n"
        "  region = nested-region\nrole_arn=arn:r\n"
    )
    assert values(load(tmp_path, text), "p") == {"region": "us-west-2", "s3": "", "role_arn": "arn:r"}


def test_uniformly_indented_keys_are_keys(tmp_path: Path) -> None:
    text = "[profile p]\n  region = us-west-2\n  output =\n  role_arn = arn:r\n"
    assert values(load(tmp_path, text), "p") == {"region": "us-west-2", "output": "", "role_arn": "arn:r"}


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("[profile   spaced  ]", "spaced"),
        ("[ profile p ]", "p"),
        ('[profile "a b"]', "a b"),
        ("[profile 'q']", "q"),
        ("[profile\ttabbed]", "tabbed"),
        ("[profile x] # trailing comment", "x"),
    ],
)
def test_profile_header_names(tmp_path: Path, header: str, name: str) -> None:
    config = load(tmp_path, f"{header}\nregion=r\n")
    assert [s.name for s in config.profiles] == [name]


@pytest.mark.parametrize(
    "header",
    ["[profilefoo]", "[profile]", "[Profile foo]", "[foo]", "[services s]", "[Default]", "[preview]"],
)
def test_other_sections_are_ignored(tmp_path: Path, header: str) -> None:
    config = load(tmp_path, f"{header}\nregion=r\nnested =\n  k = v\n[profile kept]\n")
    assert [s.name for s in config.profiles] == ["kept"]
    assert config.sso_sessions == ()


def test_repeated_sections_merge_with_later_keys_winning(tmp_path: Path) -> None:
    config = load(tmp_path, "[profile a]\nregion=one\noutput=json\n[profile b]\n[profile a]\nregion=two\n")
    assert [(s.name, s.line) for s in config.profiles] == [("a", 1), ("b", 4)]
    assert values(config, "a") == {"region": "two", "output": "json"}


def test_profile_default_is_default_only_without_a_default_section(tmp_path: Path) -> None:
    alone = load(tmp_path, "[profile default]\nregion=from-profile-default\n")
    assert values(alone, "default") == {"region": "from-profile-default"}
    both = load(tmp_path, "[profile default]\nregion=pd\n[default]\nregion=d\n")
    assert [(s.name, s.line) for s in both.profiles] == [("default", 3)]
    assert values(both, "default") == {"region": "d"}


def test_crlf_line_endings_and_byte_order_mark(tmp_path: Path) -> None:
    config = load(
        tmp_path, "\ufeff[default]\r\nregion=us-west-2\r\n\r\n[profile p]\r\nregion = eu-west-1\r\n"
    )
    assert values(config, "default") == {"region": "us-west-2"}
    assert values(config, "p") == {"region": "eu-west-1"}
    assert config.section("p").line == 4  # type: ignore[union-attr]


def test_missing_file_is_an_empty_config_and_nothing_is_created(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "config"
    config = AwsConfigSource(str(path)).load()
    assert config == ConfigFile(path=str(path))
    assert not path.parent.exists()


def test_empty_file_is_an_empty_config(tmp_path: Path) -> None:
    assert load(tmp_path, "").profiles == ()


def test_leading_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[profile home]\n")
    source = AwsConfigSource("~/.aws/config")
    assert source.path == str(tmp_path / ".aws" / "config")
    assert source.load().profile_names() == ["home"]


# --- differential: raw sections equal botocore's ----------------------------------------------------

BOTOCORE_AGREES = [
    EXAMPLE_CONFIG.replace(" # Different from sso region", "").replace(
        "  # Different from profile region", ""
    ),
    CONFIG_D,
    "[default]\nregion = us-west-2\n\n[profile dev]\nREGION: eu-west-1\nrole_arn=arn:aws:iam::1:role/dev\n"
    "source_profile = default\nmfa_serial = arn:aws:iam::1:mfa/me\n; a comment\n# another\n",
    "[profile a]\nregion=r1\ns3 =\n  max_concurrent_requests = 10\n  addressing_style = path\n"
    "role_arn=arn:aws:iam::2:role/a\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:8000\n"
    "[profile b]\nsource_profile=a\n",
    '[profile "quoted name"]\nregion=q\n[profile   padded   ]\nmfa_serial=arn:aws:iam::3:mfa/p\n',
    "[profile default]\nregion=from-profile-default\n[profile other]\nregion=o\n",
]


@pytest.mark.parametrize("text", BOTOCORE_AGREES, ids=range(len(BOTOCORE_AGREES)))
def test_raw_sections_match_botocore(tmp_path: Path, text: str) -> None:
    source = write(tmp_path, text)
    ours = source.load()
    theirs = load_config(source.path)["profiles"]
    assert sorted(s.name for s in ours.profiles) == sorted(theirs)
    for name, section in theirs.items():
        for key in ("region", "role_arn", "source_profile", "mfa_serial", "sso_start_url", "sso_session"):
            assert ours.section(name).get(key) == section.get(key, ""), (name, key)  # type: ignore[union-attr]


def test_indented_line_after_a_value_is_a_key_as_in_go_ini_not_a_continuation(tmp_path: Path) -> None:
    # Where the loaders disagree we follow aws-vault's go-ini: botocore would read source_profile as
    # "a\nregion = indented-key" (a configparser continuation line).
    source = write(tmp_path, "[profile b]\nsource_profile=a\n  region = indented-key\n")
    assert values(source.load(), "b") == {"source_profile": "a", "region": "indented-key"}
    assert load_config(source.path)["profiles"]["b"] == {"source_profile": "a\nregion = indented-key"}


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("region=us-east-1\n[default]\n", 1, "before any section header"),
        ("# comment\n\n  region = x\n", 3, "before any section header"),
        ("[default]\nregion=x\njust some words\n", 3, "expected 'key = value'"),
        ("[default]\nregion=x\n\n[profile broken\nregion=y\n", 4, "unterminated section header"),
        ("[default]\n[]\n", 2, "empty section name"),
        ("[profile p]\n= value\n", 2, "missing key name"),
        ("[profile p]\n  : value\n", 2, "missing key name"),
        ("[profile p]\ns3 =\n  max_queue_size\n", 3, "sub-setting"),
        ("[services x]\nsecret words here\n", 2, "expected 'key = value'"),
    ],
)
def test_malformed_file_names_path_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    source = write(tmp_path, text)
    with pytest.raises(ConfigSyntaxError) as info:
        source.load()
    assert info.value.line == line
    message = str(info.value)
    assert message.startswith(f"{source.path}:{line}: ")
    assert reason in message
    assert "\n" not in message
    assert "secret words" not in message  # a stray line may be a pasted secret: never echo it


def test_undecodable_bytes_name_their_line(tmp_path: Path) -> None:
    source = write(tmp_path, b"[default]\nregion=us-west-2\n[profile p]\nregion=caf\xe9\n")
    with pytest.raises(ConfigSyntaxError) as info:
        source.load()
    assert info.value.line == 4
    assert str(info.value) == f"{source.path}:4: not valid UTF-8"


def test_unreadable_path_is_a_config_error(tmp_path: Path) -> None:
    source = AwsConfigSource(str(tmp_path))  # a directory
    with pytest.raises(ConfigError) as info:
        source.load()
    assert not isinstance(info.value, ConfigSyntaxError)
    assert str(tmp_path) in str(info.value)
    assert "\n" not in str(info.value)


def test_permission_denied_is_a_config_error(tmp_path: Path) -> None:
    source = write(tmp_path, "[default]\n")
    denied = PermissionError(13, "Permission denied")
    with mock.patch("builtins.open", side_effect=denied), pytest.raises(ConfigError) as info:
        source.load()
    assert str(info.value) == f"{source.path}: cannot read the AWS config file: Permission denied"


# --- add_profile --------------------------------------------------------------------------------


def test_add_profile_appends_and_keeps_every_existing_byte(tmp_path: Path) -> None:
    # TestAddProfileToExistingNestedConfig
    source = write(tmp_path, NESTED)
    source.add_profile("llamas", {"mfa_serial": "testserial", "region": "us-east-1"})
    assert (
        Path(source.path).read_text()
        == NESTED + "\n[profile llamas]\nmfa_serial=testserial\nregion=us-east-1\n"
    )
    assert values(source.load(), "llamas") == {"mfa_serial": "testserial", "region": "us-east-1"}
    assert values(source.load(), "testing")["region"] == "us-west-2"


def test_add_profile_to_example_config(tmp_path: Path) -> None:  # TestAddProfileToExistingConfig
    source = write(tmp_path, EXAMPLE_CONFIG)
    before = source.load().profile_names()
    source.add_profile(
        "llamas", {"mfa_serial": "testserial", "region": "us-east-1", "source_profile": "default"}
    )
    config = source.load()
    assert config.profile_names() == [*before, "llamas"]
    assert values(config, "llamas") == {
        "mfa_serial": "testserial",
        "region": "us-east-1",
        "source_profile": "default",
    }


def test_add_profile_skips_empty_values_and_keeps_given_order(tmp_path: Path) -> None:
    source = write(tmp_path, "[default]\nregion=us-west-2\n")
    source.add_profile("p", {"region": "r", "mfa_serial": "", "role_arn": "arn:x"})
    assert Path(source.path).read_text().endswith("\n\n[profile p]\nregion=r\nrole_arn=arn:x\n")


def test_add_profile_adds_a_newline_when_the_file_lacks_one(tmp_path: Path) -> None:
    source = write(tmp_path, "[default]\nregion=us-west-2")
    source.add_profile("p")
    assert Path(source.path).read_text() == "[default]\nregion=us-west-2\n\n[profile p]\n"


def test_add_default_writes_a_default_header_and_keeps_the_rest(tmp_path: Path) -> None:
    # TestIniWithHeaderSavesWithHeader: the existing [default] header survives a save
    original = "[default]\nregion=us-west-2\noutput=json\n"
    source = write(tmp_path, original)
    source.add_profile("default", {"region": "elsewhere"})
    assert Path(source.path).read_text() == original
    source.add_profile("other")
    assert Path(source.path).read_text() == original + "\n[profile other]\n"
    fresh = write(tmp_path, "[profile x]\n", name="fresh")
    fresh.add_profile("default", {"region": "us-east-1"})
    assert Path(fresh.path).read_text() == "[profile x]\n\n[default]\nregion=us-east-1\n"


def test_add_profile_is_a_no_op_when_the_section_exists(tmp_path: Path) -> None:
    source = write(tmp_path, NESTED)
    before = os.stat(source.path)
    source.add_profile("testing", {"region": "changed"})
    assert Path(source.path).read_text() == NESTED
    assert os.stat(source.path).st_ino == before.st_ino  # not even rewritten


def test_add_profile_creates_directory_and_file(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".aws" / "config"
    source = AwsConfigSource(str(path))
    source.add_profile("foo")
    assert path.read_text() == "[profile foo]\n"
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert source.load().profile_names() == ["foo"]


def test_add_profile_preserves_the_file_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    source = write(tmp_path, "[default]\n")
    os.chmod(source.path, 0o640)
    source.add_profile("p")
    assert stat.S_IMODE(os.stat(source.path).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_add_profile_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_text("[default]\n")
    link = tmp_path / "config"
    link.symlink_to(real)
    AwsConfigSource(str(link)).add_profile("p")
    assert link.is_symlink()
    assert real.read_text() == "[default]\n\n[profile p]\n"


def test_add_profile_refuses_a_malformed_file_without_touching_it(tmp_path: Path) -> None:
    source = write(tmp_path, "orphan=1\n")
    with pytest.raises(ConfigSyntaxError):
        source.add_profile("p")
    assert Path(source.path).read_text() == "orphan=1\n"


@pytest.mark.parametrize(
    ("name", "vals"),
    [("bad\nname", {}), ("", {}), ("p", {"region": "a\nb"}), ("p", {"re=gion": "x"}), ("p", {"[x": "y"})],
)
def test_add_profile_refuses_what_would_not_read_back(
    tmp_path: Path, name: str, vals: dict[str, str]
) -> None:
    source = write(tmp_path, "[default]\n")
    with pytest.raises(ConfigError):
        source.add_profile(name, vals)
    assert Path(source.path).read_text() == "[default]\n"


def test_add_profile_write_failure_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    source = AwsConfigSource(str(blocker / "sub" / "config"))  # a parent is a regular file
    with pytest.raises(ConfigError, match="cannot"):
        source.add_profile("p")


# --- the fake keeps the same contract --------------------------------------------------------------


@pytest.fixture(params=["real", "fake"])
def any_source(request: pytest.FixtureRequest, tmp_path: Path) -> ConfigSource:
    if request.param == "real":
        return AwsConfigSource(str(tmp_path / "config"))
    return FakeConfigSource()


def test_source_contract_add_then_load(any_source: ConfigSource) -> None:
    assert any_source.load().profiles == ()
    any_source.add_profile("a", {"region": "r", "mfa_serial": ""})
    any_source.add_profile("a", {"region": "ignored"})
    any_source.add_profile("default")
    config = any_source.load()
    assert [s.name for s in config.profiles] == ["a", "default"]
    assert values(config, "a") == {"region": "r"}
    assert config.profile_names() == ["a"]  # an empty [default] is not listed


@pytest.mark.parametrize("name", [" lead", "trail ", '"quoted"', "'single'", "a\nb", ""])
def test_source_contract_check_profile_name_refuses_what_would_not_read_back(any_source: ConfigSource, name: str) -> None:
    with pytest.raises(ConfigError, match="cannot add profile"):
        any_source.check_profile_name(name)
    with pytest.raises(ConfigError, match="cannot add profile"):
        any_source.add_profile(name)
    assert any_source.load().profiles == ()


@pytest.mark.parametrize("name", ["a", "default", "with space", "-dash", "é", "o'brien", 'a"b', "'x"])
def test_source_contract_check_profile_name_accepts_what_reads_back(any_source: ConfigSource, name: str) -> None:
    any_source.check_profile_name(name)
    any_source.add_profile(name)
    assert [s.name for s in any_source.load().profiles] == [name]


def test_fake_records_calls_and_fails_on_demand() -> None:
    fake = FakeConfigSource()
    fake.add_profile("x", {"region": "r", "mfa_serial": ""})
    assert fake.calls == [AddProfileCall("x", {"region": "r"})]
    failing = FakeConfigSource(fail_with=ConfigSyntaxError("/c", 3, "bad"))
    with pytest.raises(ConfigSyntaxError):
        failing.load()


@pytest.mark.parametrize("name", [" lead", "trail ", '"quoted"'])
def test_add_profile_refuses_names_that_would_read_back_differently(tmp_path: Path, name: str) -> None:
    path = tmp_path / "config"
    path.write_text("[profile a]\nregion=us-east-1\n")
    with pytest.raises(ConfigError, match="would not read back as itself"):
        AwsConfigSource(str(path)).add_profile(name)
    assert path.read_text() == "[profile a]\nregion=us-east-1\n"


def test_add_profile_of_an_existing_section_changes_nothing_even_for_a_name_it_could_not_write(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile \"'q'\"]\nregion=r\n")  # reads back as 'q' (with its quotes)
    source = AwsConfigSource(str(path))
    assert [p.name for p in source.load().profiles] == ["'q'"]
    source.add_profile("'q'")  # there already: nothing to write, so nothing to refuse
    assert path.read_text() == "[profile \"'q'\"]\nregion=r\n"

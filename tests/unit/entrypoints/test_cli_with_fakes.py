"""The CLI end to end in-process, with every port replaced by a fake through the container."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from aws_vault.domain.credentials import Credentials, master_from_json, master_to_json
from aws_vault.domain.items import credential_item
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.sessions import SessionKey
from aws_vault.entrypoints.cli.main import main
from aws_vault.entrypoints.container import Container
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.prompts import FakeMfaPrompt, FakeProcessRunner, FakeTerminal
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

MFA = "arn:aws:iam::123456789012:mfa/work-account"
LINUX_ONLY = "keyctl," if sys.platform.startswith("linux") else ""
SEED = ConfigFile(
    "/fake/.aws/config",
    (
        Section("home", {"region": "us-east-1", "mfa_serial": "arn:aws:iam::123456789012:mfa/home-account"}),
        Section("work", {"region": "eu-west-1", "mfa_serial": MFA}),
        Section(
            "work-read_only_role",
            {"role_arn": "arn:aws:iam::123456789012:role/read_only_role", "source_profile": "work", "mfa_serial": MFA},
        ),
        Section(
            "work-admin_role",
            {"role_arn": "arn:aws:iam::123456789012:role/admin_role", "source_profile": "work", "mfa_serial": MFA},
        ),
    ),
)


@dataclass
class World:
    container: Container
    store: FakeSecretStore
    sts: FakeTokenService
    clock: FakeClock
    prompt: FakeMfaPrompt
    terminal: FakeTerminal
    runner: FakeProcessRunner
    config: FakeConfigSource

    def cli(self, *argv: str, env: dict[str, str] | None = None) -> int:
        return main(list(argv), env={"HOME": "/nonexistent", **(env or {})}, container=self.container)

    def store_keys(self, profile: str, key_id: str = "AKIAWORK") -> None:
        self.store.set(credential_item(profile, master_to_json(Credentials(key_id, f"{profile}-secret"))))


@pytest.fixture
def world() -> Iterator[World]:
    clock = FakeClock()
    w = World(
        container=Container(),
        store=FakeSecretStore(),
        sts=FakeTokenService(clock=clock),
        clock=clock,
        prompt=FakeMfaPrompt("123456"),
        terminal=FakeTerminal(),
        runner=FakeProcessRunner(),
        config=FakeConfigSource(SEED),
    )
    c = w.container
    with (
        c.secret_store.override(w.store),
        c.token_service.override(w.sts),
        c.clock.override(w.clock),
        c.mfa_prompt.override(w.prompt),
        c.terminal.override(w.terminal),
        c.process_runner.override(w.runner),
        c.config_source.override(w.config),
    ):
        yield w


def test_exec_twice_asks_sts_and_mfa_once(world: World) -> None:
    world.store_keys("work")
    assert world.cli("exec", "work", "--", "aws", "s3", "ls") == 0
    assert world.cli("exec", "work", "--", "aws", "s3", "ls") == 0
    assert world.sts.ops == ["GetSessionToken"]
    assert len(world.prompt.asked) == 1
    first, second = world.runner.calls
    assert first.argv == ["aws", "s3", "ls"]
    assert first.env["AWS_ACCESS_KEY_ID"] == second.env["AWS_ACCESS_KEY_ID"] == "ASIAFAKE0001"


def test_exec_builds_the_child_environment(world: World) -> None:
    world.store_keys("work")
    parent = {"AWS_PROFILE": "x", "AWS_SECURITY_TOKEN": "old", "AWS_SDK_LOAD_CONFIG": "1", "KEEP": "me"}
    assert world.cli("exec", "work-admin_role", "--", "env", env=parent) == 0
    env = world.runner.calls[0].env
    assert env["AWS_VAULT"] == "work-admin_role"
    assert env["KEEP"] == "me"
    for gone in ("AWS_PROFILE", "AWS_SECURITY_TOKEN", "AWS_SDK_LOAD_CONFIG"):
        assert gone not in env
    assert env["AWS_ACCESS_KEY_ID"] == "ASIAFAKE0002" and env["AWS_SESSION_TOKEN"] == "fake-token-2"
    expected = (world.clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert env["AWS_CREDENTIAL_EXPIRATION"] == env["AWS_SESSION_EXPIRATION"] == expected
    assert "AWS_REGION" not in env  # the role profile has no region of its own


def test_exec_exit_status_is_the_childs(world: World) -> None:
    world.store_keys("home")
    world.runner.exit_code = 7
    assert world.cli("exec", "--no-session", "home", "--", "false") == 7


def test_exec_without_command_runs_the_shell(world: World) -> None:
    world.store_keys("home")
    assert world.cli("exec", "--no-session", "home", env={"SHELL": "/bin/zsh"}) == 0
    assert world.runner.calls[0].argv == ["/bin/zsh"]


def test_durations_reach_sts(world: World) -> None:
    world.store_keys("work")
    world.prompt.codes.append("654321")
    assert world.cli("exec", "work", "--duration", "2h", "--", "true") == 0
    assert world.sts.calls[0].duration == timedelta(hours=2)
    assert world.cli("exec", "work-admin_role", "--no-session", "--assume-role-ttl", "15m", "--", "true") == 0
    assert world.sts.calls[1].duration == timedelta(minutes=15)


def test_v4_session_ttl_env_sets_the_session_duration(world: World) -> None:
    world.store_keys("home")
    assert world.cli("exec", "home", "--", "true", env={"AWS_SESSION_TTL": "4h"}) == 0
    assert world.sts.calls[0].duration == timedelta(hours=4)


def test_mfa_token_flag_skips_the_prompt(world: World) -> None:
    world.store_keys("work")
    world.prompt.codes.clear()
    assert world.cli("exec", "-t", "999999", "work", "--", "true") == 0
    assert world.sts.calls[0].token_code == "999999"


def test_list_prints_the_seed_table(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("home")
    world.store_keys("work")
    world.cli("exec", "work", "--", "true")
    capsys.readouterr()
    assert world.cli("list") == 0
    expiry = int((world.clock.now() + timedelta(hours=1)).timestamp())
    assert capsys.readouterr().out == (
        "Profile                  Credentials              Sessions                 \n"
        "=======                  ===========              ========                 \n"
        "home                     home                                              \n"
        f"work                     work                     {expiry}               \n"
        "work-read_only_role      work                                              \n"
        "work-admin_role          work                                              \n"
    )


def test_list_without_sessions_leaves_the_sessions_column_blank(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.store_keys("home")
    world.store_keys("orphan")
    assert world.cli("list") == 0
    lines = capsys.readouterr().out.splitlines()
    # The seed's table: "-" for a missing profile or credential, a blank for no sessions.
    assert lines[2] == "home                     home                                              "
    assert lines[3].split() == ["work", "-"]
    assert lines[-1].split() == ["-", "orphan"]


def test_list_filters(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    world.cli("exec", "work", "--", "true")
    capsys.readouterr()
    world.cli("list", "--profiles")
    assert capsys.readouterr().out.split() == ["home", "work", "work-read_only_role", "work-admin_role"]
    world.cli("list", "--credentials")
    assert capsys.readouterr().out.split() == ["work"]
    world.cli("list", "--sessions")
    assert capsys.readouterr().out.split() == ["sts.GetSessionToken:1h0m0s"]


def test_remove_asks_and_deletes_credentials_and_sessions(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    world.cli("exec", "work", "--", "true")
    capsys.readouterr()
    world.terminal.answers.append("y")
    assert world.cli("remove", "work") == 0
    assert world.terminal.questions == [('Delete credentials for profile "work"? (Y|n)', False)]
    assert capsys.readouterr().out == "Deleted credentials.\nDeleted 1 sessions.\n"
    assert world.store.items == {}


def test_remove_answer_no_keeps_everything(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    world.terminal.answers.append("n")
    assert world.cli("remove", "work") == 0
    assert capsys.readouterr().out == ""
    assert list(world.store.items) == ["work"]


def test_remove_sessions_only_keeps_credentials(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    world.cli("exec", "work", "--", "true")
    capsys.readouterr()
    assert world.cli("remove", "work", "--sessions-only") == 0
    assert capsys.readouterr().out == "Deleted 1 sessions.\n"
    assert list(world.store.items) == ["work"]


def test_add_prompts_with_the_seed_wording_and_stores_go_shaped_json(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.terminal.answers += ["AKIANEW", "new-secret"]
    assert world.cli("add", "fresh") == 0
    assert world.terminal.questions == [("Enter Access Key Id: ", False), ("Enter Secret Key: ", True)]
    assert capsys.readouterr().out == 'Added credentials to profile "fresh" in vault\n'
    item = world.store.items["fresh"]
    assert item.label == "aws-vault (fresh)"
    assert master_from_json(item.data, "fresh") == Credentials("AKIANEW", "new-secret")
    assert item.data.startswith(b'{"AccessKeyID":"AKIANEW","SecretAccessKey":"new-secret","SessionToken":""')
    assert [c.name for c in world.config.calls] == ["fresh"]


def test_add_deletes_the_profiles_old_sessions(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    world.cli("exec", "work", "--", "true")
    capsys.readouterr()
    env = {"AWS_ACCESS_KEY_ID": "AKIAROTATED", "AWS_SECRET_ACCESS_KEY": "s"}
    assert world.cli("add", "--env", "work", env=env) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Deleted 1 existing sessions."
    assert not [k for k in world.store.items if SessionKey.parse(k)]
    assert world.config.calls == []  # the section exists already


def test_add_refuses_a_profile_with_a_source(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("add", "--env", "work-admin_role", env={"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"}) == 1
    assert capsys.readouterr().err == (
        "aws-vault: error: add: Your profile has a source_profile of work, "
        "adding credentials to work-admin_role won't have any effect\n"
    )
    assert world.store.items == {}


def test_add_env_without_keys_is_a_clear_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("add", "--env", "home") == 1
    assert capsys.readouterr().err == "aws-vault: error: add: Missing value for AWS_ACCESS_KEY_ID\n"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("env", "AWS_ACCESS_KEY_ID=ASIAFAKE0001\nAWS_SECRET_ACCESS_KEY=fake-secret-1\nAWS_SESSION_TOKEN=fake-token-1\n"
                "AWS_CREDENTIAL_EXPIRATION=2024-01-02T04:04:05Z\nAWS_REGION=us-east-1\nAWS_DEFAULT_REGION=us-east-1\n"),
        ("export-env", "export AWS_ACCESS_KEY_ID=ASIAFAKE0001\nexport AWS_SECRET_ACCESS_KEY=fake-secret-1\n"
                       "export AWS_SESSION_TOKEN=fake-token-1\nexport AWS_CREDENTIAL_EXPIRATION=2024-01-02T04:04:05Z\n"
                       "export AWS_REGION=us-east-1\nexport AWS_DEFAULT_REGION=us-east-1\n"),
        ("json", '{\n  "Version": 1,\n  "AccessKeyId": "ASIAFAKE0001",\n  "SecretAccessKey": "fake-secret-1",\n'
                 '  "SessionToken": "fake-token-1",\n  "Expiration": "2024-01-02T04:04:05Z"\n}\n'),
        ("ini", "[home]\naws_access_key_id=ASIAFAKE0001\naws_secret_access_key=fake-secret-1\n"
                "aws_session_token=fake-token-1\naws_credential_expiration=2024-01-02T04:04:05Z\nregion=us-east-1\n"),
    ],
)
def test_export_formats(world: World, capsys: pytest.CaptureFixture[str], fmt: str, expected: str) -> None:
    world.store_keys("home")
    assert world.cli("export", f"--format={fmt}", "home") == 0
    assert capsys.readouterr().out == expected


def test_export_ini_no_session_is_the_upstream_example(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store.set(credential_item("llamas", b'{"AccessKeyID":"ABC","SecretAccessKey":"XYZ"}'))
    assert world.cli("export", "--format=ini", "--no-session", "llamas") == 0
    assert capsys.readouterr().out == "[llamas]\naws_access_key_id=ABC\naws_secret_access_key=XYZ\n"


def test_exec_json_is_credential_process_output(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("home")
    assert world.cli("exec", "--json", "home") == 0
    assert capsys.readouterr().out.startswith('{\n  "Version": 1,\n  "AccessKeyId": "ASIAFAKE0001",')
    assert world.runner.calls == []


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["exec", "home", "--", "true"], {"AWS_VAULT": "work"},
         "aws-vault: error: exec: running in an existing aws-vault subshell; "
         "'exit' from the subshell or unset AWS_VAULT to force"),
        (["export", "home"], {"AWS_VAULT": "work"},
         "aws-vault: error: export: in an existing aws-vault subshell; "
         "'exit' from the subshell or unset AWS_VAULT to force"),
        (["exec", "nowhere", "--", "true"], {},
         "aws-vault: error: exec: profile 'nowhere' not found in ~/.aws/config and no stored credentials exist for it"),
        (["exec", "work", "--", "true"], {},
         "aws-vault: error: exec: Error getting temporary credentials: profile work: credentials missing"),
        (["exec", "home", "--duration", "3600", "--", "true"], {},
         'aws-vault: error: exec: --duration: invalid duration "3600" (use a unit, e.g. 1h, 90m, 3600s)'),
        (["exec", "home", "--", "true"], {"AWS_SESSION_TOKEN_TTL": "soon"},
         'aws-vault: error: exec: AWS_SESSION_TOKEN_TTL: invalid duration "soon" (use a unit, e.g. 1h, 90m, 3600s)'),
        (["--backend=nope", "list"], {"PATH": "/nonexistent"},
         f"aws-vault: error: enum value must be one of {LINUX_ONLY}file,keyring, got 'nope', try --help"),
        (["--backend=kwallet", "list"], {}, "aws-vault: error: Specified keyring backend not available, try --help"),
        (["list", "--prompt=carrier-pigeon"], {"PATH": "/nonexistent"},
         "aws-vault: error: list: --prompt value must be one of terminal, got 'carrier-pigeon'"),
        (["frobnicate"], {}, "aws-vault: error: argument <command>: invalid choice: 'frobnicate' (choose from 'add', "
                             "'remove', 'rm', 'list', 'ls', 'exec', 'export', 'rotate', 'login', 'clear', 'check-config', 'plan', 'serve', 'help'), try --help"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    world: World, capsys: pytest.CaptureFixture[str], argv: list[str], env: dict[str, str], message: str
) -> None:
    world.store_keys("home")
    before = dict(world.store.items)
    assert world.cli(*argv, env=env) == 1
    assert capsys.readouterr().err == message + "\n"
    assert world.store.items == before
    assert world.sts.calls == []


def test_sts_rejection_names_the_aws_code(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    from aws_vault.domain.errors import StsRequestError

    world.store_keys("home")
    world.sts.fail_with = StsRequestError("GetSessionToken", "AccessDenied", "MultiFactorAuthentication failed")
    assert world.cli("exec", "home", "--", "true") == 1
    assert capsys.readouterr().err == (
        "aws-vault: error: exec: Failed to get credentials for home: "
        "GetSessionToken: AccessDenied: MultiFactorAuthentication failed\n"
    )
    assert list(world.store.items) == ["home"]


def test_debug_logs_decisions_without_secrets(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    world.prompt.codes = ["424242"]
    assert world.cli("--debug", "exec", "work-admin_role", "--", "true") == 0
    err = capsys.readouterr().err
    assert "profile work: using GetSessionToken (with MFA)" in err
    assert "profile work-admin_role: using AssumeRole (chained MFA)" in err
    assert "using GetSessionToken, expires in 8h0m0s" in err
    for secret in ("work-secret", "fake-secret-1", "fake-token-1", "fake-secret-2", "424242"):
        assert secret not in err


def test_sessions_of_unknown_profiles_get_rows_of_their_own(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    world.cli("exec", "work", "--", "true")
    world.store.remove("work")  # the session stays, its profile's keys are gone ...
    world.config.config = world.config.config._replace(profiles=())  # ... and so is its section
    capsys.readouterr()
    assert world.cli("list") == 0
    last = capsys.readouterr().out.splitlines()[-1].split()
    assert last[:2] == ["-", "-"] and last[2].isdigit()


def test_add_refuses_names_that_look_like_session_keys(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "s"}
    for name in ("ci session (1)", "oidc:https://x", "sts.GetSessionToken,d29yaw,,1700000000"):
        assert world.cli("add", "--env", "--no-add-config", name, env=env) == 1
        assert "looks like a cached session or SSO token key" in capsys.readouterr().err
    assert world.store.items == {}


def test_add_refuses_a_name_the_config_cannot_hold_before_asking_for_keys(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.cli("add", " lead") == 1
    assert "would not read back as itself" in capsys.readouterr().err
    assert world.terminal.questions == []  # refused before the prompts
    assert world.store.items == {}
    assert world.config.calls == []


def test_the_child_never_sees_the_file_store_passphrase(world: World) -> None:
    world.store_keys("home")
    assert world.cli("exec", "--no-session", "home", "--", "env", env={"AWS_VAULT_FILE_PASSPHRASE": "pw"}) == 0
    assert "AWS_VAULT_FILE_PASSPHRASE" not in world.runner.calls[0].env


def test_remove_without_a_terminal_points_to_force(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("work")
    # FakeTerminal with no scripted answer stands for "no terminal": make it raise like TtyTerminal does.
    from aws_vault.domain.errors import PromptError

    def no_tty(prompt: str, *, secret: bool = False) -> str:
        raise PromptError("no terminal to prompt on")

    world.terminal.ask = no_tty  # type: ignore[method-assign]
    assert world.cli("remove", "work") == 1
    assert capsys.readouterr().err == (
        "aws-vault: error: remove: no terminal to confirm on: use --force to remove without asking\n"
    )
    assert list(world.store.items) == ["work"]


def test_arguments_that_are_not_utf8_are_one_line_errors(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("exec", "bad\udcff", "--", "true") == 1
    assert capsys.readouterr().err.startswith("aws-vault: error: argument 'bad\\udcff' is not valid UTF-8")


def test_mfa_codes_must_be_printable_ascii(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("home")
    assert world.cli("exec", "home", "-t", "12\x0734", "--", "true") == 1
    assert "must be printable ASCII digits" in capsys.readouterr().err
    assert world.sts.calls == []


def test_huge_durations_are_one_line_errors(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.store_keys("home")
    assert world.cli("exec", "home", "-d", "99999999999h", "--", "true") == 1
    assert capsys.readouterr().err == (
        'aws-vault: error: exec: --duration: invalid duration "99999999999h" (use a unit, e.g. 1h, 90m, 3600s)\n'
    )
    assert world.cli("list", env={"AWS_MIN_TTL": "-5m"}) == 1
    assert "AWS_MIN_TTL must not be negative" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["exec", "--help"], ["help", "list"], ["-h"]])
def test_help_returns_a_status_in_process(world: World, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert world.cli(*argv) == 0  # never SystemExit: tooling calls main() in-process
    assert "usage:" in capsys.readouterr().out.lower()

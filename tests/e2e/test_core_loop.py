"""The seed's core loop, end to end: add, exec (with MFA and a cached session), list, remove, export.

Each test drives the installed ``aws-vault`` against a real moto server (see ``conftest.py``); prompts
are answered on a real pty, and moto's recording says which STS calls were made with which fields.
"""

from __future__ import annotations

import calendar
import json
import re
import signal
import stat
import time

import pexpect
import pytest

from tests.e2e.conftest import (
    ACCOUNT,
    AWS_VAULT,
    ENV_REPORT,
    MFA_CODE,
    PYTHON,
    SEED_CONFIG,
    WHOAMI,
    WORK_MFA,
    Vault,
    child_report,
)

pytestmark = pytest.mark.e2e

RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin_role"
READ_ONLY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/read_only_role"


def finish(child: pexpect.spawn) -> str:
    """Wait for the pty child to exit; its transcript."""
    child.expect(pexpect.EOF)
    child.close()
    transcript: str = child.transcript.getvalue()
    assert child.exitstatus == 0, f"exit {child.exitstatus}, signal {child.signalstatus}:\n{transcript}"
    return transcript


def answer_mfa(child: pexpect.spawn, serial: str = WORK_MFA) -> None:
    child.expect_exact(f"Enter MFA code for {serial}: ")
    child.sendline(MFA_CODE)


def unix_time(rfc3339: str) -> int:
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def table(*rows: tuple[str, str, str]) -> str:
    """Go tabwriter output as aws-vault configures it: min width 25, padding 2, every cell padded."""
    widths = [max(25, *(len(r[i]) + 2 for r in rows)) for i in range(3)]
    return "".join("".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) + "\n" for r in rows)


# 1. add


def test_add_asks_on_the_terminal_hides_the_secret_and_stores_a_0600_item(vault: Vault) -> None:
    key = vault.iam_key()
    config_before = vault.config.read_bytes()

    child = vault.spawn("add", "home")
    child.expect_exact("Enter Access Key Id: ")
    assert child.before == "", "nothing may precede the first prompt"
    child.sendline(key["AccessKeyId"])
    child.expect_exact("Enter Secret Key: ")
    child.sendline(key["SecretAccessKey"])
    child.expect_exact('Added credentials to profile "home" in vault')
    transcript = finish(child)

    assert key["AccessKeyId"] in transcript  # the key id is echoed as typed ...
    assert key["SecretAccessKey"] not in transcript  # ... the secret is not
    item = vault.key_dir / "home"
    assert item.is_file()
    assert stat.S_IMODE(item.stat().st_mode) == 0o600
    assert key["SecretAccessKey"].encode() not in item.read_bytes()
    assert vault.config.read_bytes() == config_before, "[profile home] exists: the config must not change"

    # The stored key is the one typed: it signs the GetSessionToken.
    vault.cache_session("home")
    [call] = vault.moto.requests()
    assert (call["Action"], call["access_key_id"]) == ("GetSessionToken", key["AccessKeyId"])


def test_add_appends_a_missing_profile_section_once(vault: Vault) -> None:
    vault.add("extra")
    vault.add("extra")
    text = vault.config.read_text()
    assert text.startswith(SEED_CONFIG), "existing content is kept"
    assert text.count("[profile extra]") == 1
    assert vault.ok("list", "--profiles").stdout.splitlines()[-1] == "extra"


# 2-4. exec, MFA and the session cache


def test_exec_asks_for_the_mfa_code_and_gives_the_child_a_session(vault: Vault, sts_calls) -> None:
    master = vault.add("work")

    child = vault.spawn("exec", "work", "--", PYTHON, "-c", ENV_REPORT)
    answer_mfa(child)
    env = child_report(finish(child))["env"]

    [call] = sts_calls()
    assert call["Action"] == "GetSessionToken"
    assert call["SerialNumber"] == WORK_MFA
    assert call["TokenCode"] == MFA_CODE
    assert call["DurationSeconds"] == "3600"
    assert call["access_key_id"] == master
    assert call["region"] == "eu-west-1"

    assert env["AWS_VAULT"] == "work"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_ACCESS_KEY_ID"] != master
    assert env["AWS_SECRET_ACCESS_KEY"]
    assert env["AWS_SESSION_TOKEN"]
    assert RFC3339_Z.match(env["AWS_CREDENTIAL_EXPIRATION"])
    assert RFC3339_Z.match(env["AWS_SESSION_EXPIRATION"])
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_second_exec_reuses_the_cached_session_without_a_prompt(vault: Vault, sts_calls) -> None:
    vault.add("work")
    vault.cache_session("work")
    first = vault.ok("export", "--format=json", "work").stdout
    vault.moto.reset()

    done = vault.ok("exec", "work", "--", PYTHON, "-c", ENV_REPORT)  # no terminal: a prompt would fail

    assert sts_calls() == []
    assert "MFA" not in done.stderr
    env = child_report(done.stdout)["env"]
    assert env["AWS_VAULT"] == "work"
    assert env["AWS_ACCESS_KEY_ID"] == json.loads(first)["AccessKeyId"]
    assert env["AWS_SESSION_TOKEN"] == json.loads(first)["SessionToken"]


def test_two_roles_from_one_source_share_one_mfa_session(vault: Vault, sts_calls) -> None:
    master = vault.add("work")

    child = vault.spawn("exec", "work-admin_role", "--", PYTHON, "-c", WHOAMI)
    answer_mfa(child)
    transcript = finish(child)
    second = vault.ok("exec", "work-read_only_role", "--", PYTHON, "-c", WHOAMI)  # no terminal: no prompt

    assert transcript.count("Enter MFA code") == 1
    assert re.search(rf"^ARN arn:aws:sts::{ACCOUNT}:assumed-role/admin_role/\S+\r?$", transcript, re.M)
    assert re.search(rf"^ARN arn:aws:sts::{ACCOUNT}:assumed-role/read_only_role/\S+$", second.stdout, re.M)

    calls = sts_calls()
    assert [(c["Action"], c.get("RoleArn")) for c in calls] == [
        ("GetSessionToken", None),
        ("AssumeRole", ADMIN_ROLE),
        ("AssumeRole", READ_ONLY_ROLE),
    ]
    session, *roles = calls
    assert session["DurationSeconds"] == "28800", "a source profile's session lasts 8h (reference §2.5)"
    assert (session["SerialNumber"], session["TokenCode"]) == (WORK_MFA, MFA_CODE)
    assert session["access_key_id"] == master
    for role in roles:
        assert "TokenCode" not in role and "SerialNumber" not in role, "the MFA was spent on the session"
        assert role["access_key_id"] != master and role["security_token"], "signed with the session"


# 5. list


def test_list_shows_the_seed_table_and_its_single_column_views(vault: Vault) -> None:
    vault.add("home")
    vault.add("work")
    vault.ok("exec", "work-admin_role", "--mfa-token", MFA_CODE, "--", "true")
    expiry = unix_time(json.loads(vault.ok("export", "--format=json", "work").stdout)["Expiration"])
    # Every role session is cached (not only those sent with MFA, as aws-vault does): the role has one too.
    role_expiry = unix_time(json.loads(vault.ok("export", "--format=json", "work-admin_role").stdout)["Expiration"])

    listed = vault.ok("list").stdout

    assert listed.splitlines()[0] == "Profile                  Credentials              Sessions                 "
    assert listed == table(
        ("Profile", "Credentials", "Sessions"),
        ("=======", "===========", "========"),
        ("home", "home", ""),
        ("work", "work", str(expiry)),
        ("work-read_only_role", "work", ""),
        ("work-admin_role", "work", str(role_expiry)),
    )
    assert vault.ok("list", "--profiles").stdout == "home\nwork\nwork-read_only_role\nwork-admin_role\n"
    assert vault.ok("list", "--credentials").stdout == "home\nwork\n"
    assert sorted(vault.ok("list", "--sessions").stdout.splitlines())[0].startswith("sts.AssumeRole:5")
    assert re.fullmatch(r"sts\.GetSessionToken:7h5\dm\d{1,2}s", sorted(vault.ok("list", "--sessions").stdout.splitlines())[1])


def test_list_without_role_caching_matches_the_seed(vault: Vault) -> None:
    """AWS_VAULT_CACHE_ROLES=false: aws-vault's rule, only sessions sent with MFA are cached."""
    vault.add("home")
    vault.add("work")
    off = {"AWS_VAULT_CACHE_ROLES": "false"}
    vault.ok("exec", "work-admin_role", "--mfa-token", MFA_CODE, "--", "true", env=off)
    expiry = unix_time(json.loads(vault.ok("export", "--format=json", "work", env=off).stdout)["Expiration"])
    assert vault.ok("list", env=off).stdout == table(
        ("Profile", "Credentials", "Sessions"),
        ("=======", "===========", "========"),
        ("home", "home", ""),
        ("work", "work", str(expiry)),
        ("work-read_only_role", "work", ""),
        ("work-admin_role", "work", ""),
    )


# 6. remove


def test_remove_asks_and_deletes_credentials_and_sessions(vault: Vault) -> None:
    vault.add("work")
    vault.cache_session("work")

    child = vault.spawn("remove", "work")
    child.expect_exact('Delete credentials for profile "work"? (Y|n)')
    child.sendline("y")
    child.expect_exact("Deleted credentials.")
    child.expect_exact("Deleted 1 sessions.")
    finish(child)

    assert vault.stored() == {}
    failed = vault.run("exec", "work", "--", "true")
    assert failed.returncode == 1
    [line] = failed.stderr.splitlines()
    assert line.startswith("aws-vault: error: exec: ")
    assert "Traceback" not in failed.stderr


def test_remove_answered_no_keeps_everything(vault: Vault) -> None:
    vault.add("work")
    vault.cache_session("work")
    before = vault.stored()

    child = vault.spawn("remove", "work")
    child.expect_exact('Delete credentials for profile "work"? (Y|n)')
    child.sendline("n")
    transcript = finish(child)

    assert "Deleted" not in transcript
    assert vault.stored() == before


def test_remove_sessions_only_then_force(vault: Vault) -> None:
    vault.add("work")
    vault.cache_session("work")

    assert vault.ok("remove", "work", "--sessions-only").stdout == "Deleted 1 sessions.\n"
    assert list(vault.stored()) == ["work"]

    vault.cache_session("work")
    forced = vault.ok("remove", "work", "--force")  # no terminal: a prompt would fail
    assert forced.stdout == "Deleted credentials.\nDeleted 1 sessions.\n"
    assert vault.stored() == {}


# 7-8. the wrapper script and the child's exit status


def test_the_seeds_aws_wrapper_script_passes_arguments_and_picks_the_profile(vault: Vault) -> None:
    for profile in ("work", "home"):
        vault.add(profile)
        vault.cache_session(profile)
    realcmd = vault.script("realcmd", f"#!{PYTHON}\n{ENV_REPORT}\n")
    (vault.bin_dir / "aws-vault").symlink_to(AWS_VAULT)
    aws = vault.script("aws", f'#!/bin/bash\nexec aws-vault exec "${{AWS_DEFAULT_PROFILE:-work}}" -- {realcmd} "$@"\n')
    path = {"PATH": f"{vault.bin_dir}:{vault.env['PATH']}"}
    args = ["s3", "ls", "--recursive", "two words", "--"]

    as_work = vault.run_argv([str(aws), *args], env=path)
    as_home = vault.run_argv([str(aws), *args], env={**path, "AWS_DEFAULT_PROFILE": "home"})

    for done, profile in ((as_work, "work"), (as_home, "home")):
        assert done.returncode == 0, done.stderr
        report = child_report(done.stdout)
        assert report["argv"] == args
        assert report["env"]["AWS_VAULT"] == profile
        assert "AWS_DEFAULT_PROFILE" not in report["env"], "removed from the child's env (reference §2.9)"


def test_exec_exits_with_the_childs_status(vault: Vault) -> None:
    vault.add("home")
    vault.cache_session("home")

    assert vault.run("exec", "home", "--", "sh", "-c", "exit 7").returncode == 7
    killed = vault.run("exec", "home", "--", "sh", "-c", "kill -TERM $$")
    assert killed.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)


# 9-10. export formats, credential_process


def test_json_env_and_ini_formats(vault: Vault, sts_calls) -> None:
    master = vault.add("home")
    vault.cache_session("home")
    vault.moto.reset()

    exported = vault.ok("export", "--format=json", "home").stdout
    assert vault.ok("exec", "--json", "home").stdout == exported
    pairs = json.loads(exported, object_pairs_hook=list)
    assert [k for k, _ in pairs] == ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]
    doc = dict(pairs)
    assert exported.startswith('{\n  "Version": 1,\n  "AccessKeyId": "') and exported.endswith("\n}\n")
    assert doc["Version"] == 1 and doc["AccessKeyId"] != master
    assert RFC3339_Z.match(doc["Expiration"])

    env_lines = [
        f"AWS_ACCESS_KEY_ID={doc['AccessKeyId']}",
        f"AWS_SECRET_ACCESS_KEY={doc['SecretAccessKey']}",
        f"AWS_SESSION_TOKEN={doc['SessionToken']}",
        f"AWS_CREDENTIAL_EXPIRATION={doc['Expiration']}",
        "AWS_REGION=us-east-1",
        "AWS_DEFAULT_REGION=us-east-1",
    ]
    assert vault.ok("export", "home").stdout == "".join(f"{line}\n" for line in env_lines)
    assert vault.ok("export", "--format=env", "home").stdout == "".join(f"{line}\n" for line in env_lines)
    assert vault.ok("export", "--format=export-env", "home").stdout == "".join(f"export {line}\n" for line in env_lines)
    assert vault.ok("export", "--format=ini", "home").stdout == (
        "[home]\n"
        f"aws_access_key_id={doc['AccessKeyId']}\n"
        f"aws_secret_access_key={doc['SecretAccessKey']}\n"
        f"aws_session_token={doc['SessionToken']}\n"
        f"aws_credential_expiration={doc['Expiration']}\n"
        "region=us-east-1\n"
    )
    assert sts_calls() == [], "all served from the cached session"

    raw = vault.ok("exec", "--no-session", "home", "--", "env").stdout
    child_env = dict(line.split("=", 1) for line in raw.splitlines() if "=" in line)
    assert child_env["AWS_ACCESS_KEY_ID"] == master
    assert child_env["AWS_VAULT"] == "home"
    assert "AWS_SESSION_TOKEN" not in child_env
    assert "AWS_CREDENTIAL_EXPIRATION" not in child_env
    assert sts_calls() == []


def test_botocore_uses_aws_vault_as_its_credential_process(vault: Vault) -> None:
    vault.add("home")
    vault.cache_session("home")
    with vault.config.open("a") as config:
        config.write(
            f"\n[profile viaprocess]\ncredential_process = {AWS_VAULT} export --format=json home\nregion = us-east-1\n"
        )
    cached = json.loads(vault.ok("export", "--format=json", "home").stdout)
    vault.moto.reset()
    client = (
        "import boto3; s = boto3.Session(profile_name='viaprocess'); "
        "print(s.get_credentials().get_frozen_credentials().access_key); "
        "s.client('sts').get_caller_identity()"
    )

    done = vault.run_argv([PYTHON, "-c", client])

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{cached['AccessKeyId']}\n"
    [call] = vault.moto.requests()
    assert call["Action"] == "GetCallerIdentity"
    assert call["access_key_id"] == cached["AccessKeyId"]
    assert call["security_token"] == cached["SessionToken"]


@pytest.mark.parametrize(
    ("args", "wanted", "unwanted"),
    [
        (["--help"], ["exec", "export", "list", "remove", "add", "--help-long"], ["--format", "--sessions-only"]),
        (["--help-long"], ["exec", "--no-session", "--mfa-token", "--format", "--profiles"], []),
        (["exec", "--help"], ["--duration", "--no-session", "--region", "--mfa-token"], ["--format"]),
    ],
    ids=["help", "help-long", "exec-help"],
)
def test_help(vault: Vault, args: list[str], wanted: list[str], unwanted: list[str]) -> None:
    done = vault.ok(*args)
    assert "usage" in done.stdout.lower()
    for text in wanted:
        assert text in done.stdout
    for text in unwanted:
        assert text not in done.stdout
    assert "error" not in done.stderr


def test_version(vault: Vault) -> None:
    assert re.fullmatch(r"v?\d+\.\d+\.\d+\S*\n", vault.ok("--version").stdout)


# 11. the cached path stays light


HEAVY = {"boto3", "botocore", "dependency_injector", "structlog"}


def imported(importtime_stderr: str) -> set[str]:
    """Top-level packages in ``-X importtime`` output."""
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", importtime_stderr, re.M)
    return {name.split(".")[0] for name in names}


def test_cached_export_imports_no_sdk_container_or_logging(vault: Vault) -> None:
    vault.add("home")
    profile = {"PYTHONPROFILEIMPORTTIME": "1"}

    cold = vault.run("export", "--format=json", "--mfa-token", MFA_CODE, "home", env=profile)
    warm = vault.run("export", "--format=json", "home", env=profile)

    assert cold.returncode == warm.returncode == 0, cold.stderr[-2000:] + warm.stderr[-2000:]
    assert {"botocore", "dependency_injector"} <= imported(cold.stderr), "the cold call needs STS"
    assert imported(warm.stderr) & HEAVY == set()
    assert json.loads(warm.stdout) == json.loads(cold.stdout)


@pytest.mark.parametrize(
    "argv",
    [
        ["exec", "home", "--", "true"],
        ["exec", "--json", "home"],
        ["list"],
        ["list", "--sessions"],
        ["plan", "home"],
        ["--help"],
        ["exec", "--help"],
        ["--completion-bash", "aws-vault", "exec", ""],
    ],
    ids=["exec", "exec-json", "list", "list-sessions", "plan", "help", "exec-help", "completion"],
)
def test_commands_that_answer_without_sts_stay_light(vault: Vault, argv: list[str]) -> None:
    vault.add("home")
    vault.ok("export", "--format=json", "--mfa-token", MFA_CODE, "home")  # the session is now cached

    done = vault.run(*argv, env={"PYTHONPROFILEIMPORTTIME": "1"})

    assert done.returncode == 0, done.stderr[-2000:]
    assert imported(done.stderr) & HEAVY == set()

"""credential_process, web identity and mfa_process through the installed CLI, against real scripts and moto."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import AWS_VAULT, ENV_REPORT, PYTHON, Vault, child_report, error_lines

ROLE = "arn:aws:iam::123456789012:role/ci"


def add_profiles(vault: Vault, text: str) -> None:
    vault.config.write_text(vault.config.read_text() + "\n" + text)


def creds_script(vault: Vault, name: str, doc: dict[str, object] | str, exit_code: int = 0) -> str:
    body = doc if isinstance(doc, str) else json.dumps(doc)
    path = vault.script(name, f"#!/bin/sh\ncat <<'EOF'\n{body}\nEOF\nexit {exit_code}\n")
    return str(path)


def test_credential_process_long_term_keys_per_the_aws_spec(vault: Vault) -> None:
    # aws-vault rejects this output for lacking SessionToken/Expiration (aws-vault#1182).
    script = creds_script(vault, "long-term", {"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "pss"})
    add_profiles(vault, f"[profile proc]\nregion = eu-west-1\ncredential_process = {script}\n")
    out = json.loads(vault.ok("export", "--format=json", "proc").stdout)
    assert out == {"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "pss"}
    env = child_report(vault.ok("exec", "proc", "--", PYTHON, "-c", ENV_REPORT).stdout)["env"]
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAPROC" and "AWS_SESSION_TOKEN" not in env
    assert env["AWS_REGION"] == "eu-west-1"
    assert vault.session_files() == [] and vault.ok("list", "--sessions").stdout == ""


def test_expiring_credential_process_output_is_cached_until_clear(vault: Vault) -> None:
    counter = vault.root / "runs"
    doc = json.dumps({"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "s", "SessionToken": "t",
                      "Expiration": "2099-01-01T00:00:00Z"})
    script = vault.script("expiring", f"#!/bin/sh\necho run >> {counter}\necho '{doc}'\n")
    add_profiles(vault, f"[profile proc]\ncredential_process = {script}\n")
    vault.ok("export", "--format=json", "proc")
    vault.ok("export", "--format=json", "proc")
    assert counter.read_text().count("run") == 1
    assert vault.ok("list", "--sessions").stdout.startswith("credential_process:")
    assert vault.ok("clear", "proc").stdout == "Cleared 1 sessions.\n"
    vault.ok("export", "--format=json", "proc")
    assert counter.read_text().count("run") == 2


@pytest.mark.parametrize(
    ("output", "exit_code", "message"),
    [
        ('{"Version": 1}', 0, "missing the following fields: [AccessKeyId SecretAccessKey]"),
        ("not json at all", 0, "invalid JSON format from command"),
        ('{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S"}', 3, "exit status 3"),
    ],
)
def test_a_bad_credential_process_is_one_line_naming_the_profile_and_key(
    vault: Vault, output: str, exit_code: int, message: str
) -> None:
    script = creds_script(vault, "bad", output, exit_code)
    add_profiles(vault, f"[profile proc]\ncredential_process = {script}\n")
    done = vault.run("export", "--format=json", "proc")
    assert done.returncode == 1 and done.stdout == ""
    [line] = error_lines(done.stderr)
    assert line.startswith("aws-vault: error: export: Failed to get credentials for proc: profile proc: credential_process: ")
    assert message in line


def test_a_credential_process_that_hangs_is_stopped_after_the_timeout(vault: Vault) -> None:
    add_profiles(vault, "[profile slow]\ncredential_process = sleep 30\n")
    done = vault.run("export", "--format=json", "slow", env={"AWS_VAULT_PROCESS_TIMEOUT": "1s"})
    assert done.returncode == 1
    assert error_lines(done.stderr)[-1].endswith('credential_process: running command "sleep 30": timed out after 1s')


def test_a_credential_process_calling_aws_vault_on_itself_stops(vault: Vault) -> None:
    # aws-vault#1176: upstream re-enters itself until the machine gives up.
    add_profiles(vault, f"[profile self]\ncredential_process = {AWS_VAULT} export --format=json self\n")
    done = vault.run("export", "--format=json", "self")
    assert done.returncode == 1
    assert "profile self: its credential_process calls aws-vault for the same profile" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_credential_process_calling_aws_vault_for_a_role_above_it_stops_at_once(vault: Vault) -> None:
    """The caller holds the role's lock while its credential_process runs: the child must not wait for it."""
    import time

    add_profiles(
        vault,
        f"[profile cp]\ncredential_process = {AWS_VAULT} export --format=json admin\n\n"
        f"[profile admin]\nregion = us-east-1\nrole_arn = {ROLE}\nsource_profile = cp\n",
    )
    started = time.monotonic()
    done = vault.run("export", "--format=json", "admin")
    assert time.monotonic() - started < 20
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "its credential_process calls aws-vault for the same profile" in done.stderr


def test_web_identity_against_sts_is_cached_and_cleared(vault: Vault) -> None:
    token = vault.root / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e2e.token")
    add_profiles(
        vault,
        f"[profile ci]\nregion = us-east-1\nrole_arn = {ROLE}\nrole_session_name = e2e\n"
        f"web_identity_token_file = {token}\n",
    )
    first = json.loads(vault.ok("export", "--format=json", "ci").stdout)
    second = json.loads(vault.ok("export", "--format=json", "ci").stdout)
    assert first["AccessKeyId"].startswith("ASIA") and first == second
    calls = [r for r in vault.moto.requests(service=None) if r.get("Action") == "AssumeRoleWithWebIdentity"]
    assert len(calls) == 1
    assert (calls[0]["RoleArn"], calls[0]["RoleSessionName"]) == (ROLE, "e2e")
    assert calls[0]["WebIdentityToken"] == token.read_text()
    assert vault.ok("list", "--sessions").stdout.startswith("sts.AssumeRoleWithWebIdentity:")
    assert vault.ok("clear").stdout == "Cleared 1 sessions.\n"


def test_web_identity_token_file_that_cannot_be_read(vault: Vault) -> None:
    add_profiles(vault, f"[profile ci]\nrole_arn = {ROLE}\nweb_identity_token_file = /nonexistent/token\n")
    done = vault.run("export", "ci")
    assert error_lines(done.stderr) == [
        "aws-vault: error: export: Failed to get credentials for ci: profile ci: web_identity_token_file: "
        "unable to read file at /nonexistent/token: No such file or directory"
    ]


def test_mfa_process_supplies_the_code(vault: Vault) -> None:
    add_profiles(vault, "[profile totp]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/totp\n"
                        "mfa_process = echo 654321\n")
    vault.add("totp")
    vault.ok("export", "--format=json", "totp")  # no terminal: a prompt would fail
    [gst] = [r for r in vault.moto.requests() if r.get("Action") == "GetSessionToken"]
    assert (gst["SerialNumber"], gst["TokenCode"]) == ("arn:aws:iam::123456789012:mfa/totp", "654321")

"""Bad input, end to end: every refusal is exit 1 and one ``aws-vault: error: `` line, nothing else.

No traceback, nothing on stdout, and the store untouched: the key dir's file names and bytes are the
same before and after (the vault holds ``home``'s credentials and a cached session to make that count).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.e2e.conftest import AWS_VAULT, MFA_CODE, SEED_CONFIG, Vault, error_lines

pytestmark = pytest.mark.e2e

NESTED = "in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force"


@pytest.fixture
def stocked(vault: Vault) -> Vault:
    """The vault with ``home``'s real credentials and a cached ``home`` session."""
    vault.add("home")
    vault.cache_session("home")
    return vault


def refused(vault: Vault, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``aws-vault *args``, check it refused cleanly and changed nothing; its one error line."""
    before = vault.stored()
    config_before = vault.config.read_bytes()
    done = vault.run(*args, env=env)
    assert done.returncode == 1, f"exit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}"
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""
    lines = error_lines(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("aws-vault: error: ")
    assert vault.stored() == before, "the store must not change"
    assert vault.config.read_bytes() == config_before, "the config must not change"
    return lines[0]


def test_unknown_profile(stocked: Vault) -> None:
    line = refused(stocked, "exec", "no-such-profile", "--", "true")
    assert line.startswith("aws-vault: error: exec: ")
    assert "no-such-profile" in line


def test_malformed_config_names_the_file_and_line(stocked: Vault) -> None:
    lines = SEED_CONFIG.splitlines()
    lines.insert(3, "this is not ini")  # line 4, inside [profile home]
    stocked.config.write_text("\n".join(lines) + "\n")

    line = refused(stocked, "exec", "home", "--", "true")

    assert str(stocked.config) in line
    assert re.search(r"\b4\b", line.replace(str(stocked.config), "")), "line 4 is the bad one"


def test_source_profile_cycle_is_reported_not_followed(stocked: Vault) -> None:
    with stocked.config.open("a") as config:
        config.write(
            "\n[profile loop-a]\nsource_profile = loop-b\nrole_arn = arn:aws:iam::123456789012:role/a\n"
            "\n[profile loop-b]\nsource_profile = loop-a\nrole_arn = arn:aws:iam::123456789012:role/b\n"
        )
    line = refused(stocked, "exec", "loop-a", "--", "true")
    assert "loop-a" in line and "loop-b" in line
    assert "loop" in line.replace("loop-a", "").replace("loop-b", "").lower()


def test_profile_without_credentials(stocked: Vault) -> None:
    with stocked.config.open("a") as config:
        config.write("\n[profile bare]\nregion = us-east-1\n")
    line = refused(stocked, "exec", "bare", "--", "true")
    assert "bare" in line and "credentials missing" in line


def test_wrong_passphrase_on_exec(stocked: Vault) -> None:
    line = refused(stocked, "exec", "home", "--", "true", env={"AWS_VAULT_FILE_PASSPHRASE": "wrong"})
    assert "passphrase" in line.lower()


def test_wrong_passphrase_on_add_writes_nothing(stocked: Vault) -> None:
    env = {"AWS_VAULT_FILE_PASSPHRASE": "wrong", "AWS_ACCESS_KEY_ID": "AKIAE2EOTHER", "AWS_SECRET_ACCESS_KEY": "s"}
    refused(stocked, "add", "--env", "other", env=env)
    assert not (stocked.key_dir / "other").exists()


def test_add_without_a_terminal_writes_nothing(stocked: Vault) -> None:
    refused(stocked, "add", "other")


def test_add_to_a_profile_with_a_source_profile(stocked: Vault) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAE2EOTHER", "AWS_SECRET_ACCESS_KEY": "s"}
    line = refused(stocked, "add", "--env", "work-admin_role", env=env)
    assert line == (
        "aws-vault: error: add: Your profile has a source_profile of work, "
        "adding credentials to work-admin_role won't have any effect"
    )


def test_mfa_needed_without_a_terminal(stocked: Vault) -> None:
    stocked.add("work")
    refused(stocked, "exec", "work", "--", "true")


def test_duration_without_a_unit(stocked: Vault) -> None:
    line = refused(stocked, "exec", "home", "--duration", "3600", "--", "true")
    assert "3600" in line


@pytest.mark.parametrize("command", ["exec", "export"])
def test_nested_inside_an_aws_vault_subshell(stocked: Vault, command: str) -> None:
    args = ["exec", "home", "--", "true"] if command == "exec" else ["export", "home"]
    line = refused(stocked, *args, env={"AWS_VAULT": "home"})
    running = "running " if command == "exec" else ""
    assert line == f"aws-vault: error: {command}: {running}{NESTED}"


def test_sts_rejects_the_stored_key(vault: Vault) -> None:
    vault.add("home", key_id="AKIAE2EUNKNOWNKEY000", secret="not-a-real-secret")
    with vault.moto.auth_enforced():
        line = refused(vault, "exec", "home", "--mfa-token", MFA_CODE, "--", "true")
    assert "InvalidClientTokenId" in line
    assert "not-a-real-secret" not in line


def test_command_not_found(stocked: Vault) -> None:
    line = refused(stocked, "exec", "home", "--", "no-such-command-e2e")
    assert line == 'aws-vault: error: exec: exec: "no-such-command-e2e": executable file not found in $PATH'


def test_unknown_backend(stocked: Vault) -> None:
    line = refused(stocked, "--backend=nope", "list")
    # A kingpin parse error (reference §1.1): no command label, ", try --help" at the end.
    assert line.startswith("aws-vault: error: enum value must be one of ")
    assert line.endswith("got 'nope', try --help")


def test_known_but_unavailable_backend(stocked: Vault) -> None:
    assert refused(stocked, "--backend=kwallet", "list") == (
        "aws-vault: error: Specified keyring backend not available, try --help"
    )


def test_unknown_command(stocked: Vault) -> None:
    line = refused(stocked, "no-such-command")
    assert "no-such-command" in line and line.endswith(", try --help")


def test_a_full_stdout_is_one_line_and_exit_1(vault: Vault) -> None:
    vault.add("home")
    with open("/dev/full", "w") as full:
        done = subprocess.run([AWS_VAULT, "list"], env=vault.environ(), stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["aws-vault: error: list: cannot write output: No space left on device"]


def test_a_full_stdout_on_a_cached_lookup_is_one_line(vault: Vault) -> None:
    vault.add("home")
    vault.cache_session("home")
    with open("/dev/full", "w") as full:
        done = subprocess.run([AWS_VAULT, "export", "--format=json", "home"], env=vault.environ(), stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["aws-vault: error: export: cannot write output: No space left on device"]


def test_a_bad_aws_vault_stdout_fails_the_same_on_a_cached_lookup(vault: Vault) -> None:
    vault.add("home")
    vault.cache_session("home")
    done = vault.run("export", "--format=json", "home", env={"AWS_VAULT_STDOUT": "maybe"})
    assert done.returncode == 1 and done.stdout == ""
    assert "AWS_VAULT_STDOUT" in error_lines(done.stderr)[0]

"""MFA prompt drivers through the installed CLI (reference §5): which driver asks, and where the code goes.

Stand-in ``zenity``/``ykman`` scripts in the vault's ``bin`` dir (the only entry on ``PATH``) record
their argv and print the code; moto's recording shows the code reaching GetSessionToken.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import AWS_VAULT, ENV_REPORT, MFA_CODE, PYTHON, WORK_MFA, Vault, child_report
from tests.e2e.test_core_loop import finish

pytestmark = pytest.mark.e2e

MESSAGE = f"Enter MFA code for {WORK_MFA}: "


def stand_in(vault: Vault, name: str, body: str = f"echo ' {MFA_CODE} '") -> Path:
    """A ``name`` on the vault's PATH that records its argv (NUL-separated) to ``<name>.argv``."""
    record = vault.root / f"{name}.argv"
    vault.script(name, f"#!/bin/bash\nprintf '%s\\0' \"$@\" > '{record}'\n{body}\n")
    return record


def argv_of(record: Path) -> list[str]:
    return record.read_text().split("\0")[:-1]


def only_path(vault: Vault) -> dict[str, str | None]:
    return {"PATH": str(vault.bin_dir)}


def assert_code_reached_sts(sts_calls) -> None:  # type: ignore[no-untyped-def]
    [call] = sts_calls()
    assert (call["Action"], call["SerialNumber"], call["TokenCode"]) == ("GetSessionToken", WORK_MFA, MFA_CODE)


def test_without_a_terminal_exec_json_asks_zenity(vault: Vault, sts_calls) -> None:
    vault.add("work")
    zenity = stand_in(vault, "zenity")
    done = vault.run("exec", "--json", "work", env=only_path(vault))
    assert done.returncode == 0, done.stderr
    assert argv_of(zenity) == ["--entry", "--title", "aws-vault", "--text", MESSAGE]
    assert json.loads(done.stdout)["Version"] == 1
    assert MFA_CODE not in done.stderr
    assert_code_reached_sts(sts_calls)


def test_aws_vault_prompt_names_ykman(vault: Vault, sts_calls) -> None:
    vault.add("work")
    ykman = stand_in(vault, "ykman", f"echo 'Touch your YubiKey...' >&2; echo {MFA_CODE}")
    kdialog = stand_in(vault, "kdialog", "exit 1")  # the auto choice, were AWS_VAULT_PROMPT not set
    done = vault.run("exec", "--json", "work", env={**only_path(vault), "AWS_VAULT_PROMPT": "ykman"})
    assert done.returncode == 0, done.stderr
    assert argv_of(ykman) == ["oath", "accounts", "code", "--single", WORK_MFA]
    assert not kdialog.exists()
    # No controlling TTY here: ykman's stderr is aws-vault's own.
    assert "Touch your YubiKey..." in done.stderr
    assert json.loads(done.stdout)["SessionToken"]
    assert_code_reached_sts(sts_calls)


def test_a_failing_gui_prompt_is_a_one_line_error(vault: Vault, sts_calls) -> None:
    vault.add("work")
    stand_in(vault, "zenity", "exit 1")  # the dialog was cancelled
    done = vault.run("exec", "--json", "work", env=only_path(vault))
    assert done.returncode == 1
    assert done.stderr == "aws-vault: error: exec: Failed to get credentials for work: zenity: exit status 1\n"
    assert sts_calls() == []


def test_an_unavailable_prompt_driver_is_refused(vault: Vault) -> None:
    stand_in(vault, "zenity")
    done = vault.run("exec", "--json", "work", env={**only_path(vault), "AWS_VAULT_PROMPT": "ykman"})
    assert done.returncode == 1
    assert done.stderr == "aws-vault: error: exec: --prompt value must be one of terminal,zenity, got 'ykman'\n"


@pytest.mark.parametrize("flags", [["--prompt=terminal"], []])
def test_on_a_terminal_the_terminal_asks(vault: Vault, sts_calls, flags: list[str]) -> None:
    vault.add("work")
    zenity = stand_in(vault, "zenity", "exit 1")
    child = vault.spawn(*flags, "exec", "work", "--", PYTHON, "-c", ENV_REPORT, env=only_path(vault))
    child.expect_exact(MESSAGE)
    child.sendline(MFA_CODE)
    assert child_report(finish(child))["env"]["AWS_VAULT"] == "work"
    assert not zenity.exists(), "stdout is a TTY: no GUI prompt"
    assert_code_reached_sts(sts_calls)


@pytest.mark.parametrize("flags", [["--prompt=terminal"], []])  # [] = auto, no GUI driver: terminal
def test_export_json_piped_prompts_on_the_tty_never_stdout(
    vault: Vault, sts_calls, tmp_path: Path, flags: list[str]
) -> None:
    vault.add("work")
    out = tmp_path / "stdout.json"
    command = " ".join([AWS_VAULT, *flags, "export", "--format=json", "work", "|", "/bin/cat", ">", str(out)])
    child = pexpect.spawn("/bin/sh", ["-c", command], env=vault.environ(only_path(vault)), encoding="utf-8",
                          timeout=15)
    child.transcript = io.StringIO()
    child.logfile_read = child.transcript
    child.expect_exact(MESSAGE)
    child.sendline(MFA_CODE)
    finish(child)
    text = out.read_text()
    creds = json.loads(text)  # pure JSON: the prompt went to the TTY
    assert "Enter MFA code" not in text
    assert set(creds) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert_code_reached_sts(sts_calls)

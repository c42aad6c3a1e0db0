"""MFA prompt drivers against stand-in programs, and driver selection (reference §1.2, §5).

Each stand-in is a bash script in a temp ``bin`` dir, the only entry on ``PATH``: it records its argv
(NUL-separated) and a marker variable, then prints what the test scripted or fails as told.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aws_vault.adapters.prompts.gui import (
    KdialogMfaPrompt,
    OsascriptMfaPrompt,
    WinCredUiMfaPrompt,
    ZenityMfaPrompt,
    applescript_string,
    short_serial,
)
from aws_vault.adapters.prompts.ykman import PassOtpMfaPrompt, YkmanMfaPrompt
from aws_vault.application.ports import MfaPrompt
from aws_vault.domain.errors import AwsVaultError, MfaError, PromptError, UsageError
from aws_vault.entrypoints import settings as s

SERIAL = "arn:aws:iam::123456789012:mfa/work-account"
MESSAGE = f"Enter MFA code for {SERIAL}: "


@dataclass
class Bin:
    """A ``bin`` dir of stand-ins and the env that puts it alone on ``PATH``."""

    path: Path

    @property
    def env(self) -> dict[str, str]:
        return {"PATH": str(self.path), "MARK": "driver-env"}

    def stand_in(self, name: str, body: str = "printf '  123456 \\n'") -> None:
        script = self.path / name
        script.write_text(
            "#!/bin/bash\n"
            f"printf '%s\\0' \"$@\" > '{self.path}/{name}.argv'\n"
            f"printf '%s' \"${{MARK-unset}}\" > '{self.path}/{name}.mark'\n"
            f"{body}\n"
        )
        script.chmod(0o755)

    def argv(self, name: str) -> list[str]:
        return (self.path / f"{name}.argv").read_text().split("\0")[:-1]

    def mark(self, name: str) -> str:
        return (self.path / f"{name}.mark").read_text()

    def ran(self, name: str) -> bool:
        return (self.path / f"{name}.argv").exists()


@pytest.fixture
def bin_dir(tmp_path: Path) -> Bin:
    (tmp_path / "bin").mkdir()
    return Bin(tmp_path / "bin")


NO_TTY = "/nonexistent/tty"

# name -> (driver factory, error type, argv after the program name for SERIAL)
DRIVERS: dict[str, tuple[Callable[[dict[str, str]], MfaPrompt], type[AwsVaultError], list[str]]] = {
    "ykman": (lambda env: YkmanMfaPrompt(env, tty_path=NO_TTY), MfaError,
              ["oath", "accounts", "code", "--single", SERIAL]),
    "pass": (PassOtpMfaPrompt, MfaError, ["otp", SERIAL]),
    "zenity": (ZenityMfaPrompt, PromptError, ["--entry", "--title", "aws-vault", "--text", MESSAGE]),
    "kdialog": (KdialogMfaPrompt, PromptError, ["--inputbox", MESSAGE, "--title", "aws-vault"]),
}


# One suite for every program-backed driver (keyring's shared-backend-tests pattern).


@pytest.mark.parametrize("name", [*DRIVERS, "osascript"])
def test_the_code_is_the_programs_stdout_trimmed_run_with_the_drivers_env(bin_dir: Bin, name: str) -> None:
    bin_dir.stand_in(name)
    driver = OsascriptMfaPrompt(bin_dir.env) if name == "osascript" else DRIVERS[name][0](bin_dir.env)
    assert driver.ask(SERIAL, "work") == "123456"
    assert bin_dir.mark(name) == "driver-env", "the driver's env (the CLI's), not os.environ"


@pytest.mark.parametrize("name", DRIVERS)
def test_exact_arguments(bin_dir: Bin, name: str) -> None:
    make, _, expected = DRIVERS[name]
    bin_dir.stand_in(name)
    make(bin_dir.env).ask(SERIAL, "work")
    assert bin_dir.argv(name) == expected


@pytest.mark.parametrize("name", DRIVERS)
def test_a_failing_program_is_a_one_line_error_without_its_output(bin_dir: Bin, name: str) -> None:
    make, error, _ = DRIVERS[name]
    bin_dir.stand_in(name, "printf '654321\\n'; exit 3")
    with pytest.raises(error) as caught:
        make(bin_dir.env).ask(SERIAL, "work")
    assert str(caught.value) == f"{name}: exit status 3"


@pytest.mark.parametrize("name", DRIVERS)
def test_no_output_is_an_error_not_an_empty_code(bin_dir: Bin, name: str) -> None:
    make, error, _ = DRIVERS[name]
    bin_dir.stand_in(name, "printf ' \\n'")
    with pytest.raises(error, match=f"^{name}: returned no MFA code$"):
        make(bin_dir.env).ask(SERIAL, "work")


@pytest.mark.parametrize("name", DRIVERS)
def test_a_missing_program_uses_gos_wording(bin_dir: Bin, name: str) -> None:
    make, error, _ = DRIVERS[name]
    with pytest.raises(error) as caught:
        make(bin_dir.env).ask(SERIAL, "work")
    assert str(caught.value) == f'{name}: exec: "{name}": executable file not found in $PATH'


def test_a_killed_program_says_which_signal(bin_dir: Bin) -> None:
    bin_dir.stand_in("zenity", "kill -KILL $$")
    with pytest.raises(PromptError, match=r"^zenity: signal: killed$"):
        ZenityMfaPrompt(bin_dir.env).ask(SERIAL, "work")


# ykman


@pytest.mark.parametrize(
    ("extra_env", "expected"),
    [
        ({"YKMAN_OATH_CREDENTIAL_NAME": "aws-work"}, ["oath", "accounts", "code", "--single", "aws-work"]),
        ({"YKMAN_OATH_DEVICE_SERIAL": "12345678"},
         ["--device", "12345678", "oath", "accounts", "code", "--single", SERIAL]),
        ({"AWS_VAULT_YKMAN_VERSION": "3", "YKMAN_OATH_DEVICE_SERIAL": "87654321", "YKMAN_OATH_CREDENTIAL_NAME": "n"},
         ["--device", "87654321", "oath", "code", "--single", "n"]),
        ({"AWS_VAULT_YKMAN_VERSION": "1"}, ["oath", "code", "--single", SERIAL]),
        ({"AWS_VAULT_YKMAN_VERSION": "2"}, ["oath", "code", "--single", SERIAL]),
        ({"AWS_VAULT_YKMAN_VERSION": "4"}, ["oath", "accounts", "code", "--single", SERIAL]),
        ({"YKMAN_OATH_CREDENTIAL_NAME": "", "YKMAN_OATH_DEVICE_SERIAL": ""},
         ["oath", "accounts", "code", "--single", SERIAL]),
    ],
)
def test_ykman_arguments(bin_dir: Bin, extra_env: dict[str, str], expected: list[str]) -> None:
    bin_dir.stand_in("ykman")
    assert YkmanMfaPrompt({**bin_dir.env, **extra_env}, tty_path=NO_TTY).ask(SERIAL, "work") == "123456"
    assert bin_dir.argv("ykman") == expected


TOUCH = "read -r answer; printf '%s' \"$answer\" > \"$0.stdin\"; echo 'Touch your YubiKey...' >&2; echo 123456"


def test_ykman_talks_on_the_controlling_tty_when_there_is_one(
    bin_dir: Bin, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    tty = tmp_path / "tty"  # a file standing in for /dev/tty: what ykman reads and writes there
    tty.write_text("oath-password\n")
    bin_dir.stand_in("ykman", TOUCH)
    assert YkmanMfaPrompt(bin_dir.env, tty_path=str(tty)).ask(SERIAL, "work") == "123456"
    assert (bin_dir.path / "ykman.stdin").read_text() == "oath-password", "stdin is the TTY"
    assert "Touch your YubiKey..." in tty.read_text(), "stderr is the TTY (aws-vault#1267)"
    assert "Touch" not in capfd.readouterr().err


def test_ykman_without_a_tty_inherits_stderr(bin_dir: Bin, capfd: pytest.CaptureFixture[str]) -> None:
    bin_dir.stand_in("ykman", TOUCH)
    assert YkmanMfaPrompt(bin_dir.env, tty_path=NO_TTY).ask(SERIAL, "work") == "123456"
    assert "Touch your YubiKey..." in capfd.readouterr().err


# pass, dialogs


def test_pass_uses_pass_oath_credential_name(bin_dir: Bin, capfd: pytest.CaptureFixture[str]) -> None:
    bin_dir.stand_in("pass", "echo 'gpg: decrypting' >&2; echo 123456")
    env = {**bin_dir.env, "PASS_OATH_CREDENTIAL_NAME": "totp/aws"}
    assert PassOtpMfaPrompt(env).ask(SERIAL, "work") == "123456"
    assert bin_dir.argv("pass") == ["otp", "totp/aws"]
    assert "gpg: decrypting" in capfd.readouterr().err, "v6 passed pass's stderr through"


def test_a_dialogs_stderr_is_discarded_and_stdin_is_dev_null(bin_dir: Bin, capfd: pytest.CaptureFixture[str]) -> None:
    bin_dir.stand_in("zenity", "echo 'Gtk-Message: no transient parent' >&2; [ -t 0 ] || read -r x; echo \"${x:-eof}\"")
    assert ZenityMfaPrompt(bin_dir.env).ask(SERIAL, "work") == "eof"
    assert capfd.readouterr().err == ""


def test_osascript_runs_aws_vaults_applescript(bin_dir: Bin) -> None:
    bin_dir.stand_in("osascript")
    OsascriptMfaPrompt(bin_dir.env).ask(SERIAL, "work")
    assert bin_dir.argv("osascript") == [
        "-e",
        f'\n\t\tdisplay dialog "{MESSAGE}" default answer "" buttons {{"OK", "Cancel"}} default button 1\n'
        "        text returned of the result\n"
        "        return result",
    ]


def test_applescript_strings_are_quoted_like_gos_q() -> None:
    assert applescript_string('a "b" \\c') == '"a \\"b\\" \\\\c"'


def test_wincredui_is_windows_only() -> None:
    assert short_serial(SERIAL) == "123456789012/work-account"
    if sys.platform != "win32":
        with pytest.raises(PromptError, match=r"^wincredui: only available on Windows$"):
            WinCredUiMfaPrompt().ask(SERIAL, "work")


# Selection


def test_every_driver_is_known_and_terminal_always_available(bin_dir: Bin) -> None:
    assert s.PROMPT_DRIVERS == ("kdialog", "osascript", "pass", "terminal", "wincredui", "ykman", "zenity")
    assert s.available_prompts(bin_dir.env) == (["terminal", "wincredui"] if sys.platform == "win32" else ["terminal"])
    for name in ("zenity", "ykman", "pass", "kdialog", "osascript"):
        bin_dir.stand_in(name)
    expected = ["kdialog", "osascript", "pass", "terminal", "ykman", "zenity"]
    assert [d for d in s.available_prompts(bin_dir.env) if d != "wincredui"] == expected


@pytest.mark.skipif(sys.platform == "win32", reason="wincredui is available on Windows")
@pytest.mark.parametrize(
    ("installed", "requested", "message"),
    [
        ([], "carrier-pigeon", "--prompt value must be one of terminal, got 'carrier-pigeon'"),
        (["zenity", "ykman"], "kdialog", "--prompt value must be one of terminal,ykman,zenity, got 'kdialog'"),
        (["pass"], "wincredui", "--prompt value must be one of pass,terminal, got 'wincredui'"),
    ],
)
def test_an_unknown_or_unavailable_driver_lists_the_available_ones(
    bin_dir: Bin, installed: list[str], requested: str, message: str
) -> None:
    for name in installed:
        bin_dir.stand_in(name)
    with pytest.raises(UsageError) as caught:
        s.choose_prompt(requested, bin_dir.env, stdout_is_tty=False)
    assert str(caught.value) == message


@pytest.mark.parametrize("requested", ["terminal", "zenity", "pass"])
def test_a_named_available_driver_is_used_whatever_stdout_is(bin_dir: Bin, requested: str) -> None:
    bin_dir.stand_in("zenity")
    bin_dir.stand_in("pass")
    bin_dir.stand_in("kdialog")
    for tty in (True, False):
        assert s.choose_prompt(requested, bin_dir.env, stdout_is_tty=tty) == requested


@pytest.mark.skipif(sys.platform == "win32", reason="wincredui would win on Windows")
@pytest.mark.parametrize(
    ("installed", "chosen"),
    [
        ([], "terminal"),
        (["pass"], "terminal"),  # v6's pass was never an auto choice here
        (["zenity"], "zenity"),
        (["zenity", "ykman"], "ykman"),  # alphabetical: ykman beats zenity
        (["ykman", "osascript"], "osascript"),
        (["osascript", "kdialog", "zenity"], "kdialog"),  # kdialog beats osascript
    ],
)
def test_auto_choice_without_a_tty_is_the_first_gui_driver(bin_dir: Bin, installed: list[str], chosen: str) -> None:
    for name in installed:
        bin_dir.stand_in(name)
    assert s.choose_prompt("", bin_dir.env, stdout_is_tty=False) == chosen


def test_auto_choice_with_a_tty_is_terminal_unless_a_server_avoids_it(bin_dir: Bin) -> None:
    bin_dir.stand_in("zenity")
    assert s.choose_prompt("", bin_dir.env, stdout_is_tty=True) == "terminal"
    assert s.choose_prompt("", bin_dir.env, stdout_is_tty=True, avoid_terminal=True) == "zenity"
    empty = {"PATH": str(bin_dir.path / "nothing-here")}
    if sys.platform != "win32":
        assert s.choose_prompt("", empty, stdout_is_tty=True, avoid_terminal=True) == "terminal"


def test_settings_keep_auto_and_probe_no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_probing(env: object) -> bool:
        raise AssertionError("Settings.build probed a prompt driver")

    monkeypatch.setattr(s, "PROMPT_PROBES", dict.fromkeys(s.PROMPT_DRIVERS, no_probing))
    env = {"AWS_VAULT_BACKEND": "file"}
    assert s.Settings.build(env).prompt == ""
    assert s.Settings.build({**env, "AWS_VAULT_PROMPT": "ykman"}).prompt == "ykman"
    assert s.Settings.build({**env, "AWS_VAULT_PROMPT": "ykman"}, {"prompt": "zenity"}).prompt == "zenity"


def test_settings_reject_an_unknown_driver_name(bin_dir: Bin) -> None:
    with pytest.raises(UsageError, match=r"^--prompt value must be one of terminal, got 'nope'$"):
        s.Settings.build({**bin_dir.env, "AWS_VAULT_BACKEND": "file", "AWS_VAULT_PROMPT": "nope"})


def test_the_cli_refuses_an_unavailable_driver_before_the_command(
    bin_dir: Bin, capsys: pytest.CaptureFixture[str]
) -> None:
    from aws_vault.entrypoints.cli.main import main

    env = {**bin_dir.env, "HOME": "/nonexistent", "AWS_VAULT_BACKEND": "file"}
    assert main(["exec", "--prompt=ykman", "work", "--", "true"], env=env) == 1
    expected = "terminal,wincredui" if sys.platform == "win32" else "terminal"
    assert capsys.readouterr().err == f"aws-vault: error: exec: --prompt value must be one of {expected}, got 'ykman'\n"


def test_the_container_resolves_the_driver_when_a_prompt_is_built(
    bin_dir: Bin, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_vault.entrypoints.container import Container

    bin_dir.stand_in("zenity")
    bin_dir.stand_in("ykman")
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # stdout is not a TTY
    c = Container()
    c.env.override(bin_dir.env)
    c.settings.override(s.Settings(prompt=""))
    auto = c.mfa_prompt()
    assert isinstance(auto, YkmanMfaPrompt)
    c.settings.override(s.Settings(prompt="zenity"))
    assert isinstance(c.mfa_prompt(), ZenityMfaPrompt)
    assert c.mfa_prompt().ask(SERIAL, "work") == "123456"
    assert bin_dir.argv("zenity")[-1] == MESSAGE
    c.settings.override(s.Settings(prompt="pass"))
    with pytest.raises(UsageError, match="got 'pass'"):
        c.mfa_prompt()

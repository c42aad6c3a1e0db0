"""``WebBrowser`` (Python's webbrowser behind ``$BROWSER``) and ``StderrConsole``."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from aws_vault.adapters.browser import WebBrowser
from aws_vault.adapters.console import StderrConsole

OPEN = (
    "import sys; from aws_vault.adapters.browser import WebBrowser; "
    "print('opened' if WebBrowser().open(sys.argv[1]) else 'not opened')"
)


def run_open(tmp_path: Path, url: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter: webbrowser reads $BROWSER once per process.
    return subprocess.run(
        [sys.executable, "-c", OPEN, url], env=env, capture_output=True, text=True, timeout=30, check=False,
        cwd=Path(__file__).resolve().parents[3],
    )


def test_browser_runs_the_browser_variable_and_keeps_our_stdout_clean(tmp_path: Path) -> None:
    log = tmp_path / "urls"
    script = tmp_path / "browser"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{log}'\necho 'Opening in existing browser session.'\n")
    script.chmod(0o755)
    done = run_open(tmp_path, "https://device.example/?user_code=AB-CD", {"BROWSER": str(script), "PATH": "/usr/bin:/bin"})
    assert done.stdout == "opened\n"  # the launcher's chatter went to stderr, not into `export` output
    assert "Opening in existing browser session." in done.stderr
    assert log.read_text() == "https://device.example/?user_code=AB-CD\n"


def test_a_failing_browser_is_not_an_error(tmp_path: Path) -> None:
    done = run_open(tmp_path, "https://x.example/", {"BROWSER": "/bin/false", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout == "not opened\n"


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="a display is assumed there")
def test_no_display_and_no_browser_variable_tries_nothing() -> None:
    # webbrowser would fall back to a text browser (lynx, w3m) that takes over the terminal.
    assert WebBrowser(env={"PATH": "/usr/bin:/bin"}).open("https://x.example/") is False


def test_console_writes_whole_lines_to_its_stream() -> None:
    stream = io.StringIO()
    StderrConsole(stream).notice("Open the SSO authorization page in a browser (use Ctrl-C to abort)\nhttps://x")
    assert stream.getvalue() == "Open the SSO authorization page in a browser (use Ctrl-C to abort)\nhttps://x\n"


def test_console_defaults_to_the_current_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    StderrConsole().notice("hello\n")
    assert capsys.readouterr() == ("", "hello\n")

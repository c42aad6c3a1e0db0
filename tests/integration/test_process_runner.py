"""Running the user's command: execve replaces aws-vault; the sub-process fallback forwards signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aws_vault.adapters.process_runner import CommandNotFoundError, OsProcessRunner

ROOT = Path(__file__).resolve().parents[2]


def runner_process(use_execve: bool, argv: list[str]) -> subprocess.Popen[str]:
    code = (
        "import os, sys\n"
        "from aws_vault.adapters.process_runner import OsProcessRunner\n"
        f"sys.exit(OsProcessRunner(use_execve={use_execve}).run({argv!r}, dict(os.environ)))\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_execve_replaces_the_process() -> None:
    proc = runner_process(True, ["sh", "-c", "echo $$"])
    out, _ = proc.communicate(timeout=30)
    assert int(out.strip()) == proc.pid  # same process: aws-vault is gone
    assert proc.returncode == 0


def test_subprocess_mode_forwards_signals_and_the_exit_status(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    script = f"trap 'echo got-term; exit 3' TERM; touch {ready}; while true; do sleep 0.05; done"
    proc = runner_process(False, ["sh", "-c", script])
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=20)
    assert out.strip() == "got-term"
    assert proc.returncode == 3


def test_a_child_killed_by_a_signal_exits_128_plus_the_signal() -> None:
    assert OsProcessRunner(use_execve=False).run(["sh", "-c", "kill -KILL $$"], dict(os.environ)) == 128 + 9


def test_a_missing_command_is_gos_error_wording() -> None:
    with pytest.raises(CommandNotFoundError, match=r'^exec: "no-such-cmd-xyz": executable file not found in \$PATH$'):
        OsProcessRunner().run(["no-such-cmd-xyz"], {"PATH": "/nonexistent"})


def test_a_command_that_cannot_be_executed_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "no-shebang"
    script.write_text("echo hi\n")
    script.chmod(0o755)
    from aws_vault.adapters.process_runner import CommandFailedError

    with pytest.raises(CommandFailedError, match=r'^exec: ".*no-shebang": exec format error$'):
        OsProcessRunner(use_execve=False).run([str(script)], dict(os.environ))

"""Running a prompt driver's program: find it on the caller's ``PATH``, take its stdout, trim it (reference §5).

Errors are one line, prefixed with the program's name as aws-vault's ``ykman: %w`` wrapping does, and
use Go's ``os/exec`` wording (``exit status 1``, ``signal: killed``, ``exec: "x": executable file not
found in $PATH``). The program's stdout is the code, so it never appears in an error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from typing import IO

from aws_vault.domain.errors import AwsVaultError, MfaError

# What a driver's child gets on stdin/stderr: an fd, a file, or subprocess.DEVNULL/PIPE/None (inherit).
Stream = int | IO[bytes] | None


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.strsignal(-returncode) or f"signal {-returncode}"
        except ValueError:
            name = f"signal {-returncode}"
        return f"signal: {name.lower()}"  # Go: "signal: killed", "signal: terminated"
    return f"exit status {returncode}"


def run_program(
    argv: list[str],
    env: Mapping[str, str],
    *,
    stdin: Stream = subprocess.DEVNULL,
    stderr: Stream = subprocess.DEVNULL,
    error: type[AwsVaultError] = MfaError,
    label: str = "",
) -> str:
    """The program's stdout, whitespace-trimmed; raises ``error`` (``<label>: <reason>``) on any failure.

    ``stdin`` defaults to ``/dev/null`` and ``stderr`` is discarded, as Go's ``cmd.Output()`` does with
    both left unset; a driver whose program talks to the user passes the TTY or ``None`` (inherit).
    """
    label = label or argv[0]
    program = shutil.which(argv[0], path=env.get("PATH", os.defpath))
    if program is None:
        raise error(f'{label}: exec: "{argv[0]}": executable file not found in $PATH')
    try:
        done = subprocess.run(
            [program, *argv[1:]], stdin=stdin, stdout=subprocess.PIPE, stderr=stderr, env=dict(env), check=False
        )
    except OSError as e:
        raise error(f"{label}: {e.strerror or e}") from None
    if done.returncode != 0:
        raise error(f"{label}: {_exit_reason(done.returncode)}")
    code = done.stdout.decode("utf-8", "replace").strip()
    if not code:
        # aws-vault would send an empty TokenCode to STS; say what went wrong instead.
        raise error(f"{label}: returned no MFA code")
    return code


@contextlib.contextmanager
def controlling_tty(path: str = "/dev/tty") -> Iterator[int | None]:
    """The controlling terminal opened read-write (closed afterwards), or ``None`` when there is none."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)

"""Running the user's command: ``execve`` on Unix (aws-vault v7), a forwarding sub-process otherwise.

``subprocess`` and ``signal`` load only for the fallback, and the ``PATH`` search is our own rather than
``shutil.which``: together ~3.5 ms (shutil pulls in bz2, lzma and fnmatch) that every cached ``exec`` paid.
"""

from __future__ import annotations

import contextlib
import os
import sys

from aws_vault.application.ports import ProcessRunner
from aws_vault.domain.errors import AwsVaultError


class CommandNotFoundError(AwsVaultError):
    def __init__(self, command: str) -> None:
        # Go's exec.LookPath wording, as aws-vault prints it (§2.9).
        super().__init__(f'exec: "{command}": executable file not found in $PATH')


class CommandFailedError(AwsVaultError):
    def __init__(self, command: str, reason: str) -> None:
        super().__init__(f'exec: "{command}": {reason}')


def _lookup(command: str, env: dict[str, str]) -> str:
    if os.sep in command:
        if os.access(command, os.X_OK) and not os.path.isdir(command):
            return command
        raise CommandNotFoundError(command)
    if os.name != "posix":  # PATHEXT and friends
        import shutil

        found = shutil.which(command, path=env.get("PATH", os.defpath))
        if found is None:
            raise CommandNotFoundError(command)
        return found
    for directory in env.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or os.curdir, command)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    raise CommandNotFoundError(command)


class OsProcessRunner(ProcessRunner):
    def __init__(self, use_execve: bool = True) -> None:
        self.use_execve = use_execve and os.name == "posix"

    def run(self, argv: list[str], env: dict[str, str]) -> int:
        path = _lookup(argv[0], env)
        sys.stdout.flush()
        sys.stderr.flush()
        if self.use_execve:
            # argv[0] stays as typed, like aws-vault; if execve fails, fall back to a sub-process.
            with contextlib.suppress(OSError):
                os.execve(path, argv, env)
        return self._subprocess(path, argv, env)

    @staticmethod
    def _subprocess(path: str, argv: list[str], env: dict[str, str]) -> int:
        import signal
        import subprocess

        try:
            child = subprocess.Popen([path, *argv[1:]], env=env)
        except OSError as e:  # e.g. no shebang line, a foreign binary
            raise CommandFailedError(argv[0], (e.strerror or str(e)).lower()) from None
        forwarded = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
        previous = {}
        for sig in forwarded:
            previous[sig] = signal.signal(sig, lambda s, _f: child.send_signal(s))
        try:
            code = child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        # The child's own exit status, as the fork does (upstream returned 1 and lost it).
        return code if code >= 0 else 128 - code

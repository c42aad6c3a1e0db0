"""Shell commands and files named in the config: credential_process, mfa_process, web identity tokens.

Commands run through ``/bin/sh -c`` (``cmd.exe /C`` on Windows) with stdin and stderr inherited, so a
process that asks something (ykman's "touch your YubiKey") reaches the user (reference §2.7.5, §2.8).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Mapping

from aws_vault.adapters.prompts.program import controlling_tty
from aws_vault.application.ports import ExternalCommands
from aws_vault.domain.errors import ExternalCommandError


class ShellCommands(ExternalCommands):
    def __init__(self, env: Mapping[str, str] | None = None, timeout: float | None = None) -> None:
        """``timeout`` (seconds) caps every command; ``None`` keeps each call's own limit."""
        self.env = env
        self.timeout = timeout

    def run_shell(
        self,
        command: str,
        *,
        extra_env: Mapping[str, str] | None = None,
        timeout: float = 120,
        interactive: bool = False,
    ) -> bytes:
        env = dict(os.environ if self.env is None else self.env)
        env.update(extra_env or {})
        timeout = self.timeout if self.timeout is not None else timeout
        argv = ["cmd.exe", "/C", command] if os.name == "nt" else ["/bin/sh", "-c", command]
        # mfa_process: the fork binds stdin/stderr to /dev/tty (reference §2.8, aws-vault#1267).
        with controlling_tty() if interactive else contextlib.nullcontext() as tty:
            return self._run(command, argv, env, timeout, tty)

    @staticmethod
    def _run(command: str, argv: list[str], env: dict[str, str], timeout: float, tty: int | None) -> bytes:
        try:
            done = subprocess.run(
                argv, stdin=tty, stdout=subprocess.PIPE, stderr=tty, env=env, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise ExternalCommandError(f'running command "{command}": timed out after {timeout:g}s') from None
        except OSError as e:
            raise ExternalCommandError(f'running command "{command}": {e.strerror or e}') from None
        if done.returncode != 0:
            # Go's wording (§2.7.5): `running command "<cmd>": exit status N`
            raise ExternalCommandError(f'running command "{command}": exit status {done.returncode}')
        return done.stdout

    def read_file(self, path: str) -> bytes:
        try:
            with open(os.path.expanduser(path), "rb") as f:
                return f.read()
        except OSError as e:
            raise ExternalCommandError(f"unable to read file at {path}: {e.strerror or e}") from None

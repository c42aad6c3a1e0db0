"""FakeCommands: scripted shell commands and files for credential_process, mfa_process, web identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_vault.application.ports import ExternalCommands
from aws_vault.domain.errors import ExternalCommandError


@dataclass
class CommandCall:
    command: str
    extra_env: dict[str, str]
    interactive: bool = False


@dataclass
class FakeCommands(ExternalCommands):
    outputs: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[CommandCall] = field(default_factory=list)

    def run_shell(
        self,
        command: str,
        *,
        extra_env: Mapping[str, str] | None = None,
        timeout: float = 120,
        interactive: bool = False,
    ) -> bytes:
        self.calls.append(CommandCall(command, dict(extra_env or {}), interactive))
        if command not in self.outputs:
            raise ExternalCommandError(f'running command "{command}": exit status 127')
        return self.outputs[command]

    def read_file(self, path: str) -> bytes:
        if path not in self.files:
            raise ExternalCommandError(f"unable to read file at {path}: No such file or directory")
        return self.files[path]

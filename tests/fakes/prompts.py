"""Fake prompts and process runner: scripted answers, recorded questions.

``FakeMfaPrompt`` lives in ``aws_vault.testing.fakes`` and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_vault.application.ports import ProcessRunner, Terminal
from aws_vault.testing.fakes import FakeMfaPrompt

__all__ = ["FakeMfaPrompt", "FakeProcessRunner", "FakeTerminal", "RunCall"]


class FakeTerminal(Terminal):
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.questions: list[tuple[str, bool]] = []

    def ask(self, prompt: str, *, secret: bool = False) -> str:
        self.questions.append((prompt, secret))
        if not self.answers:
            raise AssertionError(f"terminal asked more often than scripted: {self.questions}")
        return self.answers.pop(0)


@dataclass
class RunCall:
    argv: list[str]
    env: dict[str, str]


@dataclass
class FakeProcessRunner(ProcessRunner):
    exit_code: int = 0
    calls: list[RunCall] = field(default_factory=list)

    def run(self, argv: list[str], env: dict[str, str]) -> int:
        self.calls.append(RunCall(list(argv), dict(env)))
        return self.exit_code

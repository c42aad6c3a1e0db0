"""Fake prompts and process runner: scripted answers, recorded questions."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_vault.application.ports import MfaPrompt, ProcessRunner, Terminal


class FakeMfaPrompt(MfaPrompt):
    """Answers with the scripted codes in order; asking once more than scripted fails the test."""

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.asked: list[tuple[str, str]] = []

    def ask(self, mfa_serial: str, profile: str) -> str:
        self.asked.append((mfa_serial, profile))
        if not self.codes:
            raise AssertionError(f"MFA prompt asked more often than scripted: {self.asked}")
        return self.codes.pop(0)


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

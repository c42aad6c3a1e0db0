"""Prompts on the controlling terminal (``/dev/tty``), never on stdout (reference §5 ``terminal``).

stdout may be a pipe to ``eval``/``credential_process``; the question and the answer stay on the TTY.
"""

from __future__ import annotations

import io
import os
from typing import TextIO

from aws_vault.application.ports import MfaPrompt, Terminal
from aws_vault.domain.errors import PromptError


class TtyTerminal(Terminal):
    def __init__(self, tty_path: str = "/dev/tty") -> None:
        self.tty_path = tty_path

    def _open(self) -> int:
        try:
            return os.open(self.tty_path, os.O_RDWR | os.O_NOCTTY)
        except OSError as e:
            raise PromptError(
                "no terminal to prompt on (use --mfa-token, AWS_VAULT_FILE_PASSPHRASE or --env as fits)"
            ) from e

    def ask(self, prompt: str, *, secret: bool = False) -> str:
        fd = self._open()
        try:
            # A TTY is not seekable, so open() refuses "r+"; wrap the raw file as getpass does.
            raw = io.FileIO(fd, "r+", closefd=False)
            with io.TextIOWrapper(raw, encoding="utf-8", errors="replace") as tty:
                if secret:
                    return self._hidden(prompt, fd, tty)
                tty.write(prompt)
                tty.flush()
                line = tty.readline()
        finally:
            os.close(fd)
        if not line:
            raise PromptError("no answer on the terminal (end of input)")
        return line.rstrip("\r\n")

    @staticmethod
    def _hidden(prompt: str, fd: int, tty: TextIO) -> str:
        import termios

        old = termios.tcgetattr(fd)
        new = termios.tcgetattr(fd)
        new[3] &= ~termios.ECHO
        try:
            termios.tcsetattr(fd, termios.TCSAFLUSH, new)
            tty.write(prompt)
            tty.flush()
            line: str = tty.readline()
        finally:
            termios.tcsetattr(fd, termios.TCSAFLUSH, old)
            tty.write("\n")
            tty.flush()
        if not line:
            raise PromptError("no answer on the terminal (end of input)")
        return line.rstrip("\r\n")


class TerminalMfaPrompt(MfaPrompt):
    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal

    def ask(self, mfa_serial: str, profile: str) -> str:
        # v7 wording (§5); v4-v6 said "Enter token for <serial>: ".
        code = self.terminal.ask(f"Enter MFA code for {mfa_serial}: ").strip()
        if not code:
            raise PromptError(f"no MFA code entered for {mfa_serial}")
        return code


"""User-facing notices on stderr (the SSO sign-in link): stdout may be ``export`` output."""

from __future__ import annotations

import sys
from typing import TextIO

from aws_vault.application.ports import Console


class StderrConsole(Console):
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def notice(self, text: str) -> None:
        stream = self._stream or sys.stderr  # looked up at call time, so redirections apply
        try:
            stream.write(text if text.endswith("\n") else text + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed stderr must not end the sign-in
            pass

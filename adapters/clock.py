"""The system clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aws_vault.application.ports import Clock


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

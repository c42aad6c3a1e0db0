"""FakeClock: a ``Clock`` that stands still until a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aws_vault.application.ports import Clock

START = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeClock(Clock):
    def __init__(self, start: datetime = START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.current = start.astimezone(UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current += delta
        return self.current

    def sleep(self, seconds: float) -> None:
        """Returns at once, with the fake time moved on; ``slept`` records each wait."""
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)

"""FakeClock: a ``Clock`` that stands still until a test moves it (lives in ``aws_vault.testing.fakes``)."""

from __future__ import annotations

from aws_vault.testing.fakes import START, FakeClock

__all__ = ["START", "FakeClock"]

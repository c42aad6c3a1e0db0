"""``FakeConfigSource``: an in-memory ``ConfigSource`` (lives in ``aws_vault.testing.fakes``)."""

from __future__ import annotations

from aws_vault.testing.fakes import AddProfileCall, FakeConfigSource

__all__ = ["AddProfileCall", "FakeConfigSource"]

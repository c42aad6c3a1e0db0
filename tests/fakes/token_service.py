"""FakeTokenService: a deterministic STS that records every call (lives in ``aws_vault.testing.fakes``)."""

from __future__ import annotations

from aws_vault.testing.fakes import ASSUME_ROLE, GET_SESSION_TOKEN, WEB_IDENTITY, FakeTokenService, StsCall

__all__ = ["ASSUME_ROLE", "GET_SESSION_TOKEN", "WEB_IDENTITY", "FakeTokenService", "StsCall"]

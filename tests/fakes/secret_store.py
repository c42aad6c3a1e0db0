"""FakeSecretStore: an in-memory ``SecretStore`` (lives in ``aws_vault.testing.fakes``)."""

from __future__ import annotations

from aws_vault.testing.fakes import FakeSecretStore, SecretStoreCall

__all__ = ["FakeSecretStore", "SecretStoreCall"]

"""FakeSecretStore: an in-memory ``SecretStore`` with public state and recorded calls."""

from __future__ import annotations

from dataclasses import dataclass

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import AwsVaultError, ItemNotFoundError
from aws_vault.domain.items import Item


@dataclass(frozen=True)
class SecretStoreCall:
    op: str  # "keys", "get", "set" or "remove"
    key: str = ""


class FakeSecretStore(SecretStore):
    """Items live in ``items`` (key -> Item); every call is appended to ``calls``.

    With ``fail_with`` set, every call is recorded and then raises that error.
    """

    def __init__(
        self, items: dict[str, Item] | None = None, *, fail_with: AwsVaultError | None = None
    ) -> None:
        self.items: dict[str, Item] = dict(items or {})
        self.calls: list[SecretStoreCall] = []
        self.fail_with = fail_with

    def keys(self) -> list[str]:
        self._record("keys")
        return list(self.items)

    def get(self, key: str) -> Item | None:
        self._record("get", key)
        return self.items.get(key)

    def set(self, item: Item) -> None:
        self._record("set", item.key)
        self.items[item.key] = item

    def remove(self, key: str) -> None:
        self._record("remove", key)
        if key not in self.items:
            raise ItemNotFoundError(key)
        del self.items[key]

    def _record(self, op: str, key: str = "") -> None:
        self.calls.append(SecretStoreCall(op, key))
        if self.fail_with is not None:
            raise self.fail_with

"""FakeSecretStore keeps the SecretStore contract, and records and fails as tests need."""

from __future__ import annotations

import pytest

from aws_vault.domain.errors import StoreError, WrongPassphraseError
from aws_vault.domain.items import Item
from tests.contracts.secret_store_contract import SecretStoreContract
from tests.fakes.secret_store import FakeSecretStore, SecretStoreCall


class TestFakeSecretStoreContract(SecretStoreContract):
    shared_between_processes = False

    @pytest.fixture(autouse=True)
    def _store(self) -> None:
        self.store = FakeSecretStore()

    def make_store(self) -> FakeSecretStore:
        return self.store


def test_calls_are_recorded_in_order() -> None:
    store = FakeSecretStore({"jonsmith": Item("jonsmith", b"x")})
    store.keys()
    store.get("jonsmith")
    store.set(Item("other", b"y"))
    store.remove("other")
    assert store.calls == [
        SecretStoreCall("keys"),
        SecretStoreCall("get", "jonsmith"),
        SecretStoreCall("set", "other"),
        SecretStoreCall("remove", "other"),
    ]


def test_items_are_public_state() -> None:
    store = FakeSecretStore()
    store.set(Item("jonsmith", b"x"))
    assert list(store.items) == ["jonsmith"]
    assert store.items["jonsmith"].data == b"x"


def test_fail_with_raises_after_recording_and_changes_nothing() -> None:
    store = FakeSecretStore(
        {"jonsmith": Item("jonsmith", b"x")}, fail_with=WrongPassphraseError("~/.awsvault/keys")
    )
    with pytest.raises(WrongPassphraseError):
        store.get("jonsmith")
    with pytest.raises(StoreError):
        store.set(Item("other", b"y"))
    assert [c.op for c in store.calls] == ["get", "set"]
    assert list(store.items) == ["jonsmith"]

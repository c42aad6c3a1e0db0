"""The ``SecretStore`` contract, run against the fake and every real backend (keyring's BackendBasicTests).

Subclass ``SecretStoreContract`` in a ``Test*`` class and implement ``make_store()``: each call returns a new
store object over the same storage for the running test (fresh storage per test).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import TYPE_CHECKING, ClassVar

import pytest

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import ItemNotFoundError
from aws_vault.domain.items import Item

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier

AWKWARD_KEYS = [
    "jöns-🔑-профиль",
    "oidc:https://example.awsapps.com/start",
    "abc/.././123",
    "a/b",
    "a%2Fb",
    "100%",
    "%%25%",
    "arn:aws:iam::123456789012:mfa/jon",
    "with space",
]


class SecretStoreContract:
    keeps_metadata: ClassVar[bool] = True
    """Whether ``label`` and ``description`` survive (raw-data backends lose them, reference §4.3)."""
    shared_between_processes: ClassVar[bool] = True
    """Whether stores made by ``make_store()`` in two processes see the same storage."""
    concurrent_items: ClassVar[int] = 15

    def make_store(self) -> SecretStore:
        raise NotImplementedError

    def test_an_empty_store_has_no_keys(self) -> None:
        assert self.make_store().keys() == []

    def test_set_then_get_returns_the_data(self) -> None:
        store = self.make_store()
        store.set(Item("jonsmith", b'{"AccessKeyID":"AKIAEXAMPLE"}'))
        got = store.get("jonsmith")
        assert got is not None
        assert (got.key, got.data) == ("jonsmith", b'{"AccessKeyID":"AKIAEXAMPLE"}')

    def test_binary_data_round_trips(self) -> None:
        store = self.make_store()
        data = bytes(range(256)) * 2
        store.set(Item("binary", data))
        got = store.get("binary")
        assert got is not None and got.data == data

    def test_keys_lists_every_item(self) -> None:
        store = self.make_store()
        for key in ("one", "two", "three"):
            store.set(Item(key, key.encode()))
        assert sorted(store.keys()) == ["one", "three", "two"]

    def test_a_second_store_object_sees_the_items(self) -> None:
        self.make_store().set(Item("jonsmith", b"secret"))
        other = self.make_store()
        got = other.get("jonsmith")
        assert other.keys() == ["jonsmith"]
        assert got is not None and got.data == b"secret"

    def test_set_overwrites(self) -> None:
        store = self.make_store()
        store.set(Item("jonsmith", b"old"))
        store.set(Item("jonsmith", b"new"))
        got = store.get("jonsmith")
        assert got is not None and got.data == b"new"
        assert store.keys() == ["jonsmith"]

    def test_remove_deletes_only_that_item(self) -> None:
        store = self.make_store()
        store.set(Item("gone", b"1"))
        store.set(Item("kept", b"2"))
        store.remove("gone")
        assert store.get("gone") is None
        assert store.keys() == ["kept"]

    def test_get_of_a_missing_key_is_none(self) -> None:
        store = self.make_store()
        store.set(Item("present", b"1"))
        assert store.get("absent") is None

    def test_remove_of_a_missing_key_raises_item_not_found(self) -> None:
        store = self.make_store()
        with pytest.raises(ItemNotFoundError) as caught:
            store.remove("absent")
        assert caught.value.key == "absent"

    @pytest.mark.parametrize("key", AWKWARD_KEYS)
    def test_awkward_keys_round_trip(self, key: str) -> None:
        store = self.make_store()
        store.set(Item(key, key.encode()))
        got = store.get(key)
        assert got is not None and got.data == key.encode()
        assert store.keys() == [key]
        store.remove(key)
        assert store.keys() == []

    def test_escaped_looking_keys_stay_distinct(self) -> None:
        store = self.make_store()
        for key in AWKWARD_KEYS:
            store.set(Item(key, key.encode()))
        assert sorted(store.keys()) == sorted(AWKWARD_KEYS)
        for key in AWKWARD_KEYS:
            got = self.make_store().get(key)
            assert got is not None and got.data == key.encode(), key

    def test_large_items_round_trip(self) -> None:
        store = self.make_store()
        data = os.urandom(100 * 1024)
        store.set(Item("large", data))
        got = self.make_store().get("large")
        assert got is not None and got.data == data

    def test_label_and_description_round_trip_where_the_backend_keeps_them(self) -> None:
        store = self.make_store()
        item = Item(
            "jonsmith",
            b"x",
            label="aws-vault (jonsmith)",
            description="aws-vault session",
            keychain_not_trust_application=True,
        )
        store.set(item)
        got = self.make_store().get("jonsmith")
        assert got is not None
        if self.keeps_metadata:
            assert got == item
        else:
            # Raw-data backends (keychain, wincred, keyctl) keep only the data (reference §4.3).
            assert (got.key, got.data) == (item.key, item.data)

    def test_concurrent_writers_both_land(self) -> None:
        if self.shared_between_processes:
            ctx = multiprocessing.get_context("fork")
            start = ctx.Barrier(2)
            writers = [ctx.Process(target=self._write_many, args=(n, start)) for n in (1, 2)]
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join(timeout=120)
            assert [w.exitcode for w in writers] == [0, 0]
        else:
            # An in-process store (the fake) is shared by threads instead of processes.
            barrier = threading.Barrier(2)
            threads = [threading.Thread(target=self._write_many, args=(n, barrier)) for n in (1, 2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)

        store = self.make_store()
        expected = {f"writer{n}-{i}" for n in (1, 2) for i in range(self.concurrent_items)} | {"shared"}
        assert set(store.keys()) == expected
        for key in expected - {"shared"}:
            got = store.get(key)
            assert got is not None and got.data == key.encode()
        shared = store.get("shared")
        assert shared is not None and shared.data in {b"from writer1", b"from writer2"}

    def _write_many(self, writer: int, start: Barrier) -> None:
        store = self.make_store()
        start.wait(timeout=60)
        for i in range(self.concurrent_items):
            store.set(Item(f"writer{writer}-{i}", f"writer{writer}-{i}".encode()))
            store.set(Item("shared", f"from writer{writer}".encode()))

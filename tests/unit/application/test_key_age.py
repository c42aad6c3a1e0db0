"""Key age: recorded on add and rotate (Go still reads the item), warned about at most once a day."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from aws_vault.application.bus import EventBus
from aws_vault.application.key_age import KeyAgeWatch, key_added
from aws_vault.domain.credentials import Credentials, master_added, master_from_json, master_to_json
from aws_vault.domain.events import StoredKeysUsed
from aws_vault.domain.items import credential_item
from tests.fakes.clock import FakeClock
from tests.fakes.secret_store import FakeSecretStore


class Notes:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.marks: dict[str, datetime] = {}

    def notice(self, text: str) -> None:
        self.lines.append(text)

    def last(self, topic: str) -> datetime | None:
        return self.marks.get(topic)

    def mark(self, topic: str, when: datetime) -> None:
        self.marks[topic] = when


def test_the_added_time_is_one_extra_field_go_ignores() -> None:
    clock = FakeClock()
    data = master_to_json(Credentials("AKIAX", "secret"), clock.now())
    doc = json.loads(data)
    assert list(doc) == ["AccessKeyID", "SecretAccessKey", "SessionToken", "Source", "CanExpire", "Expires", "Added"]
    assert doc["Added"] == "2024-01-02T03:04:05Z"
    assert master_added(data) == clock.now()
    assert master_from_json(data, "p") == Credentials("AKIAX", "secret")
    assert master_added(master_to_json(Credentials("AKIAX", "secret"))) is None  # unchanged bytes without it


def test_warns_once_a_day_about_old_keys_only() -> None:
    clock, notes = FakeClock(), Notes()
    bus = EventBus()
    bus.subscribe(KeyAgeWatch(clock, notes, notes, timedelta(days=90)))
    old = clock.now() - timedelta(days=120)
    bus.publish(StoredKeysUsed("work", "****ABCD", clock.now() - timedelta(days=10)))
    bus.publish(StoredKeysUsed("legacy", "****WXYZ", None))  # added by the Go tool: unknown age
    assert notes.lines == []
    bus.publish(StoredKeysUsed("work", "****ABCD", old))
    bus.publish(StoredKeysUsed("work", "****ABCD", old))
    assert notes.lines == [
        "aws-vault: warning: the access key stored for profile work (****ABCD) is 120 days old; rotate it with "
        "`aws-vault rotate work` (AWS_VAULT_KEY_MAX_AGE sets the limit, 0 turns this off)"
    ]
    clock.advance(timedelta(hours=23))
    bus.publish(StoredKeysUsed("work", "****ABCD", old))
    assert len(notes.lines) == 1
    clock.advance(timedelta(hours=2))
    bus.publish(StoredKeysUsed("work", "****ABCD", old))
    assert len(notes.lines) == 2


def test_zero_max_age_never_warns() -> None:
    clock, notes = FakeClock(), Notes()
    KeyAgeWatch(clock, notes, notes, timedelta(0))(StoredKeysUsed("work", "x", clock.now() - timedelta(days=900)))
    assert notes.lines == []


def test_key_added_reads_each_item() -> None:
    clock = FakeClock()
    store = FakeSecretStore()
    store.set(credential_item("new", master_to_json(Credentials("AKIA1", "s"), clock.now())))
    store.set(credential_item("go", master_to_json(Credentials("AKIA2", "s"))))
    assert key_added(store, ["new", "go", "missing"]) == {"new": clock.now(), "go": None, "missing": None}

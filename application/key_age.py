"""Old long-term keys: a warning on stderr, at most once a day per profile (aws-vault#129, closed as
won't-fix there). A subscriber of the bus: the pipeline publishes ``StoredKeysUsed`` with the key's
``added`` time (recorded by ``add`` and ``rotate``) whenever it reads long-term keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_vault.application.ports import Clock, Console, Reminders, SecretStore
from aws_vault.domain.credentials import master_added
from aws_vault.domain.events import Event, StoredKeysUsed

REMIND_EVERY = timedelta(days=1)


class KeyAgeWatch:
    def __init__(self, clock: Clock, console: Console, reminders: Reminders, max_age: timedelta) -> None:
        self.clock = clock
        self.console = console
        self.reminders = reminders
        self.max_age = max_age  # timedelta(0): never warn

    def __call__(self, event: Event) -> None:
        if not isinstance(event, StoredKeysUsed) or event.added is None or not self.max_age:
            return
        now = self.clock.now()
        age = now - event.added
        if age <= self.max_age:
            return
        topic = f"key-age:{event.profile}"
        last = self.reminders.last(topic)
        if last is not None and now - last < REMIND_EVERY:
            return
        self.reminders.mark(topic, now)
        self.console.notice(
            f"aws-vault: warning: the access key stored for profile {event.profile} ({event.masked_key_id}) is "
            f"{age.days} days old; rotate it with `aws-vault rotate {event.profile}` "
            "(AWS_VAULT_KEY_MAX_AGE sets the limit, 0 turns this off)"
        )


def key_added(store: SecretStore, names: list[str]) -> dict[str, datetime | None]:
    """When each named profile's stored key was added or rotated (``list --show-age``); reads each item."""
    out: dict[str, datetime | None] = {}
    for name in names:
        item = store.get(name)
        out[name] = master_added(item.data) if item is not None else None
    return out

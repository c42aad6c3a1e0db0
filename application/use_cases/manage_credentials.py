"""Add and remove long-term credentials, and delete cached sessions."""

from __future__ import annotations

import contextlib

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import Clock, ConfigSource, Locks, SecretStore
from aws_vault.application.session_cache import SessionCache
from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.errors import SourceProfileHasNoEffectError, UsageError
from aws_vault.domain.events import CredentialsRemoved, CredentialsStored, ProfileSectionAdded, SessionsDeleted
from aws_vault.domain.items import credential_item
from aws_vault.domain.records import Record
from aws_vault.domain.sessions import KeyKind, classify_key


class AddResult(Record):
    sessions_deleted: int
    section_added: bool


class AddCredentials:
    def __init__(
        self,
        store: SecretStore,
        config: ConfigSource,
        cache: SessionCache,
        bus: EventBus,
        locks: Locks | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock  # records when the key was added (key-age warnings)
        self.store = store
        self.config = config
        self.cache = cache
        self.bus = bus
        self.locks = locks  # the config file's read-modify-write is one at a time across processes

    def check(self, profile: str, *, add_config: bool = True) -> None:
        """Refuse before prompting or writing anything: a name that is not one line of printable text, one
        the config could not hold as itself (when a section is to be added), or keys on a profile with a
        source_profile, which are never used (§1.3 add)."""
        if not profile.strip():
            raise UsageError("the profile name is empty")
        if not all(c.isprintable() or c == " " for c in profile):
            # Newlines, NUL, tabs, other control and invisible format characters: the name could not be a
            # config section, and would show garbled (or as another name) in lists and prompts.
            raise UsageError(f"invalid profile name {profile!r}: it contains control or non-printable characters")
        if classify_key(profile) != KeyKind.CREDENTIAL:
            # Such an item would be taken for a cached session or SSO token, and purged.
            raise UsageError(f"{profile!r} looks like a cached session or SSO token key; choose another profile name")
        section = self.config.load().section(profile)
        if section is not None and section.get("source_profile"):
            raise SourceProfileHasNoEffectError(profile, section.get("source_profile"))
        if add_config and section is None:
            self.config.check_profile_name(profile)  # refused now, not after its key is stored

    def __call__(self, profile: str, keys: Credentials, *, add_config: bool = True) -> AddResult:
        self.check(profile, add_config=add_config)
        added_at = self.clock.now() if self.clock is not None else None
        self.store.set(credential_item(profile, master_to_json(keys, added_at)))
        self.bus.publish(CredentialsStored(profile))
        deleted = self.cache.delete_for_profile(profile)
        if deleted:
            self.bus.publish(SessionsDeleted(profile, deleted))
        added = False
        if add_config and self.config.load().section(profile) is None:
            with self.locks.hold(f"config:{self.config.path}") if self.locks else contextlib.nullcontext():
                self.config.add_profile(profile)  # re-reads the file: a section added meanwhile is kept
            self.bus.publish(ProfileSectionAdded(profile, self.config.path))
            added = True
        return AddResult(deleted, added)


class RemoveCredentials:
    def __init__(self, store: SecretStore, cache: SessionCache, bus: EventBus) -> None:
        self.store = store
        self.cache = cache
        self.bus = bus

    def __call__(self, profile: str) -> None:
        self.store.remove(profile)
        self.bus.publish(CredentialsRemoved(profile))


class DeleteSessions:
    def __init__(self, cache: SessionCache, bus: EventBus) -> None:
        self.cache = cache
        self.bus = bus

    def __call__(self, profile: str) -> int:
        count = self.cache.delete_for_profile(profile)
        self.bus.publish(SessionsDeleted(profile, count))
        return count

"""The session cache kept in the secret store itself, with aws-vault's keys and rules (reference §3.2).

Lookup takes the first key with the ``<type>,<b64 profile>,<b64 mfa>,`` prefix that is fresh (at least
``min_ttl`` remaining); every lookup and write first purges legacy and expired session keys. A save writes the
new session before it deletes the one it replaces.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import Clock, SecretStore
from aws_vault.domain.credentials import Credentials, session_from_json, session_to_json
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.events import CachedSessionReused, SessionCached, SessionCacheMissed, SessionsPurged
from aws_vault.domain.plan import CacheSpec
from aws_vault.domain.sessions import (
    KeyKind,
    SessionKey,
    classify_key,
    is_fresh,
    is_purgeable,
    session_item,
    session_prefix,
)


class SessionCache:
    def __init__(self, store: SecretStore, clock: Clock, bus: EventBus, min_ttl: timedelta) -> None:
        self.store = store
        self.clock = clock
        self.bus = bus
        self.min_ttl = min_ttl

    def _purged_keys(self) -> list[str]:
        now = self.clock.now()
        keys = self.store.keys()
        kept: list[str] = []
        purged = 0
        for key in keys:
            if is_purgeable(key, now):
                try:
                    self.store.remove(key)
                    purged += 1
                except StoreError:
                    # aws-vault only logs purge failures (§3.2); a stale key is harmless.
                    kept.append(key)
            else:
                kept.append(key)
        if purged:
            self.bus.publish(SessionsPurged(purged))
        return kept

    def lookup(self, spec: CacheSpec) -> Credentials | None:
        prefix = session_prefix(spec.type, spec.profile, spec.mfa_serial)
        for key in self._purged_keys():
            if not key.startswith(prefix):
                continue
            named = SessionKey.parse(key)
            if named is not None and not is_fresh(named.expires, self.clock.now(), self.min_ttl):
                continue  # the name carries the expiry (§3.1): a stale session is not even decrypted
            try:
                item = self.store.get(key)
                if item is None:
                    continue
                creds = session_from_json(item.data, key)
            except StoreError:
                # aws-vault: "SessionKeyring: Ignoring invalid data" -> a miss; the next save replaces it.
                continue
            now = self.clock.now()
            if creds.expiration is not None and is_fresh(creds.expiration, now, self.min_ttl):
                self.bus.publish(
                    CachedSessionReused(spec.profile, spec.type, creds.masked_key_id, creds.expiration - now)
                )
                return creds
            # aws-vault stops at the first key with the prefix (§3.2). A writer killed between writing its new
            # session and deleting the old one leaves both; the newer one, further on, is still worth a look.
        self.bus.publish(SessionCacheMissed(spec.profile, spec.type))
        return None

    def fresh_until(self, spec: CacheSpec, keys: list[str] | None = None) -> datetime | None:
        """When the cached session for ``spec`` expires, if a lookup would reuse it now; else ``None``.

        Read-only (``plan``): judged from the key names, which carry the expiry (§3.1); nothing is
        decrypted, purged or published.
        """
        prefix = session_prefix(spec.type, spec.profile, spec.mfa_serial)
        now = self.clock.now()
        for key in self.store.keys() if keys is None else keys:
            if key.startswith(prefix) and not is_purgeable(key, now):
                parsed = SessionKey.parse(key)
                if parsed is not None and is_fresh(parsed.expires, now, self.min_ttl):
                    return parsed.expires
        return None

    def save(self, spec: CacheSpec, creds: Credentials) -> None:
        if creds.expiration is None:
            return
        key = SessionKey(spec.type, spec.profile, spec.mfa_serial, int(creds.expiration.timestamp()))
        name = key.format()
        prefix = session_prefix(spec.type, spec.profile, spec.mfa_serial)
        olds = [old for old in self._purged_keys() if old.startswith(prefix) and old != name]
        # The new session first, then the old ones go: a process killed in between loses no valid session.
        self.store.set(session_item(key, session_to_json(creds)))
        for old in olds:
            with contextlib.suppress(ItemNotFoundError):
                self.store.remove(old)
        self.bus.publish(SessionCached(spec.profile, spec.type, name, creds.expiration))

    def sessions(self) -> list[SessionKey]:
        """Current-format sessions in store order (``list`` does not purge, §1.5.1)."""
        out: list[SessionKey] = []
        for key in self.store.keys():
            if classify_key(key) == KeyKind.SESSION:
                parsed = SessionKey.parse(key)
                if parsed is not None:
                    out.append(parsed)
        return out

    def delete_for_profile(self, profile: str) -> int:
        """Delete the profile's sessions (current and legacy format); the count deleted."""
        count = 0
        for key in self.store.keys():
            kind = classify_key(key)
            parsed = SessionKey.parse(key) if kind in (KeyKind.SESSION, KeyKind.LEGACY_SESSION) else None
            if parsed is not None and parsed.profile == profile:
                try:
                    self.store.remove(key)
                    count += 1
                except ItemNotFoundError:
                    pass
        return count

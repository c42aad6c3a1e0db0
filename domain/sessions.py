"""Cached sessions: key names, key classification and the freshness rule (reference §3).

A session key is ``<type>,<b64url(profile)>,<b64url(mfa serial)>,<unix expiry>`` (§3.1). Keys share one
namespace with long-term credentials and OIDC tokens, so every key is classified before use.
"""

from __future__ import annotations

import binascii
import functools
from datetime import UTC, datetime, timedelta
from typing import Final

from aws_vault.domain.credentials import rfc3339_utc
from aws_vault.domain.encoding import b64url_decode, b64url_encode
from aws_vault.domain.items import Item
from aws_vault.domain.records import Record

DEFAULT_MIN_TTL = timedelta(minutes=5)  # AWS_MIN_TTL default (§2.5)

GET_SESSION_TOKEN = "sts.GetSessionToken"
ASSUME_ROLE = "sts.AssumeRole"
ASSUME_ROLE_WITH_WEB_IDENTITY = "sts.AssumeRoleWithWebIdentity"
SSO_ROLE_CREDENTIALS = "sso.GetRoleCredentials"
CREDENTIAL_PROCESS = "credential_process"


class KeyKind:
    """What a store key holds. Plain constants: an ``Enum`` costs ~0.3 ms to define on every start."""

    CREDENTIAL: Final = "credential"
    SESSION: Final = "session"
    LEGACY_SESSION: Final = "legacy-session"
    OIDC_TOKEN: Final = "oidc-token"


def _b64(text: str) -> str:
    return b64url_encode(text.encode())


def _unb64(text: str) -> str:
    if "=" in text:
        raise ValueError("padded")
    return b64url_decode(text).decode()


class SessionKey(Record):
    type: str
    profile: str
    mfa_serial: str
    expiry: int  # unix seconds

    def format(self) -> str:
        return f"{self.type},{_b64(self.profile)},{_b64(self.mfa_serial)},{self.expiry}"

    @property
    def expires(self) -> datetime:
        return datetime.fromtimestamp(self.expiry, UTC)

    @staticmethod
    def parse(key: str) -> SessionKey | None:
        """The key as a current-format session key, or ``None``."""
        return _parse_key(key)


@functools.lru_cache(maxsize=1024)
def _parse_key(key: str) -> SessionKey | None:
    # Cached: one lookup classifies, purges and matches the same few keys, each parse two base64 decodes.
    if not _is_current(key):
        return None
    kind, profile, mfa, expiry = key.split(",")
    if len(expiry) > 12 or int(expiry) > _LAST_EXPIRY:  # beyond year 9999: no date, so not a session key
        return None
    try:
        return SessionKey(kind, _unb64(profile), _unb64(mfa), int(expiry))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def session_prefix(kind: str, profile: str, mfa_serial: str) -> str:
    """Lookup prefix: the first key starting with it is the cached session (§3.2)."""
    return f"{kind},{_b64(profile)},{_b64(mfa_serial)},"


_LAST_EXPIRY = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
# aws-vault's key patterns (§3.1, §3.2), matched with string operations: compiling the regexes cost every
# cached lookup ~0.3 ms. Go's ``$`` is the end of the text (no trailing newline) and ``.`` no newline;
# tests/unit/domain/test_session_keys.py holds these functions to the regexes, Go's way.
_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # [0-9]+, not every Unicode digit


def _is_current(key: str) -> bool:
    """``^[^,]+,[^,]+,[^,]*,[0-9]+$``"""
    parts = key.split(",")
    return len(parts) == 4 and bool(parts[0]) and bool(parts[1]) and _digits(parts[3])


def _is_legacy(key: str) -> bool:
    """``^session,[A-Za-z0-9_-]*,[A-Za-z0-9_-]*,[0-9]{2,}$``, ``^session:[^:]*:[^:]*:[0-9]*$`` or
    ``^.+ session \\([0-9]+\\)$``."""
    parts = key.split(",")
    if (
        len(parts) == 4
        and parts[0] == "session"
        and _B64URL.issuperset(parts[1])
        and _B64URL.issuperset(parts[2])
        and len(parts[3]) >= 2
        and _digits(parts[3])
    ):
        return True
    parts = key.split(":")
    if len(parts) == 4 and parts[0] == "session" and (not parts[3] or _digits(parts[3])):
        return True
    if not key.endswith(")"):
        return False
    # Only the last " session (" can be followed by nothing but digits and the ")".
    head, found, number = key[:-1].rpartition(" session (")
    return bool(found) and bool(head) and "\n" not in head and _digits(number)


def classify_key(key: str) -> str:
    """Classify a store key the way aws-vault does (§3)."""
    if key.startswith("oidc:"):
        return KeyKind.OIDC_TOKEN
    if _is_legacy(key):
        return KeyKind.LEGACY_SESSION
    if SessionKey.parse(key) is not None:
        return KeyKind.SESSION
    return KeyKind.CREDENTIAL


def is_fresh(expiration: datetime, now: datetime, min_ttl: timedelta) -> bool:
    """A cached session is reused while at least ``min_ttl`` of it remains (``AWS_MIN_TTL``)."""
    return expiration - now >= min_ttl


def is_purgeable(key: str, now: datetime) -> bool:
    """Legacy keys and expired current-format keys are purged on every cache read/write (§3.2)."""
    kind = classify_key(key)
    if kind == KeyKind.LEGACY_SESSION:
        return True
    if kind == KeyKind.SESSION:
        parsed = SessionKey.parse(key)
        return parsed is not None and parsed.expires <= now
    return False


def session_item(key: SessionKey, data: bytes) -> Item:
    """Session item metadata as aws-vault writes it (§3.1), trusted on the keychain."""
    when = rfc3339_utc(key.expires)
    return Item(
        key.format(),
        data,
        f"aws-vault session for {key.profile} (expires {when})",
        "aws-vault session",
    )

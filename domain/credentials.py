"""Credentials as value objects, and the JSON shapes aws-vault stores them in.

Secrets never appear in ``repr``/``str``. Two stored shapes exist (reference §4.1 and §3.1):
long-term keys as Go's ``aws.Credentials`` (``AccessKeyID``…) and sessions as STS ``Credentials``
(``AccessKeyId``…, ``Expiration``). Readers are case-insensitive on field names, as Go's decoder is.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_vault.domain.errors import CorruptItemError
from aws_vault.domain.items import go_json
from aws_vault.domain.records import Record


def mask_key_id(access_key_id: str) -> str:
    """aws-vault's debug form of an access key id: ``****************ABCD``."""
    return "*" * 16 + access_key_id[-4:]


class Credentials(Record):
    access_key_id: str
    secret_access_key: str
    session_token: str = ""
    expiration: datetime | None = None

    _hidden = frozenset({"secret_access_key", "session_token"})

    @property
    def masked_key_id(self) -> str:
        """aws-vault's debug form: ``****************ABCD``."""
        return mask_key_id(self.access_key_id)

    def __str__(self) -> str:
        return f"Credentials({self.masked_key_id})"


def rfc3339_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z`` and no fraction (aws-vault's ``iso8601.Format``, §1.5.2)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 time (``Z`` or offset, optional fraction up to nanoseconds) to aware UTC."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    if "." in s:
        head, _, tail = s.partition(".")
        digits = ""
        i = 0
        while i < len(tail) and tail[i].isdigit():
            digits += tail[i]
            i += 1
        s = f"{head}.{digits[:6].ljust(6, '0')}{tail[i:]}"
    moment = datetime.fromisoformat(s)
    if moment.tzinfo is None:
        raise ValueError(f"time without a zone: {text}")
    try:
        return moment.astimezone(UTC)
    except OverflowError as e:  # e.g. 0001-01-01T00:00:00+00:01, before datetime's first instant in UTC
        raise ValueError(f"time out of range: {text}") from e


_GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def _lower_keys(obj: Any, key: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise CorruptItemError(key, "not a JSON object")
    return {str(k).lower(): v for k, v in obj.items()}


def master_to_json(creds: Credentials, added: datetime | None = None) -> bytes:
    """Long-term keys in the exact shape Go aws-vault writes (``aws.Credentials``).

    ``added`` (when the key was added or rotated, for key-age warnings) is one extra field, ``Added``:
    Go's ``json.Unmarshal`` ignores fields it does not know, so the Go tool still reads the item.
    """
    doc: dict[str, object] = {
        "AccessKeyID": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": "",
        "Source": "",
        "CanExpire": False,
        "Expires": _GO_ZERO_TIME,
    }
    if added is not None:
        doc["Added"] = rfc3339_utc(added)
    return go_json(doc)


def master_added(data: bytes) -> datetime | None:
    """When the stored key was added or rotated (``master_to_json``'s ``Added``), if recorded."""
    try:
        doc = json.loads(data)
        return parse_rfc3339(doc["Added"]) if isinstance(doc, dict) and isinstance(doc.get("Added"), str) else None
    except (ValueError, RecursionError, UnicodeDecodeError, KeyError):
        return None


def master_from_json(data: bytes, key: str) -> Credentials:
    try:
        doc = _lower_keys(json.loads(data), key)
    except (ValueError, RecursionError, UnicodeDecodeError) as e:
        raise CorruptItemError(key, "invalid JSON") from e
    key_id = doc.get("accesskeyid") or ""
    secret = doc.get("secretaccesskey") or ""
    if not isinstance(key_id, str) or not isinstance(secret, str) or not key_id or not secret:
        raise CorruptItemError(key, "AccessKeyID or SecretAccessKey missing")
    token = doc.get("sessiontoken") or ""
    return Credentials(key_id, secret, token if isinstance(token, str) else "")


def session_to_json(creds: Credentials) -> bytes:
    """A cached session as STS ``Credentials`` JSON (keys alphabetical, as current SDKs emit, §3.1)."""
    if creds.expiration is None:
        raise ValueError("a cached session must expire")
    doc = {
        "AccessKeyId": creds.access_key_id,
        "Expiration": rfc3339_utc(creds.expiration),
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
    }
    return go_json(doc)


def session_from_json(data: bytes, key: str) -> Credentials:
    try:
        doc = _lower_keys(json.loads(data), key)
        expiration = parse_rfc3339(str(doc["expiration"]))
    except (ValueError, RecursionError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise CorruptItemError(key, "invalid session JSON") from e
    key_id = doc.get("accesskeyid")
    secret = doc.get("secretaccesskey")
    if not isinstance(key_id, str) or not isinstance(secret, str) or not key_id or not secret:
        raise CorruptItemError(key, "AccessKeyId or SecretAccessKey missing")
    token = doc.get("sessiontoken") or ""
    return Credentials(key_id, secret, str(token), expiration)

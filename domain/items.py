"""Keyring items as aws-vault stores them (reference §4): a key, opaque data, a label and a description."""

from __future__ import annotations

import base64
import json
from typing import NamedTuple

from domain.errors import CorruptItemError


class Item(NamedTuple):
    key: str
    data: bytes
    label: str = ""
    description: str = ""
    # Keychain flags are carried for the envelope's round trip; only macOS reads them.
    keychain_not_trust_application: bool = False
    keychain_not_synchronizable: bool = False

    def __repr__(self) -> str:
        return f"Item(key={self.key!r}, label={self.label!r}, description={self.description!r})"


def credential_item(profile: str, data: bytes) -> Item:
    """Long-term keys: label ``aws-vault (<profile>)``, untrusted on the keychain (§4 item metadata)."""
    return Item(profile, data, f"aws-vault ({profile})", "", keychain_not_trust_application=True)


def envelope_to_json(item: Item) -> bytes:
    """The Go ``keyring.Item`` envelope JSON (``Data`` is padded standard base64), §4.1."""
    doc = {
        "Key": item.key,
        "Data": base64.b64encode(item.data).decode(),
        "Label": item.label,
        "Description": item.description,
        "KeychainNotTrustApplication": item.keychain_not_trust_application,
        "KeychainNotSynchronizable": item.keychain_not_synchronizable,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def envelope_from_json(raw: bytes, key: str) -> Item:
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        lowered = {str(k).lower(): v for k, v in doc.items()}
        data = base64.b64decode(lowered.get("data") or "", validate=True)
    except (ValueError, TypeError, UnicodeDecodeError) as e:
        raise CorruptItemError(key, "invalid item envelope") from e
    return Item(
        key=str(lowered.get("key") or key),
        data=data,
        label=str(lowered.get("label") or ""),
        description=str(lowered.get("description") or ""),
        keychain_not_trust_application=bool(lowered.get("keychainnottrustapplication")),
        keychain_not_synchronizable=bool(lowered.get("keychainnotsynchronizable")),
    )

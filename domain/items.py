"""Keyring items as aws-vault stores them (reference §4): a key, opaque data, a label and a description."""

from __future__ import annotations

import json

from aws_vault.domain.encoding import b64decode, b64encode
from aws_vault.domain.errors import CorruptItemError
from aws_vault.domain.records import Record


class Item(Record):
    key: str
    data: bytes
    label: str = ""
    description: str = ""
    # Keychain flags are carried for the envelope's round trip; only macOS reads them.
    keychain_not_trust_application: bool = False
    keychain_not_synchronizable: bool = False

    _hidden = frozenset({"data"})


_GO_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def go_json(doc: object) -> bytes:
    """JSON bytes as Go's ``json.Marshal`` writes them: compact, UTF-8, ``<``/``>``/``&`` escaped.

    Keeps stored items byte-identical to the Go tool's for the same content.
    """
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _GO_ESCAPES:
        text = text.replace(char, escaped)
    return text.encode("utf-8")


def credential_item(profile: str, data: bytes) -> Item:
    """Long-term keys: label ``aws-vault (<profile>)``, untrusted on the keychain (§4 item metadata)."""
    return Item(profile, data, f"aws-vault ({profile})", "", keychain_not_trust_application=True)


def envelope_to_json(item: Item) -> bytes:
    """The Go ``keyring.Item`` envelope JSON (``Data`` is padded standard base64), §4.1."""
    doc = {
        "Key": item.key,
        "Data": b64encode(item.data),
        "Label": item.label,
        "Description": item.description,
        "KeychainNotTrustApplication": item.keychain_not_trust_application,
        "KeychainNotSynchronizable": item.keychain_not_synchronizable,
    }
    return go_json(doc)


def envelope_from_json(raw: bytes, key: str) -> Item:
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        lowered = {str(k).lower(): v for k, v in doc.items()}
        data = b64decode(lowered.get("data") or "")
    except (ValueError, RecursionError, TypeError, UnicodeDecodeError) as e:
        raise CorruptItemError(key, "invalid item envelope") from e
    return Item(
        key=str(lowered.get("key") or key),
        data=data,
        label=str(lowered.get("label") or ""),
        description=str(lowered.get("description") or ""),
        keychain_not_trust_application=bool(lowered.get("keychainnottrustapplication")),
        keychain_not_synchronizable=bool(lowered.get("keychainnotsynchronizable")),
    )

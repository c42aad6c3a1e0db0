"""Base64 forms aws-vault's formats use, straight on ``binascii``.

The ``base64`` module adds ~1 ms of imports to every credential_process call; these are the three
forms needed: standard padded (Go ``[]byte`` JSON), and URL-safe unpadded (session keys, JWE parts).
"""

from __future__ import annotations

import binascii

_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_URLSAFE_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64encode(data: bytes) -> str:
    """Standard alphabet, padded."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def b64decode(text: str | bytes) -> bytes:
    """Standard alphabet, padded, strict (raises ``ValueError``)."""
    raw = text.encode("ascii") if isinstance(text, str) else text
    try:
        return binascii.a2b_base64(raw, strict_mode=True)
    except binascii.Error as e:
        raise ValueError(str(e)) from None


def b64url_encode(data: bytes) -> str:
    """URL-safe alphabet, no padding (Go ``base64.RawURLEncoding``)."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """URL-safe alphabet, padding optional; anything outside the alphabet raises ``ValueError``."""
    raw = text.encode("ascii") if isinstance(text, str) else text
    raw = raw.rstrip(b"=")
    if not _URLSAFE_ALPHABET.issuperset(raw) or len(raw) % 4 == 1:
        raise ValueError("not URL-safe base64")
    try:
        return binascii.a2b_base64(raw.translate(_FROM_URLSAFE) + b"=" * (-len(raw) % 4), strict_mode=True)
    except binascii.Error as e:
        raise ValueError(str(e)) from None

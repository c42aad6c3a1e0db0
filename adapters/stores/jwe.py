"""JWE compact tokens as aws-vault's ``file`` backend writes them (reference §4.1).

Key management PBES2-HS256+A128KW, content encryption A256GCM. Reading runs on every SDK call
(credential_process), so ``decrypt`` uses three ``cryptography`` primitives (PBKDF2, AES key unwrap, AES-GCM), imported
only when called; ``encrypt`` uses ``jwcrypto``, also imported only when called.
"""

from __future__ import annotations

import binascii
import json
from typing import Any

from aws_vault.domain import encoding
from aws_vault.domain.records import Record

ALG = "PBES2-HS256+A128KW"
ENC = "A256GCM"
# jose2go's ``iterationCount`` and salt size (pbse2_hmac_aeskw.go), which aws-vault writes (reference §4.1).
GO_P2C = 8192
GO_SALT_BYTES = 12
# Newer jose2go refuses p2c above this; older Go builds accepted any count (reference §4.1).
MAX_P2C = 1_300_000
# Content key sizes of the encryptions we read: aws-vault writes A256GCM; A128GCM costs nothing to accept.
_GCM_KEY_BYTES = {"A256GCM": 32, "A128GCM": 16}
_GCM_IV_BYTES = 12
_GCM_TAG_BYTES = 16


class InvalidTokenError(ValueError):
    """The text is not a PBES2-HS256+A128KW/AES-GCM JWE we can read, or it was tampered with."""


class WrongKeyError(ValueError):
    """The passphrase does not unwrap the content key."""


class Token(Record):
    """A parsed compact JWE; ``protected`` is the encoded header exactly as it appears (the GCM AAD)."""

    protected: bytes
    header: dict[str, Any]
    encrypted_key: bytes
    iv: bytes
    ciphertext: bytes
    tag: bytes

    _hidden = frozenset({"encrypted_key", "ciphertext"})


def b64url_decode(text: str | bytes) -> bytes:
    raw = text.encode("ascii") if isinstance(text, str) else text
    return encoding.b64url_decode(raw)


def b64url_encode(raw: bytes) -> str:
    return encoding.b64url_encode(raw)


def parse(token: str | bytes) -> Token:
    """Split and decode a compact token, checking the key-management header. Raises ``InvalidTokenError``."""
    raw = token.encode("utf-8") if isinstance(token, str) else token
    parts = raw.strip().split(b".")
    if len(parts) != 5:
        raise InvalidTokenError(f"not a compact JWE ({len(parts)} parts, want 5)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        encrypted_key, iv, ciphertext, tag = (b64url_decode(p) for p in parts[1:])
    except (ValueError, binascii.Error) as e:
        raise InvalidTokenError("malformed JWE encoding") from e
    if not isinstance(header, dict):
        raise InvalidTokenError("JWE header is not an object")
    if header.get("alg") != ALG:
        raise InvalidTokenError(f"unsupported alg {header.get('alg')!r}")
    if "zip" in header:
        raise InvalidTokenError("compressed JWE is not supported")
    p2c = header.get("p2c")
    if type(p2c) is not int or not 1 <= p2c <= MAX_P2C:
        raise InvalidTokenError(f"p2c must be an integer from 1 to {MAX_P2C}")
    try:
        b64url_decode(str(header.get("p2s") or ""))
    except (ValueError, binascii.Error) as e:
        raise InvalidTokenError("malformed p2s") from e
    return Token(parts[0], header, encrypted_key, iv, ciphertext, tag)


def content_key(token: Token, passphrase: str) -> bytes:
    """Unwrap the content key (RFC 7518 §4.8). Raises ``WrongKeyError`` or ``InvalidTokenError``."""
    from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

    if len(token.encrypted_key) < 24 or len(token.encrypted_key) % 8:
        raise InvalidTokenError("the wrapped content key has a bad length")
    salt = ALG.encode("ascii") + b"\0" + b64url_decode(str(token.header.get("p2s") or ""))
    # cryptography's PBKDF2 (its OpenSSL is already loaded): hashlib would load a second libcrypto, ~3 ms.
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    kek = PBKDF2HMAC(SHA256(), 16, salt, token.header["p2c"]).derive(passphrase.encode("utf-8"))
    try:
        return aes_key_unwrap(kek, token.encrypted_key)
    except InvalidUnwrap as e:
        raise WrongKeyError("the passphrase does not unwrap the content key") from e


def decrypt(token: str | bytes, passphrase: str) -> bytes:
    """The plaintext. Raises ``InvalidTokenError`` (malformed, unsupported, tampered) or ``WrongKeyError``."""
    parsed = parse(token)
    enc = parsed.header.get("enc")
    key_bytes = _GCM_KEY_BYTES.get(str(enc))
    if key_bytes is None:
        raise InvalidTokenError(f"unsupported enc {enc!r}")
    if len(parsed.iv) != _GCM_IV_BYTES or len(parsed.tag) != _GCM_TAG_BYTES:
        raise InvalidTokenError("bad AES-GCM IV or tag length")
    cek = content_key(parsed, passphrase)
    if len(cek) != key_bytes:
        raise InvalidTokenError(f"content key has {len(cek)} bytes, {enc} needs {key_bytes}")

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(cek).decrypt(parsed.iv, parsed.ciphertext + parsed.tag, parsed.protected)
    except InvalidTag as e:
        raise InvalidTokenError("content fails its integrity check") from e


def encrypt(plaintext: bytes, passphrase: str, *, created: str, p2c: int = GO_P2C, salt: bytes) -> str:
    """A compact token with Go aws-vault's header: sorted keys, ``created``, p2c and a 12-byte p2s."""
    from jwcrypto import jwa, jwe, jwk
    from jwcrypto.common import json_encode

    # jwcrypto refuses p2c above 16384 (a DoS guard); jose2go accepts up to MAX_P2C (reference §4.1), so
    # raise the cap to exactly that bound and no further.
    jwa.default_max_pbkdf2_iterations = max(jwa.default_max_pbkdf2_iterations, MAX_P2C)
    header = {"alg": ALG, "created": created, "enc": ENC, "p2c": p2c, "p2s": b64url_encode(salt)}
    token = jwe.JWE(plaintext, json_encode(header))
    token.add_recipient(jwk.JWK.from_password(passphrase))
    return str(token.serialize(compact=True))

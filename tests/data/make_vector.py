"""Builds tests/data/filestore/: an aws-vault ``file`` store made by hand, independent of our code.

Uses only ``cryptography`` primitives (PBKDF2HMAC, aes_key_wrap, AESGCM), following RFC 7518 §4.8 and
reference §4.1 — neither ``aws_vault.adapters.stores.jwe`` nor ``jwcrypto`` is involved, so a test reading these files
with ``FileSecretStore`` checks our reader against a second implementation. Salts, content keys and IVs are
fixed so the output is reproducible: ``python tests/data/make_vector.py`` rewrites the same bytes.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

PASSPHRASE = "fixture passphrase"
STORE_DIR = Path(__file__).parent / "filestore"
# Shaped like Go's time.Now().String(), as aws-vault writes it; informational only.
CREATED = "2023-05-25 07:30:06.123456789 +1000 AEST m=+0.012345678"


@dataclass(frozen=True)
class Vector:
    file_name: str
    key: str
    access_key_id: str
    secret_access_key: str
    p2c: int
    salt: bytes
    cek: bytes
    iv: bytes


VECTORS = [
    Vector(
        "jonsmith",
        "jonsmith",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        8192,
        bytes.fromhex("8f992e3f56af0fd49c8ca4bc"),
        bytes.fromhex("367daa4deca2f8e3b0b14da06e277a430d1df807485bb691e53d12e9ab09a140"),
        bytes.fromhex("c9455ccb6c6b9b59ea9ae915"),
    ),
    # '/' in the key becomes %2F in the name; p2c above jwcrypto's default cap of 16384.
    Vector(
        "ops%2Fadmin",
        "ops/admin",
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        20000,
        bytes.fromhex("52d0e8c6e1c28b5b79211979"),
        bytes.fromhex("353a39331b06c5f42447649c890c09959c5982d72f9ce20c1e9e1e872c293c03"),
        bytes.fromhex("945ec55e9a9f53bded700b14"),
    ),
]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def go_json(doc: dict[str, object]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def credentials_json(v: Vector) -> bytes:
    """Go's ``aws.Credentials`` as aws-vault stores long-term keys (reference §4.1)."""
    return go_json(
        {
            "AccessKeyID": v.access_key_id,
            "SecretAccessKey": v.secret_access_key,
            "SessionToken": "",
            "Source": "",
            "CanExpire": False,
            "Expires": "0001-01-01T00:00:00Z",
        }
    )


def envelope_json(v: Vector) -> bytes:
    """Go's ``keyring.Item`` envelope; ``Data`` is padded standard base64 (reference §4.1)."""
    return go_json(
        {
            "Key": v.key,
            "Data": base64.b64encode(credentials_json(v)).decode("ascii"),
            "Label": f"aws-vault ({v.key})",
            "Description": "",
            "KeychainNotTrustApplication": True,
            "KeychainNotSynchronizable": False,
        }
    )


def build_token(plaintext: bytes, passphrase: str, v: Vector) -> str:
    header = {
        "alg": "PBES2-HS256+A128KW",
        "created": CREATED,
        "enc": "A256GCM",
        "p2c": v.p2c,
        "p2s": b64url(v.salt),
    }
    protected = b64url(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    kek = PBKDF2HMAC(
        algorithm=hashes.SHA256(),
        length=16,
        salt=b"PBES2-HS256+A128KW\0" + v.salt,
        iterations=v.p2c,
    ).derive(passphrase.encode())
    sealed = AESGCM(v.cek).encrypt(v.iv, plaintext, protected.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join(
        [protected, b64url(aes_key_wrap(kek, v.cek)), b64url(v.iv), b64url(ciphertext), b64url(tag)]
    )


def build() -> dict[str, bytes]:
    """File name -> file content, for every vector."""
    return {v.file_name: build_token(envelope_json(v), PASSPHRASE, v).encode("ascii") for v in VECTORS}


if __name__ == "__main__":
    STORE_DIR.mkdir(exist_ok=True)
    for name, content in build().items():
        (STORE_DIR / name).write_bytes(content)
        print(STORE_DIR / name)

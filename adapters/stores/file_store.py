"""aws-vault's ``file`` backend: one JWE-encrypted item per file, read/write compatible (reference §4.1).

Importing this module loads neither ``jwcrypto`` nor ``cryptography``: the read path runs on every SDK call.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from aws_vault.adapters.stores import jwe
from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import CorruptItemError, ItemNotFoundError, StoreError, WrongPassphraseError
from aws_vault.domain.items import Item, envelope_from_json, envelope_to_json

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

# Our temp files: a '%' followed by non-hex never comes out of escape_key, so no key can collide.
# ``.%tmp-<pid>-<16 hex>`` (before the pid was recorded: ``.%tmp-<16 hex>``); see atomic_write.is_stale.
_TEMP_PREFIX = ".%tmp-"
# Patterns, compiled on first use (re's cache): a cached lookup needs neither.
_TEMP_NAME = r"\.%tmp-(?:(?P<pid>[0-9]{1,10})-)?[0-9a-f]{16}"
_ESCAPED_BYTE = rb"%([0-9A-Fa-f]{2})"
_STARTED = time.monotonic()


def escape_key(key: str) -> str:
    """The file name: only '%' and '/' are percent-encoded, uppercase (reference §4.1)."""
    return key.replace("%", "%25").replace("/", "%2F")


def unescape_filename(name: str) -> str:
    """The key: every valid ``%XY`` becomes its byte, anything else stays (reference §4.1)."""
    if "%" not in name:
        return name
    raw = re.sub(_ESCAPED_BYTE, lambda m: bytes([int(m[1], 16)]), os.fsencode(name))
    return os.fsdecode(raw)


def go_time_string(moment: datetime, since_start: float) -> str:
    """Go's ``time.Now().String()``, the header's informational ``created`` (reference §4.1).

    E.g. ``2023-05-25 07:30:06.123456 +1000 AEST m=+0.012345678``; Go trims the fraction's trailing zeros.
    """
    fraction = f".{moment.microsecond:06d}".rstrip("0").rstrip(".")
    offset = moment.strftime("%z")
    zone = moment.tzname() or offset
    return f"{moment:%Y-%m-%d %H:%M:%S}{fraction} {offset} {zone} m=+{since_start:.9f}"


def _expand(directory: str) -> str:
    # Only a leading "~/" is expanded; "~user" is not (reference §4.1).
    if directory.startswith("~/"):
        return os.path.join(os.path.expanduser("~"), directory[2:])
    return directory


def _io_error(action: str, path: str, error: OSError) -> StoreError:
    return StoreError(f"file store: cannot {action} {path}: {error.strerror or error}")



def _read(path: str) -> bytes:
    # pathlib would cost ~3 ms of imports on every credential_process call.
    with open(path, "rb") as f:
        return f.read()

class FileSecretStore(SecretStore):
    """Items as ``<directory>/<escaped key>`` files holding PBES2-HS256+A128KW/A256GCM JWE tokens."""

    def __init__(
        self,
        directory: str,
        passphrase: Callable[[], str],
        lock: Callable[[str], AbstractContextManager[None]] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = _expand(directory)
        # Told once, when the store first finds its directory open to group/others' writes.
        self._warn = warn
        self._mode_checked = warn is None or os.name == "nt"  # Windows has no such mode bits
        self._ask_passphrase = passphrase
        # Writers take this lock (shared by every aws-vault process) so that the check "this passphrase
        # opens the items already here" and the write happen together: parallel first writers with
        # different passphrases cannot split the store.
        self._lock = lock or (lambda _name: contextlib.nullcontext())
        self._passphrase: str | None = None
        self._passphrase_opens_store = False

    def keys(self) -> list[str]:
        # Every entry counts, in file-name order, as in Go (reference §4.1); no directory means no keys.
        self._check_directory_mode()
        return [unescape_filename(entry.name) for entry in self._entries()]

    def get(self, key: str) -> Item | None:
        path = self._path(key)
        self._check_directory_mode()
        try:
            raw = _read(path)
        except FileNotFoundError:
            return None  # without asking for the passphrase (reference §4.1)
        except OSError as e:
            raise _io_error("read", path, e) from e
        passphrase = self._unlock()
        try:
            plaintext = jwe.decrypt(raw, passphrase)
        except jwe.WrongKeyError as e:
            raise WrongPassphraseError(self.directory) from e
        except jwe.InvalidTokenError as e:
            raise CorruptItemError(key, str(e)) from e
        self._passphrase_opens_store = True
        return envelope_from_json(plaintext, key)

    def set(self, item: Item) -> None:
        path = self._path(item.key)
        self._check_directory_mode()
        passphrase = self._unlock()
        if not passphrase:
            # aws-vault accepts an empty passphrase (reference §4.1, aws-vault#828); we do not write with one.
            raise StoreError("refusing an empty passphrase for the file store")
        token = jwe.encrypt(
            envelope_to_json(item),
            passphrase,
            created=go_time_string(datetime.now().astimezone(), time.monotonic() - _STARTED),
            salt=os.urandom(jwe.GO_SALT_BYTES),
        )
        with self._lock(f"store:{self.directory}"):
            self._check_passphrase_opens_store(passphrase)
            self._write_atomically(path, token.encode("ascii"))
        self._passphrase_opens_store = True

    def remove(self, key: str) -> None:
        # No passphrase needed: removal deletes the file (reference §4.1).
        path = self._path(key)
        try:
            os.remove(path)
        except FileNotFoundError as e:
            raise ItemNotFoundError(key) from e
        except OSError as e:
            raise _io_error("remove", path, e) from e

    def _path(self, key: str) -> str:
        name = escape_key(key)
        if name in ("", ".", "..") or "\0" in name:
            raise StoreError(f"file store: invalid key {key!r}")
        return os.path.join(self.directory, name)

    def _check_directory_mode(self) -> None:
        """Warn once if others can write the directory: they could replace or delete any item."""
        if self._mode_checked:
            return
        try:
            mode = os.stat(self.directory).st_mode
        except OSError:
            return  # not there yet: we create it 0700
        self._mode_checked = True
        if stat.S_ISDIR(mode) and mode & (stat.S_IWGRP | stat.S_IWOTH) and self._warn is not None:
            self._warn(
                f"{self.directory} is writable by group/others; they can replace or delete stored credentials "
                f"(chmod go-w {self.directory})"
            )

    def _unlock(self) -> str:
        if self._passphrase is None:
            self._passphrase = self._ask_passphrase()
        return self._passphrase

    def _entries(self) -> Iterator[os.DirEntry[str]]:
        """The directory's entries by name, without our temp files."""
        try:
            with os.scandir(self.directory) as entries:
                found = sorted(entries, key=lambda entry: entry.name)
        except FileNotFoundError:
            return
        except OSError as e:
            raise _io_error("list", self.directory, e) from e
        yield from (entry for entry in found if not entry.name.startswith(_TEMP_PREFIX))

    def _check_passphrase_opens_store(self, passphrase: str) -> None:
        """Refuse to write with a passphrase that opens none of the existing items.

        aws-vault writes such an item silently, splitting the store between passphrases (aws-vault#828).
        """
        if self._passphrase_opens_store:
            return
        refused = False
        for entry in self._entries():
            try:
                if not entry.is_file():
                    continue
                raw = _read(entry.path)
            except OSError:
                continue  # removed meanwhile, or unreadable: it proves nothing either way
            try:
                jwe.decrypt(raw, passphrase)
            except jwe.WrongKeyError:
                refused = True
                continue
            except jwe.InvalidTokenError:
                continue
            self._passphrase_opens_store = True
            return
        if refused:
            raise WrongPassphraseError(self.directory)

    def _write_atomically(self, path: str, data: bytes) -> None:
        # Writers only: reads stay cheap.
        from aws_vault.adapters.atomic_write import remove_stale_temps, temp_name, write_atomically
        from aws_vault.adapters.fs import make_private_dirs

        try:
            make_private_dirs(self.directory)  # ~/.awsvault too, and every parent of --file-dir a/b/c: 0700
        except OSError as e:
            raise _io_error("create", self.directory, e) from e
        # Temp files of writers killed mid-write; a live writer's are spared (and we hold the store lock).
        remove_stale_temps(self.directory, re.compile(_TEMP_NAME))
        try:
            write_atomically(path, data, 0o600, temp_name(_TEMP_PREFIX))
        except OSError as e:
            raise _io_error("write", path, e) from e
        self._sync_directory()

    def _sync_directory(self) -> None:
        """Make the rename durable (not possible everywhere, e.g. Windows)."""
        with contextlib.suppress(OSError):
            fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

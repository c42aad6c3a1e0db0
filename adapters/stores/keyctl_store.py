"""aws-vault's ``keyctl`` backend: the Linux kernel keyring, through ``libkeyutils`` (ctypes, loaded lazily).

Layout as 99designs/keyring ``keyctl.go`` (reference §4 "keyctl" row): a keyring of type ``keyring`` named
``aws-vault`` linked under a scope's special keyring; one key of type ``user`` per item, description = the
item key, payload = the raw item data. Label and description are not stored (a raw-data backend, §4.3).

aws-vault never sets the scope, so its keyctl backend cannot even open (``unknown scope ""``, aws-vault#890).
We default to ``user``: the user keyring is shared by all of the user's sessions (terminals, ssh logins,
cron) and lives in kernel memory only, until the user's last process ends or the machine reboots. ``session``
would tie the credentials to one login session (and without a PAM session keyring, processes fall back
to a shared user-session keyring, test-components §3).

Permissions: a new key is ``possessor: all, user: view`` (keyctl.go's default), so a later process that does
not *possess* it (reach it from its own session/process/thread keyring) cannot read it. As keyctl.go does
with ``KeyCtlPerm``, we create each key in our private process keyring (which we possess), give it
possessor-all | user-all (``0x3f3f0000``), then move it into the named keyring; the named keyring gets the
same permissions. The move displaces the old key of the same description atomically, and creating the named
keyring uses ``KEYCTL_MOVE_EXCL`` so two processes cannot displace each other's new keyring.

Limits: a ``user`` key holds 1 to 32767 bytes; a non-root user may keep 20000 bytes in 200 keys in all
(``/proc/sys/kernel/keys/maxbytes``, ``maxkeys``) — the kernel answers EDQUOT.
"""

from __future__ import annotations

import errno
import os
import struct
from typing import TYPE_CHECKING, Any

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.items import Item

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# The special keyring ids of keyutils.h; the names are keyctl.go's getKeyringForScope.
SCOPES = {"thread": -1, "process": -2, "session": -3, "user": -4, "usersession": -5}
PERMISSIONS = 0x3F3F0000  # possessor all | user all: "alswrvalswrv------------" (keyctl_test.go)
MAX_DATA = 32767  # the kernel's limit for a "user" key payload (security/keys/user_defined.c)
_MAX_DESCRIPTION = 4095
_KEYCTL_MOVE_EXCL = 1
_GONE = (errno.ENOKEY, errno.EKEYREVOKED, errno.EKEYEXPIRED)


class _Keyutils:
    """The few ``libkeyutils`` calls we need; each raises ``OSError`` with the C ``errno``."""

    def __init__(self) -> None:
        import ctypes

        try:
            lib = _load_keyutils(ctypes)
        except OSError as e:
            raise StoreError("keyctl: libkeyutils is not installed (package libkeyutils1)") from e
        serial, size, text = ctypes.c_int32, ctypes.c_size_t, ctypes.c_char_p
        signatures: dict[str, tuple[Any, list[Any]]] = {
            "add_key": (serial, [text, text, ctypes.c_void_p, size, serial]),
            "keyctl_search": (ctypes.c_long, [serial, text, text, serial]),
            "keyctl_read": (ctypes.c_long, [serial, ctypes.c_char_p, size]),
            "keyctl_describe": (ctypes.c_long, [serial, ctypes.c_char_p, size]),
            "keyctl_setperm": (ctypes.c_long, [serial, ctypes.c_uint32]),
            "keyctl_link": (ctypes.c_long, [serial, serial]),
            "keyctl_unlink": (ctypes.c_long, [serial, serial]),
            "keyctl_move": (ctypes.c_long, [serial, serial, serial, ctypes.c_uint]),  # absent from old libkeyutils
        }
        for name, (restype, argtypes) in signatures.items():
            function = getattr(lib, name, None)
            if function is not None:
                function.restype, function.argtypes = restype, argtypes
        self._lib = lib
        self._ctypes = ctypes
        self.has_move = hasattr(lib, "keyctl_move")

    def _check(self, result: int) -> int:
        if result < 0:
            code = self._ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        return int(result)

    def add_key(self, key_type: bytes, description: bytes, payload: bytes | None, ring: int) -> int:
        return self._check(self._lib.add_key(key_type, description, payload, len(payload or b""), ring))

    def search(self, ring: int, key_type: bytes, description: bytes) -> int | None:
        try:
            return self._check(self._lib.keyctl_search(ring, key_type, description, 0))
        except OSError as e:
            if e.errno == errno.ENOKEY:
                return None
            raise

    def read(self, serial: int) -> bytes:
        return self._buffer(self._lib.keyctl_read, serial)

    def describe(self, serial: int) -> bytes:
        return self._buffer(self._lib.keyctl_describe, serial).rstrip(b"\0")

    def setperm(self, serial: int, permissions: int) -> None:
        self._check(self._lib.keyctl_setperm(serial, permissions))

    def link(self, serial: int, ring: int) -> None:
        self._check(self._lib.keyctl_link(serial, ring))

    def unlink(self, serial: int, ring: int) -> None:
        self._check(self._lib.keyctl_unlink(serial, ring))

    def move(self, serial: int, source: int, target: int, flags: int) -> None:
        self._check(self._lib.keyctl_move(serial, source, target, flags))

    def _buffer(self, call: Callable[[int, Any, int], int], serial: int) -> bytes:
        size = 512
        while True:
            buffer = self._ctypes.create_string_buffer(size)
            length = self._check(call(serial, buffer, size))
            if length <= size:
                return buffer.raw[:length]
            size = length  # the payload grew between the calls, or the first guess was short


_keyutils: _Keyutils | None = None


def keyutils() -> _Keyutils:
    """``libkeyutils``, loaded on first use (never at import)."""
    global _keyutils
    if _keyutils is None:
        _keyutils = _Keyutils()
    return _keyutils


def _encode(key: str) -> bytes:
    description = key.encode("utf-8", "surrogateescape")
    if not description or b"\0" in description or len(description) > _MAX_DESCRIPTION:
        raise StoreError(f"keyctl: invalid key {key!r} (1 to {_MAX_DESCRIPTION} bytes, no NUL)")
    return description


def _error(action: str, e: OSError) -> StoreError:
    if e.errno == errno.EDQUOT:
        return StoreError(
            f"keyctl: cannot {action}: the kernel key quota of uid {os.getuid()} is used up "
            "(see /proc/key-users; limits in /proc/sys/kernel/keys/maxbytes and maxkeys)"
        )
    if e.errno == errno.EACCES:
        return StoreError(
            f"keyctl: cannot {action}: permission denied (a key made elsewhere with default permissions "
            "is readable only by processes that possess it)"
        )
    return StoreError(f"keyctl: cannot {action}: {os.strerror(e.errno or 0)}")


def _load_keyutils(ctypes: Any) -> Any:
    """libkeyutils by its soname first: ``ctypes.util`` imports shutil, subprocess and tempfile (~6 ms)."""
    try:
        return ctypes.CDLL("libkeyutils.so.1", use_errno=True)
    except OSError:
        import ctypes.util

        return ctypes.CDLL(ctypes.util.find_library("keyutils") or "libkeyutils.so", use_errno=True)


class KeyctlSecretStore(SecretStore):
    """Items as ``user`` keys in the keyring ``keyring_name`` under the ``scope`` keyring."""

    def __init__(self, scope: str = "user", keyring_name: str = "aws-vault") -> None:
        if scope not in SCOPES:
            # keyctl.go: `unknown scope ""` (aws-vault#890); we list what works.
            raise StoreError(f'unknown keyctl scope "{scope}": use one of {", ".join(SCOPES)}')
        self.scope = scope
        self.keyring_name = keyring_name
        self._name = _encode(keyring_name)

    def keys(self) -> list[str]:
        ring = self._ring(create=False)
        if ring is None:
            return []
        return [key for key, _ in self._items(ring)]

    def get(self, key: str) -> Item | None:
        description = _encode(key)
        ring = self._ring(create=False)
        serial = None if ring is None else self._find(ring, description)
        if serial is None:
            return None
        try:
            data = keyutils().read(serial)
        except OSError as e:
            if e.errno in _GONE:
                return None  # removed (or expired) since we listed it
            raise _error(f"read {key!r}", e) from e
        return Item(key, data)

    def set(self, item: Item) -> None:
        description = _encode(item.key)
        if not 0 < len(item.data) <= MAX_DATA:
            raise StoreError(
                f"keyctl: cannot store {item.key!r}: {len(item.data)} bytes; a kernel key holds 1 to {MAX_DATA}"
            )
        ring = self._ring(create=True)
        assert ring is not None
        lib = keyutils()
        staging = SCOPES["process"]
        try:
            serial = lib.add_key(b"user", description, item.data, staging)
        except OSError as e:
            raise _error(f"store {item.key!r}", e) from e
        try:
            self._publish(serial, staging, ring, exclusive=False)
        except OSError as e:
            raise _error(f"store {item.key!r}", e) from e

    def remove(self, key: str) -> None:
        description = _encode(key)
        ring = self._ring(create=False)
        serial = None if ring is None else self._find(ring, description)
        if ring is None or serial is None:
            raise ItemNotFoundError(key)
        try:
            keyutils().unlink(serial, ring)
        except OSError as e:
            if e.errno in (errno.ENOENT, *_GONE):
                raise ItemNotFoundError(key) from e
            raise _error(f"remove {key!r}", e) from e

    # --- the named keyring ------------------------------------------------------------------------------

    def _ring(self, *, create: bool) -> int | None:
        """The named keyring's serial; ``None`` when absent and not ``create``."""
        lib = keyutils()
        parent = SCOPES[self.scope]
        action = f"open keyring {self.keyring_name!r} in the {self.scope} keyring"
        try:
            found = lib.search(parent, b"keyring", self._name)
            if found is not None or not create:
                return found
            staging = SCOPES["thread"] if parent == SCOPES["process"] else SCOPES["process"]
            serial = lib.add_key(b"keyring", self._name, None, staging)
            try:
                self._publish(serial, staging, parent, exclusive=True)
                return serial
            except FileExistsError:
                pass  # another process created it first: use theirs
            found = lib.search(parent, b"keyring", self._name)
        except OSError as e:
            raise _error(action, e) from e
        if found is None:
            raise StoreError(f"keyctl: cannot {action}: it exists but this process may not search it")
        return found

    def _publish(self, serial: int, staging: int, target: int, *, exclusive: bool) -> None:
        """Give a key made in ``staging`` our permissions, then move it into ``target``.

        Without ``exclusive`` an existing key of the same type and description is displaced (atomically);
        with it, ``FileExistsError`` says one exists. Older kernels have no KEYCTL_MOVE: link, unlink.
        """
        lib = keyutils()
        try:
            lib.setperm(serial, PERMISSIONS)
            if lib.has_move:
                try:
                    lib.move(serial, staging, target, _KEYCTL_MOVE_EXCL if exclusive else 0)
                    return
                except OSError as e:
                    if e.errno not in (errno.EOPNOTSUPP, errno.ENOSYS):
                        raise
            if exclusive and lib.search(target, b"keyring", self._name) is not None:
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))
            lib.link(serial, target)  # racy between two creators; only without KEYCTL_MOVE
        finally:
            try:
                lib.unlink(serial, staging)
            except OSError as e:
                if e.errno != errno.ENOENT:  # moved: no longer in staging
                    raise

    # --- items ------------------------------------------------------------------------------------------

    def _items(self, ring: int) -> Iterator[tuple[str, int]]:
        """``(key, serial)`` of the ``user`` keys linked in ``ring``, in keyring order (keyctl.go Keys)."""
        lib = keyutils()
        try:
            listing = lib.read(ring)
        except OSError as e:
            raise _error(f"list keyring {self.keyring_name!r}", e) from e
        for (serial,) in struct.iter_unpack("=i", listing[: len(listing) - len(listing) % 4]):
            try:
                described = lib.describe(serial)
            except OSError as e:
                if e.errno in _GONE:
                    continue  # unlinked or expired meanwhile
                raise _error(f"describe key {serial}", e) from e
            # "type;uid;gid;perm;description": the description is last and may itself hold ';'.
            fields = described.split(b";", 4)
            if len(fields) == 5 and fields[0] == b"user":
                yield fields[4].decode("utf-8", "surrogateescape"), serial

    def _find(self, ring: int, description: bytes) -> int | None:
        # By listing, not keyctl_search: search skips keys we may view but not search, which would make
        # get() answer None for a key that keys() lists.
        key = description.decode("utf-8", "surrogateescape")
        return next((serial for name, serial in self._items(ring) if name == key), None)

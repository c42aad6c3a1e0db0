"""aws-vault's ``wincred`` backend: Windows Credential Manager generic credentials (reference §4).

Read/write compatible with 99designs/keyring v1.2.2 ``wincred.go`` (over danieljoos/wincred v1.1.2) as aws-vault
configures it (``cli/global.go``: ``WinCredPrefix`` and ServiceName ``aws-vault``):

* target name ``<prefix>:<service>:<key>``, i.e. ``aws-vault:aws-vault:<key>``;
* blob = the item's **raw** ``Data`` bytes (no envelope: label and description are lost, §4.3);
* ``NewGenericCredential``'s other fields: type generic, persist local machine, empty user name and comment;
* ``Keys()`` = the targets under that prefix with the prefix cut off.

The adapter calls the Credential Manager through a ``WinCredApi`` client shaped like pywin32's ``win32cred``
(the module keyring's Windows backend uses, through ``win32ctypes``), so tests run it over a recording double.
"""

from __future__ import annotations

import sys
from abc import abstractmethod
from functools import cache
from typing import Any, Protocol

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import BackendUnavailableError, ItemNotFoundError, StoreError
from aws_vault.domain.items import Item

PREFIX = "aws-vault"
SERVICE = "aws-vault"

CRED_TYPE_GENERIC = 1
CRED_PERSIST_LOCAL_MACHINE = 2  # danieljoos/wincred NewGenericCredential's default
CRED_MAX_CREDENTIAL_BLOB_SIZE = 2560  # 5 * 512 bytes (wincred.h)

ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87
ERROR_NOT_FOUND = 1168
ERROR_CANCELLED = 1223
ERROR_NO_SUCH_LOGON_SESSION = 1312
RPC_X_BAD_STUB_DATA = 1783  # what CredWrite answers for a blob over 2560 bytes (danieljoos/wincred#18)

_REASONS = {
    ERROR_ACCESS_DENIED: "access denied",
    ERROR_CANCELLED: "cancelled by the user",
    ERROR_NO_SUCH_LOGON_SESSION: "no logon session holds a credential store (e.g. a service or a remote shell)",
}

Credential = dict[str, object]
"""A ``PyCREDENTIAL`` dictionary: ``Type``, ``TargetName``, ``UserName``, ``Comment``, ``CredentialBlob``,
``Persist`` (the keys win32ctypes supports)."""


class WinCredError(Exception):
    """A failed Credential Manager call, like ``pywintypes.error``: ``(winerror, funcname, strerror)``."""

    def __init__(self, winerror: int, funcname: str, strerror: str = "") -> None:
        super().__init__(winerror, funcname, strerror)
        self.winerror = winerror
        self.funcname = funcname
        self.strerror = strerror


class WinCredApi(Protocol):
    """The four ``win32cred`` functions the backend uses; failures raise ``WinCredError``."""

    @abstractmethod
    def CredRead(self, target_name: str, type_: int, flags: int = 0) -> Credential:
        """The credential; ``ERROR_NOT_FOUND`` when there is none."""

    @abstractmethod
    def CredWrite(self, credential: Credential, flags: int = 0) -> None:
        """Create or replace the credential named by ``TargetName``; the blob is stored byte for byte."""

    @abstractmethod
    def CredDelete(self, target_name: str, type_: int, flags: int = 0) -> None:
        """Delete the credential; ``ERROR_NOT_FOUND`` when there is none."""

    @abstractmethod
    def CredEnumerate(self, filter_: str | None = None, flags: int = 0) -> list[Credential]:
        """Credentials whose target starts with ``filter_`` minus its final ``*``; ``ERROR_NOT_FOUND`` when none."""


class WinCredSecretStore(SecretStore):
    """Generic credentials ``<prefix>:<service>:<key>`` holding each item's raw data."""

    def __init__(self, *, client: WinCredApi | None = None, prefix: str = PREFIX, service: str = SERVICE) -> None:
        self.prefix = prefix
        self.service = service
        self.client = client if client is not None else Win32CredClient()

    def target(self, key: str) -> str:
        """Go's ``credentialName``: ``prefix + ":" + name + ":" + key``."""
        return f"{self.prefix}:{self.service}:{key}"

    def keys(self) -> list[str]:
        head = self.target("")
        try:
            # Go enumerates every credential and keeps the prefixed ones; a filter asks Windows for just those.
            found = self.client.CredEnumerate(head + "*", 0)
        except WinCredError as e:
            if e.winerror == ERROR_NOT_FOUND:
                return []
            # Go returns no keys and no error when enumerating fails; we report it.
            raise self._error(e, "list the credentials") from e
        names = (c.get("TargetName") for c in found)
        # Windows matches the filter case-insensitively; Go's strings.HasPrefix does not.
        return [name[len(head) :] for name in names if isinstance(name, str) and name.startswith(head)]

    def get(self, key: str) -> Item | None:
        try:
            found = self.client.CredRead(self.target(key), CRED_TYPE_GENERIC, 0)
        except WinCredError as e:
            if e.winerror == ERROR_NOT_FOUND:
                return None
            raise self._error(e, f'read "{key}"') from e
        blob = found.get("CredentialBlob")
        return Item(key, bytes(blob) if isinstance(blob, bytes | bytearray | memoryview) else b"")

    def set(self, item: Item) -> None:
        credential: Credential = {
            "Type": CRED_TYPE_GENERIC,
            "TargetName": self.target(item.key),
            "UserName": "",
            "Comment": "",
            "CredentialBlob": item.data,
            "Persist": CRED_PERSIST_LOCAL_MACHINE,
        }
        try:
            self.client.CredWrite(credential, 0)
        except WinCredError as e:
            if e.winerror == RPC_X_BAD_STUB_DATA and len(item.data) > CRED_MAX_CREDENTIAL_BLOB_SIZE:
                # aws-vault shows Windows' "The stub received bad data." here (danieljoos/wincred#18).
                raise StoreError(
                    f'wincred: cannot store "{item.key}": {len(item.data)} bytes is more than Windows Credential '
                    f"Manager holds ({CRED_MAX_CREDENTIAL_BLOB_SIZE} bytes); use --backend=file"
                ) from e
            raise self._error(e, f'store "{item.key}"') from e

    def remove(self, key: str) -> None:
        # Go reads the credential first to tell "not found" apart; CredDelete's own answer says as much.
        try:
            self.client.CredDelete(self.target(key), CRED_TYPE_GENERIC, 0)
        except WinCredError as e:
            if e.winerror == ERROR_NOT_FOUND:
                raise ItemNotFoundError(key) from e
            raise self._error(e, f'remove "{key}"') from e

    def _error(self, error: WinCredError, action: str) -> StoreError:
        reason = _REASONS.get(error.winerror) or _first_line(error.strerror) or "failed"
        return StoreError(f"wincred: cannot {action}: {error.funcname}: {reason} (error {error.winerror})")


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


class Win32CredClient(WinCredApi):
    """``WinCredApi`` over ``win32ctypes.pywin32.win32cred``, except ``CredWrite``.

    win32ctypes' ``CredWrite`` decodes the blob with the ANSI code page and stores it as UTF-16 (what keyring
    does for passwords), while Go stores the bytes as they are; so writing calls ``CredWriteW`` itself.
    Raises ``BackendUnavailableError`` when constructed anywhere but Windows.
    """

    _win32cred: Any
    _pywin_error: type[Exception]

    def __init__(self) -> None:
        if sys.platform != "win32":
            raise BackendUnavailableError("wincred")
        try:
            from win32ctypes.pywin32 import pywintypes, win32cred
        except ImportError as e:
            raise BackendUnavailableError("wincred") from e
        self._win32cred = win32cred
        self._pywin_error = pywintypes.error

    def CredRead(self, target_name: str, type_: int, flags: int = 0) -> Credential:
        try:
            return dict(self._win32cred.CredRead(target_name, type_, flags))
        except self._pywin_error as e:
            raise _translated(e) from e

    def CredWrite(self, credential: Credential, flags: int = 0) -> None:
        import ctypes

        structure, credwrite = _credwrite()
        blob = credential.get("CredentialBlob")
        data = bytes(blob) if isinstance(blob, bytes | bytearray | memoryview) else b""
        buffer = ctypes.create_string_buffer(data, len(data)) if data else None
        native = structure(
            Flags=0,
            Type=_number(credential, "Type", CRED_TYPE_GENERIC),
            TargetName=str(credential.get("TargetName", "")),
            Comment=str(credential.get("Comment", "")),
            CredentialBlobSize=len(data),
            CredentialBlob=ctypes.cast(buffer, ctypes.c_void_p) if buffer is not None else None,
            Persist=_number(credential, "Persist", CRED_PERSIST_LOCAL_MACHINE),
            TargetAlias="",
            UserName=str(credential.get("UserName", "")),
        )
        if not credwrite(ctypes.byref(native), flags):
            code = int(getattr(ctypes, "get_last_error")())  # noqa: B009 - Windows-only in typeshed
            raise WinCredError(code, "CredWrite", str(getattr(ctypes, "FormatError")(code)))  # noqa: B009

    def CredDelete(self, target_name: str, type_: int, flags: int = 0) -> None:
        try:
            self._win32cred.CredDelete(target_name, type_, flags)
        except self._pywin_error as e:
            raise _translated(e) from e

    def CredEnumerate(self, filter_: str | None = None, flags: int = 0) -> list[Credential]:
        try:
            return [dict(c) for c in self._win32cred.CredEnumerate(filter_, flags)]
        except self._pywin_error as e:
            raise _translated(e) from e


def _number(credential: Credential, field: str, default: int) -> int:
    value = credential.get(field, default)
    return value if isinstance(value, int) else default


def _translated(error: Exception) -> WinCredError:
    return WinCredError(
        int(getattr(error, "winerror", 0) or 0),
        str(getattr(error, "funcname", "") or ""),
        str(getattr(error, "strerror", "") or ""),
    )


@cache
def _credwrite() -> tuple[Any, Any]:
    """``CREDENTIALW`` and ``advapi32.CredWriteW`` (Windows only)."""
    import ctypes
    from ctypes import wintypes

    class CREDENTIALW(ctypes.Structure):
        _fields_ = [
            ("Flags", wintypes.DWORD),
            ("Type", wintypes.DWORD),
            ("TargetName", wintypes.LPWSTR),
            ("Comment", wintypes.LPWSTR),
            ("LastWritten", wintypes.FILETIME),
            ("CredentialBlobSize", wintypes.DWORD),
            ("CredentialBlob", ctypes.c_void_p),
            ("Persist", wintypes.DWORD),
            ("AttributeCount", wintypes.DWORD),
            ("Attributes", ctypes.c_void_p),
            ("TargetAlias", wintypes.LPWSTR),
            ("UserName", wintypes.LPWSTR),
        ]

    advapi32 = getattr(ctypes, "WinDLL")("advapi32", use_last_error=True)  # noqa: B009 - Windows-only in typeshed
    credwrite = advapi32.CredWriteW
    credwrite.argtypes = [ctypes.POINTER(CREDENTIALW), wintypes.DWORD]
    credwrite.restype = wintypes.BOOL
    return CREDENTIALW, credwrite

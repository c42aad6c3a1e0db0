"""Recording doubles of the three platform APIs the kwallet, keychain and wincred adapters call.

Each double keeps its state in public attributes, appends every call to ``calls`` as ``(method, args)`` and
answers as the real API does, including its error signals:

* ``RecordingKWallet``: kwalletd's ``org.kde.KWallet`` D-Bus members (return codes as in kwalletd.cpp: -1 for a
  handle not open for the app id, -3 for a missing entry, an empty array for a missing entry's value).
* ``RecordingKeychain``: Security.framework's ``SecItem*``/``SecKeychain*`` calls answering ``OSStatus`` codes
  (``errSecItemNotFound`` -25300, ``errSecDuplicateItem`` -25299, ``errSecNoSuchKeychain`` -25294).
* ``RecordingWinCred``: pywin32's ``win32cred`` functions raising ``(winerror, funcname, strerror)`` errors
  (``ERROR_NOT_FOUND`` 1168; a blob over 2560 bytes gets ``RPC_X_BAD_STUB_DATA`` 1783, as Windows does).

A lock makes each call atomic, so threads may share a double as processes share the real service.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from aws_vault.adapters.stores.keychain_store import (
    ACCESS,
    ACCOUNT,
    CLASS,
    DATA,
    DESCRIPTION,
    ERR_DUPLICATE_ITEM,
    ERR_DUPLICATE_KEYCHAIN,
    ERR_ITEM_NOT_FOUND,
    ERR_NO_SUCH_KEYCHAIN,
    ERR_PARAM,
    ERR_SUCCESS,
    GENERIC_PASSWORD,
    LABEL,
    MATCH_ALL,
    MATCH_LIMIT,
    RETURN_ATTRIBUTES,
    RETURN_DATA,
    SEARCH_LIST,
    SERVICE_ATTR,
    USE_KEYCHAIN,
    KeychainRef,
    SecAccess,
    SecDict,
    SecResult,
    SecurityApi,
)
from aws_vault.adapters.stores.kwallet_store import NO_SUCH_ENTRY, NOT_OPEN, KWalletApi, KWalletCallError
from aws_vault.adapters.stores.wincred_store import (
    CRED_MAX_CREDENTIAL_BLOB_SIZE,
    CRED_PERSIST_LOCAL_MACHINE,
    CRED_TYPE_GENERIC,
    ERROR_INVALID_PARAMETER,
    ERROR_NOT_FOUND,
    RPC_X_BAD_STUB_DATA,
    Credential,
    WinCredApi,
    WinCredError,
)

Call = tuple[str, tuple[Any, ...]]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.RLock()

    def _record(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))

    def methods(self) -> list[str]:
        return [method for method, _args in self.calls]


# --- KWallet ------------------------------------------------------------------------------------------------


class RecordingKWallet(_Recorder, KWalletApi):
    """kwalletd: ``wallets`` maps wallet -> folder -> entry name -> value.

    ``open`` hands out one handle per wallet (``first_handle`` upwards) and registers the app id with it; calls
    with another handle or app id behave as on a wallet that is not open. ``refuse_open`` makes ``open`` answer
    -1 (the user cancelled or denied); ``close_wallet`` simulates the idle timeout; ``fail_with`` maps a member
    name to the D-Bus error name it replies with.
    """

    def __init__(
        self,
        wallets: dict[str, dict[str, dict[str, bytes]]] | None = None,
        *,
        first_handle: int = 1749,
        refuse_open: bool = False,
        fail_with: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.wallets: dict[str, dict[str, dict[str, bytes]]] = {
            w: {f: dict(entries) for f, entries in folders.items()} for w, folders in (wallets or {}).items()
        }
        self.handles: dict[int, str] = {}
        self.sessions: set[tuple[str, int]] = set()
        self.next_handle = first_handle
        self.refuse_open = refuse_open
        self.fail_with: dict[str, str] = dict(fail_with or {})

    def close_wallet(self, wallet: str) -> None:
        with self._lock:
            for handle in [h for h, w in self.handles.items() if w == wallet]:
                del self.handles[handle]
                self.sessions = {s for s in self.sessions if s[1] != handle}

    def isOpen(self, handle: int) -> bool:
        with self._lock:
            self._answer("isOpen", handle)
            return handle != 0 and handle in self.handles

    def open(self, wallet: str, wid: int, appid: str) -> int:
        with self._lock:
            self._answer("open", wallet, wid, appid)
            if self.refuse_open:
                return NOT_OPEN
            handle = next((h for h, w in self.handles.items() if w == wallet), None)
            if handle is None:
                handle, self.next_handle = self.next_handle, self.next_handle + 1
                self.handles[handle] = wallet
                self.wallets.setdefault(wallet, {})  # kwalletd creates a missing wallet (after asking)
            self.sessions.add((appid, handle))
            return handle

    def hasEntry(self, handle: int, folder: str, key: str, appid: str) -> bool:
        with self._lock:
            self._answer("hasEntry", handle, folder, key, appid)
            wallet = self._wallet(handle, appid)
            return wallet is not None and key in wallet.get(folder, {})

    def readEntry(self, handle: int, folder: str, key: str, appid: str) -> bytes:
        with self._lock:
            self._answer("readEntry", handle, folder, key, appid)
            wallet = self._wallet(handle, appid)
            return b"" if wallet is None else wallet.get(folder, {}).get(key, b"")

    def writeEntry(self, handle: int, folder: str, key: str, value: bytes, appid: str) -> int:
        with self._lock:
            self._answer("writeEntry", handle, folder, key, value, appid)
            wallet = self._wallet(handle, appid)
            if wallet is None:
                return NOT_OPEN
            wallet.setdefault(folder, {})[key] = bytes(value)  # the folder comes into being as needed
            return 0

    def entryList(self, handle: int, folder: str, appid: str) -> list[str]:
        with self._lock:
            self._answer("entryList", handle, folder, appid)
            wallet = self._wallet(handle, appid)
            # A QMap's keys: ordered by QString, i.e. by UTF-16 code units.
            return [] if wallet is None else sorted(wallet.get(folder, {}), key=lambda k: k.encode("utf-16-be"))

    def removeEntry(self, handle: int, folder: str, key: str, appid: str) -> int:
        with self._lock:
            self._answer("removeEntry", handle, folder, key, appid)
            wallet = self._wallet(handle, appid)
            if wallet is None:
                return NOT_OPEN
            if folder not in wallet:
                return 0  # kwalletd answers success when the folder does not exist
            if wallet[folder].pop(key, None) is None:
                return NO_SUCH_ENTRY
            return 0

    def _answer(self, method: str, *args: Any) -> None:
        self._record(method, *args)
        if method in self.fail_with:
            raise KWalletCallError(self.fail_with[method])

    def _wallet(self, handle: int, appid: str) -> dict[str, dict[str, bytes]] | None:
        if handle == 0 or (appid, handle) not in self.sessions:
            return None
        return self.wallets[self.handles[handle]]


# --- macOS keychain -----------------------------------------------------------------------------------------

DEFAULT_KEYCHAIN = "login.keychain"


@dataclass
class KeychainItem:
    """A generic password as the keychain holds it (``access`` is its ACL; ``None`` if added without one)."""

    service: str
    account: str
    data: bytes = field(repr=False)
    label: str = ""
    description: str = ""
    access: SecAccess | None = None


class RecordingKeychain(_Recorder, SecurityApi):
    """Security.framework: ``keychains`` maps a keychain path to its generic passwords.

    Without ``kSecUseKeychain`` items go to ``DEFAULT_KEYCHAIN``; without ``kSecMatchSearchList`` every keychain
    is searched. ``fail_with`` maps a function name to the ``OSStatus`` it answers (e.g. -128 user cancelled);
    ``create_status`` is what the new-keychain dialog ends with.
    """

    def __init__(
        self,
        keychains: dict[str, list[KeychainItem]] | None = None,
        *,
        fail_with: dict[str, int] | None = None,
        create_status: int = ERR_SUCCESS,
    ) -> None:
        super().__init__()
        self.keychains: dict[str, list[KeychainItem]] = {
            path: [replace(i) for i in items] for path, items in (keychains or {DEFAULT_KEYCHAIN: []}).items()
        }
        self.fail_with: dict[str, int] = dict(fail_with or {})
        self.create_status = create_status

    def items(self, path: str) -> list[KeychainItem]:
        return self.keychains.get(path, [])

    def SecKeychainGetStatus(self, path: str) -> int:
        with self._lock:
            failed = self._answer("SecKeychainGetStatus", path)
            return failed or (ERR_SUCCESS if path in self.keychains else ERR_NO_SUCH_KEYCHAIN)

    def SecKeychainCreate(self, path: str, prompt_user: bool) -> int:
        with self._lock:
            failed = self._answer("SecKeychainCreate", path, prompt_user)
            if failed or self.create_status:
                return failed or self.create_status
            if path in self.keychains:
                return ERR_DUPLICATE_KEYCHAIN
            self.keychains[path] = []
            return ERR_SUCCESS

    def SecItemAdd(self, attributes: SecDict) -> int:
        with self._lock:
            failed = self._answer("SecItemAdd", dict(attributes))
            if failed:
                return failed
            if attributes.get(CLASS) != GENERIC_PASSWORD:
                return ERR_PARAM
            target = attributes.get(USE_KEYCHAIN, KeychainRef(DEFAULT_KEYCHAIN))
            if not isinstance(target, KeychainRef):
                return ERR_PARAM
            if target.path not in self.keychains:
                return ERR_NO_SUCH_KEYCHAIN
            service, account = _string(attributes, SERVICE_ATTR), _string(attributes, ACCOUNT)
            keychain = self.keychains[target.path]
            if any(i.service == service and i.account == account for i in keychain):
                return ERR_DUPLICATE_ITEM
            access = attributes.get(ACCESS)
            keychain.append(
                KeychainItem(
                    service,
                    account,
                    _data(attributes),
                    label=_string(attributes, LABEL),
                    description=_string(attributes, DESCRIPTION),
                    access=access if isinstance(access, SecAccess) else None,
                )
            )
            return ERR_SUCCESS

    def SecItemUpdate(self, query: SecDict, attributes: SecDict) -> int:
        with self._lock:
            failed = self._answer("SecItemUpdate", dict(query), dict(attributes))
            if failed:
                return failed
            if set(attributes) - {LABEL, DESCRIPTION, DATA}:
                return ERR_PARAM  # only real attributes may change
            status, matches = self._match(query)
            if status:
                return status
            for _path, item in matches:
                item.label = _string(attributes, LABEL) if LABEL in attributes else item.label
                item.description = _string(attributes, DESCRIPTION) if DESCRIPTION in attributes else item.description
                item.data = _data(attributes) if DATA in attributes else item.data
            return ERR_SUCCESS

    def SecItemCopyMatching(self, query: SecDict) -> tuple[int, list[SecResult]]:
        with self._lock:
            failed = self._answer("SecItemCopyMatching", dict(query))
            if failed:
                return failed, []
            status, matches = self._match(query)
            if status:
                return status, []
            if query.get(MATCH_LIMIT) != MATCH_ALL:
                matches = matches[:1]  # kSecMatchLimitOne is the default
            results: list[SecResult] = []
            for _path, item in matches:
                result: SecResult = {}
                if query.get(RETURN_ATTRIBUTES):
                    result.update({SERVICE_ATTR: item.service, ACCOUNT: item.account})
                    if item.label:
                        result[LABEL] = item.label
                    if item.description:
                        result[DESCRIPTION] = item.description
                if query.get(RETURN_DATA):
                    result[DATA] = item.data
                results.append(result)
            return ERR_SUCCESS, results

    def SecItemDelete(self, query: SecDict) -> int:
        with self._lock:
            failed = self._answer("SecItemDelete", dict(query))
            if failed:
                return failed
            status, matches = self._match(query)
            if status:
                return status
            for path, item in matches:  # SecItemDelete removes every match
                self.keychains[path].remove(item)
            return ERR_SUCCESS

    def _answer(self, function: str, *args: Any) -> int:
        self._record(function, *args)
        return self.fail_with.get(function, ERR_SUCCESS)

    def _match(self, query: SecDict) -> tuple[int, list[tuple[str, KeychainItem]]]:
        if query.get(CLASS) != GENERIC_PASSWORD:
            return ERR_PARAM, []
        searched = query.get(SEARCH_LIST)
        if searched is None:
            paths = list(self.keychains)
        elif isinstance(searched, tuple):
            paths = [k.path for k in searched]
            if any(p not in self.keychains for p in paths):
                return ERR_NO_SUCH_KEYCHAIN, []
        else:
            return ERR_PARAM, []
        wanted = {k: query[k] for k in (SERVICE_ATTR, ACCOUNT, LABEL) if k in query}
        matches = [
            (path, item)
            for path in paths
            for item in self.keychains[path]
            if all(
                {SERVICE_ATTR: item.service, ACCOUNT: item.account, LABEL: item.label}[k] == v
                for k, v in wanted.items()
            )
        ]
        return (ERR_SUCCESS if matches else ERR_ITEM_NOT_FOUND), matches


def _string(attributes: SecDict, key: str) -> str:
    value = attributes.get(key, "")
    return value if isinstance(value, str) else ""


def _data(attributes: SecDict) -> bytes:
    value = attributes.get(DATA, b"")
    return value.encode() if isinstance(value, str) else bytes(value) if isinstance(value, bytes) else b""


# --- Windows Credential Manager -----------------------------------------------------------------------------

_STRERROR = {
    5: "Access is denied.",
    87: "The parameter is incorrect.",
    1168: "Element not found.",
    1223: "The operation was canceled by the user.",
    1312: "A specified logon session does not exist. It may already have been terminated.",
    1783: "The stub received bad data.",
}


class RecordingWinCred(_Recorder, WinCredApi):
    """Credential Manager: ``credentials`` maps an upper-cased target name (targets are case-insensitive) to the
    stored ``PyCREDENTIAL`` dict. ``fail_with`` maps a function name to the Windows error code it raises."""

    def __init__(self, credentials: list[Credential] | None = None, *, fail_with: dict[str, int] | None = None):
        super().__init__()
        self.credentials: dict[str, Credential] = {}
        for credential in credentials or []:
            self.credentials[str(credential["TargetName"]).upper()] = dict(credential)
        self.fail_with: dict[str, int] = dict(fail_with or {})

    def blob(self, target: str) -> bytes:
        blob = self.credentials[target.upper()]["CredentialBlob"]
        assert isinstance(blob, bytes)
        return blob

    def CredRead(self, target_name: str, type_: int, flags: int = 0) -> Credential:
        with self._lock:
            self._answer("CredRead", target_name, type_, flags)
            return dict(self._find("CredRead", target_name, type_))

    def CredWrite(self, credential: Credential, flags: int = 0) -> None:
        with self._lock:
            self._answer("CredWrite", dict(credential), flags)
            blob = credential.get("CredentialBlob", b"")
            target = credential.get("TargetName")
            if not isinstance(blob, bytes) or not isinstance(target, str) or not target:
                raise _error(ERROR_INVALID_PARAMETER, "CredWrite")
            if len(blob) > CRED_MAX_CREDENTIAL_BLOB_SIZE:
                raise _error(RPC_X_BAD_STUB_DATA, "CredWrite")
            self.credentials[target.upper()] = dict(credential)

    def CredDelete(self, target_name: str, type_: int, flags: int = 0) -> None:
        with self._lock:
            self._answer("CredDelete", target_name, type_, flags)
            self._find("CredDelete", target_name, type_)
            del self.credentials[target_name.upper()]

    def CredEnumerate(self, filter_: str | None = None, flags: int = 0) -> list[Credential]:
        with self._lock:
            self._answer("CredEnumerate", filter_, flags)
            if filter_ is not None and flags:
                raise _error(ERROR_INVALID_PARAMETER, "CredEnumerate")  # a filter excludes "all credentials"
            pattern = (filter_ or "*").upper()
            found = [
                dict(c)
                for target, c in self.credentials.items()
                if (target.startswith(pattern[:-1]) if pattern.endswith("*") else target == pattern)
            ]
            if not found:
                raise _error(ERROR_NOT_FOUND, "CredEnumerate")
            return found

    def _answer(self, function: str, *args: Any) -> None:
        self._record(function, *args)
        if function in self.fail_with:
            raise _error(self.fail_with[function], function)

    def _find(self, function: str, target_name: str, type_: int) -> Credential:
        found = self.credentials.get(target_name.upper())
        if found is None or found.get("Type") != type_:
            raise _error(ERROR_NOT_FOUND, function)
        return found


def _error(code: int, function: str) -> WinCredError:
    return WinCredError(code, function, _STRERROR.get(code, ""))


def go_credential(target: str, blob: bytes) -> Credential:
    """A credential as danieljoos/wincred's ``NewGenericCredential(target).Write()`` leaves it (Go's Set)."""
    return {
        "Type": CRED_TYPE_GENERIC,
        "TargetName": target,
        "UserName": "",
        "Comment": "",
        "CredentialBlob": blob,
        "Persist": CRED_PERSIST_LOCAL_MACHINE,
    }

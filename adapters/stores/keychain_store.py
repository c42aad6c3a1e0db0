"""aws-vault's ``keychain`` backend: generic passwords in a macOS keychain file (reference §4, §4.2).

Read/write compatible with 99designs/keyring v1.2.2 ``keychain.go`` (over 99designs/go-keychain) as aws-vault
configures it (``cli/global.go``: ServiceName ``aws-vault``, ``KeychainTrustApplication: true``, keychain name
from ``--keychain``/``AWS_VAULT_KEYCHAIN_NAME``, default ``aws-vault``):

* keychain ``<name>.keychain`` (resolved by macOS under ``~/Library/Keychains``), created with the system's
  new-keychain password dialog on the first write;
* one generic password per item: service ``aws-vault``, account = key, label and description from the item,
  secret = the item's **raw** ``Data`` (no envelope, §4.3), so the trust flags do not come back on read;
* access: long-term credentials (``KeychainNotTrustApplication``) trust no application, so macOS asks on every
  read; sessions trust the calling application (§4 item metadata).

The adapter speaks to Security.framework through a ``SecurityApi`` client whose methods are the C functions it
needs and whose dictionaries are keyed by the ``kSec*`` constant names. The real client uses ``ctypes`` as the
``keyring`` library's ``macOS.api`` module does (that module ignores the keychain and cannot set labels, access
or list accounts, so it does not fit); it loads only on macOS.
"""

from __future__ import annotations

import os
import sys
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import BackendUnavailableError, ItemNotFoundError, StoreError
from aws_vault.domain.items import Item

SERVICE = "aws-vault"
DEFAULT_KEYCHAIN_NAME = "aws-vault"


@dataclass(frozen=True)
class SecConstant:
    """A ``CFTypeRef`` constant exported by Security.framework, by symbol name (e.g. ``kSecMatchLimitOne``)."""

    name: str


@dataclass(frozen=True)
class KeychainRef:
    """``SecKeychainOpen(path)``: a keychain file (a bare name is looked up in ``~/Library/Keychains``)."""

    path: str


@dataclass(frozen=True)
class SecAccess:
    """``SecAccessCreate(label, trustedlist)``: ``trust_caller`` passes NULL (the calling application is trusted),
    otherwise an empty list (no application is: macOS asks for the keychain password on every read)."""

    label: str
    trust_caller: bool


SecValue = str | bytes | bool | SecConstant | KeychainRef | SecAccess | tuple[KeychainRef, ...]
SecDict = dict[str, SecValue]
SecResult = dict[str, str | bytes]

# Dictionary keys: the names of Security.framework's CFString constants.
CLASS = "kSecClass"
SERVICE_ATTR = "kSecAttrService"
ACCOUNT = "kSecAttrAccount"
LABEL = "kSecAttrLabel"
DESCRIPTION = "kSecAttrDescription"
DATA = "kSecValueData"
ACCESS = "kSecAttrAccess"
USE_KEYCHAIN = "kSecUseKeychain"
SEARCH_LIST = "kSecMatchSearchList"
MATCH_LIMIT = "kSecMatchLimit"
RETURN_ATTRIBUTES = "kSecReturnAttributes"
RETURN_DATA = "kSecReturnData"
GENERIC_PASSWORD = SecConstant("kSecClassGenericPassword")
MATCH_ONE = SecConstant("kSecMatchLimitOne")
MATCH_ALL = SecConstant("kSecMatchLimitAll")

# OSStatus codes (SecBase.h).
ERR_SUCCESS = 0
ERR_PARAM = -50
ERR_USER_CANCELED = -128
ERR_NOT_AVAILABLE = -25291
ERR_AUTH_FAILED = -25293
ERR_NO_SUCH_KEYCHAIN = -25294
ERR_DUPLICATE_KEYCHAIN = -25296
ERR_DUPLICATE_ITEM = -25299
ERR_ITEM_NOT_FOUND = -25300
ERR_INTERACTION_NOT_ALLOWED = -25308

# Texts of ``security error <code>``, as go-keychain words them.
_MESSAGES = {
    ERR_PARAM: "One or more parameters passed to the function were not valid.",
    ERR_USER_CANCELED: "User canceled the operation.",
    ERR_NOT_AVAILABLE: "No keychain is available. You may need to restart your computer.",
    ERR_AUTH_FAILED: "The user name or passphrase you entered is not correct.",
    ERR_NO_SUCH_KEYCHAIN: "The specified keychain could not be found.",
    ERR_DUPLICATE_ITEM: "The specified item already exists in the keychain.",
    ERR_ITEM_NOT_FOUND: "The specified item could not be found in the keychain.",
    ERR_INTERACTION_NOT_ALLOWED: "User interaction is not allowed.",
}
_HINTS = {
    ERR_INTERACTION_NOT_ALLOWED: " (no window can ask for the keychain password, e.g. over SSH: unlock it first "
    "with `security unlock-keychain <keychain>`)",
}


class SecurityApi(Protocol):
    """The Security.framework calls the keychain backend makes, each answering an ``OSStatus``."""

    @abstractmethod
    def SecKeychainGetStatus(self, path: str) -> int:
        """``SecKeychainOpen`` + ``SecKeychainGetStatus``: ``ERR_NO_SUCH_KEYCHAIN`` when the file is missing."""

    @abstractmethod
    def SecKeychainCreate(self, path: str, prompt_user: bool) -> int:
        """Create the keychain file; with ``prompt_user`` macOS asks for the new keychain's password."""

    @abstractmethod
    def SecItemAdd(self, attributes: SecDict) -> int:
        """Add an item: ``ERR_DUPLICATE_ITEM`` when service and account are taken in that keychain."""

    @abstractmethod
    def SecItemUpdate(self, query: SecDict, attributes: SecDict) -> int:
        """Change the matching items' attributes (their access stays)."""

    @abstractmethod
    def SecItemCopyMatching(self, query: SecDict) -> tuple[int, list[SecResult]]:
        """The matching items, each as a dict of the requested attributes (and ``kSecValueData``)."""

    @abstractmethod
    def SecItemDelete(self, query: SecDict) -> int:
        """Delete the matching items."""


class KeychainSecretStore(SecretStore):
    """Generic passwords of service ``service`` in ``<keychain_name>.keychain``.

    An empty ``keychain_name`` uses the default keychain and search list, as Go does for ``--keychain=""``.
    """

    def __init__(
        self,
        keychain_name: str = DEFAULT_KEYCHAIN_NAME,
        *,
        client: SecurityApi | None = None,
        service: str = SERVICE,
        trust_application: bool = True,
    ) -> None:
        self.path = keychain_name + ".keychain" if keychain_name else ""
        self.service = service
        self.trust_application = trust_application  # aws-vault's KeychainTrustApplication
        self.client = client if client is not None else SecurityFrameworkClient()

    def keys(self) -> list[str]:
        if self.path:
            status = self.client.SecKeychainGetStatus(self.path)
            if status == ERR_NO_SUCH_KEYCHAIN:
                return []  # as Go: no keychain yet, no keys
            self._check(status, "open the keychain")
        query: SecDict = {
            CLASS: GENERIC_PASSWORD,
            SERVICE_ATTR: self.service,
            MATCH_LIMIT: MATCH_ALL,
            RETURN_ATTRIBUTES: True,
            **self._search_list(),
        }
        status, results = self.client.SecItemCopyMatching(query)
        if status == ERR_ITEM_NOT_FOUND:
            return []
        self._check(status, "list the items")
        return [_text(result, ACCOUNT) for result in results]

    def get(self, key: str) -> Item | None:
        query: SecDict = {
            **self._item(key),
            MATCH_LIMIT: MATCH_ONE,
            RETURN_ATTRIBUTES: True,
            RETURN_DATA: True,
            **self._search_list(),
        }
        status, results = self.client.SecItemCopyMatching(query)
        # Go turns *every* failure here into "not found" (keychain.go Get); we report the others.
        if status in (ERR_ITEM_NOT_FOUND, ERR_NO_SUCH_KEYCHAIN) or (status == ERR_SUCCESS and not results):
            return None
        self._check(status, f'read "{key}"')
        found = results[0]
        data = found.get(DATA, b"")
        return Item(
            key,
            data if isinstance(data, bytes) else data.encode(),
            label=_text(found, LABEL),
            description=_text(found, DESCRIPTION),
        )

    def set(self, item: Item) -> None:
        if self.path:
            self._create_or_open()
        attributes = self._item(item.key)
        # go-keychain's SetString leaves empty strings out of the dictionary.
        if item.label:
            attributes[LABEL] = item.label
        if item.description:
            attributes[DESCRIPTION] = item.description
        attributes[DATA] = item.data
        trusted = self.trust_application and not item.keychain_not_trust_application
        status = self.client.SecItemAdd(
            {
                **attributes,
                **({USE_KEYCHAIN: KeychainRef(self.path)} if self.path else {}),
                ACCESS: SecAccess(item.label, trust_caller=trusted),
            }
        )
        if status == ERR_DUPLICATE_ITEM:
            # As Go: update in place and leave kSecAttrAccess out, so the item keeps its ACL and macOS does not
            # ask once per trusted application (§4.2). Only real attributes change (Go also resends class,
            # service, account and kSecUseKeychain, which SecItemUpdate's documentation does not allow).
            changes: SecDict = {k: v for k, v in attributes.items() if k in (LABEL, DESCRIPTION, DATA)}
            status = self.client.SecItemUpdate({**self._item(item.key), **self._search_list()}, changes)
        self._check(status, f'store "{item.key}"')

    def remove(self, key: str) -> None:
        if self.path:
            status = self.client.SecKeychainGetStatus(self.path)
            if status == ERR_NO_SUCH_KEYCHAIN:
                raise ItemNotFoundError(key)
            self._check(status, "open the keychain")
        status = self.client.SecItemDelete({**self._item(key), **self._search_list()})
        if status == ERR_ITEM_NOT_FOUND:
            raise ItemNotFoundError(key)
        self._check(status, f'remove "{key}"')

    def _item(self, key: str) -> SecDict:
        if not key:
            # go-keychain drops an empty account from the query, which then matches every account.
            raise StoreError("keychain: invalid key ''")
        return {CLASS: GENERIC_PASSWORD, SERVICE_ATTR: self.service, ACCOUNT: key}

    def _search_list(self) -> SecDict:
        return {SEARCH_LIST: (KeychainRef(self.path),)} if self.path else {}

    def _create_or_open(self) -> None:
        status = self.client.SecKeychainGetStatus(self.path)
        if status == ERR_NO_SUCH_KEYCHAIN:
            # aws-vault sets no KeychainPasswordFunc, so Go creates the keychain with the system's dialog.
            status = self.client.SecKeychainCreate(self.path, prompt_user=True)
            self._check(status, "create the keychain")
        else:
            self._check(status, "open the keychain")

    def _check(self, status: int, action: str) -> None:
        if status != ERR_SUCCESS:
            message = _MESSAGES.get(status, "Keychain Error.")
            where = self.path or "the default keychain"
            raise StoreError(f"keychain {where}: cannot {action}: {message} ({status}){_HINTS.get(status, '')}")


def _text(result: SecResult, key: str) -> str:
    value = result.get(key, "")
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


# --- the real client: Security.framework through ctypes (macOS only) ----------------------------------------

_UTF8 = 0x08000100  # kCFStringEncodingUTF8


class _Failed(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class SecurityFrameworkClient(SecurityApi):
    """``SecurityApi`` over Security.framework and CoreFoundation with ``ctypes``.

    Raises ``BackendUnavailableError`` when constructed anywhere but macOS.
    """

    _fw: _Frameworks

    def __init__(self) -> None:
        if sys.platform != "darwin":
            raise BackendUnavailableError("keychain")
        try:
            self._fw = _Frameworks()
        except (OSError, AttributeError, ValueError) as e:  # a framework or symbol is missing
            raise BackendUnavailableError("keychain") from e

    def SecKeychainGetStatus(self, path: str) -> int:
        fw = self._fw
        keychain = fw.ct.c_void_p()
        status = int(fw.SecKeychainOpen(_path_bytes(path), fw.ct.byref(keychain)))
        if status != ERR_SUCCESS:
            return status
        try:
            flags = fw.ct.c_uint32()
            return int(fw.SecKeychainGetStatus(keychain, fw.ct.byref(flags)))
        finally:
            fw.release(keychain.value)

    def SecKeychainCreate(self, path: str, prompt_user: bool) -> int:
        fw = self._fw
        keychain = fw.ct.c_void_p()
        status = int(fw.SecKeychainCreate(_path_bytes(path), 0, None, prompt_user, None, fw.ct.byref(keychain)))
        fw.release(keychain.value)
        return status

    def SecItemAdd(self, attributes: SecDict) -> int:
        with _Scope(self._fw) as scope:
            try:
                return int(self._fw.SecItemAdd(scope.dictionary(attributes), None))
            except _Failed as e:
                return e.status

    def SecItemUpdate(self, query: SecDict, attributes: SecDict) -> int:
        with _Scope(self._fw) as scope:
            try:
                return int(self._fw.SecItemUpdate(scope.dictionary(query), scope.dictionary(attributes)))
            except _Failed as e:
                return e.status

    def SecItemCopyMatching(self, query: SecDict) -> tuple[int, list[SecResult]]:
        fw = self._fw
        with _Scope(fw) as scope:
            try:
                found = fw.ct.c_void_p()
                status = int(fw.SecItemCopyMatching(scope.dictionary(query), fw.ct.byref(found)))
            except _Failed as e:
                return e.status, []
            if status != ERR_SUCCESS or not found.value:
                return status, []
            scope.own(found.value)
            return status, fw.results(found.value)

    def SecItemDelete(self, query: SecDict) -> int:
        with _Scope(self._fw) as scope:
            try:
                return int(self._fw.SecItemDelete(scope.dictionary(query)))
            except _Failed as e:
                return e.status


def _path_bytes(path: str) -> bytes:
    return os.fsencode(path)


class _Frameworks:
    """The C functions and constants, declared once (loading this is the only macOS-only step)."""

    _RESULT_KEYS = (ACCOUNT, SERVICE_ATTR, LABEL, DESCRIPTION, DATA)

    def __init__(self) -> None:
        import ctypes
        import ctypes.util
        from ctypes import POINTER, c_bool, c_char_p, c_int32, c_long, c_uint32, c_ulong, c_void_p

        self.ct = ctypes
        sec = ctypes.CDLL(ctypes.util.find_library("Security"))
        cf = ctypes.CDLL(ctypes.util.find_library("CoreFoundation"))
        self._sec = sec
        ref, index, status = c_void_p, c_long, c_int32  # CFTypeRef, CFIndex, OSStatus

        def declare(lib: ctypes.CDLL, name: str, restype: Any, *argtypes: Any) -> Any:
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
            return function

        self.CFRelease = declare(cf, "CFRelease", None, ref)
        self.CFGetTypeID = declare(cf, "CFGetTypeID", c_ulong, ref)
        self.string_type = declare(cf, "CFStringGetTypeID", c_ulong)()
        self.data_type = declare(cf, "CFDataGetTypeID", c_ulong)()
        self.array_type = declare(cf, "CFArrayGetTypeID", c_ulong)()
        self.dictionary_type = declare(cf, "CFDictionaryGetTypeID", c_ulong)()
        self.CFStringCreateWithBytes = declare(
            cf, "CFStringCreateWithBytes", ref, ref, c_char_p, index, c_uint32, c_bool
        )
        self.CFStringGetLength = declare(cf, "CFStringGetLength", index, ref)
        self.CFStringGetMaximumSizeForEncoding = declare(
            cf, "CFStringGetMaximumSizeForEncoding", index, index, c_uint32
        )
        self.CFStringGetCString = declare(cf, "CFStringGetCString", c_bool, ref, c_char_p, index, c_uint32)
        self.CFDataCreate = declare(cf, "CFDataCreate", ref, ref, c_char_p, index)
        self.CFDataGetBytePtr = declare(cf, "CFDataGetBytePtr", ref, ref)
        self.CFDataGetLength = declare(cf, "CFDataGetLength", index, ref)
        self.CFArrayCreate = declare(cf, "CFArrayCreate", ref, ref, POINTER(ref), index, ref)
        self.CFArrayGetCount = declare(cf, "CFArrayGetCount", index, ref)
        self.CFArrayGetValueAtIndex = declare(cf, "CFArrayGetValueAtIndex", ref, ref, index)
        self.CFDictionaryCreate = declare(
            cf, "CFDictionaryCreate", ref, ref, POINTER(ref), POINTER(ref), index, ref, ref
        )
        self.CFDictionaryGetValue = declare(cf, "CFDictionaryGetValue", ref, ref, ref)
        # Callback structs: their addresses are what CFArrayCreate/CFDictionaryCreate take.
        self.array_callbacks = ctypes.addressof(c_void_p.in_dll(cf, "kCFTypeArrayCallBacks"))
        self.key_callbacks = ctypes.addressof(c_void_p.in_dll(cf, "kCFTypeDictionaryKeyCallBacks"))
        self.value_callbacks = ctypes.addressof(c_void_p.in_dll(cf, "kCFTypeDictionaryValueCallBacks"))
        self.true = c_void_p.in_dll(cf, "kCFBooleanTrue").value
        self.false = c_void_p.in_dll(cf, "kCFBooleanFalse").value

        self.SecKeychainOpen = declare(sec, "SecKeychainOpen", status, c_char_p, POINTER(ref))
        self.SecKeychainGetStatus = declare(sec, "SecKeychainGetStatus", status, ref, POINTER(c_uint32))
        self.SecKeychainCreate = declare(
            sec, "SecKeychainCreate", status, c_char_p, c_uint32, ref, c_bool, ref, POINTER(ref)
        )
        self.SecAccessCreate = declare(sec, "SecAccessCreate", status, ref, ref, POINTER(ref))
        self.SecItemAdd = declare(sec, "SecItemAdd", status, ref, POINTER(ref))
        self.SecItemUpdate = declare(sec, "SecItemUpdate", status, ref, ref)
        self.SecItemCopyMatching = declare(sec, "SecItemCopyMatching", status, ref, POINTER(ref))
        self.SecItemDelete = declare(sec, "SecItemDelete", status, ref)

    def constant(self, name: str) -> int | None:
        value: int | None = self.ct.c_void_p.in_dll(self._sec, name).value
        return value

    def release(self, ref: int | None) -> None:
        if ref:
            self.CFRelease(ref)

    def results(self, found: int) -> list[SecResult]:
        """SecItemCopyMatching's answer: an array of dictionaries, one dictionary, or (data only) one data."""
        kind = self.CFGetTypeID(found)
        if kind == self.array_type:
            entries = [self.CFArrayGetValueAtIndex(found, i) for i in range(self.CFArrayGetCount(found))]
            return [self._attributes(e) for e in entries if self.CFGetTypeID(e) == self.dictionary_type]
        if kind == self.dictionary_type:
            return [self._attributes(found)]
        if kind == self.data_type:
            return [{DATA: self._bytes(found)}]
        return []

    def _attributes(self, dictionary: int) -> SecResult:
        result: SecResult = {}
        for name in self._RESULT_KEYS:
            value = self.CFDictionaryGetValue(dictionary, self.constant(name))
            if not value:
                continue
            kind = self.CFGetTypeID(value)
            if kind == self.string_type:
                result[name] = self._string(value)
            elif kind == self.data_type:
                result[name] = self._bytes(value)
        return result

    def _string(self, ref: int) -> str:
        size = self.CFStringGetMaximumSizeForEncoding(self.CFStringGetLength(ref), _UTF8) + 1
        buffer = self.ct.create_string_buffer(size)
        if not self.CFStringGetCString(ref, buffer, size, _UTF8):
            return ""
        return buffer.value.decode("utf-8")

    def _bytes(self, ref: int) -> bytes:
        length = self.CFDataGetLength(ref)
        return self.ct.string_at(self.CFDataGetBytePtr(ref), length) if length else b""


class _Scope:
    """Builds CoreFoundation values for one call and releases them all afterwards."""

    def __init__(self, fw: _Frameworks) -> None:
        self._fw = fw
        self._owned: list[int] = []

    def __enter__(self) -> _Scope:
        return self

    def __exit__(self, *_exc: object) -> None:
        for ref in reversed(self._owned):
            self._fw.release(ref)

    def own(self, ref: int | None) -> int:
        if not ref:
            raise _Failed(ERR_PARAM)
        self._owned.append(ref)
        return ref

    def dictionary(self, entries: SecDict) -> int:
        fw = self._fw
        keys = [fw.constant(name) for name in entries]
        values = [self.value(v) for v in entries.values()]
        count = len(keys)
        array = fw.ct.c_void_p * count
        return self.own(
            fw.CFDictionaryCreate(None, array(*keys), array(*values), count, fw.key_callbacks, fw.value_callbacks)
        )

    def value(self, value: SecValue) -> int | None:
        fw = self._fw
        if isinstance(value, bool):
            return fw.true if value else fw.false
        if isinstance(value, str):
            try:
                raw = value.encode("utf-8")
            except UnicodeEncodeError as e:
                raise _Failed(ERR_PARAM) from e
            return self.own(fw.CFStringCreateWithBytes(None, raw, len(raw), _UTF8, False))
        if isinstance(value, bytes):
            return self.own(fw.CFDataCreate(None, value, len(value)))
        if isinstance(value, SecConstant):
            return fw.constant(value.name)
        if isinstance(value, KeychainRef):
            keychain = fw.ct.c_void_p()
            status = int(fw.SecKeychainOpen(_path_bytes(value.path), fw.ct.byref(keychain)))
            if status != ERR_SUCCESS:
                raise _Failed(status)
            return self.own(keychain.value)
        if isinstance(value, SecAccess):
            trusted = None if value.trust_caller else self.own(fw.CFArrayCreate(None, None, 0, fw.array_callbacks))
            access = fw.ct.c_void_p()
            status = int(fw.SecAccessCreate(self.value(value.label), trusted, fw.ct.byref(access)))
            if status != ERR_SUCCESS:
                raise _Failed(status)
            return self.own(access.value)
        refs = [self.value(keychain) for keychain in value]
        array = fw.ct.c_void_p * len(refs)
        return self.own(fw.CFArrayCreate(None, array(*refs), len(refs), fw.array_callbacks))

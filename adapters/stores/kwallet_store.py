"""aws-vault's ``kwallet`` backend: items in a KDE wallet over D-Bus (reference §4).

Read/write compatible with 99designs/keyring v1.2.2 ``kwallet.go`` as aws-vault configures it
(``cli/global.go``: wallet = ServiceName ``aws-vault``, folder and app id ``aws-vault``): one wallet entry per
item, named by the key, holding the item envelope JSON (§4.1) written with ``writeEntry`` (a QByteArray
"stream" entry, not ``writePassword``) and read back with ``readEntry``.

The adapter talks to kwalletd through a ``KWalletApi`` client whose methods are the D-Bus members, so tests
run it over a recording double. The real client speaks D-Bus with ``jeepney``, imported on first use.
"""

from __future__ import annotations

import contextlib
import os
import threading
from abc import abstractmethod
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, envelope_from_json, envelope_to_json

if TYPE_CHECKING:
    from jeepney.io.blocking import DBusConnection

BUS_NAME = "org.kde.kwalletd5"
OBJECT_PATH = "/modules/kwalletd5"
INTERFACE = "org.kde.KWallet"
WALLET = "aws-vault"  # aws-vault's keyring ServiceName, which kwallet.go uses as the wallet name
FOLDER = "aws-vault"
APP_ID = "aws-vault"
NO_WINDOW = 0  # the ``wId`` Go passes to open(): kwalletd's dialogs get no parent window

# kwalletd's return codes (kwalletd.cpp): -1 = the handle is not open for this app id, -3 = no such entry.
NOT_OPEN = -1
NO_SUCH_ENTRY = -3

_CALL_TIMEOUT = 25.0  # libdbus's default; open() waits as long as the user takes in the password dialog
_NOT_RUNNING = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
}
_HINT = "use --backend=file"


class KWalletCallError(Exception):
    """kwalletd (or the bus) answered a call with a D-Bus error; raised by ``KWalletApi`` clients."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class KWalletApi(Protocol):
    """The ``org.kde.KWallet`` members kwallet.go calls, plus ``hasEntry``; named and typed as on the bus.

    Results are kwalletd's own: ``open`` answers a handle, or -1 when the user refuses or cancels;
    ``readEntry`` answers an empty array for a missing entry (or a handle not open for ``appid``);
    ``writeEntry``/``removeEntry`` answer 0, ``NOT_OPEN`` or (remove only) ``NO_SUCH_ENTRY``.
    A D-Bus error reply raises ``KWalletCallError``; no session bus raises ``StoreError``.
    """

    @abstractmethod
    def isOpen(self, handle: int) -> bool:
        """``isOpen(i) -> b``; handle 0 is never open."""

    @abstractmethod
    def open(self, wallet: str, wid: int, appid: str) -> int:
        """``open(sxs) -> i``: opens (or creates) the wallet, asking the user when kwalletd must."""

    @abstractmethod
    def hasEntry(self, handle: int, folder: str, key: str, appid: str) -> bool:
        """``hasEntry(isss) -> b``."""

    @abstractmethod
    def readEntry(self, handle: int, folder: str, key: str, appid: str) -> bytes:
        """``readEntry(isss) -> ay``."""

    @abstractmethod
    def writeEntry(self, handle: int, folder: str, key: str, value: bytes, appid: str) -> int:
        """``writeEntry(issays) -> i``: a "stream" entry; the folder is created as needed."""

    @abstractmethod
    def entryList(self, handle: int, folder: str, appid: str) -> list[str]:
        """``entryList(iss) -> as``: the folder's entry names (none for a missing folder)."""

    @abstractmethod
    def removeEntry(self, handle: int, folder: str, key: str, appid: str) -> int:
        """``removeEntry(isss) -> i``: 0 also when the folder does not exist."""


def _first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else ""


class JeepneyKWalletClient(KWalletApi):
    """``KWalletApi`` over the D-Bus session bus named by ``DBUS_SESSION_BUS_ADDRESS`` in ``env``.

    Connects on the first call (and again after a fork), so constructing it never fails.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env
        self._conn: DBusConnection | None = None
        self._pid = 0
        self._lock = threading.Lock()  # one blocking jeepney connection: one call at a time

    def isOpen(self, handle: int) -> bool:
        return bool(self._call("isOpen", "i", handle))

    def open(self, wallet: str, wid: int, appid: str) -> int:
        return int(self._call("open", "sxs", wallet, wid, appid, timeout=None))

    def hasEntry(self, handle: int, folder: str, key: str, appid: str) -> bool:
        return bool(self._call("hasEntry", "isss", handle, folder, key, appid))

    def readEntry(self, handle: int, folder: str, key: str, appid: str) -> bytes:
        return bytes(self._call("readEntry", "isss", handle, folder, key, appid))

    def writeEntry(self, handle: int, folder: str, key: str, value: bytes, appid: str) -> int:
        return int(self._call("writeEntry", "issays", handle, folder, key, value, appid))

    def entryList(self, handle: int, folder: str, appid: str) -> list[str]:
        return [str(name) for name in self._call("entryList", "iss", handle, folder, appid)]

    def removeEntry(self, handle: int, folder: str, key: str, appid: str) -> int:
        return int(self._call("removeEntry", "isss", handle, folder, key, appid))

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        self._conn = None

    def _connection(self) -> DBusConnection:
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        self._conn = None  # never share a socket with a forked parent
        address = self._env.get("DBUS_SESSION_BUS_ADDRESS", "")
        if not address:
            raise StoreError(f"kwallet: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); {_HINT}")
        from jeepney.io.blocking import open_dbus_connection

        try:
            self._conn = open_dbus_connection(bus=address)
        except OSError as e:
            raise StoreError(f"kwallet: cannot connect to the D-Bus session bus: {e.strerror or e}; {_HINT}") from e
        except (RuntimeError, ValueError, KeyError) as e:  # unsupported transport, bad address, auth failed
            raise StoreError(f"kwallet: cannot connect to the D-Bus session bus: {_first_line(e)}; {_HINT}") from e
        self._pid = os.getpid()
        return self._conn

    def _call(self, method: str, signature: str, *args: Any, timeout: float | None = _CALL_TIMEOUT) -> Any:
        from jeepney import DBusAddress, DBusErrorResponse, new_method_call
        from jeepney.wrappers import unwrap_msg

        address = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)
        with self._lock:
            try:
                message = new_method_call(address, method, signature, args)
                (result,) = unwrap_msg(self._connection().send_and_get_reply(message, timeout=timeout))
            except DBusErrorResponse as e:
                raise KWalletCallError(str(e.name)) from e
            except UnicodeEncodeError as e:  # a lone surrogate in a key: nothing was sent
                raise StoreError("kwallet: keys must be valid Unicode text") from e
            except TimeoutError as e:
                self.close()  # a late reply would answer the next call
                raise StoreError(f"kwallet: {BUS_NAME} did not answer {method} within {timeout:g}s") from e
            except (OSError, EOFError, ValueError) as e:
                self.close()
                raise StoreError(f"kwallet: lost the D-Bus connection: {_first_line(e) or type(e).__name__}") from e
        return result


class KWalletSecretStore(SecretStore):
    """Entries ``<key>`` of folder ``folder`` in wallet ``wallet``, opened as ``app_id``, as Go writes them."""

    def __init__(
        self,
        *,
        client: KWalletApi | None = None,
        wallet: str = WALLET,
        folder: str = FOLDER,
        app_id: str = APP_ID,
    ) -> None:
        self.client = client if client is not None else JeepneyKWalletClient()
        self.wallet = wallet
        self.folder = folder
        self.app_id = app_id
        self._handle = 0  # as Go: 0 until open() hands one out (kwalletd never uses 0)

    def keys(self) -> list[str]:
        with self._errors("list the items"):
            handle = self._open_wallet()
            return list(self.client.entryList(handle, self.folder, self.app_id))

    def get(self, key: str) -> Item | None:
        _check_key(key)
        with self._errors(f'read "{key}"'):
            handle = self._open_wallet()
            value = self.client.readEntry(handle, self.folder, key, self.app_id)
        if not value:
            return None  # as Go: kwalletd answers an empty array for a missing entry
        return envelope_from_json(value, key)

    def set(self, item: Item) -> None:
        _check_key(item.key)
        with self._errors(f'store "{item.key}"'):
            handle = self._open_wallet()
            code = self.client.writeEntry(handle, self.folder, item.key, envelope_to_json(item), self.app_id)
        if code != 0:
            # Go ignores writeEntry's result, so a wallet closed meanwhile loses the item silently.
            raise self._closed_error(f'store "{item.key}"')

    def remove(self, key: str) -> None:
        _check_key(key)
        with self._errors(f'remove "{key}"'):
            handle = self._open_wallet()
            # Go ignores removeEntry's result; kwalletd answers 0 for a missing folder, so ask first.
            if not self.client.hasEntry(handle, self.folder, key, self.app_id):
                raise ItemNotFoundError(key)
            code = self.client.removeEntry(handle, self.folder, key, self.app_id)
        if code == NO_SUCH_ENTRY:
            raise ItemNotFoundError(key)
        if code != 0:
            raise self._closed_error(f'remove "{key}"')

    def _open_wallet(self) -> int:
        """Go's ``openWallet`` before every call: ``isOpen(handle)``, then ``open(wallet, 0, appid)`` if not."""
        if not self.client.isOpen(self._handle):
            handle = self.client.open(self.wallet, NO_WINDOW, self.app_id)
            if handle < 0:
                # Go keeps the -1 and every later call then finds nothing; we say why.
                raise StoreError(
                    f'kwallet: the wallet "{self.wallet}" could not be opened (access was refused, the password '
                    f"prompt was cancelled, or KWallet is disabled); {_HINT}"
                )
            self._handle = handle
        return self._handle

    def _closed_error(self, action: str) -> StoreError:
        self._handle = 0
        return StoreError(f'kwallet: cannot {action}: the wallet "{self.wallet}" was closed meanwhile')

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except KWalletCallError as e:
            if e.name in _NOT_RUNNING:
                reason = f"{BUS_NAME} is not running on the session bus (is KWallet installed and enabled?)"
            elif e.name == "org.freedesktop.DBus.Error.NoReply":
                reason = f"{BUS_NAME} did not answer"
            else:
                reason = f"D-Bus error {e.name}"
            raise StoreError(f"kwallet: cannot {action}: {reason}; {_HINT}") from e


def _check_key(key: str) -> None:
    # D-Bus strings cannot hold NUL: the bus would drop the connection instead of answering.
    if not key or "\0" in key:
        raise StoreError(f"kwallet: invalid key {key!r}")

"""aws-vault's ``secret-service`` backend: items in a Secret Service collection over D-Bus (reference §4).

Read/write compatible with 99designs/keyring's ``secretservice.go``. Speaks the Secret Service API through
``jeepney``, imported on first use, with a "plain" transport session as Go does, so neither ``secretstorage``
nor ``cryptography`` is loaded on the read path.
"""

from __future__ import annotations

import contextlib
import os
import string
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, envelope_from_json, envelope_to_json

if TYPE_CHECKING:
    from jeepney.io.blocking import DBusConnection

_BUS_NAME = "org.freedesktop.secrets"
_SERVICE_PATH = "/org/freedesktop/secrets"
_COLLECTION_PREFIX = _SERVICE_PATH + "/collection/"
_SECRET = "org.freedesktop.Secret."
_SERVICE, _COLLECTION, _ITEM, _PROMPT = (_SECRET + i for i in ("Service", "Collection", "Item", "Prompt"))
_NO_PROMPT = "/"
_CALL_TIMEOUT = 25.0  # libdbus's default reply timeout; prompts wait as long as the user takes
_CONTENT_TYPE = "application/json"
_NO_SERVICE_ERRORS = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.NoReply",
}
_GONE_ERRORS = {
    "org.freedesktop.Secret.Error.NoSuchObject",
    "org.freedesktop.DBus.Error.UnknownObject",
    "org.freedesktop.DBus.Error.UnknownMethod",
}
_LOCKED_ERROR = "org.freedesktop.Secret.Error.IsLocked"
_HINT = "use --backend=file"


def decode_object_path(path: str) -> bytes:
    """Undo gnome-keyring's ``_XX`` escaping of an object path, exactly as Go's ``decodeKeyringString``.

    Any ``_`` not followed by two hex digits leaves the whole path undecoded (secretservice.go).
    """
    decoded = bytearray()
    i = 0
    while i < len(path):
        if path[i] != "_":
            decoded += path[i].encode()
            i += 1
            continue
        pair = path[i + 1 : i + 3]
        if len(pair) != 2 or not all(c in string.hexdigits for c in pair):
            return path.encode()
        decoded.append(int(pair, 16))
        i += 3
    return bytes(decoded)


def _unreachable(reason: str) -> StoreError:
    return StoreError(f"cannot reach the Secret Service on D-Bus ({reason}): is a keyring daemon running? Or {_HINT}")


def _first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else ""


def _check_key(key: str) -> None:
    # D-Bus strings cannot hold NUL: the bus would drop the connection instead of answering.
    if "\0" in key:
        raise StoreError(f"secret service: invalid key {key!r}")


class _Refused(Exception):
    """A D-Bus error reply (internal: never leaves this module)."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"{name}: {text}" if text else name)
        self.name = name


def _open_session_bus() -> DBusConnection:
    from jeepney.io.blocking import open_dbus_connection

    return open_dbus_connection(bus="SESSION")


class SecretServiceSecretStore(SecretStore):
    """Items of the collection at ``/org/freedesktop/secrets/collection/<collection_name>``.

    Each item as Go's keyring writes it: label = the key, attributes ``{"profile": key}``, secret = the item
    envelope JSON with content type ``application/json`` (reference §4).
    """

    def __init__(
        self,
        collection_name: str = "awsvault",
        *,
        connection_factory: Callable[[], DBusConnection] | None = None,
        prompt_timeout: float | None = None,
    ) -> None:
        self.collection_name = collection_name
        self._connect = connection_factory or _open_session_bus
        self._prompt_timeout = prompt_timeout
        self._conn: DBusConnection | None = None
        self._conn_pid = 0
        self._session: str | None = None

    # --- the port -------------------------------------------------------------------------------------

    def keys(self) -> list[str]:
        with self._errors("list the items"):
            collection = self._find_collection()
            if collection is None:
                return []  # as Go: no collection, no keys, and no prompt just to read
            self._ensure_unlocked(collection)  # Go's Keys() unlocks the collection first
            keys = []
            for item in self._property(collection, _COLLECTION, "Items"):
                # Go lists item labels (not the "profile" attribute) and skips items whose label fails.
                with contextlib.suppress(_Refused):
                    keys.append(str(self._property(item, _ITEM, "Label")))
            return keys

    def get(self, key: str) -> Item | None:
        with self._errors(f'read "{key}"'):
            found = self._search(key)
            if not found:
                return None
            item = found[0]  # Go uses the first item when several share the profile attribute
            try:
                if self._property(item, _ITEM, "Locked"):
                    self._unlock(item)
                ((_session, _parameters, value, _content_type),) = self._call(
                    item, _ITEM, "GetSecret", "o", self._plain_session()
                )
            except _Refused as e:
                if e.name in _GONE_ERRORS:
                    return None  # removed by another process since the search
                raise
        return envelope_from_json(bytes(value), key)

    def set(self, item: Item) -> None:
        with self._errors(f'store "{item.key}"'):
            _check_key(item.key)
            collection = self._find_collection() or self._create_collection()
            self._ensure_unlocked(collection)
            properties = {
                _ITEM + ".Label": ("s", item.key),
                _ITEM + ".Attributes": ("a{ss}", {"profile": item.key}),
            }
            secret = (self._plain_session(), b"", envelope_to_json(item), _CONTENT_TYPE)
            _path, prompt = self._call(
                collection, _COLLECTION, "CreateItem", "a{sv}(oayays)b", properties, secret, True
            )
            if prompt != _NO_PROMPT and self._prompt(prompt)[0]:
                raise StoreError(f'the Secret Service did not store "{item.key}": the prompt was dismissed')

    def remove(self, key: str) -> None:
        with self._errors(f'remove "{key}"'):
            found = self._search(key)
            if not found:
                # Go returns no error when the collection exists but holds no such item; the port asks for one.
                raise ItemNotFoundError(key)
            # Go deletes only the first match; we delete every match, so that get() finds nothing afterwards.
            for item in found:
                try:
                    if self._property(item, _ITEM, "Locked"):
                        self._unlock(item)
                    (prompt,) = self._call(item, _ITEM, "Delete")
                except _Refused as e:
                    if e.name in _GONE_ERRORS:
                        continue  # removed by another process since the search
                    raise
                if prompt != _NO_PROMPT and self._prompt(prompt)[0]:
                    raise StoreError(f'the Secret Service did not remove "{key}": the prompt was dismissed')

    def close(self) -> None:
        """Close the D-Bus connection (a later call opens a new one)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        self._conn = None
        self._session = None

    # --- collections ----------------------------------------------------------------------------------

    def _find_collection(self) -> str | None:
        """The collection whose decoded D-Bus path is ``.../collection/<name>``, as Go looks it up.

        The lookup is by path, not label: ``--secret-service-collection=Login`` does not find GNOME's ``login``
        collection and creates a new one (reference §4.3, aws-vault#717). A name gnome-keyring escapes in a way
        the decoding does not undo (e.g. with a space, or taken by another collection) is never found again.
        """
        wanted = (_COLLECTION_PREFIX + self.collection_name).encode()
        for path in self._property(_SERVICE_PATH, _SERVICE, "Collections"):
            if decode_object_path(path) == wanted:
                return str(path)
        return None

    def _create_collection(self) -> str:
        # Go creates it with label = name and no alias; gnome-keyring asks for the new password in a prompt,
        # which fails headless (reference §4.3, aws-vault#304).
        properties = {_COLLECTION + ".Label": ("s", self.collection_name)}
        path, prompt = self._call(_SERVICE_PATH, _SERVICE, "CreateCollection", "a{sv}s", properties, "")
        if prompt != _NO_PROMPT:
            dismissed, (_signature, path) = self._prompt(prompt)
            if dismissed or path == _NO_PROMPT:
                raise StoreError(
                    f'the secret-service collection "{self.collection_name}" does not exist and could not be '
                    "created (the password prompt was dismissed or could not be shown: create it in your "
                    f"keyring tool, e.g. seahorse, or {_HINT})"
                )
        return str(path)

    def _ensure_unlocked(self, collection: str) -> None:
        if self._property(collection, _COLLECTION, "Locked"):
            self._unlock(collection)

    def _unlock(self, path: str) -> None:
        """Unlock a collection or item; unencrypted gnome-keyring collections unlock without a prompt."""
        unlocked, prompt = self._call(_SERVICE_PATH, _SERVICE, "Unlock", "ao", [path])
        if prompt != _NO_PROMPT:
            dismissed, (_signature, unlocked) = self._prompt(prompt)
            if dismissed:
                unlocked = []
        if path not in unlocked:
            raise self._locked_error()

    def _locked_error(self) -> StoreError:
        return StoreError(
            f'the secret-service collection "{self.collection_name}" is locked and could not be unlocked (the '
            f"password prompt was dismissed or could not be shown: unlock it with your keyring tool, or {_HINT})"
        )

    def _search(self, key: str) -> list[str]:
        _check_key(key)
        collection = self._find_collection()
        if collection is None:
            return []
        return [str(p) for p in self._call(collection, _COLLECTION, "SearchItems", "a{ss}", {"profile": key})[0]]

    # --- D-Bus ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn the D-Bus error replies no caller handled into ``StoreError``."""
        try:
            yield
        except _Refused as e:
            if e.name == _LOCKED_ERROR:
                raise self._locked_error() from e
            raise StoreError(f"the Secret Service could not {action}: {e}") from e

    def _connection(self) -> DBusConnection:
        if self._conn is None or self._conn_pid != os.getpid():  # never share a socket with a forked parent
            self._conn, self._session = self._open(), None
            self._conn_pid = os.getpid()
        return self._conn

    def _open(self) -> DBusConnection:
        address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
        try:
            return self._connect()
        except KeyError as e:
            raise _unreachable("DBUS_SESSION_BUS_ADDRESS is not set") from e
        except OSError as e:
            raise _unreachable(f"{address}: {e.strerror or e}") from e
        except (RuntimeError, ValueError) as e:  # an unsupported transport, a malformed address, auth failed
            raise _unreachable(f"{address}: {_first_line(e)}") from e

    def _plain_session(self) -> str:
        if self._session is None:
            # Go's go-libsecret opens a "plain" session: the bus is private to the user (reference §4).
            _output, session = self._call(_SERVICE_PATH, _SERVICE, "OpenSession", "sv", "plain", ("s", ""))
            self._session = str(session)
        return self._session

    def _send(self, message: Any, timeout: float | None = _CALL_TIMEOUT) -> Any:
        """Send a call and return its reply's body; every jeepney and socket failure ends here."""
        from jeepney import DBusErrorResponse
        from jeepney.wrappers import unwrap_msg

        conn = self._connection()
        try:
            return unwrap_msg(conn.send_and_get_reply(message, timeout=timeout))
        except DBusErrorResponse as e:
            if e.name in _NO_SERVICE_ERRORS:
                self.close()
                raise _unreachable(f"no {_BUS_NAME} on the session bus") from e
            raise _Refused(e.name, _first_line(e.data[0] if e.data else "")) from e
        except UnicodeEncodeError as e:  # a lone surrogate: nothing was sent
            raise StoreError("the Secret Service takes UTF-8 text only: a key or label is not") from e
        except TimeoutError as e:
            self.close()  # a late reply would confuse the next call
            raise StoreError(f"the Secret Service did not answer within {timeout:g}s") from e
        except (OSError, EOFError, ValueError) as e:  # the bus went away, or sent something unreadable
            self.close()
            raise _unreachable(f"connection lost: {_first_line(e) or type(e).__name__}") from e

    def _call(self, path: str, interface: str, method: str, signature: str = "", *body: Any) -> Any:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(path, bus_name=_BUS_NAME, interface=interface)
        return self._send(new_method_call(address, method, signature or None, body))

    def _property(self, path: str, interface: str, name: str) -> Any:
        from jeepney import DBusAddress, Properties

        ((_signature, value),) = self._send(Properties(DBusAddress(path, _BUS_NAME, interface)).get(name))
        return value

    def _prompt(self, prompt: str) -> tuple[bool, tuple[str, Any]]:
        """Show a prompt and wait for its ``Completed`` signal: ``(dismissed, (signature, result))``."""
        from jeepney import MatchRule, MessageType
        from jeepney.bus_messages import message_bus

        rule = MatchRule(type=MessageType.signal, interface=_PROMPT, member="Completed", path=prompt)
        self._send(message_bus.AddMatch(rule))  # gnome-keyring sends it to us; other services broadcast it
        conn = self._connection()
        with conn.filter(rule) as completed:
            self._call(prompt, _PROMPT, "Prompt", "s", "")
            try:
                signal = conn.recv_until_filtered(completed, timeout=self._prompt_timeout)
            except TimeoutError as e:
                with contextlib.suppress(StoreError, _Refused):
                    self._call(prompt, _PROMPT, "Dismiss")
                raise StoreError(f"the Secret Service prompt got no answer within {self._prompt_timeout:g}s") from e
            except (OSError, EOFError, ValueError) as e:
                self.close()
                raise _unreachable(f"connection lost: {_first_line(e) or type(e).__name__}") from e
        dismissed, result = signal.body
        return bool(dismissed), result

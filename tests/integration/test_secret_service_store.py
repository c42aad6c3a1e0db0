"""SecretServiceSecretStore against a real gnome-keyring on a private D-Bus: contract, Go compatibility, failures."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import secretstorage
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.low_level import HeaderFields

from aws_vault.adapters.stores.secret_service_store import SecretServiceSecretStore, decode_object_path
from aws_vault.domain.credentials import master_from_json
from aws_vault.domain.errors import CorruptItemError, ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, credential_item
from tests import keyring_daemon
from tests.contracts.secret_store_contract import SecretStoreContract
from tests.keyring_daemon import COLLECTION_PREFIX, KeyringDaemon

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
AWSVAULT = COLLECTION_PREFIX + "awsvault"
GO_FIELDS = ["Key", "Data", "Label", "Description", "KeychainNotTrustApplication", "KeychainNotSynchronizable"]
# What Go's json.Marshal(keyring.Item) gives for aws-vault's long-term keys of "jonsmith" (reference §4.1).
GO_CREDENTIALS = b'{"AccessKeyID":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'
GO_ENVELOPE = (
    b'{"Key":"jonsmith","Data":"' + base64.b64encode(GO_CREDENTIALS) + b'","Label":"aws-vault (jonsmith)",'
    b'"Description":"","KeychainNotTrustApplication":true,"KeychainNotSynchronizable":false}'
)
LOCKED_MESSAGE = (
    'the secret-service collection "{name}" is locked and could not be unlocked (the password prompt was '
    "dismissed or could not be shown: unlock it with your keyring tool, or use --backend=file)"
)
MISSING_MESSAGE = (
    'the secret-service collection "{name}" does not exist and could not be created (the password prompt was '
    "dismissed or could not be shown: create it in your keyring tool, e.g. seahorse, or use --backend=file)"
)


@pytest.fixture(scope="session")
def secret_service() -> Iterator[KeyringDaemon]:
    """gnome-keyring on a private session bus for the whole session (the CI's one when it started one)."""
    daemon = keyring_daemon.start_keyring_daemon()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(autouse=True)
def bus(secret_service: KeyringDaemon, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test talks to the private bus, with an empty ``awsvault`` collection."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service.address)
    keyring_daemon.clear_collection(secret_service.address, AWSVAULT)
    return secret_service.address


@pytest.fixture
def raw() -> Iterator[DBusConnection]:
    """A secretstorage connection, to look at the keyring from outside the adapter."""
    conn = secretstorage.dbus_init()
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def new_store() -> Iterator[Any]:
    """``new_store(*args, **kwargs)``: a ``SecretServiceSecretStore`` whose connection is closed after the test."""
    made: list[SecretServiceSecretStore] = []

    def make(*args: Any, **kwargs: Any) -> SecretServiceSecretStore:
        made.append(SecretServiceSecretStore(*args, **kwargs))
        return made[-1]

    yield make
    for store in made:
        store.close()


@pytest.fixture
def new_collection(bus: str) -> Iterator[Any]:
    """``new_collection(label, master_password=b"")`` creates a collection headlessly; deleted afterwards."""
    created: list[str] = []

    def create(label: str, master_password: bytes = b"") -> str:
        path = keyring_daemon.create_collection(bus, label, master_password)
        created.append(path)
        return path

    yield create
    for path in created:
        keyring_daemon.delete_collection(bus, path)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def collection(conn: DBusConnection, path: str) -> secretstorage.Collection:
    found = secretstorage.Collection(conn, path)
    if found.is_locked():
        assert not found.unlock(), "an unencrypted collection unlocks without a prompt"
    return found


# --- the shared contract --------------------------------------------------------------------------


class TestSecretServiceContract(SecretStoreContract):
    @pytest.fixture(autouse=True)
    def _use(self, new_store: Any) -> None:
        self._new_store = new_store

    def make_store(self) -> SecretServiceSecretStore:
        store: SecretServiceSecretStore = self._new_store()
        return store


# --- Go compatibility -----------------------------------------------------------------------------


def test_reads_an_item_written_as_go_writes_it(new_store: Any, raw: DBusConnection) -> None:
    # secretservice.go Set(): CreateItem(label=item.Key, attributes {"profile": item.Key}, json.Marshal(item),
    # "application/json", replace=true) in the collection at /org/freedesktop/secrets/collection/awsvault.
    collection(raw, AWSVAULT).create_item(
        "jonsmith", {"profile": "jonsmith"}, GO_ENVELOPE, replace=True, content_type="application/json"
    )
    store = new_store()
    assert store.keys() == ["jonsmith"]
    item = store.get("jonsmith")
    assert item == credential_item("jonsmith", GO_CREDENTIALS)
    assert master_from_json(item.data, item.key).access_key_id == "AKIAIOSFODNN7EXAMPLE"


def test_keys_are_item_labels_as_in_go(new_store: Any, raw: DBusConnection) -> None:
    # Go's Keys() returns every item's label; Get() searches the "profile" attribute.
    envelope = GO_ENVELOPE.replace(b'"Key":"jonsmith"', b'"Key":"other"')
    collection(raw, AWSVAULT).create_item("shown label", {"profile": "other"}, envelope)
    store = new_store()
    assert store.keys() == ["shown label"]
    assert store.get("shown label") is None
    item = store.get("other")
    assert item is not None and item.key == "other"


def test_an_item_we_write_is_what_go_reads(new_store: Any, raw: DBusConnection) -> None:
    store = new_store()
    store.set(credential_item("jonsmith", GO_CREDENTIALS))

    tool = subprocess.run(
        ["secret-tool", "search", "--all", "profile", "jonsmith"], capture_output=True, text=True, timeout=30
    )
    assert tool.returncode == 0, tool.stderr
    shown = dict(
        line.split(" = ", 1) for line in (tool.stdout + tool.stderr).splitlines() if " = " in line
    )  # secret-tool prints the attributes on stderr
    assert shown["label"] == "jonsmith"
    assert shown["attribute.profile"] == "jonsmith"
    assert shown["secret"] == GO_ENVELOPE.decode()

    (item,) = collection(raw, AWSVAULT).get_all_items()
    assert item.get_label() == "jonsmith"
    assert item.get_attributes() == {"profile": "jonsmith"}
    envelope = json.loads(item.get_secret())
    assert list(envelope) == GO_FIELDS
    assert base64.b64decode(envelope["Data"], validate=True) == GO_CREDENTIALS
    assert (envelope["Key"], envelope["Label"], envelope["KeychainNotTrustApplication"]) == (
        "jonsmith",
        "aws-vault (jonsmith)",
        True,
    )


class RecordingConnection:
    """A real connection that remembers each message sent (gnome-keyring forgets the content type)."""

    def __init__(self) -> None:
        self.conn = open_dbus_connection(bus="SESSION")
        self.sent: list[Any] = []

    def send_and_get_reply(self, message: Any, **kwargs: Any) -> Any:
        self.sent.append(message)
        return self.conn.send_and_get_reply(message, **kwargs)

    def members(self) -> list[str]:
        return [m.header.fields.get(HeaderFields.member) for m in self.sent]

    def body_of(self, member: str) -> Any:
        return next(m.body for m in self.sent if m.header.fields.get(HeaderFields.member) == member)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def test_set_sends_go_s_item_properties_content_type_and_plain_session(new_store: Any) -> None:
    recording = RecordingConnection()
    store = new_store(connection_factory=lambda: recording)
    store.set(Item("jonsmith", b"x"))

    assert recording.body_of("OpenSession") == ("plain", ("s", ""))
    properties, (_session, parameters, _value, content_type), replace = recording.body_of("CreateItem")
    assert properties == {
        "org.freedesktop.Secret.Item.Label": ("s", "jonsmith"),
        "org.freedesktop.Secret.Item.Attributes": ("a{ss}", {"profile": "jonsmith"}),
    }
    assert (parameters, content_type, replace) == (b"", "application/json", True)


def test_one_connection_per_store_opened_on_first_use(new_store: Any) -> None:
    opened: list[RecordingConnection] = []

    def connect() -> RecordingConnection:
        opened.append(RecordingConnection())
        return opened[-1]

    store = new_store(connection_factory=connect)
    assert opened == []
    store.set(Item("jonsmith", b"x"))
    assert store.get("jonsmith") is not None
    assert store.keys() == ["jonsmith"]
    store.remove("jonsmith")
    assert len(opened) == 1
    assert opened[0].members().count("OpenSession") == 1


class RacingConnection(RecordingConnection):
    """Another process removes what each search finds, just after the search answers."""

    def send_and_get_reply(self, message: Any, **kwargs: Any) -> Any:
        reply = super().send_and_get_reply(message, **kwargs)
        if message.header.fields.get(HeaderFields.member) == "SearchItems":
            with keyring_daemon.connect(os.environ["DBUS_SESSION_BUS_ADDRESS"]) as other:
                for path in reply.body[0]:
                    keyring_daemon.call(other, path, "org.freedesktop.Secret.Item", "Delete")
        return reply


def test_an_item_removed_by_another_process_meanwhile_is_absent(new_store: Any) -> None:
    new_store().set(Item("jonsmith", b"x"))
    assert new_store(connection_factory=RacingConnection).get("jonsmith") is None
    new_store().set(Item("jonsmith", b"x"))
    new_store(connection_factory=RacingConnection).remove("jonsmith")
    assert new_store().keys() == []


def test_a_secret_that_is_not_an_envelope_is_a_corrupt_item(new_store: Any, raw: DBusConnection) -> None:
    collection(raw, AWSVAULT).create_item("jonsmith", {"profile": "jonsmith"}, b"not json")
    store = new_store()
    with pytest.raises(CorruptItemError, match="'jonsmith'") as caught:
        store.get("jonsmith")
    assert "not json" not in str(caught.value)


def test_duplicates_get_reads_the_first_and_remove_deletes_all(new_store: Any, raw: DBusConnection) -> None:
    col = collection(raw, AWSVAULT)
    for n in (1, 2):
        envelope = json.dumps({"Key": "dup", "Data": base64.b64encode(b"%d" % n).decode()}).encode()
        col.create_item(f"dup {n}", {"profile": "dup"}, envelope, replace=False)
    store = new_store()
    first = next(iter(col.search_items({"profile": "dup"}))).get_label()
    got = store.get("dup")
    assert got is not None and got.data == first.removeprefix("dup ").encode()
    store.remove("dup")
    assert store.get("dup") is None
    assert store.keys() == []


# --- which collection ------------------------------------------------------------------------------


def test_another_collection_name_writes_there_not_in_awsvault(
    new_store: Any, raw: DBusConnection, new_collection: Any
) -> None:
    # --secret-service-collection=Other: the collection at /org/freedesktop/secrets/collection/Other.
    path = new_collection("Other")
    assert path == COLLECTION_PREFIX + "Other"
    other = new_store("Other")
    other.set(Item("jonsmith", b"x"))
    assert [i.get_label() for i in collection(raw, path).get_all_items()] == ["jonsmith"]
    assert list(collection(raw, AWSVAULT).get_all_items()) == []
    default = new_store()
    assert default.keys() == []
    assert default.get("jonsmith") is None


def test_collection_paths_are_decoded_as_go_does(new_store: Any, new_collection: Any) -> None:
    # gnome-keyring escapes "-" in the object path (aws_2dvault); Go decodes it back (TestLibSpecialCharacters).
    path = new_collection("aws-vault")
    assert path == COLLECTION_PREFIX + "aws_2dvault"
    store = new_store("aws-vault")
    store.set(Item("jonsmith", b"x"))
    assert new_store("aws-vault").keys() == ["jonsmith"]
    assert new_store("aws_2dvault").keys() == []


@pytest.mark.parametrize(
    ("path", "decoded"),
    [
        ("keyring_2dtest", b"keyring-test"),
        ("T_c3_abst_5fx", "Tëst_x".encode()),
        ("a_2D", b"a-"),
        ("bad_zzpath_2d", b"bad_zzpath_2d"),
        ("short_2", b"short_2"),
        ("trailing_", b"trailing_"),
    ],
)
def test_decode_object_path(path: str, decoded: bytes) -> None:
    assert decode_object_path(path) == decoded


def test_login_is_not_gnome_s_login_collection(new_store: Any, bus: str, raw: DBusConnection) -> None:
    # Reference §4.3 (aws-vault#717): the lookup is by path, so "Login" misses GNOME's /collection/login.
    login = collection(raw, COLLECTION_PREFIX + "login")
    item = login.create_item("jonsmith", {"profile": "jonsmith"}, GO_ENVELOPE)
    try:
        before = keyring_daemon.collection_paths(bus)
        store = new_store("Login", prompt_timeout=20)
        assert store.keys() == []
        assert store.get("jonsmith") is None
        with pytest.raises(StoreError, match="does not exist and could not be created"):
            store.set(Item("jonsmith", b"x"))
        assert keyring_daemon.collection_paths(bus) == before
    finally:
        item.delete()


# --- collections that cannot be used without a prompt ---------------------------------------------


def test_a_missing_collection_reads_as_empty_and_cannot_be_created_headless(new_store: Any, bus: str) -> None:
    name = unique("Missing")
    before = keyring_daemon.collection_paths(bus)
    store = new_store(name, prompt_timeout=20)
    assert store.keys() == []
    assert store.get("jonsmith") is None
    with pytest.raises(ItemNotFoundError):
        store.remove("jonsmith")
    assert keyring_daemon.collection_paths(bus) == before  # reading never asks to create it

    with pytest.raises(StoreError) as caught:
        store.set(Item("jonsmith", b"secret-data"))
    assert str(caught.value) == MISSING_MESSAGE.format(name=name)
    assert keyring_daemon.collection_paths(bus) == before


def test_a_locked_collection_gives_a_clear_error_and_nothing_is_written(
    new_store: Any, bus: str, new_collection: Any
) -> None:
    name = unique("Locked")
    path = new_collection(name, b"master password")
    writer = new_store(name)
    writer.set(Item("kept", b"1"))
    keyring_daemon.lock_collection(bus, path)

    store = new_store(name, prompt_timeout=20)
    for attempt in (
        lambda: store.set(Item("added", b"secret-data")),
        store.keys,
        lambda: store.get("kept"),
        lambda: store.remove("kept"),
    ):
        with pytest.raises(StoreError) as caught:
            attempt()
        assert str(caught.value) == LOCKED_MESSAGE.format(name=name)

    assert keyring_daemon.is_locked(bus, path)
    keyring_daemon.unlock_with_master_password(bus, path, b"master password")
    after = new_store(name)
    assert after.keys() == ["kept"]
    got = after.get("kept")
    assert got is not None and got.data == b"1"


# --- no Secret Service ----------------------------------------------------------------------------


def _every_operation(store: SecretServiceSecretStore) -> list[Any]:
    return [
        store.keys,
        lambda: store.get("jonsmith"),
        lambda: store.set(Item("jonsmith", b"x")),
        lambda: store.remove("jonsmith"),
    ]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("unix:path=/nonexistent", "unix:path=/nonexistent: No such file or directory"),
        (None, "DBUS_SESSION_BUS_ADDRESS is not set"),
        ("tcp:host=127.0.0.1,port=1", "tcp:host=127.0.0.1,port=1: DBus transports ({'tcp'}) not supported."),
    ],
)
def test_an_unreachable_bus_is_a_one_line_store_error(
    new_store: Any, monkeypatch: pytest.MonkeyPatch, address: str | None, reason: str
) -> None:
    if address is None:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    else:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    store = new_store()
    for operation in _every_operation(store):
        with pytest.raises(StoreError) as caught:
            operation()
        message = str(caught.value)
        assert message.startswith(f"cannot reach the Secret Service on D-Bus ({reason}")
        assert message.endswith("): is a keyring daemon running? Or use --backend=file")
        assert "\n" not in message


def test_a_bus_without_a_secret_service_is_a_store_error(new_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = keyring_daemon.start_bare_bus()
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bare.address)
        store = new_store()
        for operation in _every_operation(store):
            with pytest.raises(StoreError, match=r"^cannot reach the Secret Service on D-Bus \(no org\.freedesk"):
                operation()
    finally:
        bare.stop()


def test_a_daemon_that_goes_away_is_a_store_error_and_leaves_no_process(
    new_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = keyring_daemon.start_keyring_daemon(reuse=False)
    pids = private.pids()
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", private.address)
        store = new_store()
        store.set(Item("jonsmith", b"x"))
    finally:
        private.stop()
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} left behind"
    for operation in _every_operation(store):
        with pytest.raises(StoreError, match=r"^cannot reach the Secret Service on D-Bus"):
            operation()


# --- import cost ----------------------------------------------------------------------------------


def _run_python(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


def test_importing_the_store_loads_no_d_bus_library() -> None:
    _run_python(
        "import sys\n"
        "import aws_vault.adapters.stores.secret_service_store\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('jeepney', 'secretstorage', 'cryptography')]\n"
        "assert not loaded, loaded\n"
    )


def test_the_read_path_loads_neither_secretstorage_nor_cryptography(new_store: Any) -> None:
    writer = new_store()
    writer.set(Item("jonsmith", b"x"))
    _run_python(
        "import sys\n"
        "from aws_vault.adapters.stores.secret_service_store import SecretServiceSecretStore\n"
        "store = SecretServiceSecretStore()\n"
        "assert store.keys() == ['jonsmith'] and store.get('jonsmith').data == b'x'\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('secretstorage', 'cryptography')]\n"
        "assert not loaded, loaded\n"
    )

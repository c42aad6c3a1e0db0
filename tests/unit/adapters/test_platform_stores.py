"""The kwallet, keychain and wincred adapters over recording doubles of their platform APIs.

Each adapter keeps the ``SecretStore`` contract over its double, and the recorded calls pin the item mapping
to what 99designs/keyring v1.2.2 (kwallet.go, keychain.go, wincred.go) does as aws-vault configures it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from aws_vault.adapters.stores.keychain_store import (
    KeychainRef,
    KeychainSecretStore,
    SecAccess,
    SecConstant,
    SecurityFrameworkClient,
)
from aws_vault.adapters.stores.kwallet_store import JeepneyKWalletClient, KWalletSecretStore
from aws_vault.adapters.stores.wincred_store import Win32CredClient, WinCredSecretStore
from aws_vault.domain.errors import BackendUnavailableError, ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, credential_item
from tests.contracts.secret_store_contract import SecretStoreContract
from tests.fakes.platform_doubles import (
    KeychainItem,
    RecordingKeychain,
    RecordingKWallet,
    RecordingWinCred,
    go_credential,
)

CREDS = b'{"AccessKeyID":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_KEY = "sts.GetSessionToken,am9uc21pdGg,,1685000000"
SESSION_LABEL = "aws-vault session for jonsmith (expires 2023-05-25T07:30:06+10:00)"


def session_item(data: bytes = CREDS) -> Item:
    return Item(SESSION_KEY, data, SESSION_LABEL, "aws-vault session")


def assert_one_line_without_secrets(error: BaseException) -> None:
    text = str(error)
    assert text and "\n" not in text
    assert SECRET not in text and "AKIAIOSFODNN7EXAMPLE" not in text


# --- the contract, over each double ---------------------------------------------------------------------------


class TestKWalletContract(SecretStoreContract):
    keeps_metadata = True  # the whole envelope is stored
    shared_between_processes = False

    @pytest.fixture(autouse=True)
    def _api(self) -> None:
        self.api = RecordingKWallet()

    def make_store(self) -> KWalletSecretStore:
        return KWalletSecretStore(client=self.api)


class TestKeychainContract(SecretStoreContract):
    keeps_metadata = False  # label and description survive, the trust flags do not (tested below)
    shared_between_processes = False

    @pytest.fixture(autouse=True)
    def _api(self) -> None:
        self.api = RecordingKeychain()

    def make_store(self) -> KeychainSecretStore:
        return KeychainSecretStore(client=self.api)


class TestWinCredContract(SecretStoreContract):
    keeps_metadata = False
    shared_between_processes = False

    @pytest.fixture(autouse=True)
    def _api(self) -> None:
        self.api = RecordingWinCred()

    def make_store(self) -> WinCredSecretStore:
        return WinCredSecretStore(client=self.api)

    def test_large_items_round_trip(self) -> None:
        # Credential Manager holds at most 2560 bytes per blob: a clear error instead (danieljoos/wincred#18).
        store = self.make_store()
        with pytest.raises(StoreError, match="2560 bytes") as caught:
            store.set(Item("large", b"x" * (100 * 1024)))
        assert_one_line_without_secrets(caught.value)
        assert store.keys() == []


# --- kwallet ----------------------------------------------------------------------------------------------------

HANDLE = 1749  # RecordingKWallet's first handle
GO_ENVELOPE = (
    # json.Marshal(keyring.Item{...}) in Go: struct field order, padded base64, "&" escaped as \u0026.
    b'{"Key":"jonsmith","Data":"' + base64.b64encode(CREDS) + b'","Label":"aws-vault (jonsmith)",'
    b'"Description":"","KeychainNotTrustApplication":true,"KeychainNotSynchronizable":false}'
)
GO_SESSION_ENVELOPE = (
    b'{"Key":"'
    + SESSION_KEY.encode()
    + b'","Data":"'
    + base64.b64encode(b"{}")
    + b'","Label":"'
    + SESSION_LABEL.encode()
    + b'","Description":"aws-vault session \\u0026 more",'
    b'"KeychainNotTrustApplication":false,"KeychainNotSynchronizable":false}'
)


def test_kwallet_set_writes_the_envelope_with_write_entry_into_the_aws_vault_folder() -> None:
    api = RecordingKWallet()
    KWalletSecretStore(client=api).set(credential_item("jonsmith", CREDS))

    stored = api.wallets["aws-vault"]["aws-vault"]["jonsmith"]
    assert api.calls == [
        ("isOpen", (0,)),
        ("open", ("aws-vault", 0, "aws-vault")),
        ("writeEntry", (HANDLE, "aws-vault", "jonsmith", stored, "aws-vault")),
    ]
    envelope = json.loads(stored)
    assert list(envelope) == [
        "Key",
        "Data",
        "Label",
        "Description",
        "KeychainNotTrustApplication",
        "KeychainNotSynchronizable",
    ]
    assert envelope == {
        "Key": "jonsmith",
        "Data": base64.b64encode(CREDS).decode(),
        "Label": "aws-vault (jonsmith)",
        "Description": "",
        "KeychainNotTrustApplication": True,
        "KeychainNotSynchronizable": False,
    }


def test_kwallet_checks_the_handle_before_every_call_as_go_does() -> None:
    api = RecordingKWallet({"aws-vault": {"aws-vault": {"jonsmith": GO_ENVELOPE}}})
    store = KWalletSecretStore(client=api)
    store.keys()
    store.get("jonsmith")
    store.remove("jonsmith")
    assert api.calls == [
        ("isOpen", (0,)),
        ("open", ("aws-vault", 0, "aws-vault")),
        ("entryList", (HANDLE, "aws-vault", "aws-vault")),
        ("isOpen", (HANDLE,)),
        ("readEntry", (HANDLE, "aws-vault", "jonsmith", "aws-vault")),
        ("isOpen", (HANDLE,)),
        ("hasEntry", (HANDLE, "aws-vault", "jonsmith", "aws-vault")),
        ("removeEntry", (HANDLE, "aws-vault", "jonsmith", "aws-vault")),
    ]


def test_kwallet_reads_entries_go_wrote() -> None:
    api = RecordingKWallet(
        {"aws-vault": {"aws-vault": {"jonsmith": GO_ENVELOPE, SESSION_KEY: GO_SESSION_ENVELOPE}, "other": {"x": b"1"}}}
    )
    store = KWalletSecretStore(client=api)
    assert store.keys() == ["jonsmith", SESSION_KEY]
    assert store.get("jonsmith") == credential_item("jonsmith", CREDS)
    assert store.get(SESSION_KEY) == Item(SESSION_KEY, b"{}", SESSION_LABEL, "aws-vault session & more")


def test_kwallet_missing_entries() -> None:
    api = RecordingKWallet()
    store = KWalletSecretStore(client=api)
    assert store.get("jonsmith") is None
    with pytest.raises(ItemNotFoundError):
        store.remove("jonsmith")
    assert "removeEntry" not in api.methods()  # kwalletd would answer 0 for the missing folder


def test_kwallet_reopens_a_wallet_closed_by_the_idle_timeout() -> None:
    api = RecordingKWallet()
    store = KWalletSecretStore(client=api)
    store.set(Item("jonsmith", b"1"))
    api.close_wallet("aws-vault")
    assert store.get("jonsmith") is not None
    assert api.methods().count("open") == 2


def test_kwallet_refused_open_is_a_clear_error() -> None:
    api = RecordingKWallet(refuse_open=True)
    with pytest.raises(StoreError, match='wallet "aws-vault" could not be opened') as caught:
        KWalletSecretStore(client=api).set(credential_item("jonsmith", CREDS))
    assert_one_line_without_secrets(caught.value)
    assert api.methods() == ["isOpen", "open"]


def test_kwallet_write_to_a_wallet_closed_meanwhile_is_an_error_not_silence() -> None:
    api = RecordingKWallet()
    store = KWalletSecretStore(client=api)
    store.keys()
    api.sessions.clear()  # the handle lives on, but no longer for this app id: writeEntry answers -1
    with pytest.raises(StoreError, match="was closed meanwhile") as caught:
        store.set(credential_item("jonsmith", CREDS))
    assert_one_line_without_secrets(caught.value)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("org.freedesktop.DBus.Error.ServiceUnknown", "org.kde.kwalletd5 is not running"),
        ("org.freedesktop.DBus.Error.NoReply", "did not answer"),
        ("org.freedesktop.DBus.Error.AccessDenied", "D-Bus error org.freedesktop.DBus.Error.AccessDenied"),
    ],
)
def test_kwallet_dbus_errors_become_store_errors(error: str, expected: str) -> None:
    api = RecordingKWallet(fail_with={"writeEntry": error})
    with pytest.raises(StoreError, match=expected) as caught:
        KWalletSecretStore(client=api).set(credential_item("jonsmith", CREDS))
    assert_one_line_without_secrets(caught.value)
    assert str(caught.value).startswith('kwallet: cannot store "jonsmith"')


def test_kwallet_without_a_session_bus_fails_on_first_use() -> None:
    store = KWalletSecretStore(client=JeepneyKWalletClient(env={}))  # constructing is free
    with pytest.raises(StoreError, match="DBUS_SESSION_BUS_ADDRESS is not set") as caught:
        store.keys()
    assert_one_line_without_secrets(caught.value)


def test_kwallet_with_a_dead_session_bus_fails_clearly(tmp_path: Any) -> None:
    env = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-such-socket"}
    with pytest.raises(StoreError, match="cannot connect to the D-Bus session bus") as caught:
        KWalletSecretStore(client=JeepneyKWalletClient(env=env)).get("jonsmith")
    assert_one_line_without_secrets(caught.value)


# --- kwallet over a real D-Bus bus (the wire format of the real client) -------------------------------------

_KWALLETD_SIGNATURES = {  # org.kde.KWallet.xml: the overloads kwallet.go's argument types select
    ("isOpen", "i"): "b",
    ("open", "sxs"): "i",
    ("hasEntry", "isss"): "b",
    ("readEntry", "isss"): "ay",
    ("writeEntry", "issays"): "i",
    ("entryList", "iss"): "as",
    ("removeEntry", "isss"): "i",
}


@contextlib.contextmanager
def fake_kwalletd(api: RecordingKWallet) -> Iterator[str]:
    """A private session bus with ``org.kde.kwalletd5`` answering from ``api``; yields the bus address."""
    from jeepney import HeaderFields, MessageType, new_error, new_method_return
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        server = open_dbus_connection(bus=address)
        server.send_and_get_reply(message_bus.RequestName("org.kde.kwalletd5"))
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    msg = server.receive(timeout=0.05)
                except TimeoutError:
                    continue
                fields = msg.header.fields
                if msg.header.message_type != MessageType.method_call:
                    continue
                member, signature = fields.get(HeaderFields.member), fields.get(HeaderFields.signature, "")
                out = _KWALLETD_SIGNATURES.get((member, signature))
                if fields.get(HeaderFields.path) != "/modules/kwalletd5" or out is None:
                    server.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))
                    continue
                result = getattr(api, member)(*msg.body)
                server.send(new_method_return(msg, out, (result,)))

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield address
        finally:
            stop.set()
            thread.join(timeout=5)
            server.close()
    finally:
        daemon.terminate()
        daemon.wait(timeout=5)


@pytest.mark.integration
def test_the_jeepney_client_speaks_kwalletds_signatures() -> None:
    api = RecordingKWallet({"aws-vault": {"aws-vault": {"jonsmith": GO_ENVELOPE}}})
    with fake_kwalletd(api) as address:
        client = JeepneyKWalletClient(env={"DBUS_SESSION_BUS_ADDRESS": address})
        store = KWalletSecretStore(client=client)
        assert store.get("jonsmith") == credential_item("jonsmith", CREDS)
        store.set(session_item(bytes(range(256))))
        store.remove("jonsmith")
        assert store.keys() == [SESSION_KEY]
        got = store.get(SESSION_KEY)
        assert got is not None and got.data == bytes(range(256))
        client.close()
    assert "open" in api.methods() and "writeEntry" in api.methods()


# --- keychain ---------------------------------------------------------------------------------------------------

KEYCHAIN = "aws-vault.keychain"
GENERIC = SecConstant("kSecClassGenericPassword")


def test_keychain_set_creates_the_keychain_and_adds_an_untrusted_credential_item() -> None:
    api = RecordingKeychain()
    KeychainSecretStore(client=api).set(credential_item("jonsmith", CREDS))
    assert api.calls == [
        ("SecKeychainGetStatus", (KEYCHAIN,)),
        ("SecKeychainCreate", (KEYCHAIN, True)),
        (
            "SecItemAdd",
            (
                {
                    "kSecClass": GENERIC,
                    "kSecAttrService": "aws-vault",
                    "kSecAttrAccount": "jonsmith",
                    "kSecAttrLabel": "aws-vault (jonsmith)",
                    "kSecValueData": CREDS,  # raw data, no envelope
                    "kSecUseKeychain": KeychainRef(KEYCHAIN),
                    "kSecAttrAccess": SecAccess("aws-vault (jonsmith)", trust_caller=False),
                },
            ),
        ),
    ]
    assert api.items(KEYCHAIN) == [
        KeychainItem(
            "aws-vault",
            "jonsmith",
            CREDS,
            label="aws-vault (jonsmith)",
            access=SecAccess("aws-vault (jonsmith)", False),
        )
    ]


def test_keychain_sessions_trust_the_application_and_carry_a_description() -> None:
    api = RecordingKeychain({KEYCHAIN: []})
    KeychainSecretStore(client=api).set(session_item())
    assert api.calls[0] == ("SecKeychainGetStatus", (KEYCHAIN,))
    method, (attributes,) = api.calls[1]
    assert method == "SecItemAdd"
    assert attributes["kSecAttrDescription"] == "aws-vault session"
    assert attributes["kSecAttrAccess"] == SecAccess(SESSION_LABEL, trust_caller=True)
    assert len(api.calls) == 2


def test_keychain_untrusting_configuration_trusts_nothing() -> None:
    api = RecordingKeychain({KEYCHAIN: []})
    KeychainSecretStore(client=api, trust_application=False).set(session_item())
    assert api.items(KEYCHAIN)[0].access == SecAccess(SESSION_LABEL, trust_caller=False)


def test_keychain_set_of_an_existing_item_updates_it_and_keeps_its_access() -> None:
    original = SecAccess("aws-vault (jonsmith)", False)
    api = RecordingKeychain(
        {KEYCHAIN: [KeychainItem("aws-vault", "jonsmith", b"old", "aws-vault (jonsmith)", "", original)]}
    )
    KeychainSecretStore(client=api).set(credential_item("jonsmith", CREDS))
    assert api.calls[-1] == (
        "SecItemUpdate",
        (
            {
                "kSecClass": GENERIC,
                "kSecAttrService": "aws-vault",
                "kSecAttrAccount": "jonsmith",
                "kSecMatchSearchList": (KeychainRef(KEYCHAIN),),
            },
            {"kSecAttrLabel": "aws-vault (jonsmith)", "kSecValueData": CREDS},
        ),
    )
    assert api.methods() == ["SecKeychainGetStatus", "SecItemAdd", "SecItemUpdate"]
    (item,) = api.items(KEYCHAIN)
    assert (item.data, item.access) == (CREDS, original)


def test_keychain_get_and_keys_query_only_the_aws_vault_keychain() -> None:
    api = RecordingKeychain(
        {
            "login.keychain": [
                # the fork's biometrics passphrase lives in the login keychain under the same service
                KeychainItem("aws-vault", "cc.byteness.aws-vault.biometrics", b"pw", "Passphrase for x")
            ],
            KEYCHAIN: [
                KeychainItem("aws-vault", "jonsmith", CREDS, "aws-vault (jonsmith)", "", SecAccess("l", False)),
                KeychainItem("aws-vault", SESSION_KEY, b"{}", SESSION_LABEL, "aws-vault session", SecAccess("l", True)),
                KeychainItem("other-service", "jonsmith", b"x", "other"),
            ],
        }
    )
    store = KeychainSecretStore(client=api)
    assert store.keys() == ["jonsmith", SESSION_KEY]
    assert store.get("jonsmith") == Item("jonsmith", CREDS, "aws-vault (jonsmith)", "")
    assert store.get(SESSION_KEY) == Item(SESSION_KEY, b"{}", SESSION_LABEL, "aws-vault session")
    search = {"kSecMatchSearchList": (KeychainRef(KEYCHAIN),)}
    assert api.calls == [
        ("SecKeychainGetStatus", (KEYCHAIN,)),
        (
            "SecItemCopyMatching",
            (
                {
                    "kSecClass": GENERIC,
                    "kSecAttrService": "aws-vault",
                    "kSecMatchLimit": SecConstant("kSecMatchLimitAll"),
                    "kSecReturnAttributes": True,
                    **search,
                },
            ),
        ),
        (
            "SecItemCopyMatching",
            (
                {
                    "kSecClass": GENERIC,
                    "kSecAttrService": "aws-vault",
                    "kSecAttrAccount": "jonsmith",
                    "kSecMatchLimit": SecConstant("kSecMatchLimitOne"),
                    "kSecReturnAttributes": True,
                    "kSecReturnData": True,
                    **search,
                },
            ),
        ),
        ("SecItemCopyMatching", (api.calls[2][1][0] | {"kSecAttrAccount": SESSION_KEY},)),
    ]


def test_keychain_label_and_description_round_trip_but_trust_flags_do_not() -> None:
    api = RecordingKeychain()
    store = KeychainSecretStore(client=api)
    store.set(credential_item("jonsmith", CREDS))
    store.set(session_item())
    assert store.get("jonsmith") == Item("jonsmith", CREDS, "aws-vault (jonsmith)", "")
    assert store.get(SESSION_KEY) == session_item()


def test_keychain_remove_deletes_from_the_aws_vault_keychain() -> None:
    api = RecordingKeychain({KEYCHAIN: [KeychainItem("aws-vault", "jonsmith", CREDS)]})
    KeychainSecretStore(client=api).remove("jonsmith")
    assert api.calls == [
        ("SecKeychainGetStatus", (KEYCHAIN,)),
        (
            "SecItemDelete",
            (
                {
                    "kSecClass": GENERIC,
                    "kSecAttrService": "aws-vault",
                    "kSecAttrAccount": "jonsmith",
                    "kSecMatchSearchList": (KeychainRef(KEYCHAIN),),
                },
            ),
        ),
    ]
    assert api.items(KEYCHAIN) == []


def test_keychain_without_its_keychain_file_has_nothing() -> None:
    api = RecordingKeychain()
    store = KeychainSecretStore(client=api)
    assert store.keys() == []
    assert store.get("jonsmith") is None
    with pytest.raises(ItemNotFoundError):
        store.remove("jonsmith")
    assert api.methods() == ["SecKeychainGetStatus", "SecItemCopyMatching", "SecKeychainGetStatus"]
    assert list(api.keychains) == ["login.keychain"]  # reading never creates it


def test_keychain_name_comes_from_the_keychain_flag() -> None:
    api = RecordingKeychain()
    store = KeychainSecretStore("work", client=api)
    store.set(Item("jonsmith", b"x"))
    assert store.path == "work.keychain"
    assert list(api.keychains) == ["login.keychain", "work.keychain"]


def test_keychain_empty_name_uses_the_default_keychain_without_a_search_list() -> None:
    api = RecordingKeychain()
    store = KeychainSecretStore("", client=api)
    store.set(Item("jonsmith", b"x"))
    assert store.get("jonsmith") == Item("jonsmith", b"x")
    assert api.methods() == ["SecItemAdd", "SecItemCopyMatching"]
    assert all("kSecMatchSearchList" not in args[0] and "kSecUseKeychain" not in args[0] for _m, args in api.calls)
    assert [i.account for i in api.items("login.keychain")] == ["jonsmith"]


@pytest.mark.parametrize(
    ("function", "status", "expected"),
    [
        ("SecItemCopyMatching", -128, "User canceled the operation. (-128)"),
        ("SecItemCopyMatching", -25308, "User interaction is not allowed. (-25308) (no window"),
        ("SecItemAdd", -25293, "The user name or passphrase you entered is not correct. (-25293)"),
        ("SecKeychainCreate", -128, "cannot create the keychain: User canceled"),
        ("SecItemDelete", -61, "Keychain Error. (-61)"),
    ],
)
def test_keychain_errors_become_store_errors(function: str, status: int, expected: str) -> None:
    api = RecordingKeychain(
        {KEYCHAIN: [KeychainItem("aws-vault", "jonsmith", CREDS)]} if function != "SecKeychainCreate" else None,
        fail_with={function: status},
    )
    store = KeychainSecretStore(client=api)
    action = {
        "SecItemCopyMatching": lambda: store.get("jonsmith"),
        "SecItemAdd": lambda: store.set(credential_item("jonsmith", CREDS)),
        "SecKeychainCreate": lambda: store.set(credential_item("jonsmith", CREDS)),
        "SecItemDelete": lambda: store.remove("jonsmith"),
    }[function]
    with pytest.raises(StoreError) as caught:
        action()
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"keychain {KEYCHAIN}: cannot ")
    assert_one_line_without_secrets(caught.value)


def test_keychain_refuses_an_empty_key_that_would_match_every_account() -> None:
    api = RecordingKeychain({KEYCHAIN: [KeychainItem("aws-vault", "jonsmith", CREDS)]})
    with pytest.raises(StoreError, match="invalid key"):
        KeychainSecretStore(client=api).remove("")
    assert len(api.items(KEYCHAIN)) == 1


# --- wincred ----------------------------------------------------------------------------------------------------

TARGET = "aws-vault:aws-vault:jonsmith"


def test_wincred_set_writes_the_raw_data_as_go_does() -> None:
    api = RecordingWinCred()
    WinCredSecretStore(client=api).set(credential_item("jonsmith", CREDS))
    assert api.calls == [
        (
            "CredWrite",
            (
                {
                    "Type": 1,  # CRED_TYPE_GENERIC
                    "TargetName": TARGET,
                    "UserName": "",
                    "Comment": "",
                    "CredentialBlob": CREDS,
                    "Persist": 2,  # CRED_PERSIST_LOCAL_MACHINE
                },
                0,
            ),
        )
    ]
    assert api.blob(TARGET) == CREDS


def test_wincred_get_keys_and_remove_use_the_prefixed_targets() -> None:
    api = RecordingWinCred([go_credential(TARGET, CREDS)])
    store = WinCredSecretStore(client=api)
    assert store.keys() == ["jonsmith"]
    assert store.get("jonsmith") == Item("jonsmith", CREDS)
    store.remove("jonsmith")
    assert api.calls == [
        ("CredEnumerate", ("aws-vault:aws-vault:*", 0)),
        ("CredRead", (TARGET, 1, 0)),
        ("CredDelete", (TARGET, 1, 0)),
    ]
    assert api.credentials == {}


def test_wincred_reads_credentials_go_wrote_and_ignores_other_targets() -> None:
    oidc = "oidc:https://example.awsapps.com/start"
    api = RecordingWinCred(
        [
            go_credential(TARGET, CREDS),
            go_credential(f"aws-vault:aws-vault:{oidc}", b'{"AccessToken":"x"}'),
            go_credential("keyring-winhello:aws-vault:jonsmith", b"sealed"),
            go_credential("aws-vault:other-service:jonsmith", b"x"),
            go_credential("git:https://github.com", b"token"),
            # Windows' filter matches this one too (targets are case-insensitive); Go's HasPrefix does not.
            go_credential("AWS-VAULT:aws-vault:shouty", b"x"),
        ]
    )
    store = WinCredSecretStore(client=api)
    assert store.keys() == ["jonsmith", oidc]
    assert store.get(oidc) == Item(oidc, b'{"AccessToken":"x"}')
    assert store.get("jonsmith") == Item("jonsmith", CREDS)  # label and description are not stored


def test_wincred_missing_credentials() -> None:
    api = RecordingWinCred([go_credential("git:https://github.com", b"token")])
    store = WinCredSecretStore(client=api)
    assert store.keys() == []  # CredEnumerate raised ERROR_NOT_FOUND
    assert store.get("jonsmith") is None
    with pytest.raises(ItemNotFoundError):
        store.remove("jonsmith")


def test_wincred_prefix_and_service_make_the_target() -> None:
    store = WinCredSecretStore(client=RecordingWinCred(), prefix="keyring", service="default")
    assert store.target("jonsmith") == "keyring:default:jonsmith"


@pytest.mark.parametrize(
    ("function", "code", "expected"),
    [
        ("CredRead", 5, "CredRead: access denied (error 5)"),
        ("CredWrite", 1312, "CredWrite: no logon session holds a credential store"),
        ("CredEnumerate", 1223, "CredEnumerate: cancelled by the user (error 1223)"),
        ("CredDelete", 87, "CredDelete: The parameter is incorrect. (error 87)"),
    ],
)
def test_wincred_errors_become_store_errors(function: str, code: int, expected: str) -> None:
    api = RecordingWinCred([go_credential(TARGET, CREDS)], fail_with={function: code})
    store = WinCredSecretStore(client=api)
    action = {
        "CredRead": lambda: store.get("jonsmith"),
        "CredWrite": lambda: store.set(credential_item("jonsmith", CREDS)),
        "CredEnumerate": store.keys,
        "CredDelete": lambda: store.remove("jonsmith"),
    }[function]
    with pytest.raises(StoreError) as caught:
        action()
    assert expected in str(caught.value)
    assert str(caught.value).startswith("wincred: cannot ")
    assert_one_line_without_secrets(caught.value)


def test_wincred_too_large_session_is_a_clear_error() -> None:
    api = RecordingWinCred()
    with pytest.raises(StoreError, match="2561 bytes is more than Windows Credential Manager holds") as caught:
        WinCredSecretStore(client=api).set(session_item(b"x" * 2561))
    assert_one_line_without_secrets(caught.value)
    WinCredSecretStore(client=api).set(session_item(b"x" * 2560))
    assert api.blob(f"aws-vault:aws-vault:{SESSION_KEY}") == b"x" * 2560


# --- real clients off their platform, and lazy imports -------------------------------------------------------


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="checks the behaviour off macOS and Windows")
def test_real_clients_are_unavailable_off_their_platforms() -> None:
    for build in (SecurityFrameworkClient, KeychainSecretStore, Win32CredClient, WinCredSecretStore):
        with pytest.raises(BackendUnavailableError) as caught:
            build()
        assert str(caught.value) == "Specified keyring backend not available, try --help"


def test_importing_the_adapters_loads_no_platform_library() -> None:
    code = (
        "import sys\n"
        "import aws_vault.adapters.stores.kwallet_store, aws_vault.adapters.stores.keychain_store, aws_vault.adapters.stores.wincred_store\n"
        "loaded = {'jeepney', 'ctypes', 'win32ctypes', 'keyring'} & {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

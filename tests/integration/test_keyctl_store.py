"""KeyctlSecretStore against the real Linux kernel keyring (test-components §3).

Every test uses its own keyring ``aws-vault-test-<random>`` in the user keyring and unlinks it afterwards,
checking that the machine-wide user keyring is left as it was.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_vault.adapters.stores.keyctl_store import MAX_DATA, SCOPES, KeyctlSecretStore, keyutils
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.items import Item
from tests.contracts.secret_store_contract import SecretStoreContract

REPO_ROOT = Path(__file__).resolve().parents[2]
USER_KEYRING = SCOPES["user"]

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("keyctl") is None, reason="needs Linux and keyctl"
)


def keyctl(*argv: str, stdin: bytes | None = None, new_session: bool = False) -> str:
    """The keyctl CLI; ``new_session`` runs it in a fresh anonymous session keyring (which possesses nothing)."""
    command = ["keyctl", "session", "-", "keyctl", *argv] if new_session else ["keyctl", *argv]
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def python_in_new_session(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["keyctl", "session", "-", sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def user_keyring_children() -> dict[int, str]:
    lib = keyutils()
    listing = lib.read(USER_KEYRING)
    serials = [int.from_bytes(listing[i : i + 4], sys.byteorder, signed=True) for i in range(0, len(listing), 4)]
    return {serial: lib.describe(serial).decode() for serial in serials}


def find_ring(name: str, parent: int = USER_KEYRING) -> int | None:
    return keyutils().search(parent, b"keyring", name.encode())


@pytest.fixture
def ring_name() -> Iterator[str]:
    name = f"aws-vault-test-{secrets.token_hex(6)}"
    before = set(user_keyring_children())
    yield name
    for parent in (USER_KEYRING, SCOPES["process"]):
        serial = find_ring(name, parent)
        if serial is not None:
            keyutils().unlink(serial, parent)
    assert find_ring(name) is None
    assert set(user_keyring_children()) == before, "the user keyring was left changed"


def item_serial(ring: int, key: str) -> str:
    return keyctl("search", str(ring), "user", key).strip()


class TestKeyctlSecretStoreContract(SecretStoreContract):
    keeps_metadata = False  # keyctl stores raw data (reference §4.3)

    @pytest.fixture(autouse=True)
    def _ring(self, ring_name: str) -> None:
        self.ring_name = ring_name

    def make_store(self) -> KeyctlSecretStore:
        return KeyctlSecretStore(keyring_name=self.ring_name)

    def test_large_items_round_trip(self) -> None:
        # A "user" key holds at most 32767 bytes: the contract's 100 KiB item is refused, whole and clearly.
        store = self.make_store()
        with pytest.raises(StoreError, match=r"'large': 102400 bytes; a kernel key holds 1 to 32767$"):
            store.set(Item("large", os.urandom(100 * 1024)))
        assert store.keys() == []
        largest = os.urandom(MAX_DATA if os.getuid() == 0 else 15000)  # others have a 20000-byte quota
        store.set(Item("large", largest))
        got = self.make_store().get("large")
        assert got is not None and got.data == largest


# --- Go / keyctl CLI compatibility ----------------------------------------------------------------


def test_a_key_added_with_the_keyctl_cli_is_read_raw(ring_name: str) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    store.set(Item("seed", b"1"))  # creates the named keyring
    ring = find_ring(ring_name)
    assert ring is not None
    data = b'{"AccessKeyID":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"x"}'
    keyctl("padd", "user", "jonsmith", str(ring), stdin=data)
    assert store.get("jonsmith") == Item("jonsmith", data)
    assert sorted(store.keys()) == ["jonsmith", "seed"]
    store.remove("jonsmith")
    assert store.keys() == ["seed"]


def test_a_key_we_write_is_printed_by_keyctl(ring_name: str) -> None:
    KeyctlSecretStore(keyring_name=ring_name).set(Item("jonsmith", b"loose lips sink ships", label="lost"))
    ring = find_ring(ring_name)
    assert ring is not None
    serial = item_serial(ring, "jonsmith")
    assert keyctl("print", serial) == "loose lips sink ships\n"
    assert keyctl("rdescribe", serial) == f"user;{os.getuid()};{os.getgid()};3f3f0000;jonsmith\n"
    assert keyctl("rdescribe", str(ring)) == f"keyring;{os.getuid()};{os.getgid()};3f3f0000;{ring_name}\n"
    # Linked in the named keyring only, not left in our process keyring.
    assert keyctl("rlist", str(ring)).split() == [serial]


def test_binary_data_is_stored_byte_for_byte(ring_name: str) -> None:
    data = bytes(range(256))
    KeyctlSecretStore(keyring_name=ring_name).set(Item("binary", data))
    ring = find_ring(ring_name)
    assert ring is not None
    done = subprocess.run(["keyctl", "pipe", item_serial(ring, "binary")], capture_output=True, check=True)
    assert done.stdout == data


def test_label_and_description_are_not_kept(ring_name: str) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    store.set(
        Item("jonsmith", b"x", label="aws-vault (jonsmith)", description="d", keychain_not_trust_application=True)
    )
    assert store.get("jonsmith") == Item("jonsmith", b"x")


def test_an_overwrite_replaces_the_key_in_place_of_the_old(ring_name: str) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    store.set(Item("jonsmith", b"old"))
    ring = find_ring(ring_name)
    assert ring is not None
    old = item_serial(ring, "jonsmith")
    store.set(Item("jonsmith", b"new"))
    new = item_serial(ring, "jonsmith")
    assert keyctl("rlist", str(ring)).split() == [new] and new != old
    assert keyctl("print", new) == "new\n"


# --- other processes and sessions -----------------------------------------------------------------


def test_our_keys_are_readable_from_a_session_that_does_not_possess_them(ring_name: str) -> None:
    KeyctlSecretStore(keyring_name=ring_name).set(Item("jonsmith", b"shared secret"))
    done = python_in_new_session(
        "from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore\n"
        f"store = KeyctlSecretStore(keyring_name={ring_name!r})\n"
        "print(store.keys(), store.get('jonsmith').data)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "['jonsmith'] b'shared secret'\n"


def test_a_key_written_in_another_session_is_read_here(ring_name: str) -> None:
    done = python_in_new_session(
        "from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore\n"
        "from aws_vault.domain.items import Item\n"
        f"KeyctlSecretStore(keyring_name={ring_name!r}).set(Item('jonsmith', b'from the child'))\n"
    )
    assert done.returncode == 0, done.stderr
    assert KeyctlSecretStore(keyring_name=ring_name).get("jonsmith") == Item("jonsmith", b"from the child")
    # And a third, unrelated session reads it too.
    ring = find_ring(ring_name)
    assert ring is not None
    assert keyctl("print", item_serial(ring, "jonsmith"), new_session=True).endswith("from the child\n")


def test_a_default_permission_key_is_a_clear_error_where_it_is_not_possessed(ring_name: str) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    store.set(Item("seed", b"1"))
    ring = find_ring(ring_name)
    assert ring is not None
    keyctl("padd", "user", "cli-made", str(ring), stdin=b"the-secret-value")  # possessor all, user view only
    done = python_in_new_session(
        "from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore\n"
        f"store = KeyctlSecretStore(keyring_name={ring_name!r})\n"
        "print(sorted(store.keys()))\n"
        "store.get('cli-made')\n"
    )
    assert done.returncode == 1
    assert done.stdout == "['cli-made', 'seed']\n"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("aws_vault.domain.errors.StoreError: keyctl: cannot read 'cli-made': permission denied")
    assert "the-secret-value" not in done.stderr


def test_process_scope_is_private_to_the_process(ring_name: str) -> None:
    store = KeyctlSecretStore(scope="process", keyring_name=ring_name)
    store.set(Item("jonsmith", b"x"))
    assert KeyctlSecretStore(scope="process", keyring_name=ring_name).keys() == ["jonsmith"]
    assert find_ring(ring_name) is None  # not in the user keyring
    assert find_ring(ring_name, SCOPES["process"]) is not None
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore\n"
            f"print(KeyctlSecretStore(scope='process', keyring_name={ring_name!r}).keys())",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == "[]\n"


# --- absent things --------------------------------------------------------------------------------


def test_reading_an_absent_keyring_creates_nothing(ring_name: str) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    assert store.keys() == []
    assert store.get("jonsmith") is None
    with pytest.raises(ItemNotFoundError):
        store.remove("jonsmith")
    assert find_ring(ring_name) is None


def test_a_removed_key_is_gone_for_keyctl_too(ring_name: str) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    store.set(Item("jonsmith", b"x"))
    ring = find_ring(ring_name)
    assert ring is not None
    store.remove("jonsmith")
    assert keyctl("rlist", str(ring)).split() == []
    with pytest.raises(ItemNotFoundError):
        store.remove("jonsmith")


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["", "group", "bogus", "User"])
def test_an_unknown_scope_is_refused(scope: str) -> None:
    with pytest.raises(StoreError) as caught:
        KeyctlSecretStore(scope=scope)
    assert (
        str(caught.value) == f'unknown keyctl scope "{scope}": use one of thread, process, session, user, usersession'
    )


@pytest.mark.parametrize(("data", "size"), [(b"", 0), (b"x" * (MAX_DATA + 1), MAX_DATA + 1)])
def test_sizes_a_kernel_key_cannot_hold_are_refused(ring_name: str, data: bytes, size: int) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    with pytest.raises(StoreError, match=rf"^keyctl: cannot store 'k': {size} bytes; a kernel key holds 1 to 32767$"):
        store.set(Item("k", data))
    assert store.keys() == []


@pytest.mark.parametrize("key", ["", "a\0b", "x" * 4096])
def test_descriptions_the_kernel_refuses_are_invalid_keys(ring_name: str, key: str) -> None:
    store = KeyctlSecretStore(keyring_name=ring_name)
    for call in (lambda: store.set(Item(key, b"x")), lambda: store.get(key), lambda: store.remove(key)):
        with pytest.raises(StoreError, match="invalid key"):
            call()
    assert find_ring(ring_name) is None


def test_the_kernel_quota_is_a_clear_error(ring_name: str) -> None:
    """EDQUOT: an ordinary user may keep 20000 bytes in keys; as root, try it as ``nobody``."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery, report through the pipe
        message = "no error"
        try:
            if os.getuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            store = KeyctlSecretStore(keyring_name=ring_name)
            try:
                store.set(Item("big", b"x" * 30000))
            except StoreError as e:
                message = str(e)
            finally:
                serial = find_ring(ring_name)
                if serial is not None:
                    keyutils().unlink(serial, USER_KEYRING)
                if find_ring(ring_name) is not None:
                    message += " (and the keyring was left behind)"
        except BaseException as e:  # anything at all must reach the parent
            message = f"child failed: {e!r}"
        finally:
            os.write(write_end, message.encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(pid, 0)
    assert message.startswith("keyctl: cannot store 'big': the kernel key quota of uid ")
    assert message.endswith("is used up (see /proc/key-users; limits in /proc/sys/kernel/keys/maxbytes and maxkeys)")


# --- loading --------------------------------------------------------------------------------------


def test_importing_the_module_does_not_load_libkeyutils() -> None:
    code = (
        "import sys\n"
        "from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore\n"
        "maps = lambda: open('/proc/self/maps').read()\n"
        "assert 'ctypes' not in sys.modules, 'ctypes imported'\n"
        "assert 'keyutils' not in maps(), 'libkeyutils loaded by the import'\n"
        "store = KeyctlSecretStore(keyring_name='aws-vault-test-never-created')\n"
        "assert 'keyutils' not in maps(), 'libkeyutils loaded by the constructor'\n"
        "assert store.keys() == []\n"
        "assert 'keyutils' in maps(), 'the check itself is blind'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)

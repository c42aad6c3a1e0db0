"""PassSecretStore against real ``pass`` + GnuPG (throwaway GNUPGHOME and store, test-components §2).

One unprotected gpg key per test session, a fresh password store per test; the gpg-agents started here are
stopped with ``gpgconf --kill all`` at the end.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_vault.adapters.stores.pass_store import NOT_AVAILABLE, PassSecretStore, go_clean_join
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, envelope_to_json
from tests.contracts.secret_store_contract import AWKWARD_KEYS, SecretStoreContract

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (shutil.which("pass") and shutil.which("gpg")), reason="pass and gpg are not installed"
)

# What Go's json.Marshal(keyring.Item) writes for credential_item("jonsmith", b"secret"), byte for byte.
GO_ENVELOPE = (
    b'{"Key":"jonsmith","Data":"c2VjcmV0","Label":"aws-vault (jonsmith)","Description":"",'
    b'"KeychainNotTrustApplication":true,"KeychainNotSynchronizable":false}'
)
GO_FIELDS = ["Key", "Data", "Label", "Description", "KeychainNotTrustApplication", "KeychainNotSynchronizable"]

# Keys pass cannot round-trip (reference §4.3): how keys() lists them, and the ones we refuse to write.
LISTED_AS = {"oidc:https://example.awsapps.com/start": "oidc:https:/example.awsapps.com/start"}
REFUSED = {"abc/.././123"}  # Go stores it as "123" (filepath.Join cleans it), aliasing that key


def clean_env(gnupghome: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PASSWORD_STORE_", "GPG_"))}
    env["GNUPGHOME"] = gnupghome
    return env


def run(env: dict[str, str], *argv: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def kill_agent(gnupghome: str) -> None:
    subprocess.run(["gpgconf", "--kill", "all"], env=clean_env(gnupghome), check=False, timeout=30)


class Gpg:
    def __init__(self, home: str, fingerprint: str) -> None:
        self.home = home
        self.fingerprint = fingerprint
        self.env = clean_env(home)


@pytest.fixture(scope="session")
def gpg() -> Iterator[Gpg]:
    # Under /tmp: gpg-agent's socket path must stay short.
    home = tempfile.mkdtemp(prefix="avp-gpg-", dir="/tmp")
    env = clean_env(home)
    try:
        run(
            env,
            "gpg",
            "--batch",
            "--quiet",
            "--passphrase",
            "",
            "--quick-gen-key",
            "aws-vault-test <test@example.invalid>",
            "default",
            "default",
            "never",
        )
        listing = run(env, "gpg", "--list-keys", "--with-colons", "test@example.invalid").decode()
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
        yield Gpg(home, fingerprint)
    finally:
        kill_agent(home)
        shutil.rmtree(home, ignore_errors=True)


def init_store(gpg: Gpg, directory: Path) -> Path:
    run({**gpg.env, "PASSWORD_STORE_DIR": str(directory)}, "pass", "init", gpg.fingerprint)
    assert (directory / ".gpg-id").is_file()
    return directory


@pytest.fixture
def store_dir(gpg: Gpg, tmp_path: Path) -> Path:
    return init_store(gpg, tmp_path / "store")


def pass_cli(gpg: Gpg, directory: Path, *argv: str, stdin: bytes | None = None) -> bytes:
    return run({**gpg.env, "PASSWORD_STORE_DIR": str(directory)}, "pass", *argv, stdin=stdin)


def entries(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


class TestPassSecretStoreContract(SecretStoreContract):
    @pytest.fixture(autouse=True)
    def _store(self, gpg: Gpg, store_dir: Path) -> None:
        self.directory = str(store_dir)
        self.env = gpg.env

    def make_store(self) -> PassSecretStore:
        return PassSecretStore(store_dir=self.directory, env=self.env)

    # pass keeps Go's naming, so two of the contract's awkward keys behave as in aws-vault (reference §4.3).
    @pytest.mark.parametrize("key", AWKWARD_KEYS)
    def test_awkward_keys_round_trip(self, key: str) -> None:
        if key in REFUSED:
            with pytest.raises(StoreError, match="invalid key"):
                self.make_store().set(Item(key, b"x"))
            assert entries(Path(self.directory)) == [".gpg-id"]
        elif key in LISTED_AS:
            store = self.make_store()
            store.set(Item(key, key.encode()))
            for spelling in (key, LISTED_AS[key]):
                got = store.get(spelling)
                assert got is not None and (got.key, got.data) == (key, key.encode())
            assert store.keys() == [LISTED_AS[key]]
            store.remove(LISTED_AS[key])
            assert store.keys() == [] and store.get(key) is None
        else:
            super().test_awkward_keys_round_trip(key)

    def test_escaped_looking_keys_stay_distinct(self) -> None:
        keys = [key for key in AWKWARD_KEYS if key not in REFUSED]
        store = self.make_store()
        for key in keys:
            store.set(Item(key, key.encode()))
        assert sorted(store.keys()) == sorted(LISTED_AS.get(key, key) for key in keys)
        for key in keys:
            got = self.make_store().get(key)
            assert got is not None and got.data == key.encode(), key


# --- Go compatibility -----------------------------------------------------------------------------


def test_an_item_inserted_by_pass_the_go_way_is_read(gpg: Gpg, store_dir: Path) -> None:
    pass_cli(gpg, store_dir, "insert", "-m", "jonsmith", stdin=GO_ENVELOPE)
    store = PassSecretStore(store_dir=str(store_dir), env=gpg.env)
    assert store.keys() == ["jonsmith"]
    assert store.get("jonsmith") == Item(
        "jonsmith", b"secret", "aws-vault (jonsmith)", "", keychain_not_trust_application=True
    )


def test_an_item_we_write_shows_as_the_go_envelope(gpg: Gpg, store_dir: Path) -> None:
    item = Item("jonsmith", b"secret", "aws-vault (jonsmith)", "", keychain_not_trust_application=True)
    PassSecretStore(store_dir=str(store_dir), env=gpg.env).set(item)
    shown = pass_cli(gpg, store_dir, "show", "jonsmith")
    assert shown == GO_ENVELOPE  # no newline added, as Go writes it
    assert list(json.loads(shown)) == GO_FIELDS


def test_binary_data_is_padded_standard_base64_in_the_envelope(gpg: Gpg, store_dir: Path) -> None:
    data = bytes([0xFB, 0xFF, 0xBF, 0x00])
    PassSecretStore(store_dir=str(store_dir), env=gpg.env).set(Item("bin", data))
    doc = json.loads(pass_cli(gpg, store_dir, "show", "bin"))
    assert doc["Data"] == "+/+/AA==" == base64.b64encode(data).decode()


def test_the_prefix_puts_items_under_it(gpg: Gpg, store_dir: Path) -> None:
    pass_cli(gpg, store_dir, "insert", "-m", "unrelated", stdin=b"not aws-vault's")
    store = PassSecretStore(store_dir=str(store_dir), prefix="aws-vault", env=gpg.env)
    store.set(Item("jonsmith", b"secret"))
    store.set(Item("ops/admin", b"other"))
    assert (store_dir / "aws-vault" / "jonsmith.gpg").is_file()
    assert (store_dir / "aws-vault" / "ops" / "admin.gpg").is_file()
    assert store.keys() == ["jonsmith", "ops/admin"]
    assert json.loads(pass_cli(gpg, store_dir, "show", "aws-vault/jonsmith"))["Key"] == "jonsmith"
    unprefixed = PassSecretStore(store_dir=str(store_dir), env=gpg.env)
    assert unprefixed.keys() == ["aws-vault/jonsmith", "aws-vault/ops/admin", "unrelated"]
    store.remove("jonsmith")
    assert store.keys() == ["ops/admin"]


def test_keys_come_in_go_walk_order(gpg: Gpg, store_dir: Path) -> None:
    store = PassSecretStore(store_dir=str(store_dir), env=gpg.env)
    for key in ("llamas", "alpacas", "africa/elephants", "a.x", "a b", "a/x"):
        store.set(Item(key, b"1"))
    # filepath.Walk: each directory's names sorted bytewise, depth first ("a" < "a b.gpg" < "a.x.gpg").
    assert store.keys() == ["a/x", "a b", "a.x", "africa/elephants", "alpacas", "llamas"]


@pytest.mark.parametrize("prefix", ["", "keyring"])
def test_a_symlinked_store_directory_is_listed(gpg: Gpg, store_dir: Path, tmp_path: Path, prefix: str) -> None:
    # keyring's TestPassKeyringKeysWithSymlink (reference §9.3).
    store = PassSecretStore(store_dir=str(store_dir), prefix=prefix, env=gpg.env)
    for key in ("llamas", "alpacas", "africa/elephants"):
        store.set(Item(key, b"1"))
    link = tmp_path / "link"
    link.symlink_to(store_dir)
    linked = PassSecretStore(store_dir=str(link), prefix=prefix, env=gpg.env)
    assert linked.keys() == ["africa/elephants", "alpacas", "llamas"]


def test_an_oidc_key_lands_in_a_collapsed_path(gpg: Gpg, store_dir: Path) -> None:
    key = "oidc:https://example.awsapps.com/start"
    store = PassSecretStore(store_dir=str(store_dir), prefix="aws-vault", env=gpg.env)
    store.set(Item(key, b"token"))
    assert (store_dir / "aws-vault" / "oidc:https:" / "example.awsapps.com" / "start.gpg").is_file()
    assert json.loads(pass_cli(gpg, store_dir, "show", f"aws-vault/{key}"))["Key"] == key


def test_go_clean_join_is_filepath_join() -> None:
    assert go_clean_join("", "jonsmith") == "jonsmith"
    assert go_clean_join("aws-vault", "oidc:https://h/start") == "aws-vault/oidc:https:/h/start"
    assert go_clean_join("aws-vault/", "a") == "aws-vault/a"
    assert go_clean_join("", "abc/.././123") == "123"
    assert go_clean_join("//p", "x") == "/p/x"
    assert go_clean_join("", "") == ""


@pytest.mark.parametrize("key", ["abc/.././123", "./x", "a/../b", "a/./b", "..", "/x", "x/", ""])
def test_keys_that_would_alias_another_entry_are_refused(gpg: Gpg, store_dir: Path, key: str) -> None:
    store = PassSecretStore(store_dir=str(store_dir), env=gpg.env)
    for call in (lambda: store.set(Item(key, b"x")), lambda: store.get(key), lambda: store.remove(key)):
        with pytest.raises(StoreError, match="invalid key"):
            call()
    assert entries(store_dir) == [".gpg-id"]


def test_a_key_starting_with_a_dash_is_not_taken_for_an_option(gpg: Gpg, store_dir: Path) -> None:
    store = PassSecretStore(store_dir=str(store_dir), env=gpg.env)
    store.set(Item("-m", b"dash"))
    got = store.get("-m")
    assert got is not None and got.data == b"dash"
    store.remove("-m")
    assert store.keys() == []


# --- where the store is ---------------------------------------------------------------------------


def test_the_store_directory_defaults_as_in_go(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path)}
    assert PassSecretStore(env=home).directory == str(tmp_path / ".password-store")
    assert PassSecretStore(env={**home, "PASSWORD_STORE_DIR": "/elsewhere"}).directory == "/elsewhere"
    assert PassSecretStore(store_dir="/flag", env={**home, "PASSWORD_STORE_DIR": "/x"}).directory == "/flag"
    assert PassSecretStore(store_dir="~/p", env=home).directory == f"{tmp_path}/p"
    assert PassSecretStore(store_dir="~other/p", env=home).directory == "~other/p"


def test_get_of_a_missing_entry_runs_no_program(gpg: Gpg, store_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "calls"
    fake = tmp_path / "fake-pass"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexit 1\n')
    fake.chmod(0o755)
    store = PassSecretStore(pass_cmd=str(fake), store_dir=str(store_dir), env=gpg.env)
    assert store.get("absent") is None
    assert store.keys() == []
    assert not log.exists()


# --- what the program sees ------------------------------------------------------------------------

FAKE_PASS = """#!/bin/bash
{{ printf '%s\\n' "$*"; readlink /proc/$$/fd/0; printf '%s\\n' "$PASSWORD_STORE_DIR"; }} >> {log}
case "$1" in
  insert) cat > {stdin_copy}; mkdir -p "$(dirname "$PASSWORD_STORE_DIR/$4")"; : > "$PASSWORD_STORE_DIR/$4.gpg" ;;
  show) printf '%s' '{envelope}' ;;
  rm) rm "$PASSWORD_STORE_DIR/$3.gpg" ;;
esac
"""


def write_script(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


@contextlib.contextmanager
def stdin_is_a_pipe() -> Iterator[None]:
    saved = os.dup(0)
    read_end, write_end = os.pipe()
    os.dup2(read_end, 0)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        for fd in (saved, read_end, write_end):
            os.close(fd)


def test_the_program_gets_gos_arguments_and_stdin_only_on_insert(tmp_path: Path) -> None:
    log, stdin_copy, store_dir = tmp_path / "log", tmp_path / "stdin", tmp_path / "store"
    store_dir.mkdir()
    (store_dir / ".gpg-id").write_text("someone\n")
    fake = write_script(
        tmp_path / "pass",
        FAKE_PASS.format(log=log, stdin_copy=stdin_copy, envelope=GO_ENVELOPE.decode()),
    )
    store = PassSecretStore(pass_cmd=fake, store_dir=str(store_dir), prefix="aws-vault", env={"PATH": os.defpath})
    item = Item("jonsmith", b"secret", "aws-vault (jonsmith)", "", keychain_not_trust_application=True)
    with stdin_is_a_pipe():  # what a child inheriting our stdin would see
        store.set(item)
        assert store.get("jonsmith") == item
        store.remove("jonsmith")
    lines = log.read_text().splitlines()
    calls = [lines[i : i + 3] for i in range(0, len(lines), 3)]
    assert [c[0] for c in calls] == [
        "insert -m -f aws-vault/jonsmith",
        "show aws-vault/jonsmith",
        "rm -f aws-vault/jonsmith",
    ]
    assert calls[0][1].startswith("pipe:")
    assert [c[1] for c in calls[1:]] == ["/dev/null", "/dev/null"]
    assert {c[2] for c in calls} == {str(store_dir)}
    assert stdin_copy.read_bytes() == envelope_to_json(item)


def test_pass_reporting_an_uninitialised_store_says_to_run_pass_init(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    (store_dir / ".gpg-id").write_text("someone\n")
    fake = write_script(
        tmp_path / "pass",
        "#!/bin/sh\nprintf 'Error: You must run:\\n    pass init your-gpg-id\\n"
        "before you may use the password store.\\n\\n' >&2\nexit 1\n",
    )
    store = PassSecretStore(pass_cmd=fake, store_dir=str(store_dir), env={"PATH": os.defpath})
    with pytest.raises(StoreError) as caught:
        store.set(Item("jonsmith", b"x"))
    assert str(caught.value) == f"the password store {store_dir} is not initialised: run `pass init <gpg-id>`"


def test_a_hung_program_is_ended_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    (store_dir / "jonsmith.gpg").write_bytes(b"")
    fake = write_script(tmp_path / "pass", f"#!/bin/sh\nsleep 30 &\necho $! > {pid_file}\nwait\n")
    store = PassSecretStore(pass_cmd=fake, store_dir=str(store_dir), env={"PATH": os.defpath}, timeout=1)
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"^pass show jonsmith: timed out after 1 s$"):
        store.get("jonsmith")
    assert time.monotonic() - started < 10
    status = Path(f"/proc/{pid_file.read_text().strip()}/status")
    deadline = time.monotonic() + 5
    while status.exists() and "\nState:\tZ" not in status.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not status.exists() or "\nState:\tZ" in status.read_text(), "the grandchild survived"


def test_writers_wait_for_each_other(gpg: Gpg, store_dir: Path) -> None:
    store = PassSecretStore(store_dir=str(store_dir), env=gpg.env)
    fd = os.open(store_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as another aws-vault writer holds it
        writer = threading.Thread(target=store.set, args=(Item("jonsmith", b"x"),))
        writer.start()
        time.sleep(0.5)
        assert writer.is_alive() and not (store_dir / "jonsmith.gpg").exists()
    finally:
        os.close(fd)
    writer.join(timeout=30)
    assert (store_dir / "jonsmith.gpg").is_file()


# --- bad set-ups ----------------------------------------------------------------------------------


def test_a_missing_program_is_not_available(store_dir: Path, tmp_path: Path) -> None:
    store = PassSecretStore(pass_cmd=str(tmp_path / "no-such-pass"), store_dir=str(store_dir))
    for call in (store.keys, lambda: store.get("x"), lambda: store.set(Item("x", b"1")), lambda: store.remove("x")):
        with pytest.raises(StoreError) as caught:
            call()
        assert str(caught.value) == NOT_AVAILABLE == "The pass program is not available"
    missing_on_path = PassSecretStore(pass_cmd="no-such-pass-program", store_dir=str(store_dir))
    with pytest.raises(StoreError, match=r"^The pass program is not available$"):
        missing_on_path.keys()


@pytest.mark.parametrize("create_dir", [True, False])
def test_an_uninitialised_store_says_to_run_pass_init(gpg: Gpg, tmp_path: Path, create_dir: bool) -> None:
    store_dir = tmp_path / "store"
    if create_dir:
        store_dir.mkdir()
    store = PassSecretStore(store_dir=str(store_dir), prefix="aws-vault", env=gpg.env)
    with pytest.raises(StoreError) as caught:
        store.set(Item("jonsmith", b"x"))
    message = str(caught.value)
    assert "\n" not in message and message.endswith("run `pass init <gpg-id>`")
    assert (list(store_dir.iterdir()) == []) if create_dir else not store_dir.exists()
    assert store.keys() == [] and store.get("jonsmith") is None


def test_a_gpg_id_in_the_prefix_directory_is_enough(gpg: Gpg, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    run({**gpg.env, "PASSWORD_STORE_DIR": str(store_dir)}, "pass", "init", "--path=aws-vault", gpg.fingerprint)
    assert not (store_dir / ".gpg-id").exists()
    store = PassSecretStore(store_dir=str(store_dir), prefix="aws-vault", env=gpg.env)
    store.set(Item("ops/admin", b"x"))
    got = store.get("ops/admin")
    assert got is not None and got.data == b"x"


def test_a_missing_secret_key_fails_get_without_losing_the_item(gpg: Gpg, tmp_path: Path) -> None:
    home = tempfile.mkdtemp(prefix="avp-gpg-", dir="/tmp")
    try:
        shutil.copytree(gpg.home, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns("S.*", "*.lock"))
        env = clean_env(home)
        store_dir = tmp_path / "store"
        run({**env, "PASSWORD_STORE_DIR": str(store_dir)}, "pass", "init", gpg.fingerprint)
        store = PassSecretStore(store_dir=str(store_dir), env=env)
        store.set(Item("jonsmith", b"the-secret-value"))
        run(env, "gpg", "--batch", "--yes", "--delete-secret-keys", gpg.fingerprint)

        with pytest.raises(StoreError) as caught:
            store.get("jonsmith")
        message = str(caught.value)
        assert message == "pass show jonsmith: gpg: decryption failed: No secret key"
        assert "the-secret-value" not in message and "dGhlLXNlY3JldC12YWx1ZQ" not in message
        assert (store_dir / "jonsmith.gpg").stat().st_size > 0
        assert store.keys() == ["jonsmith"]
        # Writing needs only the public key, so a new item still lands.
        store.set(Item("newcomer", b"y"))
        assert store.keys() == ["jonsmith", "newcomer"]
    finally:
        kill_agent(home)
        shutil.rmtree(home, ignore_errors=True)


def test_a_corrupt_entry_is_a_store_error(gpg: Gpg, store_dir: Path) -> None:
    (store_dir / "jonsmith.gpg").write_bytes(b"not an OpenPGP message")
    with pytest.raises(StoreError, match=r"^pass show jonsmith: gpg: "):
        PassSecretStore(store_dir=str(store_dir), env=gpg.env).get("jonsmith")


def test_an_entry_holding_no_envelope_is_a_corrupt_item(gpg: Gpg, store_dir: Path) -> None:
    pass_cli(gpg, store_dir, "insert", "-m", "jonsmith", stdin=b"hunter2\n")
    with pytest.raises(StoreError, match="'jonsmith' is unreadable: invalid item envelope"):
        PassSecretStore(store_dir=str(store_dir), env=gpg.env).get("jonsmith")


def test_removing_a_missing_item_runs_nothing_and_raises(gpg: Gpg, store_dir: Path) -> None:
    with pytest.raises(ItemNotFoundError):
        PassSecretStore(store_dir=str(store_dir), env=gpg.env).remove("absent")


def test_a_store_path_that_is_a_file_cannot_be_listed(gpg: Gpg, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(StoreError, match=f"^{not_a_dir} is not a directory$"):
        PassSecretStore(store_dir=str(not_a_dir), env=gpg.env).keys()


# --- processes and imports ------------------------------------------------------------------------


def test_an_item_written_by_another_process_is_read(gpg: Gpg, store_dir: Path) -> None:
    code = (
        "from aws_vault.adapters.stores.pass_store import PassSecretStore\n"
        "from aws_vault.domain.items import Item\n"
        f"PassSecretStore(store_dir={str(store_dir)!r}).set(Item('jonsmith', b'from the child'))\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=gpg.env, check=True, timeout=60)
    got = PassSecretStore(store_dir=str(store_dir), env=gpg.env).get("jonsmith")
    assert got is not None and got.data == b"from the child"


def test_importing_and_missing_gets_load_no_subprocess_module(store_dir: Path) -> None:
    code = (
        "import sys\n"
        "from aws_vault.adapters.stores.pass_store import PassSecretStore\n"
        "assert 'subprocess' not in sys.modules, 'loaded by the import'\n"
        f"store = PassSecretStore(store_dir={str(store_dir)!r})\n"
        "assert store.get('absent') is None and store.keys() == []\n"
        "assert 'subprocess' not in sys.modules, 'loaded by a missing get'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)

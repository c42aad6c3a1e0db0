"""KeyringSecretStore over real python-keyring backends: contract, index, errors, processes, the CLI.

The contract runs over keyrings.alt's ``EncryptedKeyring`` (PyCryptodome, AES) in a file under
``tmp_path``. Its password is fixed by setting the backend's ``keyring_key`` (keyrings.alt's own way to
give it one without a prompt), so nothing is asked; ``test_a_wrong_encrypted_keyring_password...``
goes through its real ``getpass`` prompt, patched. The CLI tests pick ``PlaintextKeyring`` the way a
user would, with ``PYTHON_KEYRING_BACKEND``, and let the store resolve it through ``keyring.get_keyring()``.

Every test gets its own ``XDG_CACHE_HOME`` (the store's lock files live there).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked, PasswordDeleteError, PasswordSetError
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring  # test deps: keyrings.alt, pycryptodome

from aws_vault.adapters.stores.keyring_store import INDEX_KEY, KeyringSecretStore
from aws_vault.domain.encoding import b64encode
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, credential_item, envelope_to_json
from aws_vault.entrypoints import settings as s
from aws_vault.entrypoints.cli.main import main
from tests.contracts.secret_store_contract import SecretStoreContract

# pycryptodome deprecates the PBKDF2 defaults keyrings.alt's EncryptedKeyring uses; not ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:PBKDF2 without 'count':DeprecationWarning")

SERVICE = "aws-vault-test"
KEYRING_PASSWORD = "correct horse battery staple"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def encrypted_keyring(path: Path) -> EncryptedKeyring:
    backend = EncryptedKeyring()
    backend.file_path = str(path)
    backend.keyring_key = KEYRING_PASSWORD  # set on the instance, it replaces the prompt
    return backend


def plaintext_keyring(path: Path) -> PlaintextKeyring:
    backend = PlaintextKeyring()
    backend.file_path = str(path)
    return backend


class TestKeyringStoreContract(SecretStoreContract):
    @pytest.fixture(autouse=True)
    def _file(self, tmp_path: Path) -> None:
        self.path = tmp_path / "crypted_pass.cfg"

    def make_store(self) -> KeyringSecretStore:
        return KeyringSecretStore(SERVICE, encrypted_keyring(self.path))


# --- what is stored where ---------------------------------------------------------------------------------


def test_items_are_go_envelopes_and_the_index_is_a_json_list(tmp_path: Path) -> None:
    backend = encrypted_keyring(tmp_path / "k.cfg")
    store = KeyringSecretStore(SERVICE, backend)
    data = b'{"AccessKeyID":"AKIAEXAMPLE"}'
    store.set(credential_item("work", data))
    store.set(Item("home", b"2"))
    store.set(Item("work", b"3"))  # overwriting keeps its place
    assert backend.get_password(SERVICE, "work") == envelope_to_json(Item("work", b"3")).decode()
    assert json.loads(backend.get_password(SERVICE, INDEX_KEY)) == ["work", "home"]
    assert store.keys() == ["work", "home"]
    # The file really is encrypted: neither the data nor the key's envelope is in it in the clear.
    text = (tmp_path / "k.cfg").read_text()
    assert "AKIAEXAMPLE" not in text and b64encode(data) not in text


def test_services_are_separate_stores(tmp_path: Path) -> None:
    path = tmp_path / "k.cfg"
    KeyringSecretStore("one", encrypted_keyring(path)).set(Item("work", b"1"))
    other = KeyringSecretStore("two", encrypted_keyring(path))
    assert other.keys() == []
    assert other.get("work") is None


def test_a_key_whose_password_vanished_leaves_keys_and_remove_reports_it(tmp_path: Path) -> None:
    backend = plaintext_keyring(tmp_path / "k.cfg")
    store = KeyringSecretStore(SERVICE, backend)
    store.set(Item("gone", b"1"))
    store.set(Item("kept", b"2"))
    backend.delete_password(SERVICE, "gone")  # e.g. deleted with the user's keyring tool
    assert store.keys() == ["kept"]
    assert store.get("gone") is None
    with pytest.raises(ItemNotFoundError):
        store.remove("gone")
    assert json.loads(backend.get_password(SERVICE, INDEX_KEY)) == ["kept"]  # and the index forgets it


def test_the_reserved_index_name_is_refused_as_an_item_key(tmp_path: Path) -> None:
    backend = plaintext_keyring(tmp_path / "k.cfg")
    store = KeyringSecretStore(SERVICE, backend)
    store.set(Item("work", b"1"))
    for call in (
        lambda: store.set(Item(INDEX_KEY, b"[]")),
        lambda: store.get(INDEX_KEY),
        lambda: store.remove(INDEX_KEY),
    ):
        with pytest.raises(StoreError, match="reserved") as caught:
            call()
        assert not isinstance(caught.value, ItemNotFoundError)
    assert store.keys() == ["work"]
    assert json.loads(backend.get_password(SERVICE, INDEX_KEY)) == ["work"]


def test_an_unreadable_index_is_a_store_error(tmp_path: Path) -> None:
    backend = plaintext_keyring(tmp_path / "k.cfg")
    backend.set_password(SERVICE, INDEX_KEY, "not json")
    with pytest.raises(StoreError, match=r"index .* is unreadable"):
        KeyringSecretStore(SERVICE, backend).keys()


def test_the_lock_file_is_private_and_named_by_the_service(tmp_path: Path, private_cache: Path) -> None:
    KeyringSecretStore("my service", plaintext_keyring(tmp_path / "k.cfg")).set(Item("work", b"1"))
    directory = private_cache / "aws-vault"
    digest = hashlib.sha256(b"my service").hexdigest()
    assert [p.name for p in directory.iterdir()] == [f"keyring-{digest}.lock"]
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


# --- errors -----------------------------------------------------------------------------------------------


class BrokenKeyring(KeyringBackend):
    """A python-keyring backend whose every operation fails, echoing what it was given (a careless plugin)."""

    priority = -1  # type: ignore[assignment]  # never picked by keyring's own discovery

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked(f"collection for {service}\nis locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"op item create --title={username} --password={password}\nexit status 1")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("Can't delete\npassword in keychain")


class FailingSetOnly(BrokenKeyring):
    """Reads work (nothing stored); writes fail quoting the password."""

    def get_password(self, service: str, username: str) -> str | None:
        return None


def _one_line_without_secret(error: StoreError) -> str:
    text = str(error)
    assert "\n" not in text
    assert SECRET not in text and b64encode(SECRET.encode()) not in text
    assert error.__cause__ is None and error.__suppress_context__  # no traceback quoting the plugin's message
    return text


def test_a_keyring_error_becomes_a_one_line_store_error_without_the_secret() -> None:
    store = KeyringSecretStore(SERVICE, FailingSetOnly())
    with pytest.raises(StoreError) as caught:
        store.set(Item("work", SECRET.encode()))
    text = _one_line_without_secret(caught.value)
    assert text.startswith("keyring backend FailingSetOnly: cannot update the index of service 'aws-vault-test'")

    class IndexOk(FailingSetOnly):
        def set_password(self, service: str, username: str, password: str) -> None:
            if username != INDEX_KEY:
                super().set_password(service, username, password)

    with pytest.raises(StoreError) as caught:
        KeyringSecretStore(SERVICE, IndexOk()).set(Item("work", SECRET.encode()))
    text = _one_line_without_secret(caught.value)
    assert text == (
        "keyring backend IndexOk: cannot store 'work' of service 'aws-vault-test': "
        "PasswordSetError (details withheld: they quoted the item)"
    )


def test_read_and_delete_errors_keep_the_backends_reason_on_one_line() -> None:
    store = KeyringSecretStore(SERVICE, BrokenKeyring())
    with pytest.raises(StoreError) as caught:
        store.get("work")
    assert str(caught.value) == (
        "keyring backend BrokenKeyring: cannot read 'work' of service 'aws-vault-test': "
        "KeyringLocked: collection for aws-vault-test is locked"
    )

    class HasItem(BrokenKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            return None if username == INDEX_KEY else "{}"

    with pytest.raises(StoreError) as caught:
        KeyringSecretStore(SERVICE, HasItem()).remove("work")
    assert not isinstance(caught.value, ItemNotFoundError)
    assert str(caught.value).endswith(
        "cannot delete 'work' of service 'aws-vault-test': PasswordDeleteError: Can't delete password in keychain"
    )


def test_no_keyring_backend_is_a_store_error() -> None:
    with pytest.raises(
        StoreError, match=r"^keyring backend Keyring: cannot read the index .*NoKeyringError: No recommended"
    ):
        KeyringSecretStore(SERVICE, fail.Keyring()).keys()


def test_a_wrong_encrypted_keyring_password_is_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "crypted_pass.cfg"
    prompts: list[str] = []

    def getpass(prompt: str = "") -> str:
        # Creating the file asks for a password and its confirmation; every later unlock gets a wrong one.
        prompts.append(prompt)
        return KEYRING_PASSWORD if len(prompts) <= 2 else "wrong"

    monkeypatch.setattr("getpass.getpass", getpass)

    def store() -> KeyringSecretStore:
        backend = EncryptedKeyring()
        backend.file_path = str(path)
        return KeyringSecretStore(SERVICE, backend)

    store().set(Item("work", SECRET.encode()))
    with pytest.raises(StoreError) as caught:
        store().get("work")
    assert _one_line_without_secret(caught.value).endswith("ValueError: Incorrect Password")
    assert prompts[:3] == [
        "Please set a password for your new keyring: ",
        "Please confirm the password: ",
        "Please enter password for encrypted keyring: ",
    ]


def test_importing_and_constructing_the_store_loads_no_keyring() -> None:
    code = (
        "import sys\n"
        "from aws_vault.adapters.stores.keyring_store import KeyringSecretStore\n"
        "KeyringSecretStore()\n"
        "assert not [m for m in sys.modules if m.startswith(('keyring', 'keyrings'))], sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- several processes ------------------------------------------------------------------------------------


def _churn(path: str, writer: int, start: Any) -> None:
    store = KeyringSecretStore(SERVICE, plaintext_keyring(Path(path)))
    start.wait(timeout=60)
    for i in range(10):
        store.set(Item(f"w{writer}-{i}", b"x"))
        store.set(Item(f"tmp{writer}-{i}", b"y"))
        store.remove(f"tmp{writer}-{i}")


def test_parallel_writers_and_removers_lose_no_key(tmp_path: Path) -> None:
    # keyrings.alt rewrites its whole file on each change: without the store's lock, writers lose items too.
    path = tmp_path / "keyring_pass.cfg"
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(4)
    workers = [ctx.Process(target=_churn, args=(str(path), n, start)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    store = KeyringSecretStore(SERVICE, plaintext_keyring(path))
    assert sorted(store.keys()) == sorted(f"w{n}-{i}" for n in range(4) for i in range(10))
    assert sorted(json.loads(plaintext_keyring(path).get_password(SERVICE, INDEX_KEY))) == sorted(store.keys())


# --- settings and the CLI ---------------------------------------------------------------------------------


def test_keyring_is_chosen_only_by_name() -> None:
    env = {"PATH": "", "DISABLE_KWALLET": "1"}
    assert "keyring" not in s.KNOWN_BACKENDS and "keyring" in s.EXTRA_BACKENDS
    assert s.choose_backend("", env) != "keyring"
    assert s.available_backends(env)[-1] == "keyring"  # listed (help, enum errors, completion) after aws-vault's
    assert s.choose_backend("keyring", env) == "keyring"


def test_the_keyring_service_comes_from_the_flag_then_the_environment() -> None:
    env = {"AWS_VAULT_BACKEND": "keyring", "AWS_VAULT_KEYRING_SERVICE": "from-env", "HOME": "/home/me"}
    assert s.Settings.build({"HOME": "/home/me", "AWS_VAULT_BACKEND": "keyring"}).keyring_service == "aws-vault"
    assert s.Settings.build(env).keyring_service == "from-env"
    built = s.Settings.build(env, {"keyring_service": "from-flag"})
    assert (built.backend, built.keyring_service) == ("keyring", "from-flag")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A HOME under tmp_path, PlaintextKeyring chosen by PYTHON_KEYRING_BACKEND, keyring's choice not yet made."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("")
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", ""),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # python-keyring reads os.environ, not main()'s env
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    yield env


def _keyring_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg"


def test_cli_add_list_remove_through_python_keyring(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    keys = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET}
    assert main(["--backend=keyring", "add", "--env", "work"], env={**cli_env, **keys}) == 0
    assert 'Added credentials to profile "work" in vault' in capsys.readouterr().out
    assert _keyring_file(cli_env).is_file()
    assert SECRET not in _keyring_file(cli_env).read_text()  # stored as the envelope's base64

    assert main(["list", "--credentials"], env={**cli_env, "AWS_VAULT_BACKEND": "keyring"}) == 0
    assert capsys.readouterr().out.split() == ["work"]
    stored = plaintext_keyring(_keyring_file(cli_env)).get_password("aws-vault", "work")
    assert stored is not None and json.loads(stored)["Key"] == "work"

    assert main(["--backend=keyring", "remove", "-f", "work"], env=cli_env) == 0
    capsys.readouterr()
    assert main(["--backend=keyring", "list", "--credentials"], env=cli_env) == 0
    assert capsys.readouterr().out.split() == []
    assert plaintext_keyring(_keyring_file(cli_env)).get_password("aws-vault", "work") is None


def test_cli_keyring_service_flag_and_variable(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    keys = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET}
    argv = ["--backend=keyring", "--keyring-service=team", "add", "--env", "--no-add-config", "work"]
    assert main(argv, env={**cli_env, **keys}) == 0
    capsys.readouterr()
    backend = plaintext_keyring(_keyring_file(cli_env))
    assert backend.get_password("team", "work") is not None
    assert backend.get_password("aws-vault", "work") is None
    assert main(["--backend=keyring", "list", "--credentials"], env=cli_env) == 0
    assert capsys.readouterr().out.split() == []
    assert (
        main(["--backend=keyring", "list", "--credentials"], env={**cli_env, "AWS_VAULT_KEYRING_SERVICE": "team"}) == 0
    )
    assert capsys.readouterr().out.split() == ["work"]


def test_cli_reports_a_missing_keyring_backend_on_one_line(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert main(["--backend=keyring", "list", "--credentials"], env=cli_env) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("aws-vault: error: ")
    assert "NoKeyringError: No recommended backend was available" in err[0]

"""The core loop on every backend that runs here, against the real service behind it.

file (encrypted directory), keyctl (the kernel keyring: each test joins a fresh session keyring that
the CLI processes inherit), pass (real ``pass`` + GnuPG with a throwaway key and store) and
secret-service (a real gnome-keyring on a private D-Bus, one fresh collection a test).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.e2e.conftest import ENV_REPORT, HOME_MFA, MFA_CODE, PYTHON, Vault, child_report, error_lines
from tests.keyring_daemon import KeyringDaemon, create_collection, start_keyring_daemon

BACKENDS = ["file", "keyctl", "pass", "secret-service"]


@pytest.fixture(scope="module")
def gnupg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        ["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
         "aws-vault-e2e <e2e@example.invalid>", "default", "default", "never"],
        env=env, check=True, capture_output=True,
    )
    yield home
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False)


@pytest.fixture(scope="module")
def keyring_daemon() -> Iterator[KeyringDaemon]:
    daemon = start_keyring_daemon(reuse=False)
    yield daemon
    daemon.stop()


def _join_fresh_session_keyring() -> None:
    lib = ctypes.CDLL("libkeyutils.so.1", use_errno=True)
    lib.keyctl_join_session_keyring.restype = ctypes.c_long
    if lib.keyctl_join_session_keyring(None) < 0:
        raise OSError(ctypes.get_errno(), "keyctl_join_session_keyring failed")
    # Link the user keyring in, as a login session does, so keys in @u stay possessed for later tests.
    key_spec_user_keyring, key_spec_session_keyring = -4, -3
    if lib.keyctl_link(key_spec_user_keyring, key_spec_session_keyring) < 0:
        raise OSError(ctypes.get_errno(), "keyctl_link failed")


@pytest.fixture(params=BACKENDS)
def backend_vault(request: pytest.FixtureRequest, vault: Vault, tmp_path: Path) -> Vault:
    backend = request.param
    vault.env["AWS_VAULT_BACKEND"] = backend
    if backend == "keyctl":
        _join_fresh_session_keyring()  # children inherit it: private to this test
        vault.env["AWS_VAULT_KEYCTL_SCOPE"] = "session"
    elif backend == "pass":
        gnupg = request.getfixturevalue("gnupg")
        store = tmp_path / "password-store"
        env = {**os.environ, "GNUPGHOME": str(gnupg), "PASSWORD_STORE_DIR": str(store)}
        subprocess.run(["pass", "init", "e2e@example.invalid"], env=env, check=True, capture_output=True)
        vault.env.update(GNUPGHOME=str(gnupg), AWS_VAULT_PASS_PASSWORD_STORE_DIR=str(store))
    elif backend == "secret-service":
        daemon = request.getfixturevalue("keyring_daemon")
        collection = f"e2e{uuid.uuid4().hex[:10]}"
        create_collection(daemon.address, collection)
        vault.env.update(
            DBUS_SESSION_BUS_ADDRESS=daemon.address, AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME=collection
        )
    return vault


def test_add_exec_list_remove(backend_vault: Vault) -> None:
    v = backend_vault
    key = v.iam_key()

    add = v.spawn("add", "home")
    add.expect_exact("Enter Access Key Id: ")
    add.sendline(key["AccessKeyId"])
    add.expect_exact("Enter Secret Key: ")
    add.sendline(key["SecretAccessKey"])
    add.expect_exact('Added credentials to profile "home" in vault')
    add.expect(pexpect.EOF)
    add.close()
    assert add.exitstatus == 0
    assert key["SecretAccessKey"] not in add.transcript.getvalue()

    assert v.ok("list", "--credentials").stdout.split() == ["home"]

    exec_ = v.spawn("exec", "home", "--", PYTHON, "-c", ENV_REPORT)
    exec_.expect_exact(f"Enter MFA code for {HOME_MFA}: ")
    exec_.sendline(MFA_CODE)
    exec_.expect(pexpect.EOF)
    exec_.close()
    assert exec_.exitstatus == 0
    child = child_report(exec_.transcript.getvalue())["env"]
    assert child["AWS_VAULT"] == "home" and child["AWS_SESSION_TOKEN"]

    # The session is cached in the same backend: no prompt (no terminal at all), no second STS call.
    before = [r["Action"] for r in v.moto.requests()]
    again = v.ok("exec", "home", "--", PYTHON, "-c", ENV_REPORT)
    assert child_report(again.stdout)["env"]["AWS_ACCESS_KEY_ID"] == child["AWS_ACCESS_KEY_ID"]
    assert [r["Action"] for r in v.moto.requests()] == before
    assert before.count("GetSessionToken") == 1

    table = v.ok("list").stdout.splitlines()
    assert table[0].split() == ["Profile", "Credentials", "Sessions"]
    home_row = next(line.split() for line in table if line.startswith("home "))
    assert home_row[:2] == ["home", "home"] and home_row[2].isdigit()
    assert v.ok("list", "--sessions").stdout.startswith("sts.GetSessionToken:")

    rm = v.spawn("remove", "home")
    rm.expect_exact('Delete credentials for profile "home"? (Y|n)')
    rm.sendline("y")
    rm.expect_exact("Deleted credentials.")
    rm.expect_exact("Deleted 1 sessions.")
    rm.expect(pexpect.EOF)
    rm.close()
    assert rm.exitstatus == 0
    assert v.ok("list", "--credentials").stdout == ""

    failed = v.run("exec", "home", "--", "true")
    assert failed.returncode == 1
    assert error_lines(failed.stderr) == [
        "aws-vault: error: exec: Error getting temporary credentials: profile home: credentials missing"
    ]


def test_credential_process_is_served_from_the_backends_cache(backend_vault: Vault) -> None:
    v = backend_vault
    v.add("home")
    v.cache_session("home")
    before = len(v.moto.requests())
    out = v.ok("export", "--format=json", "home").stdout
    assert '"SessionToken"' in out
    assert len(v.moto.requests()) == before


def test_pass_store_not_initialised_is_one_line(vault: Vault, tmp_path: Path) -> None:
    empty = tmp_path / "empty-store"
    empty.mkdir()
    done = vault.run(
        "add", "--env", "home", env={"AWS_VAULT_BACKEND": "pass", "AWS_VAULT_PASS_PASSWORD_STORE_DIR": str(empty),
                                      "AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "s"},
    )
    assert done.returncode == 1
    [line] = error_lines(done.stderr)
    assert line.startswith("aws-vault: error: add: ") and "pass init" in line
    assert list(empty.iterdir()) == []


def test_missing_secret_service_collection_headless_is_one_line_and_stores_nothing(
    vault: Vault, keyring_daemon: KeyringDaemon
) -> None:
    env = {
        "AWS_VAULT_BACKEND": "secret-service",
        "DBUS_SESSION_BUS_ADDRESS": keyring_daemon.address,
        "AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME": f"missing{uuid.uuid4().hex[:8]}",
    }
    assert vault.ok("list", "--credentials", env=env).stdout == ""  # reading a missing collection: empty
    done = vault.run("add", "--env", "home", env={**env, "AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "s"})
    assert done.returncode == 1
    [line] = error_lines(done.stderr)
    assert "does not exist and could not be created" in line and "password prompt" in line
    assert "--backend=file" in line


def test_secret_service_without_a_reachable_bus_is_not_available(vault: Vault) -> None:
    done = vault.run("list", env={"AWS_VAULT_BACKEND": "secret-service",
                                  "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"})
    assert done.returncode == 1
    assert error_lines(done.stderr) == ["aws-vault: error: Specified keyring backend not available, try --help"]

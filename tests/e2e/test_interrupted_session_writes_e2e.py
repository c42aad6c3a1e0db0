"""``kill -9`` in the middle of ``exec``'s session save and of ``rotate``: real processes, moto over HTTP.

Issue 12, continued from ``test_interrupted_writes_e2e.py`` (``add``): with the file backend, the sessions
``exec`` caches (GetSessionToken, and every AssumeRole) and the key ``rotate`` stores are items in the same
directory as the master keys, written through a temp file and a rename. A process killed at any point
leaves no partial item and no lost or broken master key, and the next write removes its temp file.

What a killed ``rotate`` leaves: before its new key is stored, the old key (stored, working) and an orphan
new key in IAM; after, the new key (stored, working) and, until rotate's last step, the old key in IAM.
Either way the next ``rotate`` refuses at IAM's two-key limit, before changing anything, naming the key to
delete and the command that does it, and works once it is deleted. Never a stored key that does not work.

The CLI runs under that file's ``LAUNCHER`` (``os.replace`` wrapped: stall at a temp file's rename, or
slow every rename). ``exec`` and ``rotate`` rename nothing but the store's ``.%tmp-*`` files (the config
is not written), so the first stall is at the item the test is about. A proxy in front of moto holds
``rotate``'s DeleteAccessKey to kill it between storing the new key and deleting the old one.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

import boto3
import pytest

from aws_vault.adapters.stores.file_store import FileSecretStore
from aws_vault.domain.credentials import Credentials, master_from_json, session_from_json
from aws_vault.domain.sessions import KeyKind, classify_key
from tests.e2e.conftest import PASSPHRASE, Vault
from tests.e2e.test_interrupted_writes_e2e import LAUNCHER, killed
from tests.e2e.test_rotate_e2e import user_of
from tests.fault_proxy import Action, FaultProxy

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
CONFIG = f"""[profile plain]
region = us-east-1

[profile role]
region = us-east-1
source_profile = plain
role_arn = arn:aws:iam::{ACCOUNT}:role/interrupted
"""
SLOW = {"SLOW_RENAME_SECONDS": "0.2"}  # a slow disk: widens the window around the rename for random kills
_markers = itertools.count()


@pytest.fixture
def plain(vault: Vault) -> Vault:
    """The vault with profiles ``plain`` (a real IAM key, no MFA) and ``role`` (AssumeRole from it)."""
    vault.config.write_text(CONFIG)
    # Our own single-flight locks: not shared with another test run on this machine.
    (vault.root / "cache").mkdir()
    vault.env["XDG_CACHE_HOME"] = str(vault.root / "cache")
    vault.add("plain")
    return vault


# --- helpers --------------------------------------------------------------------------------------------


def spawn(vault: Vault, args: list[str], extra: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """``aws-vault *args`` under the ``LAUNCHER`` (its ``os.replace`` can stall or be slow)."""
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *args],
        env=vault.environ(extra),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_at_stall(vault: Vault, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run ``aws-vault *args``, ``kill -9`` it at the rename of its first store temp file; that file's name."""
    marker = vault.root / f"stalled-{next(_markers)}"
    extra = {**(env or {}), "STALL_ON_RENAME_OF": ".%tmp-", "STALL_MARKER": str(marker)}
    proc = spawn(vault, list(args), extra)
    with killed(proc):
        deadline = time.monotonic() + 30
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None, f"{args} ended before its write: {proc.communicate()}"
            assert time.monotonic() < deadline, f"{args} never reached its write"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    left = marker.read_text()
    assert (vault.key_dir / left).exists(), "killed between its temp file and the rename"
    return left


def items(vault: Vault) -> dict[str, Credentials]:
    """Every stored item, decrypted and parsed (master keys and sessions): fails on any partial or corrupt one."""
    store = FileSecretStore(str(vault.key_dir), lambda: PASSPHRASE)
    found: dict[str, Credentials] = {}
    for key in store.keys():
        item = store.get(key)
        assert item is not None, key
        kind = classify_key(key)
        assert kind in (KeyKind.CREDENTIAL, KeyKind.SESSION), key
        found[key] = (
            master_from_json(item.data, key) if kind == KeyKind.CREDENTIAL else session_from_json(item.data, key)
        )
    return found


def temp_files(vault: Vault) -> list[str]:
    return sorted(p.name for p in vault.key_dir.glob(".%tmp-*"))


def others(vault: Vault, left: str) -> dict[str, bytes]:
    """The store's files but the killed writer's temp file ``left``."""
    return {name: data for name, data in vault.stored().items() if name != left}


def client(vault: Vault, service: str, creds: Credentials) -> Any:
    return boto3.client(
        service,
        endpoint_url=vault.moto.url,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
    )


def works(vault: Vault, creds: Credentials) -> bool:
    """Whether moto (checking keys: call inside ``auth_enforced``) accepts ``creds``."""
    try:
        client(vault, "sts", creds).get_caller_identity()
        return True
    except Exception:
        return False


class HeldRequest(FaultProxy):
    """Forwards every request to moto but ``action``'s, which it never answers; ``reached`` is set then."""

    def __init__(self, target: str, action: str) -> None:
        super().__init__(target)
        self.action = action
        self.reached = threading.Event()

    def _next(self, method: str, path: str, action: str) -> Action:
        super()._next(method, path, action)  # records what it saw
        if action != self.action:
            return "pass"
        self.reached.set()
        return "silence"


def access_keys(vault: Vault, creds: Credentials, user: str) -> list[str]:
    """The user's keys in IAM, listed with ``creds`` (the stored key: admin of its own user)."""
    listed = client(vault, "iam", creds).list_access_keys(UserName=user)["AccessKeyMetadata"]
    return sorted(str(k["AccessKeyId"]) for k in listed)


# --- exec: the session save -----------------------------------------------------------------------------


def test_exec_killed_at_its_session_write_keeps_the_master_key_and_the_next_exec_caches_cleanly(plain: Vault) -> None:
    vault = plain
    before = vault.stored()
    key_id = items(vault)["plain"].access_key_id

    # Killed with the GetSessionToken session in its temp file: the master key is untouched, nothing is cached.
    left = kill_at_stall(vault, "exec", "plain", "--", "true")
    assert others(vault, left) == before
    assert {k: c.access_key_id for k, c in items(vault).items()} == {"plain": key_id}
    assert vault.session_files() == []

    # The next exec gets and caches a session; its write removes the dead writer's temp file.
    vault.ok("exec", "plain", "--", "true")
    assert temp_files(vault) == []
    sessions = vault.session_files()
    assert len(sessions) == 1 and sessions[0].startswith("sts.GetSessionToken,")
    assert items(vault)["plain"].access_key_id == key_id
    assert vault.stored()["plain"] == before["plain"]

    # Killed while replacing a valid session (AWS_MIN_TTL above its lifetime makes every lookup miss). The
    # save writes the new session before it deletes the superseded one, so the old one stands, unchanged.
    cached = vault.stored()
    left = kill_at_stall(vault, "export", "--format=json", "plain", env={"AWS_MIN_TTL": "2h"})
    assert vault.session_files() == sessions
    assert others(vault, left) == cached
    assert set(items(vault)) == {"plain", *vault.session_files()}  # all decrypt

    done = vault.ok("export", "--format=json", "plain", env={"AWS_MIN_TTL": "2h"})
    assert json.loads(done.stdout)["SessionToken"]
    assert temp_files(vault) == []
    assert len(vault.session_files()) == 1
    assert vault.stored()["plain"] == before["plain"]


def test_exec_of_a_role_killed_at_its_assume_role_write_changes_nothing_else(plain: Vault) -> None:
    vault = plain
    vault.ok("exec", "plain", "--", "true")  # plain's session is cached: the role's exec writes only its own
    before = vault.stored()

    # Every AssumeRole is cached: killed at that write, the master key and plain's session are untouched.
    left = kill_at_stall(vault, "exec", "role", "--", "true")
    assert others(vault, left) == before
    assert set(items(vault)) == set(before)  # all decrypt

    vault.ok("exec", "role", "--", "true")
    assert temp_files(vault) == []
    assert sorted(s.split(",")[0] for s in vault.session_files()) == ["sts.AssumeRole", "sts.GetSessionToken"]
    assert set(items(vault)) == set(vault.stored())  # every file is an item, and decrypts
    assert {name: vault.stored()[name] for name in before} == before  # untouched


def test_kill_9_at_random_points_of_a_cold_export_never_leaves_a_corrupt_item(plain: Vault) -> None:
    vault = plain
    master = vault.stored()["plain"]
    seed = random.randrange(2**32)
    rng = random.Random(seed)

    started = time.monotonic()
    proc = spawn(vault, ["export", "--format=json", "plain"], SLOW)
    with killed(proc):
        proc.wait(timeout=60)
    assert proc.returncode == 0
    full_run = time.monotonic() - started

    outcomes = []
    for i in range(12):
        vault.ok("clear")  # a cold cache: every run fetches a session and writes it
        assert vault.session_files() == []
        temps = set(temp_files(vault))
        proc = spawn(vault, ["export", "--format=json", "plain"], SLOW)
        with killed(proc):
            time.sleep(rng.uniform(0.0, full_run * 1.3))  # mostly mid-run (the rename is slow), some complete
        completed = proc.returncode == 0
        context = f"seed {seed}, run {i}, {'completed' if completed else 'killed'}"

        stored = items(vault)  # every item decrypts: none is partial or corrupt
        assert vault.stored()["plain"] == master, f"{context}: the master key changed"
        sessions = vault.session_files()
        assert set(stored) == {"plain", *sessions}, context
        assert len(sessions) == 1 if completed else len(sessions) <= 1, context
        if completed:
            outcomes.append("completed")
        elif sessions:
            outcomes.append("killed after the rename")
        elif set(temp_files(vault)) - temps:
            outcomes.append("killed at the rename")
        else:
            outcomes.append("killed before the write")

    vault.ok("clear")
    vault.ok("export", "--format=json", "plain")
    assert temp_files(vault) == [], f"seed {seed}"
    assert len(vault.session_files()) == 1
    assert set(items(vault)) == {"plain", *vault.session_files()}
    assert vault.stored()["plain"] == master
    print(f"seed {seed}: {outcomes}")


# --- rotate: the new master key's write -----------------------------------------------------------------


def test_rotate_killed_before_storing_the_new_key_leaves_the_old_one_working_and_an_orphan_in_iam(vault: Vault) -> None:
    old_id = vault.add("work")
    user = user_of(vault, old_id)
    vault.iam.put_user_policy(UserName=user, PolicyName="admin", PolicyDocument=ADMIN)
    vault.cache_session("work")  # rotate deletes it, but only after storing the new key
    before = vault.stored()

    with vault.moto.auth_enforced():
        # Killed at the rename of the new key's temp file: rotate has created the new key in IAM and
        # verified it (the user saw "Created new access key ****..."), but never stored it.
        left = kill_at_stall(vault, "rotate", "--no-session", "work")
        assert others(vault, left) == before  # the old key and the session, byte for byte
        old = items(vault)["work"]
        assert old.access_key_id == old_id and works(vault, old)

        # What the user is left with: the old key, stored and working, and a second key in IAM whose
        # secret is only in the dead writer's (encrypted) temp file.
        keys = access_keys(vault, old, user)
        assert old_id in keys and len(keys) == 2
        orphan = next(k for k in keys if k != old_id)

        # The next rotate says so before changing anything, and names the key to delete.
        done = vault.run("rotate", "--no-session", "work")
        assert done.returncode == 1, done
        assert done.stderr.count("\n") == 1, done.stderr
        assert f"IAM user {user} already has 2 access keys" in done.stderr and "nothing was changed" in done.stderr
        assert f"({orphan}) with `aws iam delete-access-key --access-key-id {orphan} --user-name {user}`" in done.stderr
        assert others(vault, left) == before and temp_files(vault) == [left]  # it wrote nothing
        assert access_keys(vault, old, user) == keys

        # Once the orphan is deleted as told, rotate works, and its write removes the temp file.
        client(vault, "iam", old).delete_access_key(UserName=user, AccessKeyId=orphan)
        vault.ok("rotate", "--no-session", "work")
        new = items(vault)["work"]
        assert new.access_key_id not in (old_id, orphan)
        assert works(vault, new) and not works(vault, old)
        assert access_keys(vault, new, user) == [new.access_key_id]
    assert temp_files(vault) == []
    assert vault.session_files() == []
    assert list(vault.stored()) == ["work"]


def test_rotate_killed_before_deleting_the_old_key_leaves_the_new_one_stored_and_both_in_iam(vault: Vault) -> None:
    old_id = vault.add("work")
    user = user_of(vault, old_id)
    vault.iam.put_user_policy(UserName=user, PolicyName="admin", PolicyDocument=ADMIN)
    vault.cache_session("work")
    old = items(vault)["work"]

    # Killed while its DeleteAccessKey for the old key is on the wire (the proxy holds it): the new key
    # is stored (the write completed: no temp file) and the sessions are gone.
    proxy = HeldRequest(vault.moto.url, "DeleteAccessKey")
    with vault.moto.auth_enforced(), proxy:
        proc = spawn(vault, ["rotate", "--no-session", "work"], {"AWS_ENDPOINT_URL": proxy.url})
        with killed(proc):
            assert proxy.reached.wait(30), f"rotate never got to DeleteAccessKey: {proc.communicate()}"
            os.kill(proc.pid, signal.SIGKILL)
        assert proc.returncode == -signal.SIGKILL
        new = items(vault)["work"]
        assert new.access_key_id != old_id and works(vault, new)
        assert list(vault.stored()) == ["work"]  # no session, no temp file
        # The old key is still active in IAM (and still works) next to the stored new one.
        assert access_keys(vault, new, user) == sorted([old_id, new.access_key_id])
        assert works(vault, old)

        # The next rotate names the old key to delete; once it is deleted, rotate works again.
        done = vault.run("rotate", "--no-session", "work")
        assert done.returncode == 1 and done.stderr.count("\n") == 1, done
        assert f"({old_id}) with `aws iam delete-access-key --access-key-id {old_id} --user-name {user}`" in done.stderr
        assert items(vault)["work"] == new
        client(vault, "iam", new).delete_access_key(UserName=user, AccessKeyId=old_id)
        vault.ok("rotate", "--no-session", "work")
        newest = items(vault)["work"]
        assert works(vault, newest) and not works(vault, new) and not works(vault, old)
        assert access_keys(vault, newest, user) == [newest.access_key_id]
    assert list(vault.stored()) == ["work"]


def test_kill_9_at_random_points_of_rotate_always_leaves_a_stored_key_that_works(vault: Vault) -> None:
    old_id = vault.add("work")
    user = user_of(vault, old_id)
    vault.iam.put_user_policy(UserName=user, PolicyName="admin", PolicyDocument=ADMIN)
    seed = random.randrange(2**32)
    rng = random.Random(seed)

    with vault.moto.auth_enforced():
        started = time.monotonic()
        proc = spawn(vault, ["rotate", "--no-session", "work"], SLOW)
        with killed(proc):
            proc.wait(timeout=60)
        assert proc.returncode == 0
        full_run = time.monotonic() - started

        outcomes = []
        for i in range(10):
            previous = items(vault)["work"]
            proc = spawn(vault, ["rotate", "--no-session", "work"], SLOW)
            with killed(proc):
                time.sleep(rng.uniform(0.0, full_run * 1.2))
            completed = proc.returncode == 0
            context = f"seed {seed}, run {i}, {'completed' if completed else 'killed'}"

            stored = items(vault)  # decrypts: no partial item
            assert list(stored) == ["work"], context
            creds = stored["work"]
            assert works(vault, creds), f"{context}: the stored key does not work"
            keys = access_keys(vault, creds, user)
            assert creds.access_key_id in keys and len(keys) <= 2, context
            if completed:
                assert creds.access_key_id != previous.access_key_id and keys == [creds.access_key_id], context
            # The old key is deleted only once the new one is stored: either may be stored, the other left.
            outcomes.append((completed, creds.access_key_id == previous.access_key_id, len(keys)))
            if len(keys) == 2:
                extra = next(k for k in keys if k != creds.access_key_id)
                done = vault.run("rotate", "--no-session", "work")
                assert done.returncode == 1 and f"({extra}) with `aws iam delete-access-key" in done.stderr, context
                client(vault, "iam", creds).delete_access_key(UserName=user, AccessKeyId=extra)

        vault.ok("rotate", "--no-session", "work")
        creds = items(vault)["work"]
        assert works(vault, creds) and access_keys(vault, creds, user) == [creds.access_key_id]
    assert temp_files(vault) == [], f"seed {seed}"
    print(f"seed {seed}: (completed, old key still stored, keys in IAM) {outcomes}")

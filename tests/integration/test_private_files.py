"""Files we create on disk: private directories, temp files of interrupted writes, a shared store directory.

Issue 12 ("Files"): every directory we create is 0700 (each created parent too) whatever the umask,
items 0600; temp files a killed writer left are removed by the next write, never a live writer's; the
file store warns once when others can write its directory.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_vault.adapters.atomic_write import STALE_AFTER_SECONDS, is_stale, temp_name
from aws_vault.adapters.config.aws_config_source import AwsConfigSource
from aws_vault.adapters.fs import make_private_dirs
from aws_vault.adapters.stores.file_store import FileSecretStore
from aws_vault.domain.items import Item

PASSPHRASE = "correct horse battery staple"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """Restores the process umask after a test that sets it."""
    old = os.umask(0o022)
    os.umask(old)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The pid of another process that is running for the whole test."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


def age(path: Path, seconds: float) -> None:
    """Make ``path`` look last written ``seconds`` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


# --- every directory we create is 0700 ------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
def test_the_file_store_creates_each_missing_parent_0700_whatever_the_umask(
    tmp_path: Path, umask: None, mask: int
) -> None:
    (tmp_path / "existing").mkdir(mode=0o755)
    os.chmod(tmp_path / "existing", 0o755)
    directory = tmp_path / "existing" / "a" / "b" / "c"  # as --file-dir existing/a/b/c
    os.umask(mask)
    FileSecretStore(str(directory), lambda: PASSPHRASE).set(Item("jonsmith", b"x"))

    for created in (tmp_path / "existing" / "a", tmp_path / "existing" / "a" / "b", directory):
        assert mode(created) == 0o700, created
    assert mode(tmp_path / "existing") == 0o755, "a directory we did not create keeps its mode"
    assert mode(directory / "jonsmith") == 0o600


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_the_default_store_directory_and_its_parent_are_0700(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask: None, mask: int
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    os.umask(mask)
    FileSecretStore("~/.awsvault/keys", lambda: PASSPHRASE).set(Item("jonsmith", b"x"))
    assert mode(tmp_path / ".awsvault") == 0o700
    assert mode(tmp_path / ".awsvault" / "keys") == 0o700
    assert mode(tmp_path / ".awsvault" / "keys" / "jonsmith") == 0o600


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_the_config_file_directory_add_creates_is_0700_with_each_parent(tmp_path: Path, umask: None, mask: int) -> None:
    os.umask(mask)
    AwsConfigSource(str(tmp_path / "x" / "y" / "config")).add_profile("p")
    assert mode(tmp_path / "x") == 0o700
    assert mode(tmp_path / "x" / "y") == 0o700
    assert mode(tmp_path / "x" / "y" / "config") == 0o600


def test_make_private_dirs_never_changes_a_file_in_the_way(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    blocker.chmod(0o644)
    with pytest.raises(OSError):
        make_private_dirs(str(blocker / "sub"))
    assert mode(blocker) == 0o644
    assert blocker.read_text() == "mine"


def test_make_private_dirs_leaves_an_existing_directory_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o751)
    make_private_dirs(str(tmp_path))
    assert mode(tmp_path) == 0o751


# --- temp files of interrupted writes -------------------------------------------------------------------


def test_temp_names_carry_the_writer_pid() -> None:
    name = temp_name(".%tmp-")
    assert name.startswith(f".%tmp-{os.getpid()}-")
    assert name != temp_name(".%tmp-")


def test_staleness_rules(dead_pid: int, live_pid: int) -> None:
    now = time.time()
    old = now - STALE_AFTER_SECONDS - 1
    assert is_stale(dead_pid, now, now), "a gone writer's file goes at once"
    assert not is_stale(live_pid, now, now), "a live writer's fresh file is kept"
    assert not is_stale(os.getpid(), now, now), "so is ours (another thread may be writing it)"
    assert not is_stale(None, now, now), "no pid recorded: only age tells"
    assert is_stale(None, old, now)
    assert is_stale(live_pid, old, now), "untouched for a minute: its writer is gone, its pid reused"
    assert is_stale(0, now, now) and is_stale(2**40, now, now), "no process has these pids"


def test_a_store_write_removes_stale_temp_files_and_keeps_a_live_writers(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    keys = tmp_path / "keys"
    store = FileSecretStore(str(keys), lambda: PASSPHRASE)
    store.set(Item("jonsmith", b"before"))
    dead = keys / f".%tmp-{dead_pid}-0123456789abcdef"
    live = keys / f".%tmp-{live_pid}-0123456789abcdef"
    live_but_old = keys / f".%tmp-{live_pid}-fedcba9876543210"
    legacy_fresh = keys / ".%tmp-00112233445566ff"
    legacy_old = keys / ".%tmp-ffeeddccbbaa9988"
    other = keys / ".%tmp-not-ours"
    for path in (dead, live, live_but_old, legacy_fresh, legacy_old, other):
        path.write_bytes(b"half a tok")
    age(live_but_old, STALE_AFTER_SECONDS + 5)
    age(legacy_old, STALE_AFTER_SECONDS + 5)
    age(other, 3600)

    FileSecretStore(str(keys), lambda: PASSPHRASE).set(Item("other", b"y"))

    left = {p.name for p in keys.iterdir()}
    assert left == {"jonsmith", "other", live.name, legacy_fresh.name, other.name}
    assert store.keys() == ["jonsmith", "other"], "temp files are never keys"


def test_reads_and_removals_leave_temp_files_alone(tmp_path: Path, dead_pid: int) -> None:
    keys = tmp_path / "keys"
    store = FileSecretStore(str(keys), lambda: PASSPHRASE)
    store.set(Item("jonsmith", b"x"))
    store.set(Item("gone", b"x"))
    dead = keys / f".%tmp-{dead_pid}-0123456789abcdef"
    dead.write_bytes(b"half")
    store.keys()
    store.get("jonsmith")
    store.remove("gone")
    assert dead.exists(), "cleaning up is the next write's job"


def test_a_config_write_removes_stale_temp_files_and_keeps_a_live_writers(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile a]\nregion=eu-west-1\n")
    dead = tmp_path / f".config.{dead_pid}-0123456789abcdef.tmp"
    live = tmp_path / f".config.{live_pid}-0123456789abcdef.tmp"
    legacy_old = tmp_path / ".config.0123456789ab.tmp"
    unrelated = tmp_path / ".config.bak"
    for path in (dead, live, legacy_old, unrelated):
        path.write_text("[profile a]\n")
    age(legacy_old, STALE_AFTER_SECONDS + 5)
    age(unrelated, 3600)

    AwsConfigSource(str(config)).add_profile("b")

    assert {p.name for p in tmp_path.iterdir()} == {"config", live.name, unrelated.name}
    assert config.read_text() == "[profile a]\nregion=eu-west-1\n\n[profile b]\n"


# --- a directory others can write -----------------------------------------------------------------------


@pytest.mark.parametrize("shared", [0o770, 0o707, 0o777, 0o1777])
def test_the_store_warns_once_when_others_can_write_its_directory(tmp_path: Path, shared: int) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    keys.chmod(shared)
    warnings: list[str] = []
    store = FileSecretStore(str(keys), lambda: PASSPHRASE, warn=warnings.append)

    store.keys()
    store.set(Item("jonsmith", b"x"))
    store.get("jonsmith")
    store.keys()

    assert len(warnings) == 1
    assert warnings[0].startswith(f"{keys} is writable by group/others; ")
    assert "\n" not in warnings[0]
    assert mode(keys) == shared, "a warning, not a chmod: the directory is the user's"


def test_no_warning_for_a_private_directory_or_a_missing_one(tmp_path: Path) -> None:
    warnings: list[str] = []
    keys = tmp_path / "keys"
    store = FileSecretStore(str(keys), lambda: PASSPHRASE, warn=warnings.append)
    assert store.get("jonsmith") is None  # missing: we will create it 0700
    store.set(Item("jonsmith", b"x"))
    store.keys()
    (tmp_path / "readable").mkdir()
    (tmp_path / "readable").chmod(0o755)
    FileSecretStore(str(tmp_path / "readable"), lambda: PASSPHRASE, warn=warnings.append).keys()
    assert warnings == []


def test_without_a_warn_callback_nothing_is_checked(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    keys.chmod(0o777)
    FileSecretStore(str(keys), lambda: PASSPHRASE).set(Item("jonsmith", b"x"))
    assert (keys / "jonsmith").exists()

"""Writes that are killed, names that are refused, and ``--``: the installed CLI as real processes.

Issue 12: ``kill -9`` at any point of an ``add`` loses no key and leaves no item that reads as corrupt,
and the temp files it leaves are gone after the next write; a profile name with a control character
is refused in one line before the store or the config is touched; ``add --env -- NAME`` works; the
file store warns once about a directory others can write.

No AWS endpoint is needed (``add`` and ``list`` make no calls), so these tests run without moto.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from aws_vault.adapters.config.aws_config_source import AwsConfigSource
from aws_vault.adapters.stores.file_store import FileSecretStore
from aws_vault.domain.credentials import master_from_json
from tests.e2e.conftest import error_lines

pytestmark = pytest.mark.e2e

AWS_VAULT = str(Path(sys.prefix) / "bin" / "aws-vault")
PASSPHRASE = "kill-9-passphrase"

# The real CLI, with os.replace wrapped: it can stall (forever) at the rename of a temp file whose name
# starts with $STALL_ON_RENAME_OF, after writing that name to $STALL_MARKER (the moment to kill -9 it),
# or slow every rename by $SLOW_RENAME_SECONDS (a slow disk: wider windows for random kills).
LAUNCHER = r"""
import os, sys, time
stall_on = os.environ.pop("STALL_ON_RENAME_OF", "")
marker = os.environ.pop("STALL_MARKER", "")
slow = float(os.environ.pop("SLOW_RENAME_SECONDS", "0") or 0)
_replace = os.replace
def replace(src, dst, *args, **kwargs):
    name = os.path.basename(os.fsdecode(src))
    if stall_on and name.startswith(stall_on):
        with open(marker, "w") as f:
            f.write(name)
        time.sleep(3600)
    if slow:
        time.sleep(slow)
    return _replace(src, dst, *args, **kwargs)
os.replace = replace
from aws_vault.entrypoints.cli.main import run
sys.argv[0] = "aws-vault"
run()
"""


@dataclass
class Home:
    root: Path
    env: dict[str, str]

    @property
    def key_dir(self) -> Path:
        return self.root / "keys"

    @property
    def config(self) -> Path:
        return self.root / "aws" / "config"

    def environ(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        env = dict(self.env)
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(self, *args: str, env: Mapping[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [AWS_VAULT, *args],
            env=self.environ(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            start_new_session=True,  # no controlling terminal: a prompt fails instead of hanging
        )

    def add(self, profile: str, key_id: str) -> subprocess.CompletedProcess[str]:
        done = self.run("add", "--env", profile, env=keys_env(key_id))
        assert done.returncode == 0, done.stderr
        return done

    def spawn_add(self, profile: str, key_id: str, extra: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, "add", "--env", profile],
            env=self.environ({**keys_env(key_id), **(extra or {})}),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def stored(self) -> dict[str, bytes]:
        if not self.key_dir.exists():
            return {}
        return {p.name: p.read_bytes() for p in sorted(self.key_dir.iterdir())}

    def temp_files(self) -> list[str]:
        found = [p.name for p in self.key_dir.glob(".%tmp-*")]
        found += [p.name for p in self.config.parent.glob(".config.*.tmp")]
        return sorted(found)

    def key_ids(self) -> dict[str, str]:
        """Every stored item, decrypted: profile -> access key id. Fails on any corrupt item."""
        store = FileSecretStore(str(self.key_dir), lambda: PASSPHRASE)
        found: dict[str, str] = {}
        for key in store.keys():
            item = store.get(key)
            assert item is not None, key
            found[key] = master_from_json(item.data, key).access_key_id
        return found

    def sections(self) -> list[str]:
        return [p.name for p in AwsConfigSource(str(self.config)).load().profiles]


def keys_env(key_id: str) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": f"secret-of-{key_id}"}


@pytest.fixture
def home(tmp_path: Path) -> Home:
    (tmp_path / "home").mkdir()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    env = {
        **base,
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "AWS_CONFIG_FILE": str(tmp_path / "aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-such-credentials-file"),
        "AWS_VAULT_BACKEND": "file",
        "AWS_VAULT_FILE_DIR": str(tmp_path / "keys"),
        "AWS_VAULT_FILE_PASSPHRASE": PASSPHRASE,
    }
    return Home(tmp_path, env)


@contextlib.contextmanager
def killed(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)  # reaped: its pid is gone


def kill_at_stall(home: Home, profile: str, key_id: str, stall_on: str) -> str:
    """Run ``add --env profile``, ``kill -9`` it at the rename of its ``stall_on`` temp file; that file's name."""
    marker = home.root / f"stalled-{profile}"
    proc = home.spawn_add(profile, key_id, {"STALL_ON_RENAME_OF": stall_on, "STALL_MARKER": str(marker)})
    with killed(proc):
        deadline = time.monotonic() + 30
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None, f"add ended before its write: {proc.communicate()}"
            assert time.monotonic() < deadline, "add never reached its write"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    return marker.read_text()


# --- kill -9 in the middle of a write -------------------------------------------------------------------


def test_kill_9_between_temp_file_and_rename_loses_nothing_and_the_next_write_cleans_up(home: Home) -> None:
    home.add("first", "AKIAFIRST")
    config_before = home.config.read_bytes()

    # Killed with its new item fully written to a temp file, before the rename: the old item stands.
    left = kill_at_stall(home, "first", "AKIAFIRSTNEW", ".%tmp-")
    assert (home.key_dir / left).exists()
    assert home.key_ids() == {"first": "AKIAFIRST"}, "the previous item is intact, the temp file no key"

    # Killed at the config's rename: the key is stored, the config is as it was.
    left_config = kill_at_stall(home, "second", "AKIASECOND", ".config.")
    assert (home.config.parent / left_config).exists()
    assert home.key_ids() == {"first": "AKIAFIRST", "second": "AKIASECOND"}
    assert home.config.read_bytes() == config_before
    # That add's own store write already removed the first killed writer's temp file.
    assert home.temp_files() == [left_config]

    # The next write (store and config) removes both dead writers' temp files.
    home.add("third", "AKIATHIRD")
    assert home.temp_files() == []
    assert home.key_ids() == {"first": "AKIAFIRST", "second": "AKIASECOND", "third": "AKIATHIRD"}
    assert home.sections() == ["first", "third"]


def test_kill_9_at_random_points_of_add_never_leaves_a_corrupt_item_or_loses_a_key(home: Home) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    slow = {"SLOW_RENAME_SECONDS": "0.1"}  # widens the windows around both renames

    started = time.monotonic()
    proc = home.spawn_add("shared", "AKIASHARED0", slow)
    with killed(proc):
        proc.wait(timeout=60)
    assert proc.returncode == 0
    full_run = time.monotonic() - started

    shared_ids = {"AKIASHARED0"}  # what "shared" may hold: it must always hold one of them
    done: dict[str, str] = {"shared": "AKIASHARED0"}  # profiles whose add completed -> key id
    for i in range(20):
        # Even runs overwrite "shared", odd ones add a new profile (store item, then config section).
        profile, key_id = ("shared", f"AKIASHARED{i + 1}") if i % 2 == 0 else (f"q{i}", f"AKIAQ{i}")
        if profile == "shared":
            shared_ids.add(key_id)
        proc = home.spawn_add(profile, key_id, slow)
        with killed(proc):
            time.sleep(rng.uniform(0.0, full_run * 1.3))  # mostly mid-run (the renames are slow), some complete
        completed = proc.returncode == 0
        context = f"seed {seed}, run {i}, {'completed' if completed else 'killed'}"

        ids = home.key_ids()  # every item decrypts: none is partial or corrupt
        assert ids.get("shared") in shared_ids, context
        for name, expected in done.items():
            if name != "shared":
                assert ids.get(name) == expected, f"{context}: {name} lost or changed"
        if profile != "shared":
            assert ids.get(profile, key_id) == key_id, f"{context}: absent or whole"
        sections = home.sections()  # the config always parses
        assert all(name in sections for name in done), f"{context}: a section was lost"
        if completed:
            done[profile] = key_id
            if profile == "shared":
                assert ids["shared"] == key_id, context

    home.add("final", "AKIAFINAL")
    assert home.temp_files() == [], f"seed {seed}"
    ids = home.key_ids()
    assert ids["final"] == "AKIAFINAL"
    assert ids["shared"] in shared_ids


# --- bad names, refused before anything is written ------------------------------------------------------


BAD_NAMES = {
    "newline": "a\nb",
    "injected-section": "work\n[profile evil]",
    "cr": "a\rb",
    "tab": "a\tb",
    "escape": "a\x1b[31mb",
    "del": "a\x7fb",
    "c1-next-line": "a\x85b",
    "line-separator": "a\u2028b",
    "zero-width-space": "a\u200bb",
    "empty": "",
    "blank": "  ",
}


@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
def test_add_refuses_a_bad_name_in_one_line_before_touching_store_or_config(home: Home, name: str) -> None:
    home.add("home", "AKIAHOME")
    stored, config = home.stored(), home.config.read_bytes()

    # No passphrase and no --env: were the name accepted, the next step would be a prompt (which fails).
    done = home.run("add", name, env={"AWS_VAULT_FILE_PASSPHRASE": None})

    assert done.returncode == 1, done
    assert done.stdout == ""
    lines = error_lines(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("aws-vault: error: add: ")
    assert "profile name" in lines[0]
    assert home.stored() == stored
    assert home.config.read_bytes() == config


@pytest.mark.parametrize("name", [" lead", "trail ", '"quoted"'], ids=["lead", "trail", "quoted"])
def test_add_refuses_a_name_the_config_would_not_read_back_before_storing_its_key(home: Home, name: str) -> None:
    home.add("home", "AKIAHOME")
    stored, config = home.stored(), home.config.read_bytes()

    done = home.run("add", "--env", name, env=keys_env("AKIASPACES"))

    assert done.returncode == 1, done
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "would not read back as itself" in done.stderr
    assert home.stored() == stored, "no key stored for a profile the config cannot hold"
    assert home.config.read_bytes() == config

    # Without a section to add, the name is only a store key: accepted.
    done = home.run("add", "--env", "--no-add-config", name, env=keys_env("AKIASPACES"))
    assert done.returncode == 0, done.stderr
    assert home.key_ids() == {"home": "AKIAHOME", name: "AKIASPACES"}
    assert home.config.read_bytes() == config


def test_add_refuses_a_nul_in_the_name_before_touching_store_or_config(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    from aws_vault.entrypoints.cli.main import main

    home.add("home", "AKIAHOME")
    stored, config = home.stored(), home.config.read_bytes()

    # A NUL cannot reach a real process's argv: the in-process CLI (what the API and tests call) can.
    code = main(["add", "--env", "a\0b"], env=home.environ(keys_env("AKIANUL")))

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("aws-vault: error: add: invalid profile name 'a\\x00b'")
    assert home.stored() == stored
    assert home.config.read_bytes() == config


# --- -- ends the options --------------------------------------------------------------------------------


def test_double_dash_ends_the_options_of_add_and_remove(home: Home) -> None:
    done = home.run("add", "--env", "--", "NAME", env=keys_env("AKIANAME"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('Added credentials to profile "NAME" in vault')

    done = home.run("add", "--env", "--", "-dash", env=keys_env("AKIADASH"))
    assert done.returncode == 0, done.stderr
    assert home.key_ids() == {"-dash": "AKIADASH", "NAME": "AKIANAME"}
    assert home.sections() == ["NAME", "-dash"]

    done = home.run("remove", "-f", "--", "-dash")
    assert done.returncode == 0, done.stderr
    assert home.key_ids() == {"NAME": "AKIANAME"}


def test_double_dash_then_two_names_is_one_usage_error(home: Home) -> None:
    done = home.run("add", "--env", "--", "a", "b", env=keys_env("AKIAAB"))
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["aws-vault: error: unrecognized arguments: b, try --help"]
    assert home.stored() == {}


def test_exec_still_takes_its_command_after_double_dash(home: Home) -> None:
    done = home.run("exec", "--help")
    assert done.returncode == 0
    done = home.run("exec", "nobody", "--", sys.executable, "-c", "pass")
    assert done.returncode == 1
    assert done.stderr.startswith("aws-vault: error: exec: "), done.stderr  # the profile, not the parsing


# --- files and directories ------------------------------------------------------------------------------


def test_add_creates_private_directories_whatever_the_umask(home: Home) -> None:
    env = home.environ({**keys_env("AKIAUMASK"), "AWS_VAULT_FILE_DIR": str(home.root / "a" / "b" / "keys")})
    done = subprocess.run(
        ["sh", "-c", 'umask 000 && exec "$0" "$@"', AWS_VAULT, "add", "--env", "p"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    for directory in (home.root / "a", home.root / "a" / "b", home.root / "a" / "b" / "keys", home.config.parent):
        assert directory.stat().st_mode & 0o777 == 0o700, directory
    assert (home.root / "a" / "b" / "keys" / "p").stat().st_mode & 0o777 == 0o600
    assert home.config.stat().st_mode & 0o777 == 0o600


def test_a_store_directory_others_can_write_is_warned_about_once(home: Home) -> None:
    home.add("home", "AKIAHOME")
    home.key_dir.chmod(0o777)

    done = home.run("list", "--credentials")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "home\n"
    assert done.stderr.splitlines() == [
        f"aws-vault: warning: {home.key_dir} is writable by group/others; they can replace or delete stored "
        f"credentials (chmod go-w {home.key_dir})"
    ]

    done = home.run("add", "--env", "other", env=keys_env("AKIAOTHER"))
    assert done.returncode == 0
    assert len(done.stderr.splitlines()) == 1 and "writable by group/others" in done.stderr

    home.key_dir.chmod(0o700)
    assert home.run("list", "--credentials").stderr == ""

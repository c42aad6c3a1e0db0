"""A real gnome-keyring Secret Service on a private D-Bus session bus (reference test-components.md §1).

``start_keyring_daemon()`` makes a temp HOME holding unencrypted ``login`` and ``awsvault`` keyrings (plain
``*.keyring`` files, which gnome-keyring loads as locked collections that unlock without a prompt), starts
``dbus-daemon --session --fork`` and ``gnome-keyring-daemon --start --foreground --components=secrets`` and
waits until ``org.freedesktop.secrets`` has an owner. When ``DBUS_SESSION_BUS_ADDRESS`` and ``CC_KEYRING_HOME``
are both set (the CI recipe started a daemon), that one is reused and ``stop()`` leaves it running.

The other helpers drive gnome-keyring with no prompt: ``create_collection`` (its private
``CreateWithMasterPassword``), ``lock_collection``, ``delete_collection``, ``clear_collection``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jeepney import DBusAddress, MessageType, Properties, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import unwrap_msg

SECRETS = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
COLLECTION_PREFIX = SERVICE_PATH + "/collection/"
_SS = "org.freedesktop.Secret."
_GUILT_RIDDEN = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
_KEYRING_FILE = "[keyring]\ndisplay-name={label}\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n"
DEFAULT_KEYRINGS = (("login", "Login"), ("awsvault", "awsvault"))
_BARE_BUS_CONFIG = """<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass
class KeyringDaemon:
    """A running Secret Service: its bus address, the daemon's HOME, and what to stop (``None``: not ours)."""

    address: str
    home: str
    bus_pid: int | None = None
    daemon: subprocess.Popen[bytes] | None = None
    workdir: str | None = field(default=None, repr=False)

    @property
    def log(self) -> str:
        try:
            with open(os.path.join(self.workdir or "", "gkd.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """The processes this object started (to check that none is left behind)."""
        return [pid for pid in (self.bus_pid, self.daemon.pid if self.daemon else None) if pid is not None]

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.terminate()
            try:
                self.daemon.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait(timeout=5)
            self.daemon = None
        if self.bus_pid is not None:
            _kill_and_wait(self.bus_pid)
            self.bus_pid = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def _kill_and_wait(pid: int) -> None:
    """Stop a process that is not our child (``dbus-daemon --fork`` detaches), waiting until it is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def write_keyring_files(home: str, keyrings: tuple[tuple[str, str], ...] = DEFAULT_KEYRINGS) -> None:
    """Unencrypted keyrings ``(file name, label)`` under ``home``, and ``login`` as the ``default`` alias."""
    directory = os.path.join(home, ".local", "share", "keyrings")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for name, label in keyrings:
        with open(os.path.join(directory, f"{name}.keyring"), "w") as f:
            f.write(_KEYRING_FILE.format(label=label))
    with open(os.path.join(directory, "default"), "w") as f:
        f.write("login")


def start_keyring_daemon(timeout: float = 10.0, *, reuse: bool = True) -> KeyringDaemon:
    """A private bus with gnome-keyring on it, or the CI's (``DBUS_SESSION_BUS_ADDRESS`` + ``CC_KEYRING_HOME``)."""
    if reuse and os.environ.get("DBUS_SESSION_BUS_ADDRESS") and os.environ.get("CC_KEYRING_HOME"):
        return KeyringDaemon(os.environ["DBUS_SESSION_BUS_ADDRESS"], os.environ["CC_KEYRING_HOME"])
    daemon, env = _start_bus(["--session"], timeout)
    try:
        write_keyring_files(daemon.home)
        assert daemon.workdir is not None
        with open(os.path.join(daemon.workdir, "gkd.log"), "wb") as log:
            daemon.daemon = subprocess.Popen(
                ["gnome-keyring-daemon", "--start", "--foreground", "--components=secrets"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_for_owner(daemon, timeout)
    except BaseException:
        daemon.stop()
        raise
    return daemon


def start_bare_bus(timeout: float = 10.0) -> KeyringDaemon:
    """A private session bus that can activate nothing, so no one provides ``org.freedesktop.secrets``."""
    workdir = tempfile.mkdtemp(prefix="aws-vault-bus-")
    config = os.path.join(workdir, "session.conf")
    with open(config, "w") as f:
        f.write(_BARE_BUS_CONFIG)
    try:
        daemon, _env = _start_bus([f"--config-file={config}"], timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return daemon


def _start_bus(args: list[str], timeout: float) -> tuple[KeyringDaemon, dict[str, str]]:
    """``dbus-daemon <args> --fork`` with a temp HOME; the daemon record and the environment to use it."""
    workdir = tempfile.mkdtemp(prefix="aws-vault-keyring-")
    home = os.path.join(workdir, "home")
    runtime = os.path.join(workdir, "run")
    os.makedirs(home, mode=0o700)
    os.makedirs(runtime, mode=0o700)
    # A private XDG_RUNTIME_DIR keeps gnome-keyring's --start from joining a daemon of the real session.
    env = {
        **os.environ,
        "HOME": home,
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_RUNTIME_DIR": runtime,
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    daemon = KeyringDaemon(address="", home=home, workdir=workdir)
    try:
        started = subprocess.run(
            ["dbus-daemon", *args, "--fork", "--nosyslog", "--print-address=1", "--print-pid=1"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        address, pid = started.stdout.split()[:2]
    except BaseException:
        daemon.stop()
        raise
    daemon.address, daemon.bus_pid = address, int(pid)
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    return daemon, env


def _wait_for_owner(daemon: KeyringDaemon, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with open_dbus_connection(bus=daemon.address) as conn:
        while True:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS), timeout=timeout)
            if unwrap_msg(reply) == (True,):
                return
            if daemon.daemon is not None and daemon.daemon.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon exited: {daemon.log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no owner for {SECRETS} after {timeout}s: {daemon.log}")
            time.sleep(0.02)


# --- prompt-free collection handling --------------------------------------------------------------


@contextlib.contextmanager
def connect(address: str) -> Iterator[DBusConnection]:
    with open_dbus_connection(bus=address) as conn:
        yield conn


def call(
    conn: DBusConnection, path: str, interface: str, method: str, signature: str = "", *body: object
) -> tuple[Any, ...]:
    address = DBusAddress(path, bus_name=SECRETS, interface=interface)
    reply = conn.send_and_get_reply(new_method_call(address, method, signature, body), timeout=10)
    result: tuple[Any, ...] = unwrap_msg(reply)
    return result


def get_property(conn: DBusConnection, path: str, interface: str, name: str) -> object:
    msg = Properties(DBusAddress(path, bus_name=SECRETS, interface=interface)).get(name)
    reply = conn.send_and_get_reply(msg, timeout=10)
    assert reply.header.message_type == MessageType.method_return, unwrap_msg(reply)
    ((_signature, value),) = reply.body
    return value


def collection_paths(address: str) -> list[str]:
    with connect(address) as conn:
        paths = get_property(conn, SERVICE_PATH, _SS + "Service", "Collections")
    assert isinstance(paths, list)
    return [str(p) for p in paths]


def _plain_session(conn: DBusConnection) -> str:
    _output, session = call(conn, SERVICE_PATH, _SS + "Service", "OpenSession", "sv", "plain", ("s", ""))
    return str(session)


def create_collection(address: str, label: str, master_password: bytes = b"") -> str:
    """Create a collection without a prompt; an empty master password makes it unencrypted. Its D-Bus path."""
    with connect(address) as conn:
        session = _plain_session(conn)
        (path,) = call(
            conn,
            SERVICE_PATH,
            _GUILT_RIDDEN,
            "CreateWithMasterPassword",
            "a{sv}(oayays)",
            {_SS + "Collection.Label": ("s", label)},
            (session, b"", master_password, "text/plain"),
        )
    return str(path)


def unlock_with_master_password(address: str, path: str, master_password: bytes) -> None:
    with connect(address) as conn:
        session = _plain_session(conn)
        call(
            conn,
            SERVICE_PATH,
            _GUILT_RIDDEN,
            "UnlockWithMasterPassword",
            "o(oayays)",
            path,
            (session, b"", master_password, "text/plain"),
        )


def lock_collection(address: str, path: str) -> None:
    with connect(address) as conn:
        _locked, prompt = call(conn, SERVICE_PATH, _SS + "Service", "Lock", "ao", [path])
        assert prompt == "/", "gnome-keyring locks without a prompt"
        assert get_property(conn, path, _SS + "Collection", "Locked") is True


def is_locked(address: str, path: str) -> bool:
    with connect(address) as conn:
        return bool(get_property(conn, path, _SS + "Collection", "Locked"))


def delete_collection(address: str, path: str) -> None:
    with connect(address) as conn:
        (prompt,) = call(conn, path, _SS + "Collection", "Delete")
        assert prompt == "/", "gnome-keyring deletes without a prompt"


def clear_collection(address: str, path: str) -> None:
    """Delete every item of an unencrypted (or unlocked) collection."""
    with connect(address) as conn:
        call(conn, SERVICE_PATH, _SS + "Service", "Unlock", "ao", [path])
        items = get_property(conn, path, _SS + "Collection", "Items")
        assert isinstance(items, list)
        for item in items:
            call(conn, str(item), _SS + "Item", "Delete")

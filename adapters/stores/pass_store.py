"""aws-vault's ``pass`` backend: one ``pass`` entry per item, holding the Go ``keyring.Item`` envelope JSON.

Read/write compatible with 99designs/keyring ``pass.go`` (reference §4 "pass" row, §4.3):

* entry name = Go's ``filepath.Join(prefix, key)``, so ``//`` collapses: the OIDC key
  ``oidc:https://host/start`` lives in ``oidc:https:/host/start.gpg`` and ``keys()`` lists it that way (the
  same file is found under either spelling, and ``get`` returns the envelope's own ``Key``);
* ``set`` = ``pass insert -m -f <name>`` with the envelope JSON on stdin, no trailing newline;
  ``get`` = ``pass show <name>`` only when ``<dir>/<name>.gpg`` exists; ``remove`` = ``pass rm -f <name>``;
  ``keys()`` walks ``<dir>/<prefix>`` for ``*.gpg`` files, in Go's ``filepath.Walk`` order.

Keys that Go's path cleaning would silently alias to another entry (``.``/``..`` segments, a leading or
trailing ``/``, e.g. ``abc/.././123`` which Go stores as ``123``) are refused rather than copied.

Importing this module starts no process and loads no ``subprocess``: a missing item costs one ``stat``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import posixpath
from collections.abc import Iterator, Mapping

from aws_vault.application.ports import SecretStore
from aws_vault.domain.errors import ItemNotFoundError, StoreError
from aws_vault.domain.items import Item, envelope_from_json, envelope_to_json

# aws-vault's wording when the binary is missing (pass.go, reference §4).
NOT_AVAILABLE = "The pass program is not available"
_PASS_NOT_INITIALISED = "before you may use the password store"  # pass's own stderr for a store without .gpg-id
_REASON_LIMIT = 200


def go_clean_join(*parts: str) -> str:
    """Go's ``filepath.Join`` on POSIX: empty parts dropped, then ``filepath.Clean`` (``""`` stays ``""``)."""
    joined = "/".join(part for part in parts if part)
    if not joined:
        return ""
    cleaned = posixpath.normpath(joined)
    # normpath keeps exactly two leading slashes (POSIX allows it); Go's Clean does not.
    return cleaned[1:] if cleaned.startswith("//") else cleaned


def _expand_tilde(directory: str, home: str) -> str:
    # keyring's ExpandTilde: only a leading "~/" (reference §4.1 and tilde.go).
    return home + directory[1:] if directory.startswith("~/") else directory


def _reason(stderr: bytes) -> str:
    """A short reason from the program's stderr: gpg's own failure line if any, else the first line."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    failures = [line for line in lines if line.startswith("gpg:") and ("failed" in line or "error" in line)]
    reason = (failures or lines or ["no error message"])[0]
    return reason[:_REASON_LIMIT]


class PassSecretStore(SecretStore):
    """Items as ``pass`` entries ``<prefix>/<key>`` in the password store ``directory``."""

    def __init__(
        self,
        pass_cmd: str = "pass",  # noqa: S107 - a program name, not a password
        store_dir: str = "",
        prefix: str = "",
        env: Mapping[str, str] | None = None,
        *,
        timeout: float = 60.0,
    ) -> None:
        self.pass_cmd = pass_cmd or "pass"
        self._env = dict(env) if env is not None else None
        environ = self._environ()
        home = environ.get("HOME") or os.path.expanduser("~")
        # As pass.go: --pass-dir, else $PASSWORD_STORE_DIR, else ~/.password-store. Go takes a set but empty
        # $PASSWORD_STORE_DIR as the directory (then looks for items relative to the working directory); we skip it.
        directory = store_dir or environ.get("PASSWORD_STORE_DIR") or os.path.join(home, ".password-store")
        self.directory = _expand_tilde(directory, home)
        self.prefix = prefix
        self.timeout = timeout
        self._program: str | None = None

    # --- the port ---------------------------------------------------------------------------------------

    def keys(self) -> list[str]:
        self._require_program()
        prefix = go_clean_join(self.prefix).lstrip("/")
        root = os.path.join(self.directory, prefix) if prefix else self.directory
        if not os.path.exists(root):
            return []
        if not os.path.isdir(root):
            raise StoreError(f"{root} is not a directory")  # pass.go's wording
        keys: list[str] = []
        for relative in self._walk(root, ""):
            if relative.endswith(".gpg") and relative != ".gpg" and not relative.endswith("/.gpg"):
                keys.append(relative[: -len(".gpg")])
        return keys

    def get(self, key: str) -> Item | None:
        name = self._name(key)
        self._require_program()
        if not os.path.exists(self._file(name)):
            return None  # without running pass or gpg (pass.go itemExists)
        return envelope_from_json(self._run("show", name), key)

    def set(self, item: Item) -> None:
        name = self._name(item.key)
        self._require_program()
        self._require_initialised(name)
        with self._writer_lock():
            # Go writes json.Marshal(item) without a newline; `insert -m` stores stdin byte for byte.
            self._run("insert", "-m", "-f", name, stdin=envelope_to_json(item))

    def remove(self, key: str) -> None:
        name = self._name(key)
        self._require_program()
        with self._writer_lock():
            if not os.path.exists(self._file(name)):
                raise ItemNotFoundError(key)
            self._run("rm", "-f", name)

    # --- naming -----------------------------------------------------------------------------------------

    def _name(self, key: str) -> str:
        """The pass entry name, as pass.go builds it: ``filepath.Join(prefix, key)``."""
        segments = key.split("/")
        if not key or "\0" in key or any(s in (".", "..") for s in segments) or key[0] == "/" or key[-1] == "/":
            raise StoreError(f"pass store: invalid key {key!r} ('.', '..' or edge slashes would alias another)")
        name = go_clean_join(self.prefix, key).lstrip("/")
        if name == ".." or name.startswith("../"):
            raise StoreError(f"pass store: the prefix {self.prefix!r} leads outside the password store")
        return name

    def _file(self, name: str) -> str:
        return os.path.join(self.directory, name + ".gpg")

    def _walk(self, directory: str, relative: str) -> Iterator[str]:
        """Paths under ``directory`` in ``filepath.Walk`` order: names sorted bytewise, depth first.

        Like Go, symlinked sub-directories are not entered; unlike Go (which lists nothing then), a symlinked
        store directory itself is followed.
        """
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda entry: os.fsencode(entry.name))
        except OSError as e:
            raise StoreError(f"pass store: cannot list {directory}: {e.strerror or e}") from e
        for entry in entries:
            path = f"{relative}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(entry.path, path + "/")
            else:
                yield path

    # --- the program ------------------------------------------------------------------------------------

    def _environ(self) -> Mapping[str, str]:
        return self._env if self._env is not None else os.environ

    def _require_program(self) -> str:
        """The program's path; Go refuses to open the backend without it (exec.LookPath)."""
        if self._program is None:
            import shutil

            found = shutil.which(self.pass_cmd, path=self._environ().get("PATH", os.defpath))
            if found is None:
                raise StoreError(NOT_AVAILABLE)
            self._program = found
        return self._program

    def _require_initialised(self, name: str) -> None:
        """pass looks for ``.gpg-id`` from the entry's directory up to the store root (set_gpg_recipients)."""
        if self._environ().get("PASSWORD_STORE_KEY"):
            return  # pass encrypts to these keys and needs no .gpg-id
        parents = name.split("/")[:-1]
        for depth in range(len(parents), -1, -1):
            if os.path.isfile(os.path.join(self.directory, *parents[:depth], ".gpg-id")):
                return
        raise self._not_initialised()

    def _not_initialised(self) -> StoreError:
        program = os.path.basename(self.pass_cmd)
        return StoreError(f"the password store {self.directory} is not initialised: run `{program} init <gpg-id>`")

    def _child_env(self) -> dict[str, str]:
        env = dict(self._environ())
        env["PASSWORD_STORE_DIR"] = self.directory
        if not env.get("GPG_TTY"):
            # pass derives GPG_TTY from `tty` on its stdin, which is never ours; keep pinentry on our terminal.
            for fd in (0, 2):
                with contextlib.suppress(OSError):
                    if os.isatty(fd):
                        env["GPG_TTY"] = os.ttyname(fd)
                        break
        return env

    def _run(self, command: str, *args: str, stdin: bytes | None = None) -> bytes:
        """``pass <command> <args>``; stdout on success. Stdin is the given bytes, else /dev/null."""
        import signal
        import subprocess

        program = self._require_program()
        name = args[-1]
        # A name starting with "-" would be read as an option by pass's getopt (Go passes it unguarded).
        argv = [program, command, *args[:-1], *(["--"] if name.startswith("-") else []), name]
        what = f"{os.path.basename(self.pass_cmd)} {command} {name}"
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._child_env(),
                process_group=0,  # so a timeout also ends gpg, which holds our pipes
            )
        except FileNotFoundError as e:
            raise StoreError(NOT_AVAILABLE) from e
        except OSError as e:
            raise StoreError(f"{what}: {e.strerror or e}") from e
        try:
            out, err = proc.communicate(stdin, timeout=self.timeout)
        except BaseException as e:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            if isinstance(e, subprocess.TimeoutExpired):
                raise StoreError(f"{what}: timed out after {self.timeout:g} s") from None
            raise
        if proc.returncode != 0:
            if _PASS_NOT_INITIALISED.encode() in err:
                raise self._not_initialised()
            raise StoreError(f"{what}: {_reason(err)}")
        return out

    @contextlib.contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """Serialise our writers on the store directory: gpg rewrites entries in place and git keeps one index.

        Readers take no lock (as in Go); an flock on the directory itself leaves no file in the store.
        """
        try:
            fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            yield  # no store directory yet: pass creates it (PASSWORD_STORE_KEY) or refuses
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

"""Named locks shared by every aws-vault process of the user: ``flock`` on files in one 0700 directory.

Single-flight across processes (SDKs start dozens of ``credential_process`` calls at once): the
pipeline holds the lock of a cache entry while it fetches it, so one process calls STS and asks for
the MFA code and the others wait, then read the cached result. ``flock`` locks belong to an open file:
the kernel drops them when the holder exits, even on ``kill -9``, so a crashed holder never blocks
anyone. A live holder that takes too long (a forgotten MFA prompt) is waited for at most ``timeout``
seconds, then ``LockTimeoutError`` says so. Without a writable lock directory the lock is skipped.
Lock files are named by a hash of the lock's name, hold the holder's pid for diagnosis, and are left
in place (deleting a lock file races with its next holder).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator, Mapping

from aws_vault.adapters.fs import make_private_dirs as make_private_dirs  # re-exported (adapters.reminders)
from aws_vault.application.ports import Locks
from aws_vault.domain.durations import format_duration
from aws_vault.domain.errors import LockTimeoutError


def default_lock_dir(env: Mapping[str, str]) -> tuple[str, str]:
    """``$XDG_CACHE_HOME/aws-vault/locks`` (``~/.cache/aws-vault/locks``), and the directory that must
    already exist for us to create it (we never create a missing home directory)."""
    home = env.get("HOME") or os.path.expanduser("~")
    cache = env.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    return os.path.join(cache, "aws-vault", "locks"), (env.get("XDG_CACHE_HOME") or home)


class FileLocks(Locks):
    def __init__(
        self, directory: str, timeout: float, what: Mapping[str, str] | None = None, *, within: str = ""
    ) -> None:
        self.directory = directory
        self.within = within  # when set, must exist: we create the lock directory below it, never it
        self.timeout = timeout
        self.what = dict(what or {})  # lock-name prefix -> what a holder is doing, for the timeout message

    def _path(self, name: str) -> str:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:40]
        return os.path.join(self.directory, f"{digest}.lock")

    @contextlib.contextmanager
    def hold(self, name: str) -> Iterator[None]:
        try:
            import fcntl  # noqa: F401 - POSIX only: without it (Windows) there is no lock, as in aws-vault

            if self.within and not os.path.isdir(self.within):
                raise FileNotFoundError(self.within)
            make_private_dirs(self.directory)
            fd = os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)
        except (OSError, ImportError):
            # No writable cache directory (a read-only HOME), or no flock (Windows): work as aws-vault does,
            # without the lock, rather than refuse to hand out credentials.
            yield
            return
        try:
            self._acquire(fd, name)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _acquire(self, fd: int, name: str) -> None:
        import fcntl

        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                from datetime import timedelta

                kind = name.split(":", 1)[0]
                what = self.what.get(kind, f"holding the lock {kind}")
                raise LockTimeoutError(what, format_duration(timedelta(seconds=round(self.timeout))))
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.1)

"""Atomic file replacement shared by the adapters that write files (the file store, the config file).

A temp file in the same directory, created with the final mode (O_EXCL), written and fsynced, then
``os.replace``d over the target; a failure removes the temp file and leaves the target untouched.

A writer killed between creating its temp file and the rename (``kill -9``, a power cut) leaves the
temp file behind; the next write in that directory removes it (``remove_stale_temps``). Temp names
carry the writer's pid (``temp_name``) so that a dead writer's file goes at once, and a live writer's
is never touched while it can still be written: see ``is_stale``.
"""

from __future__ import annotations

import contextlib
import os
import re
import time

# A write holds its temp file for milliseconds (write, fsync, rename). One untouched for this long is
# left over, whatever its pid says (a killed writer's pid may have been reused).
STALE_AFTER_SECONDS = 60.0


def temp_name(prefix: str, suffix: str = "") -> str:
    """A fresh temp-file name that records the writer: ``<prefix><pid>-<16 hex digits><suffix>``."""
    return f"{prefix}{os.getpid()}-{os.urandom(8).hex()}{suffix}"


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # another thread of ours may be writing it; Windows' os.kill would terminate it
    if pid <= 0:
        return False  # no process has it (and os.kill(0, ...) would signal our process group)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False  # not a pid this system can have
    except OSError:
        return True  # EPERM: a live process of another user
    return True


def is_stale(pid: int | None, modified: float, now: float) -> bool:
    """Whether a temp file is left over from an interrupted write and may be removed.

    Stale when its writer (``pid``, ``None`` for names without one) no longer exists on this host, or
    when it was last written more than ``STALE_AFTER_SECONDS`` ago. A live writer's temp file is never
    removed while it can still be written; a writer stalled for a minute between its temp file and the
    rename then fails that write cleanly (the rename finds no file) and leaves the target untouched.
    The pid test assumes the writers share this host and pid namespace, as the locks around our writes
    (``flock``) do.
    """
    if now - modified > STALE_AFTER_SECONDS:
        return True
    return pid is not None and not _writer_alive(pid)


def remove_stale_temps(directory: str, pattern: re.Pattern[str]) -> list[str]:
    """Remove the stale temp files in ``directory`` whose names ``fullmatch`` ``pattern``; their names.

    ``pattern``'s group ``pid``, when it matched, is the writer's pid. Best effort: raises nothing, so
    cleaning up never fails the write that does it.
    """
    removed: list[str] = []
    now = time.time()
    try:
        with os.scandir(directory) as entries:
            candidates = [(entry, pattern.fullmatch(entry.name)) for entry in entries]
    except OSError:
        return removed
    for entry, found in candidates:
        if found is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            modified = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid_text = found.groupdict().get("pid")
        if is_stale(int(pid_text) if pid_text else None, modified, now):
            with contextlib.suppress(OSError):
                os.remove(entry.path)
                removed.append(entry.name)
    return removed


def write_atomically(path: str, data: bytes, mode: int, temp_name: str) -> None:
    """Replace ``path`` with ``data``; ``temp_name`` is the temp file's name in the same directory.

    Raises ``OSError``; callers turn it into their own domain error.
    """
    temp = os.path.join(os.path.dirname(path) or ".", temp_name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, mode)  # the umask may have narrowed the creation mode
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise

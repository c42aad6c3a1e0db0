"""Atomic file replacement shared by the adapters that write files (the file store, the config file).

A temp file in the same directory, created with the final mode (O_EXCL), written and fsynced, then
``os.replace``d over the target; a failure removes the temp file and leaves the target untouched.
"""

from __future__ import annotations

import contextlib
import os


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

"""Private directories, shared by the adapters that create them (the file store, the config file, locks)."""

from __future__ import annotations

import os


def make_private_dirs(path: str) -> None:
    """``os.makedirs`` where every directory created is 0700 whatever the umask (Go's MkdirAll, tightened).

    Only the directories this call creates are given a mode; existing ones (and one another process
    creates meanwhile) are left as they are. Raises ``OSError`` (``FileExistsError`` when a file is in the way).
    """
    missing: list[str] = []
    head = os.path.abspath(path)
    while not os.path.isdir(head):
        missing.append(head)
        parent = os.path.dirname(head)
        if parent == head:
            break
        head = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            if not os.path.isdir(directory):
                raise  # a file in the way: never change its mode
            continue
        os.chmod(directory, 0o700)  # the umask narrowed mkdir's mode at most; make it exactly 0700

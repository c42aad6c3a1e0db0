"""FakeLocks: named locks in memory that record every acquisition (and can act while "waiting")."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from aws_vault.application.ports import Locks


class FakeLocks(Locks):
    """``held`` names the locks held now; ``acquired`` every acquisition, in order.

    ``while_waiting(name)``, when set, runs before the lock is granted: it plays another process that
    held the lock and filled the cache meanwhile.
    """

    def __init__(self, while_waiting: Callable[[str], None] | None = None) -> None:
        self.held: list[str] = []
        self.acquired: list[str] = []
        self.while_waiting = while_waiting

    @contextlib.contextmanager
    def hold(self, name: str) -> Iterator[None]:
        if name in self.held:
            raise AssertionError(f"lock {name!r} taken twice by one process")
        if self.while_waiting is not None:
            self.while_waiting(name)
        self.held.append(name)
        self.acquired.append(name)
        try:
            yield
        finally:
            self.held.remove(name)

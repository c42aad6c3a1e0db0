"""A tiny synchronous event bus: use cases publish facts, subscribers (the debug log, embedders) react.

A subscriber's exception never reaches the publisher: logging or a tool's handler must not break
``exec``. Handlers may subscribe and unsubscribe from any thread, also while an event is published.
"""

from __future__ import annotations

import _thread
import contextlib
from collections.abc import Callable

from aws_vault.application.ports import EventHandler
from aws_vault.domain.events import Event


class EventBus:
    def __init__(self) -> None:
        self._handlers: tuple[EventHandler, ...] = ()
        self._lock = _thread.allocate_lock()  # `threading` costs ~0.6 ms on every credential_process call

    def subscribe(self, handler: EventHandler) -> Callable[[], None]:
        """Call ``handler`` with every event from now on; the returned function stops that."""
        with self._lock:
            self._handlers = (*self._handlers, handler)

        def unsubscribe() -> None:
            with self._lock:
                handlers = list(self._handlers)
                if handler in handlers:
                    handlers.remove(handler)
                self._handlers = tuple(handlers)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for handler in self._handlers:  # a snapshot: (un)subscribing meanwhile is safe
            with contextlib.suppress(Exception):
                handler(event)

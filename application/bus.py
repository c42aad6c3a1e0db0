"""A tiny synchronous event bus: use cases publish facts, subscribers (the debug log) react.

A subscriber's exception never reaches the publisher: logging must not break ``exec``.
"""

from __future__ import annotations

import contextlib

from aws_vault.application.ports import EventHandler
from aws_vault.domain.events import Event


class EventBus:
    def __init__(self) -> None:
        self._handlers: list[EventHandler] = []

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def publish(self, event: Event) -> None:
        for handler in self._handlers:
            with contextlib.suppress(Exception):
                handler(event)

"""``Reminders`` as files: one empty file per topic under the user cache dir, its mtime the last time."""

from __future__ import annotations

import contextlib
import hashlib
import os
from datetime import UTC, datetime

from aws_vault.adapters.fs import make_private_dirs
from aws_vault.application.ports import Reminders


class FileReminders(Reminders):
    def __init__(self, directory: str, within: str = "") -> None:
        self.directory = directory
        self.within = within  # must exist: we never create a missing home directory

    def _path(self, topic: str) -> str:
        return os.path.join(self.directory, hashlib.sha256(topic.encode("utf-8", "surrogateescape")).hexdigest()[:40])

    def last(self, topic: str) -> datetime | None:
        try:
            return datetime.fromtimestamp(os.stat(self._path(topic)).st_mtime, UTC)
        except OSError:
            return None

    def mark(self, topic: str, when: datetime) -> None:
        with contextlib.suppress(OSError):
            if self.within and not os.path.isdir(self.within):
                return
            make_private_dirs(self.directory)
            path = self._path(topic)
            with open(path, "a"):
                pass
            stamp = when.timestamp()
            os.utime(path, (stamp, stamp))

"""Opening URLs in the user's browser through Python's ``webbrowser`` (so ``$BROWSER`` works).

Two differences from a bare ``webbrowser.open``: the launcher's stdout goes to our stderr, because
launchers print ("Opening in existing browser session.") and our stdout may be ``export`` output or a
``credential_process`` answer; and on a Linux/BSD machine without a display or ``$BROWSER`` nothing is
tried, since ``webbrowser`` would fall back to a text browser (lynx, w3m) that takes over the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping

from aws_vault.application.ports import Browser


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class WebBrowser(Browser):
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env

    def _has_display(self) -> bool:
        env = os.environ if self._env is None else self._env
        if sys.platform in ("darwin", "win32") or env.get("BROWSER"):
            return True
        return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))

    def open(self, url: str) -> bool:
        if not self._has_display():
            return False
        import webbrowser

        try:
            with _stdout_to_stderr():
                return bool(webbrowser.open(url))
        except (webbrowser.Error, OSError):
            return False

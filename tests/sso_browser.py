"""A test browser for the SSO authorization code flow: it follows the authorize page, then calls the callback.

Like a user clicking Allow: GET the authorize URL (``tests/fake_sso_server.py`` answers with a 302 to the
redirect URI carrying ``code`` and ``state``, or ``error``), then GET that redirect, which is aws-vault's
listener on 127.0.0.1. Used in-process (``follow``) and, as ``$BROWSER``, by the installed CLI
(``python tests/sso_browser.py URL``); then ``SSO_BROWSER_LOG`` names a file that gets one line per URL
opened and per callback status, and ``SSO_BROWSER_MODE`` is ``allow`` (the default), ``wrong-state-first``
(a forged callback with another state first, then the real one) or ``ignore`` (open nothing: a user who
never signs in). Any other URL (the device flow's page) is only logged. Stdlib only; proxies are ignored.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _get(url: str) -> tuple[int, str]:
    """The status of a GET, and its Location header (for a redirect)."""
    try:
        with _OPENER.open(url, timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", "")


def with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = [(k, state if k == "state" else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def follow(url: str, *, wrong_state_first: bool = False) -> list[int]:
    """Sign in at ``url`` (the authorize page); the statuses the listener gave each callback request."""
    status, location = _get(url)
    if status != 302 or not location:
        raise AssertionError(f"the authorize page answered {status}, not a redirect")
    statuses = []
    if wrong_state_first:
        statuses.append(_get(with_state(location, "forged-state"))[0])
    statuses.append(_get(location)[0])
    return statuses


def main(url: str) -> int:
    print("Opening in existing browser session.")  # launchers print; it must not reach aws-vault's stdout
    mode = os.environ.get("SSO_BROWSER_MODE", "allow")
    lines = [f"open {url}"]
    if "/authorize?" in url and mode != "ignore":
        lines += [f"callback {status}" for status in follow(url, wrong_state_first=mode == "wrong-state-first")]
    log = os.environ.get("SSO_BROWSER_LOG")
    if log:
        with open(log, "a") as f:
            f.write("".join(f"{line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

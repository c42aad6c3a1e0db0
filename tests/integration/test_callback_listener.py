"""``HttpCallbackListener`` over real sockets on the loopback interface: the contract, and what only HTTP has."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from aws_vault.adapters.sso.callback_listener import HttpCallbackListener
from aws_vault.application.ports import CallbackListener, OAuthRedirect
from tests.contracts.callback_listener_contract import PATH, STATE, CallbackListenerContract

pytestmark = pytest.mark.integration

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str) -> tuple[int, str]:
    """Status and body of a GET; status 0 when nothing listens."""
    try:
        with _OPENER.open(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except urllib.error.URLError as e:
        if isinstance(e.reason, ConnectionRefusedError):
            return 0, ""
        raise


def raw(redirect: OAuthRedirect, method: str, target: str, headers: dict[str, str] | None = None) -> int:
    port = urlsplit(redirect.uri).port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, target, headers=headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


class TestHttpCallbackListenerContract(CallbackListenerContract):
    def make_listener(self) -> CallbackListener:
        return HttpCallbackListener()

    def request(self, redirect: OAuthRedirect, url: str) -> int:
        return get(url)[0]


def test_it_listens_on_127_0_0_1_only() -> None:
    with HttpCallbackListener().listen(PATH, STATE) as redirect:
        port = urlsplit(redirect.uri).port
        assert port is not None
        # 127.0.0.2 is this machine too (all of 127/8 is loopback on Linux), but not the bound address:
        # nothing bound to a wildcard address, so no other interface reaches the listener either.
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect(("127.0.0.2", port))


def test_the_pages_say_what_happened_and_escape_what_they_quote() -> None:
    with HttpCallbackListener().listen(PATH, STATE) as redirect:
        status, body = get(
            f"{redirect.uri}?error=access_denied&error_description=%3Cscript%3Ex%3C/script%3E&state={STATE}"
        )
        assert status == 200 and "Sign-in not completed" in body
        assert "<script>" not in body and "&lt;script&gt;x&lt;/script&gt;" in body
    with HttpCallbackListener().listen(PATH, STATE) as redirect:
        status, body = get(f"{redirect.uri}?code=c&state={STATE}")
        assert status == 200 and "you can close this window" in body
        assert get(f"{redirect.uri}?code=c&state=wrong") == (400, get(f"{redirect.uri}?code=c&state=x")[1])


def test_other_methods_and_hosts_are_refused() -> None:
    with HttpCallbackListener().listen(PATH, STATE) as redirect:
        target = f"{PATH}?code=c&state={STATE}"
        assert raw(redirect, "POST", target) == 405
        # DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 sends its own Host.
        assert raw(redirect, "GET", target, {"Host": "evil.example"}) == 400
        assert redirect.wait(0.05) is None
        assert raw(redirect, "GET", target) == 200
        assert redirect.wait(1) == {"code": "c", "state": STATE}


def test_a_silent_connection_does_not_hold_up_the_callback() -> None:
    # Browsers open speculative connections that never send a request.
    with HttpCallbackListener().listen(PATH, STATE) as redirect, socket.socket() as idle:
        idle.connect(("127.0.0.1", urlsplit(redirect.uri).port or 0))
        assert get(f"{redirect.uri}?code=c&state={STATE}")[0] == 200
        assert redirect.wait(1) == {"code": "c", "state": STATE}


def test_a_callback_that_comes_before_the_wait_is_kept() -> None:
    # A $BROWSER command that only returns once its page is done (a text browser) completes the whole
    # sign-in before aws-vault starts waiting: the listener answers it on its own thread.
    with HttpCallbackListener().listen(PATH, STATE) as redirect:
        assert get(f"{redirect.uri}?code=early&state={STATE}")[0] == 200
        time.sleep(0.1)
        assert redirect.wait(0) == {"code": "early", "state": STATE}


def test_wait_returns_after_its_timeout() -> None:
    with HttpCallbackListener().listen(PATH, STATE) as redirect:
        start = time.monotonic()
        assert redirect.wait(0.3) is None
        assert 0.25 <= time.monotonic() - start < 2

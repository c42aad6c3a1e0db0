"""The ``CallbackListener`` contract, run against the fake and the real loopback listener.

Subclass ``CallbackListenerContract`` in a ``Test*`` class and implement ``make_listener()`` and
``request(redirect, url)``: one browser GET of ``url`` while ``redirect`` is listening, returning the HTTP
status it was answered with (0: the connection was refused).
"""

from __future__ import annotations

from urllib.parse import urlencode

from aws_vault.application.ports import CallbackListener, OAuthRedirect

PATH = "/oauth/callback"
STATE = "s" * 43


class CallbackListenerContract:
    def make_listener(self) -> CallbackListener:
        raise NotImplementedError

    def request(self, redirect: OAuthRedirect, url: str) -> int:
        raise NotImplementedError

    def callback(self, redirect: OAuthRedirect, **query: str) -> int:
        return self.request(redirect, f"{redirect.uri}?{urlencode(query)}")

    def test_the_redirect_uri_is_on_127_0_0_1_with_a_port_and_the_path(self) -> None:
        with self.make_listener().listen(PATH, STATE) as redirect:
            host_port, _, path = redirect.uri.removeprefix("http://").partition("/")
            host, _, port = host_port.partition(":")
            assert (host, f"/{path}") == ("127.0.0.1", PATH) and int(port) > 0

    def test_the_right_state_is_delivered_once(self) -> None:
        with self.make_listener().listen(PATH, STATE) as redirect:
            assert self.callback(redirect, code="the-code", state=STATE) == 200
            assert redirect.wait(1) == {"code": "the-code", "state": STATE}
            assert self.callback(redirect, code="again", state=STATE) == 409
            assert redirect.wait(0.05) is None

    def test_a_wrong_or_missing_state_gets_400_and_the_listener_keeps_waiting(self) -> None:
        with self.make_listener().listen(PATH, STATE) as redirect:
            assert self.callback(redirect, code="forged", state="t" * 43) == 400
            assert self.callback(redirect, code="forged") == 400
            assert self.callback(redirect, code="forged", state=STATE[:-1]) == 400
            assert redirect.wait(0.05) is None
            assert self.callback(redirect, code="the-code", state=STATE) == 200
            assert redirect.wait(1) == {"code": "the-code", "state": STATE}

    def test_an_error_callback_is_delivered_with_its_description(self) -> None:
        with self.make_listener().listen(PATH, STATE) as redirect:
            assert self.callback(redirect, error="access_denied", error_description="<b>No</b>", state=STATE) == 200
            assert redirect.wait(1) == {"error": "access_denied", "error_description": "<b>No</b>", "state": STATE}

    def test_other_paths_are_not_found(self) -> None:
        with self.make_listener().listen(PATH, STATE) as redirect:
            base = redirect.uri.removesuffix(PATH)
            assert self.request(redirect, f"{base}/favicon.ico") == 404
            assert self.request(redirect, f"{base}/oauth/callback/x?state={STATE}&code=c") == 404
            assert redirect.wait(0.05) is None

    def test_nothing_arrives_within_the_timeout(self) -> None:
        with self.make_listener().listen(PATH, STATE) as redirect:
            assert redirect.wait(0.05) is None

    def test_after_the_block_nothing_listens(self) -> None:
        with self.make_listener().listen(PATH, STATE) as redirect:
            pass
        assert self.callback(redirect, code="late", state=STATE) == 0

    def test_each_listen_gets_its_own_port(self) -> None:
        listener = self.make_listener()
        with listener.listen(PATH, STATE) as first, listener.listen(PATH, "other-state") as second:
            assert first.uri != second.uri
            assert self.callback(second, code="c2", state=STATE) == 400
            assert self.callback(second, code="c2", state="other-state") == 200
            assert first.wait(0.05) is None and second.wait(1) == {"code": "c2", "state": "other-state"}

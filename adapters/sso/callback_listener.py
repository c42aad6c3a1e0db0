"""The browser's redirect at the end of the SSO authorization code flow, received on 127.0.0.1.

``listen(path, state)`` binds an ``http.server`` to 127.0.0.1 only (never a wildcard address) on a port
the OS picks, and serves it from a daemon thread until the ``with`` block ends. The browser is answered
from that thread at once, so a ``$BROWSER`` command that waits for its page (a text browser) cannot hold
up the sign-in, and the caller's ``wait`` just takes what arrived:

* ``GET <path>`` with the right ``state`` (compared in constant time): a short page telling the user to go
  back to the terminal (or what went wrong, for an ``error`` callback), and the query goes to ``wait``;
  only the first such callback counts, later ones get 409;
* a wrong or missing ``state``: 400, nothing delivered, the listener keeps waiting (a forged or stale
  redirect must not end the sign-in);
* a ``Host`` other than ``127.0.0.1:<port>`` (DNS rebinding): 400; any other path: 404; other methods: 405.

Nothing here is logged: the query holds the authorization code.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import queue
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_vault.application.ports import CallbackListener, OAuthRedirect
from aws_vault.domain.errors import SsoCallbackListenerError

HOST = "127.0.0.1"
# A browser's speculative connection that never sends a request must not pin a thread for long.
REQUEST_TIMEOUT = 10.0
_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>aws-vault</title></head>'
    '<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>'
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN (a DNS lookup that can stall); we need none.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that drops its connection is no reason for a traceback on the user's terminal."""


class _Redirect(OAuthRedirect):
    def __init__(self, path: str, state: str) -> None:
        self._path = path
        self._state = state.encode()
        self._callbacks: queue.Queue[dict[str, str]] = queue.Queue()
        self._delivered = False
        self._lock = threading.Lock()
        redirect = self

        class Handler(BaseHTTPRequestHandler):
            timeout = REQUEST_TIMEOUT
            server_version = "aws-vault"
            sys_version = ""

            def do_GET(self) -> None:
                redirect._get(self)

            def do_POST(self) -> None:
                _answer(self, 405, "Method not allowed", "This address only takes the sign-in redirect.")

            do_PUT = do_DELETE = do_PATCH = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line carries the authorization code

        try:
            self._server = _Server((HOST, 0), Handler)
        except OSError as e:
            raise SsoCallbackListenerError(
                f"cannot listen on {HOST} for the SSO sign-in callback: {e.strerror or e}"
            ) from e
        self._port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="aws-vault-sso-callback", daemon=True
        )
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"http://{HOST}:{self._port}{self._path}"

    def wait(self, timeout: float) -> dict[str, str] | None:
        try:
            return self._callbacks.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("Host", "") != f"{HOST}:{self._port}":
            _answer(h, 400, "Bad request", "This address only takes the sign-in redirect.")
            return
        parts = urlsplit(h.path)
        if parts.path != self._path:
            _answer(h, 404, "Not found", "This address only takes the sign-in redirect.")
            return
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if not hmac.compare_digest(query.get("state", "").encode(), self._state):
            _answer(h, 400, "Invalid state", "This sign-in link is not the one aws-vault is waiting for.")
            return
        with self._lock:
            first, self._delivered = not self._delivered, True
        if not first:
            _answer(h, 409, "Already signed in", "aws-vault already has its answer; you can close this window.")
            return
        if query.get("error"):
            reason = (query.get("error_description") or query["error"]).rstrip(". ")
            _answer(h, 200, "Sign-in not completed", f"{reason}. You can close this window.")
        else:
            _answer(h, 200, "Signed in", "aws-vault has the authorization; you can close this window.")
        self._callbacks.put(query)


def _answer(h: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
    body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
    try:
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Cache-Control", "no-store")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
    except OSError:  # the browser went away; nothing to tell it
        pass
    h.close_connection = True


class HttpCallbackListener(CallbackListener):
    @contextlib.contextmanager
    def listen(self, path: str, state: str) -> Iterator[OAuthRedirect]:
        redirect = _Redirect(path, state)
        try:
            yield redirect
        finally:
            redirect.close()

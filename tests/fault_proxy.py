"""A fault-injecting HTTP proxy for the network-fault tests: loopback only, one scripted fault per request.

``FaultProxy(target)`` listens on 127.0.0.1 and forwards every request to ``target`` (the moto server, or
any other loopback server) unless told otherwise. ``script(*actions)`` queues what to do with the next
requests, one action a request, oldest first; when the queue is empty, ``default`` applies ("pass"):

- ``"pass"``: forward the request and relay the answer;
- ``"throttle"``: HTTP 400 with an STS ``Throttling`` error body (botocore retries it as throttling);
- ``"500"``: HTTP 500 with an STS ``InternalFailure`` error body;
- ``"reset"``: read the request, then close the socket abruptly (RST, no answer);
- ``"silence"``: read the request and never answer (until the client gives up or the proxy stops);
- ``Reply(status, body)``: any other canned answer (e.g. ``sts_error(403, "SignatureDoesNotMatch", ...)``).

``seen`` records every request (method, path, the form's ``Action``, the action taken), in arrival order.
HTTP/1.0 semantics: one request per connection, so a fault never lands on a pooled connection.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# Hop-by-hop headers and the ones the proxy sets itself.
_NOT_RELAYED = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"})


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/xml"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    action: str  # the STS/IAM form's Action ("" for other requests)
    fault: str  # what the proxy did: pass, throttle, 500, reset, silence, or "reply <status>"


def sts_error(status: int, code: str, message: str) -> Reply:
    """An STS (query protocol) error answer."""
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>{'Receiver' if status >= 500 else 'Sender'}</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error>"
        "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
    )
    return Reply(status, body.encode())


THROTTLE = sts_error(400, "Throttling", "Rate exceeded")
INTERNAL_FAILURE = sts_error(500, "InternalFailure", "An internal error occurred.")
Action = str | Reply


class FaultProxy:
    """See the module docstring. Use as a context manager, or call ``close()``."""

    def __init__(self, target: str, default: Action = "pass") -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK or parts.port is None:
            raise ValueError(f"the fault proxy forwards to a loopback http://host:port only, not {target!r}")
        self.target_host, self.target_port = parts.hostname, parts.port
        self.default = default
        self.seen: list[Seen] = []
        self._queue: deque[Action] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, *actions: Action) -> FaultProxy:
        """Queue ``actions`` for the next requests (after any still queued)."""
        with self._lock:
            self._queue.extend(actions)
        return self

    def faults(self) -> list[str]:
        """What the proxy did, one entry a request."""
        with self._lock:
            return [s.fault for s in self.seen]

    def _next(self, method: str, path: str, action: str) -> Action:
        with self._lock:
            chosen = self._queue.popleft() if self._queue else self.default
            fault = f"reply {chosen.status}" if isinstance(chosen, Reply) else chosen
            self.seen.append(Seen(method, path, action, fault))
            return chosen

    def close(self) -> None:
        self._stopping.set()  # silent handlers let go of their sockets
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._handle()

        def do_GET(self) -> None:
            self._handle()

        def do_PUT(self) -> None:
            self._handle()

        def do_DELETE(self) -> None:
            self._handle()

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            form = parse_qs(body.decode("utf-8", "replace")) if b"=" in body else {}
            chosen = proxy._next(self.command, self.path, (form.get("Action") or [""])[0])
            if chosen == "pass":
                self._forward(body)
            elif chosen == "throttle":
                self._reply(THROTTLE)
            elif chosen == "500":
                self._reply(INTERNAL_FAILURE)
            elif chosen == "reset":
                self.close_connection = True
                # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            elif chosen == "silence":
                self.close_connection = True
                proxy._stopping.wait(60)
            elif isinstance(chosen, Reply):
                self._reply(chosen)
            else:
                raise ValueError(f"unknown fault {chosen!r}")

        def _reply(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("x-amzn-RequestId", "c6104cbe-af31-11e0-8154-cbc7ccf896c7")
            self.end_headers()
            self.wfile.write(reply.body)

        def _forward(self, body: bytes) -> None:
            conn = http.client.HTTPConnection(proxy.target_host, proxy.target_port, timeout=30)
            try:
                # The Host header is relayed as sent: it is part of the SigV4 signature.
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _NOT_RELAYED}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in _NOT_RELAYED:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                conn.close()

    return Handler

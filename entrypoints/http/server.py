"""A credentials server: an ``App`` (routes, checks) behind a loopback ``ThreadingHTTPServer`` in a thread.

The stdlib server is enough here: a handful of clients (the SDKs in one process tree, or a few
containers), answers from memory, keep-alive. What matters for speed is done here: each answer goes out
in one write (headers and body together, ``TCP_NODELAY``), so keep-alive clients never wait on Nagle and
delayed ACKs (test-components.md §7 saw 92 req/s without that), header fields are read without the
``email`` package (``Headers``: a third of a request's time in ``http.server``), and the common answer is
a cached body. No dependency would buy more for this load (``benchmarks/server_throughput.py``).

Every request is published as an event (``HttpRequestServed`` or ``HttpRequestRefused``: client, method,
route, status, latency), never its headers: the token and the IMDS session token stay out of logs.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol, overload

from aws_vault.domain.errors import AwsVaultError
from aws_vault.domain.events import (
    CredentialsServerStarted,
    CredentialsServerStopped,
    Event,
    HttpRequestRefused,
    HttpRequestServed,
)

MAX_BODY = 64 * 1024  # request bodies are drained (keep-alive) up to this, else the connection is closed
_LOOPBACK_PREFIXES = ("127.", "::1", "::ffff:127.")


class ServerStartError(AwsVaultError):
    """The server could not listen (address in use, not an address of this host, port needs root)."""


class Headers:
    """Request header fields by lower-cased name (the first of repeated ones), read without the email package.

    ``http.server`` parses headers with ``email.parser`` (~13 us a request, a third of a cached answer); a
    credentials request has a handful of simple fields.
    """

    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, str]) -> None:
        self._fields = fields

    @overload
    def get(self, name: str) -> str | None: ...

    @overload
    def get(self, name: str, default: str) -> str: ...

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._fields.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._fields


MAX_HEADERS = 100
MAX_LINE = 65536


class Request:
    __slots__ = ("client", "headers", "method", "path", "target")

    def __init__(self, method: str, target: str, headers: Headers, client: str) -> None:
        self.method = method
        self.target = target  # as sent: path and query
        self.path = target.partition("?")[0]
        self.headers = headers
        self.client = client


class Response:
    __slots__ = ("body", "content_type", "extra_headers", "refused", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        *,
        refused: str = "",
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.refused = refused  # why the request was turned away ("" when it was not)
        self.extra_headers = extra_headers


class App(Protocol):
    kind: str  # "ecs", "ec2" or "serve": names the server in events

    def listening(self, host: str, port: int) -> None:
        """The address the server is bound to, as clients are told it (known once the port is chosen)."""

    def handle(self, request: Request) -> Response: ...


def is_loopback(address: str) -> bool:
    return address.startswith(_LOOPBACK_PREFIXES) or address == "localhost"


def _route(path: str) -> str:
    """The path as events show it: printable, bounded (it comes from the client)."""
    if len(path) <= 256 and path.isprintable():
        return path
    cleaned = "".join(c if c.isprintable() else "?" for c in path[:256])
    return cleaned + ("..." if len(path) > 256 else "")


_REASONS = {s.value: s.phrase for s in HTTPStatus}


class _DateHeader:
    """``Date:`` for this second, formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def __call__(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._text = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))
            self._second = now
        return self._text


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY
    server: _Server
    raw_requestline: bytes  # set by handle_one_request

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: object) -> None:  # events instead of stderr lines
        pass

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request`` for HTTP/1.0 and 1.1, with ``Headers`` for the fields."""
        self.command = None  # type: ignore[assignment]
        self.request_version = "HTTP/1.0"  # no HTTP/0.9 here: errors get a status line too
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request line")
            return False
        command, path, version = words
        self.command, self.request_version = command, version
        # gh-87389, as http.server: "//host/path" would read as an absolute URI without a scheme.
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path
        fields: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = line.decode("iso-8859-1").partition(":")
            key = name.lower()
            if not colon or not name or name != name.strip() or (key == "host" and key in fields):
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header line")  # also obsolete line folding
                return False
            fields.setdefault(key, value.strip(" \t\r\n"))
        else:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return False
        self.headers = Headers(fields)  # type: ignore[assignment]
        connection = fields.get("connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif version == "HTTP/1.1" or connection == "keep-alive":
            self.close_connection = False
        return True

    def _dispatch(self) -> None:
        started = time.perf_counter()
        server = self.server
        if "Transfer-Encoding" in self.headers or not self._drain():
            response = Response(400, b'{"Message":"request body not accepted"}\n', refused="request body")
            self.close_connection = True
        else:
            headers: Headers = self.headers  # type: ignore[assignment]
            request = Request(self.command, self.path, headers, self.client_address[0])
            try:
                response = server.app.handle(request)
            except Exception:  # a bug must not kill the connection's thread without an answer
                response = Response(500, b'{"Message":"internal error in the aws-vault server"}\n')
        self._send(response, head_only=self.command == "HEAD")
        server.requests += 1
        route = _route(self.path.partition("?")[0])
        client = self.client_address[0]
        if response.refused:
            event: Event = HttpRequestRefused(
                server.app.kind, client, self.command, route, response.status, response.refused
            )
        else:
            latency = timedelta(seconds=time.perf_counter() - started)
            event = HttpRequestServed(server.app.kind, client, self.command, route, response.status, latency)
        server.publish(event)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    def _drain(self) -> bool:
        length = self.headers.get("Content-Length")
        if not length:
            return True
        try:
            size = int(length)
        except ValueError:
            return False
        if size < 0 or size > MAX_BODY:
            return False
        if size:
            self.rfile.read(size)
        return True

    def _send(self, response: Response, head_only: bool) -> None:
        body = response.body
        extra = "".join(f"{n}: {v}\r\n" for n, v in response.extra_headers) if response.extra_headers else ""
        if self.close_connection:
            extra += "Connection: close\r\n"
        head = (
            f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}\r\n"
            f"Date: {self.server.date()}\r\nServer: aws-vault\r\nContent-Type: {response.content_type}\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n{extra}\r\n"
        ).encode("latin-1")
        self.wfile.write(head if head_only else head + body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 50 SDK clients at once must not wait on SYN retries

    def __init__(self, address: tuple[str, int], app: App, publish: Callable[[Event], None]) -> None:
        self.app = app
        self.publish = publish
        self.requests = 0
        self.date = _DateHeader()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host up in DNS (getfqdn); a loopback server needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that resets its connection (botocore does, between IMDS calls) is no error of ours, and
        # socketserver's traceback would land on the terminal of the command exec runs; the app's own
        # exceptions are answered with a 500 in _Handler._dispatch.
        pass

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _start_error(host: str, port: int, error: OSError) -> ServerStartError:
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return ServerStartError(f"cannot listen on {where}: the port is already in use (choose another with --port)")
    if error.errno == errno.EADDRNOTAVAIL:
        return ServerStartError(
            f"cannot listen on {where}: {host} is not an address of this host "
            f"(as root: ip addr add {host}/32 dev lo)"
        )
    if error.errno in (errno.EACCES, errno.EPERM):
        return ServerStartError(f"cannot listen on {where}: permission denied (ports below 1024 need root)")
    return ServerStartError(f"cannot listen on {where}: {error.strerror or error}")


class CredentialServer:
    """``app`` served on ``host:port`` (port 0: a free one) from a background thread.

    ``host`` must be a loopback address, or ``allow_address`` (the EC2 server's 169.254.169.254).
    """

    def __init__(
        self,
        app: App,
        publish: Callable[[Event], None],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_address: str = "",
        profiles: Iterable[str] = (),
    ) -> None:
        if not is_loopback(host) and host != allow_address:
            raise ServerStartError(f"refusing to listen on {host}: credentials are served on loopback only")
        try:
            self._server = _Server((host, port), app, publish)
        except OSError as e:
            raise _start_error(host, port, e) from None
        bound_host, bound_port = self._server.socket.getsockname()[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        app.listening(self.host, self.port)
        self.app = app
        self.publish = publish
        self.profiles = tuple(profiles)
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def address(self) -> str:
        """``host:port`` as clients name it (and as the ``Host`` header must say)."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def requests(self) -> int:
        return self._server.requests

    def start(self) -> CredentialServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"aws-vault-{self.app.kind}"
        )
        self._thread.daemon = True
        self._thread.start()
        self.publish(CredentialsServerStarted(self.app.kind, self.url, self.profiles))
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()
        self._server.close_connections()
        self.publish(CredentialsServerStopped(self.app.kind, self.url, self.requests))

    def __enter__(self) -> CredentialServer:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

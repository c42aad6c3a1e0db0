"""A fake AWS sign-in federation endpoint (``GET /federation?Action=getSigninToken&Session=…``) over HTTP.

A ``ThreadingHTTPServer`` on 127.0.0.1 that records every request's query and answers
``{"SigninToken": <token>}``, or ``status`` with ``body`` when a test scripts a failure. Point aws-vault at
it with ``AWS_VAULT_FEDERATION_URL=server.url``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.local_http import LocalHttpServer


@dataclass
class FakeFederationServer(LocalHttpServer):
    token: str = "tok"
    status: int = 200
    body: bytes | None = None  # None: {"SigninToken": token}
    requests: list[dict[str, str]] = field(default_factory=list)  # path + query fields, oldest first

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{self.base_url}/federation"

    def sessions(self) -> list[dict[str, str]]:
        """The ``Session`` JSON of each getSigninToken request."""
        return [json.loads(r["Session"]) for r in self.requests if r.get("Action") == "getSigninToken"]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        recorded = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        recorded["path"] = parts.path
        with self._lock:
            self.requests.append(recorded)
        body = self.body if self.body is not None else json.dumps({"SigninToken": self.token}).encode()
        handler.send_response(self.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

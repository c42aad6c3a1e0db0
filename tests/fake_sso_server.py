"""A fake IAM Identity Center (SSO portal + SSO-OIDC) over HTTP, speaking botocore's rest-json protocol.

moto has neither service (reference test-components.md §5), so this small ``ThreadingHTTPServer`` on
127.0.0.1 answers the four calls aws-vault makes, with the paths and shapes of botocore's service models:

* ``POST /client/register`` (RegisterClient), ``POST /device_authorization`` (StartDeviceAuthorization),
  ``POST /token`` (CreateToken, device code, refresh_token and authorization_code grants);
* ``GET /authorize?response_type=code&client_id=&redirect_uri=&state=&code_challenge=&...`` (the page the
  browser opens in the authorization code flow): as a user who clicks Allow, a 302 to ``redirect_uri`` with
  ``code`` and ``state``; with ``deny`` set, a 302 with ``error``/``error_description`` and ``state``. The
  client must have been registered for the ``authorization_code`` grant with exactly that redirect URI;
  the code is single use, and CreateToken redeems it only with the same client and redirect URI and a
  ``codeVerifier`` whose S256 hash is the ``code_challenge`` (RFC 7636 §4.6);
* ``GET /federation/credentials?role_name=&account_id=`` with ``x-amz-sso_bearer_token`` (GetRoleCredentials),
  whose ``expiration`` is in epoch **milliseconds**.

Errors are HTTP 400 (401 for GetRoleCredentials) with ``x-amzn-ErrorType: <Code>`` and a JSON body, which is
how botocore finds the code. Point clients at it with ``endpoint_url=server.url`` or
``AWS_ENDPOINT_URL_SSO``/``AWS_ENDPOINT_URL_SSO_OIDC``. Scripting (set attributes before the calls):
``pending``/``slow_down`` answers per device code before success, ``expire_device_codes``,
``refresh_tokens`` (default: only for clients registered with scopes), ``unauthorized`` access tokens,
``deny``, lifetimes. ``requests`` records every call (``ops()`` lists their operation names).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.local_http import LocalHttpServer

OPS = {
    ("POST", "/client/register"): "RegisterClient",
    ("POST", "/device_authorization"): "StartDeviceAuthorization",
    ("POST", "/token"): "CreateToken",
    ("GET", "/authorize"): "Authorize",
    ("GET", "/federation/credentials"): "GetRoleCredentials",
}
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTHORIZATION_CODE_GRANT = "authorization_code"


@dataclass(frozen=True)
class Recorded:
    op: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]


@dataclass
class _Device:
    client_id: str
    start_url: str
    polls: int = 0
    redeemed: bool = False


class _Failure(Exception):
    def __init__(self, status: int, code: str, body: dict[str, Any]) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.body = body


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    redeemed: bool = False


def s256(verifier: str) -> str:
    """PKCE's S256 transform, computed here independently of the code under test."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _oauth_error(code: str, error: str, description: str) -> _Failure:
    return _Failure(400, code, {"error": error, "error_description": description})


@dataclass
class FakeSsoServer(LocalHttpServer):
    # Scripting
    pending: int = 1  # AuthorizationPendingException answers per device code before the token
    slow_down: int = 0  # SlowDownException answers per device code, before the pending ones
    expire_device_codes: bool = False  # CreateToken (device grant) answers ExpiredTokenException
    refresh_tokens: bool | None = None  # None: issue refresh tokens only to clients registered with scopes
    interval: int = 1  # StartDeviceAuthorization's polling interval (seconds)
    device_expires_in: int = 600
    token_expires_in: int = 28800
    client_expires_in: int = 90 * 24 * 3600
    role_expires_in: int = 3600
    unauthorized: set[str] = field(default_factory=set)  # access tokens GetRoleCredentials answers 401 for
    deny: tuple[str, str] | None = None  # the authorize page refuses: (error, error_description)
    # State
    requests: list[Recorded] = field(default_factory=list)
    clients: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # id -> (secret, scopes)
    devices: dict[str, _Device] = field(default_factory=dict)
    registrations: dict[str, dict[str, Any]] = field(default_factory=dict)  # client id -> RegisterClient body
    codes: dict[str, _Code] = field(default_factory=dict)
    access_tokens: dict[str, str] = field(default_factory=dict)  # token -> client id
    refresh: dict[str, str] = field(default_factory=dict)  # live refresh token -> client id
    issued: list[tuple[str, str]] = field(default_factory=list)  # (account id, role name) per credentials

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # Lifecycle: start()/stop() and the context manager come from LocalHttpServer.

    @property
    def url(self) -> str:
        return self.base_url

    # Inspection

    def ops(self) -> list[str]:
        with self._lock:
            return [r.op for r in self.requests]

    def calls(self, op: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.op == op]

    def revoke(self, access_token: str) -> None:
        """GetRoleCredentials answers 401 for this token from now on (a signed-out session)."""
        with self._lock:
            self.unauthorized.add(access_token)

    # HTTP

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        op = OPS.get((h.command, parts.path), "Unknown")
        record = Recorded(op, h.command, parts.path, query, {k.lower(): v for k, v in h.headers.items()}, body)
        with self._lock:
            self.requests.append(record)
            location = ""
            try:
                if record.op == "Authorize":
                    status, answer, code = 302, {}, ""
                    location = self._authorize(record.query)
                else:
                    status, answer, code = 200, self._answer(record), ""
            except _Failure as f:
                status, answer, code = f.status, f.body, f.code
        if status == 302:
            h.send_response(302)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        payload = json.dumps(answer).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(payload)))
        if code:
            h.send_header("x-amzn-ErrorType", code)
        h.end_headers()
        h.wfile.write(payload)

    def _answer(self, r: Recorded) -> dict[str, Any]:
        if r.op == "RegisterClient":
            return self._register(r.body)
        if r.op == "StartDeviceAuthorization":
            return self._start(r.body)
        if r.op == "CreateToken":
            return self._token(r.body)
        if r.op == "GetRoleCredentials":
            return self._role_credentials(r)
        raise _Failure(404, "UnknownOperationException", {"message": f"no route for {r.method} {r.path}"})

    def _client(self, body: dict[str, Any]) -> str:
        client_id = str(body.get("clientId", ""))
        secret, _ = self.clients.get(client_id, ("", ()))
        if not secret or body.get("clientSecret") != secret:
            raise _oauth_error("InvalidClientException", "invalid_client", "Invalid client")
        return client_id

    def _register(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("clientType") != "public" or not body.get("clientName"):
            raise _oauth_error("InvalidRequestException", "invalid_request", "clientName and clientType are required")
        grants = body.get("grantTypes") or []
        if AUTHORIZATION_CODE_GRANT in grants:
            uris = body.get("redirectUris") or []
            # Identity Center takes only loopback redirects for public clients, and wants the issuer.
            if not uris or not all(str(u).startswith("http://127.0.0.1:") for u in uris) or not body.get("issuerUrl"):
                raise _oauth_error(
                    "InvalidRedirectUriException", "invalid_redirect_uri", "redirectUris must be http://127.0.0.1"
                )
        n = next(self._ids)
        client_id, secret = f"client-{n}", f"client-secret-{n}"
        self.clients[client_id] = (secret, tuple(body.get("scopes") or ()))
        self.registrations[client_id] = body
        now = int(time.time())
        return {
            "clientId": client_id,
            "clientSecret": secret,
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + self.client_expires_in,
        }

    def _start(self, body: dict[str, Any]) -> dict[str, Any]:
        client_id = self._client(body)
        n = next(self._ids)
        device_code, user_code = f"device-code-{n}", f"CODE-{n:04d}"
        self.devices[device_code] = _Device(client_id, str(body.get("startUrl", "")))
        return {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": f"{self.url}/device",
            "verificationUriComplete": f"{self.url}/device?user_code={user_code}",
            "expiresIn": self.device_expires_in,
            "interval": self.interval,
        }

    def _token(self, body: dict[str, Any]) -> dict[str, Any]:
        client_id = self._client(body)
        grant = body.get("grantType")
        if grant == DEVICE_CODE_GRANT:
            device = self.devices.get(str(body.get("deviceCode", "")))
            if device is None or device.client_id != client_id or device.redeemed:
                raise _oauth_error("InvalidGrantException", "invalid_grant", "Invalid device code")
            if self.expire_device_codes:
                raise _oauth_error("ExpiredTokenException", "expired_token", "Device code has expired")
            device.polls += 1
            if device.polls <= self.slow_down:
                raise _oauth_error("SlowDownException", "slow_down", "Client is polling too quickly")
            if device.polls <= self.slow_down + self.pending:
                raise _oauth_error(
                    "AuthorizationPendingException", "authorization_pending", "Authorization is still pending"
                )
            device.redeemed = True
            return self._issue(client_id)
        if grant == AUTHORIZATION_CODE_GRANT:
            issued = self.codes.get(str(body.get("code", "")))
            if issued is None or issued.redeemed or issued.client_id != client_id:
                raise _oauth_error("InvalidGrantException", "invalid_grant", "Invalid authorization code")
            if body.get("redirectUri") != issued.redirect_uri:
                raise _oauth_error("InvalidGrantException", "invalid_grant", "redirect_uri does not match")
            if s256(str(body.get("codeVerifier", ""))) != issued.challenge:
                raise _oauth_error("InvalidGrantException", "invalid_grant", "Invalid code verifier")
            issued.redeemed = True
            return self._issue(client_id)
        if grant == "refresh_token":
            old = str(body.get("refreshToken", ""))
            if self.refresh.get(old) != client_id:
                raise _oauth_error("InvalidGrantException", "invalid_grant", "Invalid refresh token")
            del self.refresh[old]  # refresh tokens are single use: a new one comes with the new access token
            return self._issue(client_id, refresh=True)
        raise _oauth_error("UnsupportedGrantTypeException", "unsupported_grant_type", f"Unsupported grant {grant}")

    def _issue(self, client_id: str, refresh: bool = False) -> dict[str, Any]:
        n = next(self._ids)
        token = f"access-token-{n}"
        self.access_tokens[token] = client_id
        answer: dict[str, Any] = {"accessToken": token, "tokenType": "Bearer", "expiresIn": self.token_expires_in}
        with_refresh = self.refresh_tokens if self.refresh_tokens is not None else bool(self.clients[client_id][1])
        if with_refresh or refresh:
            answer["refreshToken"] = f"refresh-token-{n}"
            self.refresh[answer["refreshToken"]] = client_id
        return answer

    def _authorize(self, query: dict[str, str]) -> str:
        """The authorize page: where the browser is sent back to (an error here is shown, never redirected)."""
        client_id, redirect = query.get("client_id", ""), query.get("redirect_uri", "")
        registration = self.registrations.get(client_id)
        if registration is None or AUTHORIZATION_CODE_GRANT not in (registration.get("grantTypes") or []):
            raise _oauth_error("InvalidClientException", "invalid_client", "Unknown client")
        if redirect not in (registration.get("redirectUris") or []):
            raise _oauth_error("InvalidRequestException", "invalid_request", "redirect_uri not registered")
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            raise _oauth_error("InvalidRequestException", "invalid_request", "response_type=code and S256 required")
        if not query.get("code_challenge") or not query.get("state"):
            raise _oauth_error("InvalidRequestException", "invalid_request", "code_challenge and state required")
        if self.deny is not None:
            error, description = self.deny
            answer = {"error": error, "error_description": description, "state": query["state"]}
        else:
            code = f"authorization-code-{next(self._ids)}"
            self.codes[code] = _Code(client_id, redirect, query["code_challenge"])
            answer = {"code": code, "state": query["state"]}
        return f"{redirect}?{urlencode(answer)}"

    def _role_credentials(self, r: Recorded) -> dict[str, Any]:
        token = r.headers.get("x-amz-sso_bearer_token", "")
        if token not in self.access_tokens or token in self.unauthorized:
            raise _Failure(401, "UnauthorizedException", {"message": "Session token not found or invalid"})
        account, role = r.query.get("account_id", ""), r.query.get("role_name", "")
        if not account or not role:
            raise _Failure(400, "InvalidRequestException", {"message": "account_id and role_name are required"})
        self.issued.append((account, role))
        n = len(self.issued)
        return {
            "roleCredentials": {
                "accessKeyId": f"ASIASSO{n:09d}",
                "secretAccessKey": f"sso-secret-{n}",
                "sessionToken": f"sso-session-token-{n}",
                "expiration": int((time.time() + self.role_expires_in) * 1000),
            }
        }


def running_fake_sso() -> Iterator[FakeSsoServer]:
    """A started server for a pytest fixture (``yield from running_fake_sso()``)."""
    server = FakeSsoServer().start()
    try:
        yield server
    finally:
        server.stop()

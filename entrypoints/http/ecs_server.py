"""The ECS container credentials server (reference §6.1): ``exec --ecs-server`` and ``serve``.

The child (or container) gets ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and the token
(``AWS_CONTAINER_AUTHORIZATION_TOKEN``, or ``..._TOKEN_FILE`` for ``serve``). Every request must name the
server as it was named to the client (``Host: 127.0.0.1:<port>``, or ``localhost:<port>``), else 403: a
web page that rebinds its own DNS name to 127.0.0.1 cannot read credentials (aws-vault#578 fixed this for
the EC2 server only). Then the token, compared in constant time: missing or wrong is 401. A refusal's body
never carries a credential.

Routes (GET or HEAD):

- ``/``: the default profile's credentials (``exec``; ``serve``'s first profile);
- ``/role-arn/<ARN>``: the role assumed with the default profile's credentials (§6.1);
- ``/profiles/<name>`` and ``/profiles/<name>/role-arn/<ARN>``: the same for each profile ``serve`` serves;
- ``/healthz`` (``serve`` only, no token): ``{"Status":"ok"}``.

Credentials go out as ``{"AccessKeyId","Expiration","SecretAccessKey","Token"}`` (keys sorted, newline,
as aws-vault), with ``Content-Type: application/json`` (§6.3); an upstream failure is a 500 with
``{"Message": "<error>"}``, which botocore shows.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Iterable
from urllib.parse import unquote

from aws_vault.domain.credentials import rfc3339_utc
from aws_vault.entrypoints.http.cache import CredentialCaches, Served, UpstreamError
from aws_vault.entrypoints.http.server import Request, Response

# aws-vault: 30 random bytes, base64url without padding (40 characters): 240 bits.
TOKEN_BYTES = 30
_ROLE_ARN = re.compile(r"arn:[a-z-]+:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_OK_HEALTH = b'{"Status":"ok"}\n'


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def message(status: int, text: str, refused: str = "") -> Response:
    body = (json.dumps({"Message": text}) + "\n").encode()
    extra = (("Allow", "GET, HEAD"),) if status == 405 else ()
    return Response(status, body, refused=refused, extra_headers=extra)


def ecs_body(served: Served) -> bytes:
    body = served.bodies.get("ecs")
    if body is None:
        c = served.credentials
        document = {
            "AccessKeyId": c.access_key_id,
            "Expiration": rfc3339_utc(served.expires),
            "SecretAccessKey": c.secret_access_key,
            "Token": c.session_token or "",
        }
        body = served.bodies["ecs"] = (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode()
    return body


class EcsApp:
    """The routes and checks; ``listening`` tells it the address the clients were given."""

    def __init__(
        self,
        caches: CredentialCaches,
        token: str,
        *,
        default_profile: str = "",
        profiles: Iterable[str] = (),
        health: bool = False,
        kind: str = "ecs",
    ) -> None:
        self.caches = caches
        self.kind = kind
        self._token = token.encode()
        self.default_profile = default_profile
        self.profiles = frozenset(profiles)  # served under /profiles/<name>
        self.health = health
        self._hosts: frozenset[str] = frozenset()

    def listening(self, host: str, port: int) -> None:
        self._hosts = frozenset({f"{host}:{port}", f"localhost:{port}"})

    def handle(self, request: Request) -> Response:
        host = request.headers.get("Host", "")
        if host.lower() not in self._hosts:
            return message(403, "Host header does not name this server", refused="foreign Host header")
        path = request.path
        if path == "/healthz" and self.health:
            return Response(200, _OK_HEALTH)
        given = request.headers.get("Authorization")
        if given is None:
            return message(401, "missing Authorization token", refused="no token")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._token):
            return message(401, "invalid Authorization token", refused="wrong token")
        if request.method not in ("GET", "HEAD"):
            return message(405, f"{request.method} not allowed")
        route = self._route(path)
        if isinstance(route, Response):
            return route
        profile, role_arn = route
        try:
            served = self.caches.get(profile, role_arn)
        except UpstreamError as e:
            return message(500, str(e))
        return Response(200, ecs_body(served))

    def _route(self, path: str) -> tuple[str, str] | Response:
        profile = self.default_profile
        rest = path
        if path.startswith("/profiles/"):
            name, _, tail = path[len("/profiles/") :].partition("/")
            name = unquote(name)
            if name not in self.profiles:
                return message(404, f"profile {name!r} is not served here")
            profile, rest = name, "/" + tail if tail else "/"
        if not profile:
            return message(404, "no default profile here: ask for /profiles/<name>")
        if rest == "/":
            return profile, ""
        if rest.startswith("/role-arn/"):
            role_arn = unquote(rest[len("/role-arn/") :])
            if not _ROLE_ARN.fullmatch(role_arn):
                return message(400, "not an IAM role ARN")
            return profile, role_arn
        return message(404, "no such route")

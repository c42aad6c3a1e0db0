"""The EC2 instance metadata server, IMDSv2 only (reference §6.2, improved as §6.3 proposes).

``exec --ec2-server`` listens on a random loopback port and names it to the child in
``AWS_EC2_METADATA_SERVICE_ENDPOINT``: no root, no address added to a device, no proxy process. With
``--ec2-link-local`` it listens on 169.254.169.254:80 instead, where SDKs look without configuration
(that needs root and the address on a loopback device; aws-vault's ``proxy`` added it itself).

- ``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds`` (1..21600) returns a session
  token; every other request needs it in ``X-aws-ec2-metadata-token``: 401 without, with a forged or with
  an expired one (IMDSv1 is off, as on an instance with ``HttpTokens=required``). Tokens are stateless:
  their expiry and an HMAC under a key that lives as long as the server.
- As aws-vault: only local clients, and a ``Host`` header naming the server (DNS rebinding, aws-vault#578);
  as EC2: a request with ``X-Forwarded-For`` is refused (a proxy relaying someone else's request).
- Routes: ``/latest/meta-data/iam/security-credentials/`` (the role name, ``local-credentials``, as
  aws-vault), ``.../local-credentials`` (the credentials), ``/latest/meta-data/iam/info``,
  ``/latest/meta-data/instance-id``, and where a region is known ``/latest/meta-data/placement/region``,
  ``.../placement/availability-zone`` (botocore's region fetcher) and
  ``/latest/dynamic/instance-identity/document``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable

from aws_vault.domain.credentials import rfc3339_utc
from aws_vault.entrypoints.http.cache import CredentialCaches, Served, UpstreamError
from aws_vault.entrypoints.http.server import Request, Response, is_loopback

LINK_LOCAL = "169.254.169.254"
ROLE_NAME = "local-credentials"  # aws-vault's
INSTANCE_ID = "aws-vault"  # aws-vault's
MAX_TOKEN_TTL = 21600
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
_CREDENTIALS = "/latest/meta-data/iam/security-credentials"
_TEXT = "text/plain"


def _text(status: int, text: str, refused: str = "", extra: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, text.encode(), _TEXT, refused=refused, extra_headers=extra)


def ec2_body(served: Served) -> bytes:
    body = served.bodies.get("ec2")
    if body is None:
        c = served.credentials
        document = {
            "Code": "Success",
            "LastUpdated": rfc3339_utc(served.fetched),
            "Type": "AWS-HMAC",
            "AccessKeyId": c.access_key_id,
            "SecretAccessKey": c.secret_access_key,
            "Token": c.session_token or "",
            "Expiration": rfc3339_utc(served.expires),
        }
        body = served.bodies["ec2"] = (json.dumps(document, indent=2) + "\n").encode()
    return body


class SessionTokens:
    """IMDSv2 session tokens: ``expiry (ms, monotonic) || HMAC-SHA256(key, expiry)[:24]``, base64url."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = secrets.token_bytes(32)
        self._clock = clock

    def issue(self, ttl: int) -> str:
        expires = int((self._clock() + ttl) * 1000).to_bytes(8, "big")
        return base64.urlsafe_b64encode(expires + self._mac(expires)).decode()

    def valid(self, token: str) -> bool:
        try:
            raw = base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return False
        if len(raw) != 32:
            return False
        expires, mac = raw[:8], raw[8:]
        if not hmac.compare_digest(mac, self._mac(expires)):
            return False
        return int.from_bytes(expires, "big") > self._clock() * 1000

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:24]


class Ec2MetadataApp:
    kind = "ec2"

    def __init__(self, caches: CredentialCaches, profile: str, region: str = "") -> None:
        self.caches = caches
        self.profile = profile
        self.region = region
        self.tokens = SessionTokens()
        self._hosts: frozenset[str] = frozenset()
        self._own_address = ""

    def listening(self, host: str, port: int) -> None:
        names = {f"{host}:{port}"}
        if host == LINK_LOCAL:
            names.add(host)  # SDKs send "Host: 169.254.169.254" for the default endpoint
        else:
            names.add(f"localhost:{port}")
        if port == 80:
            names.add(host)
        self._hosts = frozenset(names)
        self._own_address = host

    def handle(self, request: Request) -> Response:
        if not (is_loopback(request.client) or request.client == self._own_address):
            return _text(403, "Access denied from non-local address", refused="non-local client")
        if request.headers.get("Host", "").lower() not in self._hosts:
            return _text(403, "Access denied for this Host header", refused="foreign Host header")
        if "X-Forwarded-For" in request.headers:
            return _text(403, "Forwarded requests are not accepted", refused="X-Forwarded-For")
        path = request.path
        if path == "/latest/api/token":
            return self._token(request)
        token = request.headers.get(TOKEN_HEADER)
        if token is None:
            return _text(401, "Unauthorized: an IMDSv2 session token is required", refused="no IMDSv2 token")
        if not self.tokens.valid(token):
            return _text(401, "Unauthorized: invalid or expired IMDSv2 token", refused="bad IMDSv2 token")
        if request.method not in ("GET", "HEAD"):
            return _text(405, "Method Not Allowed", extra=(("Allow", "GET, HEAD"),))
        return self._metadata(path.rstrip("/") or "/")

    def _token(self, request: Request) -> Response:
        if request.method != "PUT":
            return _text(405, "Method Not Allowed", extra=(("Allow", "PUT"),))
        ttl_text = request.headers.get(TTL_HEADER, "")
        if not ttl_text.isdigit() or not 1 <= int(ttl_text) <= MAX_TOKEN_TTL:
            return _text(400, f"{TTL_HEADER} must be a number of seconds from 1 to {MAX_TOKEN_TTL}")
        ttl = int(ttl_text)
        return _text(200, self.tokens.issue(ttl), extra=((TTL_HEADER, str(ttl)),))

    def _metadata(self, path: str) -> Response:
        if path == _CREDENTIALS:
            return _text(200, ROLE_NAME)
        if path == f"{_CREDENTIALS}/{ROLE_NAME}":
            try:
                served = self.caches.get(self.profile)
            except UpstreamError as e:
                body = (json.dumps({"Code": "Failure", "Message": str(e)}) + "\n").encode()
                return Response(500, body)
            return Response(200, ec2_body(served))
        if path == "/latest/meta-data/iam/info":
            document = {"Code": "Success", "LastUpdated": rfc3339_utc(self.caches.now())}
            return Response(200, (json.dumps(document, indent=2) + "\n").encode())
        if path == "/latest/meta-data/instance-id":
            return _text(200, INSTANCE_ID)
        if self.region:
            if path == "/latest/meta-data/placement/region":
                return _text(200, self.region)
            if path == "/latest/meta-data/placement/availability-zone":
                return _text(200, f"{self.region}a")  # botocore takes the region from the zone's name
            if path == "/latest/dynamic/instance-identity/document":
                document = {
                    "availabilityZone": f"{self.region}a",
                    "instanceId": INSTANCE_ID,
                    "region": self.region,
                }
                return Response(200, (json.dumps(document, indent=2) + "\n").encode())
        return _text(404, "Not Found")

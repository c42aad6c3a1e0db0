"""IAM Identity Center sign-in as values: the OIDC client, the token, and how aws-vault stores the token.

The token lives in the secret store under ``oidc:<start URL>`` as ``{"Token": <CreateTokenOutput>,
"Expiration": <time>}`` (reference §3.3). Like the maintained fork, we add the client registration as
extra top-level fields (``ClientID``, ``ClientSecret``, ``ClientSecretExpiresAt``) so an expired token can
be renewed with its refresh token; Go's decoder ignores fields it does not know, so every aws-vault still
reads the item. Secrets never appear in ``repr``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_vault.domain.credentials import parse_rfc3339, rfc3339_utc
from aws_vault.domain.encoding import b64url_encode
from aws_vault.domain.errors import CorruptItemError
from aws_vault.domain.items import Item
from aws_vault.domain.records import Record

OIDC_KEY_PREFIX = "oidc:"
CLIENT_NAME = "aws-vault"  # RegisterClient's ClientName (§2.7.6)
DEFAULT_POLL_INTERVAL = 5  # seconds between CreateToken polls when StartDeviceAuthorization gives none
SLOW_DOWN_STEP = 5  # seconds added to the interval on SlowDownException (RFC 8628 §3.5)
# A refreshable token is renewed this long before it expires, as the AWS CLI does, so GetRoleCredentials
# is never handed a token with seconds left.
REFRESH_WINDOW = timedelta(minutes=15)

OPENING_BROWSER = "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)"
OPEN_IN_BROWSER = "Open the SSO authorization page in a browser (use Ctrl-C to abort)"
# AWS's new verification page (https://<region>.signin.aws/platform/authorize?...) no longer carries the
# user code in its URL, so the device flow always prints it (ByteNess#440), in the AWS CLI's words.
ENTER_CODE = "Then enter the code: "

# The authorization code flow with PKCE (RFC 7636), the default sign-in as in the AWS CLI and the
# maintained fork (ByteNess#359): the browser comes back to a listener on 127.0.0.1 (AWS only accepts
# that host for public clients), so the code never has to be typed or compared by the user.
CALLBACK_PATH = "/oauth/callback"
AUTHORIZATION_CODE_GRANTS = ("authorization_code", "refresh_token")
DEFAULT_SCOPES = ("sso:account:access",)  # the AWS CLI's default sso_registration_scopes
DEFAULT_AUTHORIZATION_TIMEOUT = timedelta(minutes=5)  # waiting for the browser (AWS_VAULT_SSO_TIMEOUT)

_GO_ZERO_YEAR = 1


class ClientRegistration(Record):
    """An OIDC client from RegisterClient."""

    _hidden = frozenset({"client_secret"})
    client_id: str
    client_secret: str
    expires_at: datetime | None = None  # clientSecretExpiresAt; None when not given

    def usable(self, now: datetime) -> bool:
        return bool(self.client_id and self.client_secret) and (self.expires_at is None or now < self.expires_at)


class DeviceAuthorization(Record):
    """StartDeviceAuthorization's answer: what the user approves in the browser, and how to poll."""

    _hidden = frozenset({"device_code", "user_code", "verification_uri_complete"})
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int  # seconds the device code is valid; 0 when not given
    interval: int  # seconds between polls; 0 when not given


class OidcToken(Record):
    """CreateToken's answer."""

    _hidden = frozenset({"access_token", "refresh_token", "id_token"})
    access_token: str
    expires_in: int  # seconds
    token_type: str = "Bearer"
    refresh_token: str = ""
    id_token: str = ""


class CachedOidcToken(Record):
    """The stored item's content: the token, when it expires, and the client it was issued to."""

    token: OidcToken
    expiration: datetime
    client: ClientRegistration | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expiration

    def refreshable(self, now: datetime) -> bool:
        """A refresh token and a client registration that is still valid: renewable without a browser."""
        return bool(self.token.refresh_token) and self.client is not None and self.client.usable(now)

    def due_for_refresh(self, now: datetime) -> bool:
        return self.refreshable(now) and self.expiration - now < REFRESH_WINDOW


def oidc_key(start_url: str) -> str:
    """The store key: the raw start URL behind ``oidc:`` (§3.3)."""
    return OIDC_KEY_PREFIX + start_url


def start_url_of(key: str) -> str:
    return key[len(OIDC_KEY_PREFIX) :] if key.startswith(OIDC_KEY_PREFIX) else ""


def cached_token(token: OidcToken, now: datetime, client: ClientRegistration | None) -> CachedOidcToken:
    """A fresh token as it is stored: it expires ``expires_in`` seconds from ``now``."""
    return CachedOidcToken(token, now + timedelta(seconds=token.expires_in), client)


def oidc_token_to_json(cached: CachedOidcToken) -> bytes:
    token = cached.token
    doc: dict[str, Any] = {
        # The SDK's CreateTokenOutput field names (§3.3); Go writes null for absent strings.
        "Token": {
            "AccessToken": token.access_token,
            "ExpiresIn": token.expires_in,
            "IdToken": token.id_token or None,
            "RefreshToken": token.refresh_token or None,
            "TokenType": token.token_type or None,
            "ResultMetadata": {},
        },
        "Expiration": rfc3339_utc(cached.expiration),
    }
    client = cached.client
    if client is not None and client.client_id and client.client_secret:
        doc["ClientID"] = client.client_id
        doc["ClientSecret"] = client.client_secret
        if client.expires_at is not None:
            doc["ClientSecretExpiresAt"] = rfc3339_utc(client.expires_at)
    return json.dumps(doc, separators=(",", ":")).encode()


def _lowered(obj: object) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return {str(k).lower(): v for k, v in obj.items()}


def _text(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    return value if isinstance(value, str) else ""


def _client(doc: dict[str, Any]) -> ClientRegistration | None:
    client_id, secret = _text(doc, "clientid"), _text(doc, "clientsecret")
    if not client_id or not secret:
        return None
    expires_at: datetime | None = None
    stamp = _text(doc, "clientsecretexpiresat")
    if stamp:
        expires_at = parse_rfc3339(stamp)
        if expires_at.year == _GO_ZERO_YEAR:  # Go's zero time.Time: "never set"
            expires_at = None
    return ClientRegistration(client_id, secret, expires_at)


def oidc_token_from_json(data: bytes, key: str) -> CachedOidcToken:
    """Decode an item written by any aws-vault (Go's decoder matches field names case-insensitively)."""
    try:
        doc = _lowered(json.loads(data))
        token = _lowered(doc.get("token"))
        expiration = parse_rfc3339(str(doc["expiration"]))
        access_token = _text(token, "accesstoken")
        if not access_token:
            raise ValueError("no AccessToken")
        expires_in = token.get("expiresin")
        client = _client(doc)
    except (ValueError, RecursionError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise CorruptItemError(key, "invalid OIDC token JSON") from e
    return CachedOidcToken(
        OidcToken(
            access_token=access_token,
            expires_in=expires_in if isinstance(expires_in, int) else 0,
            token_type=_text(token, "tokentype") or "Bearer",
            refresh_token=_text(token, "refreshtoken"),
            id_token=_text(token, "idtoken"),
        ),
        expiration,
        client,
    )


def oidc_item(start_url: str, cached: CachedOidcToken) -> Item:
    """The store item, with aws-vault's label and description (§4 item metadata), trusted on the keychain."""
    return Item(
        oidc_key(start_url),
        oidc_token_to_json(cached),
        f"aws-vault oidc token for {start_url} (expires {rfc3339_utc(cached.expiration)})",
        "aws-vault oidc token",
    )


def role_expiration(epoch_milliseconds: int) -> datetime:
    """GetRoleCredentials gives its expiration in epoch milliseconds (§2.7.6)."""
    return datetime.fromtimestamp(epoch_milliseconds / 1000, UTC)


def code_challenge(verifier: str) -> str:
    """PKCE's ``S256`` challenge: base64url(SHA-256(verifier)) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return b64url_encode(digest)


def in_ssh_session(env: Mapping[str, str]) -> bool:
    """Signed in over SSH: a browser here could not reach this machine's 127.0.0.1 (ByteNess#359)."""
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))

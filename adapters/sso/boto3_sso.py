"""IAM Identity Center through botocore: the ``sso-oidc`` and ``sso`` clients, unsigned (reference §2.7.6).

botocore loads on first use. The clients ignore the user's AWS setup (``AWS_PROFILE``, ``~/.aws/config``,
``~/.aws/credentials``): the endpoint comes from ``choose_sso_endpoint``, the region from ``sso_region``.
botocore's errors stop here and become ``SsoRequestError`` and its subclasses; tokens, client secrets and
device codes are scrubbed from every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aws_vault.adapters.botocore_calls import BotocoreAdapter, invoke, isolated_session
from aws_vault.application.ports import SsoOidc, SsoPortal
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import (
    SsoAuthorizationPendingError,
    SsoRequestError,
    SsoSlowDownError,
    SsoTokenRejectedError,
    SsoUnauthorizedError,
)
from aws_vault.domain.plan import SsoTarget
from aws_vault.domain.sso import (
    AUTHORIZATION_CODE_GRANTS,
    ClientRegistration,
    DeviceAuthorization,
    OidcToken,
    role_expiration,
)

DEFAULT_REGION = "us-east-1"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_TOKEN_GRANT = "refresh_token"
# botocore's service-specific variables: AWS_ENDPOINT_URL_<service id, spaces as underscores>.
ENDPOINT_VARIABLES = {"sso-oidc": "AWS_ENDPOINT_URL_SSO_OIDC", "sso": "AWS_ENDPOINT_URL_SSO"}
# A refresh the service refuses for good: a new sign-in is the only way on (a revoked or spent refresh
# token, an ended session, an expired client). Anything else (network, 5xx, throttling) is worth a retry.
REFRESH_REJECTIONS = frozenset(
    {
        "AccessDeniedException", "ExpiredTokenException", "InvalidClientException", "InvalidGrantException",
        "InvalidRequestException", "InvalidScopeException", "UnauthorizedClientException",
        "UnsupportedGrantTypeException",
    }
)  # fmt: skip


def choose_sso_endpoint(service: str, target: SsoTarget, env: Mapping[str, str]) -> str | None:
    """The endpoint URL for ``service`` ("sso" or "sso-oidc"); ``None``: botocore's regional default.

    botocore's order: the service's own variable, then an explicit endpoint, then ``AWS_ENDPOINT_URL``.
    The explicit one is the profile's ``endpoint_url`` (the fork sends every service there), but not a
    value that only came from ``AWS_ENDPOINT_URL_STS``, which is for STS alone.
    """
    use_env = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true"
    if use_env and env.get(ENDPOINT_VARIABLES[service]):
        return env[ENDPOINT_VARIABLES[service]]
    if target.endpoint_url and target.endpoint_url != env.get("AWS_ENDPOINT_URL_STS"):
        return target.endpoint_url
    if use_env and env.get("AWS_ENDPOINT_URL"):
        return env["AWS_ENDPOINT_URL"]
    return None


class _SsoClients(BotocoreAdapter):
    """Unsigned ``sso``/``sso-oidc`` clients, cached by (service, region, endpoint)."""

    _clients: dict[tuple[str, str, str | None], Any]

    def _client(self, service: str, target: SsoTarget) -> Any:
        endpoint = choose_sso_endpoint(service, target, self.environ)
        region = target.region or DEFAULT_REGION
        with self._lock:  # botocore sessions are not thread-safe
            if self._session is None:
                import botocore

                self._session = isolated_session()
                self._config = self._client_config(signature_version=botocore.UNSIGNED)
                self._clients = {}
            found = self._clients.get((service, region, endpoint))
            if found is None:
                found = self._session.create_client(
                    service, region_name=region, endpoint_url=endpoint, config=self._config
                )
                self._clients[(service, region, endpoint)] = found
            return found

    def _call(self, service: str, op: str, target: SsoTarget, params: dict[str, Any], secrets: list[str]) -> Any:
        return invoke(lambda: self._client(service, target), op, _snake(op), params, secrets, _error)


def _snake(op: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in op).lstrip("_")


def _error(op: str, code: str, message: str, status: int) -> SsoRequestError:
    if op == "GetRoleCredentials" and (status == 401 or code == "UnauthorizedException"):
        return SsoUnauthorizedError(op, code, message)
    if code == "AuthorizationPendingException":
        return SsoAuthorizationPendingError(op, code, message)
    if code == "SlowDownException":
        return SsoSlowDownError(op, code, message)
    return SsoRequestError(op, code, message)


def _fields(op: str, response: Mapping[str, Any], *names: str) -> list[Any]:
    missing = [n for n in names if response.get(n) in (None, "")]
    if missing:
        raise SsoRequestError(op, "InvalidResponse", f"the answer has no {', '.join(missing)}")
    return [response[n] for n in names]


def _token(op: str, response: Mapping[str, Any]) -> OidcToken:
    access_token, expires_in = _fields(op, response, "accessToken", "expiresIn")
    return OidcToken(
        access_token=access_token,
        expires_in=int(expires_in),
        token_type=response.get("tokenType") or "Bearer",
        refresh_token=response.get("refreshToken") or "",
        id_token=response.get("idToken") or "",
    )


class Boto3SsoOidc(_SsoClients, SsoOidc):
    def register_client(
        self,
        target: SsoTarget,
        client_name: str,
        scopes: tuple[str, ...],
        *,
        redirect_uri: str = "",
        issuer_url: str = "",
    ) -> ClientRegistration:
        params: dict[str, Any] = {"clientName": client_name, "clientType": "public"}
        if scopes:
            params["scopes"] = list(scopes)
        if redirect_uri:  # a client for the authorization code flow (ByteNess#359)
            params["grantTypes"] = list(AUTHORIZATION_CODE_GRANTS)
            params["redirectUris"] = [redirect_uri]
            if issuer_url:
                params["issuerUrl"] = issuer_url
        response = self._call("sso-oidc", "RegisterClient", target, params, [])
        client_id, secret = _fields("RegisterClient", response, "clientId", "clientSecret")
        expires = response.get("clientSecretExpiresAt") or 0
        return ClientRegistration(client_id, secret, datetime.fromtimestamp(expires, UTC) if expires else None)

    def start_device_authorization(
        self, target: SsoTarget, client: ClientRegistration, start_url: str
    ) -> DeviceAuthorization:
        params = {"clientId": client.client_id, "clientSecret": client.client_secret, "startUrl": start_url}
        op = "StartDeviceAuthorization"
        response = self._call("sso-oidc", op, target, params, [client.client_secret])
        device_code, user_code = _fields(op, response, "deviceCode", "userCode")
        return DeviceAuthorization(
            device_code=device_code,
            user_code=user_code,
            verification_uri=response.get("verificationUri") or "",
            verification_uri_complete=response.get("verificationUriComplete") or "",
            expires_in=int(response.get("expiresIn") or 0),
            interval=int(response.get("interval") or 0),
        )

    def authorize_endpoint(self, target: SsoTarget) -> str:
        """The endpoint the API calls use (botocore's regional default or the configured override)."""
        return str(self._client("sso-oidc", target).meta.endpoint_url)

    def exchange_code(
        self, target: SsoTarget, client: ClientRegistration, code: str, redirect_uri: str, code_verifier: str
    ) -> OidcToken:
        params = {
            "clientId": client.client_id, "clientSecret": client.client_secret, "grantType": "authorization_code",
            "code": code, "redirectUri": redirect_uri, "codeVerifier": code_verifier,
        }  # fmt: skip
        response = self._call("sso-oidc", "CreateToken", target, params, [client.client_secret, code, code_verifier])
        return _token("CreateToken", response)

    def create_token(self, target: SsoTarget, client: ClientRegistration, device_code: str) -> OidcToken:
        return self._grant(target, client, grantType=DEVICE_CODE_GRANT, deviceCode=device_code)

    def refresh_token(self, target: SsoTarget, client: ClientRegistration, refresh_token: str) -> OidcToken:
        try:
            return self._grant(target, client, grantType=REFRESH_TOKEN_GRANT, refreshToken=refresh_token)
        except SsoRequestError as e:
            if e.code in REFRESH_REJECTIONS:
                raise SsoTokenRejectedError(e.op, e.code, e.message) from e
            raise

    def _grant(self, target: SsoTarget, client: ClientRegistration, **grant: str) -> OidcToken:
        """CreateToken with one grant: ``grantType`` and its credential (device code or refresh token)."""
        params = {"clientId": client.client_id, "clientSecret": client.client_secret, **grant}
        response = self._call("sso-oidc", "CreateToken", target, params, [client.client_secret, *grant.values()])
        return _token("CreateToken", response)


class Boto3SsoPortal(_SsoClients, SsoPortal):
    def get_role_credentials(
        self, target: SsoTarget, access_token: str, account_id: str, role_name: str
    ) -> Credentials:
        params = {"accessToken": access_token, "accountId": account_id, "roleName": role_name}
        op = "GetRoleCredentials"
        response = self._call("sso", op, target, params, [access_token])
        (role,) = _fields(op, response, "roleCredentials")
        key_id, secret, token, expiration = _fields(
            op, role, "accessKeyId", "secretAccessKey", "sessionToken", "expiration"
        )
        return Credentials(key_id, secret, token, role_expiration(int(expiration)))

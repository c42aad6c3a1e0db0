"""STS through botocore: GetSessionToken and AssumeRole signed with the caller's keys.

botocore is imported on first use, never at import time, so commands that make no STS call stay fast.
Each client is isolated from the user's AWS setup: only the keys passed in sign, and ``AWS_PROFILE``,
``~/.aws/config`` and ``~/.aws/credentials`` are not read (our config adapter already turned the profile
into a ``StsTarget``). Endpoint and region rules: reference §2.8.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_vault.adapters.botocore_calls import BotocoreAdapter, invoke, isolated_session
from aws_vault.application.ports import AssumeRoleRequest, TokenService
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.endpoints import choose_endpoint
from aws_vault.domain.errors import StsRequestError
from aws_vault.domain.plan import StsTarget

_METHODS = {
    "GetSessionToken": "get_session_token",
    "AssumeRole": "assume_role",
    "AssumeRoleWithWebIdentity": "assume_role_with_web_identity",
    "GetCallerIdentity": "get_caller_identity",  # login (adapters/sts/boto3_federation_service.py)
    "GetFederationToken": "get_federation_token",
}


@dataclass(frozen=True)
class ResolvedEndpoint:
    url: str
    signing_region: str


class _Captured(Exception):
    """Raised by the before-send hook to stop a request once its URL and signature are known."""

    def __init__(self, url: str, authorization: str) -> None:
        super().__init__(url)
        self.url = url
        self.authorization = authorization


class Boto3TokenService(BotocoreAdapter, TokenService):
    """``TokenService`` over botocore; one botocore session per instance, built on first use."""

    def get_session_token(
        self,
        source: Credentials,
        target: StsTarget,
        duration: timedelta,
        mfa_serial: str = "",
        token_code: str = "",
    ) -> Credentials:
        params: dict[str, Any] = {"DurationSeconds": int(duration.total_seconds())}
        if mfa_serial:
            params["SerialNumber"] = mfa_serial
            params["TokenCode"] = token_code
        return self._call("GetSessionToken", source, target, params)

    def assume_role(self, source: Credentials, target: StsTarget, request: AssumeRoleRequest) -> Credentials:
        # Reference §2.7.3: optional parameters are sent only when set.
        params: dict[str, Any] = {
            "RoleArn": request.role_arn,
            "RoleSessionName": request.session_name,
            "DurationSeconds": int(request.duration.total_seconds()),
        }
        if request.external_id:
            params["ExternalId"] = request.external_id
        if request.mfa_serial:
            params["SerialNumber"] = request.mfa_serial
            params["TokenCode"] = request.token_code
        if request.session_tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in request.session_tags]
        if request.transitive_session_tags:
            params["TransitiveTagKeys"] = list(request.transitive_session_tags)
        if request.source_identity:
            params["SourceIdentity"] = request.source_identity
        return self._call("AssumeRole", source, target, params)

    def assume_role_with_web_identity(
        self, target: StsTarget, role_arn: str, session_name: str, duration: timedelta, token: bytes
    ) -> Credentials:
        # Unsigned, with the raw token (§2.7.4); external_id is not part of this call.
        params: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": int(duration.total_seconds()),
            "WebIdentityToken": token.decode("utf-8", "replace"),
        }
        return self._call("AssumeRoleWithWebIdentity", None, target, params)

    def resolve_endpoint(self, target: StsTarget) -> ResolvedEndpoint:
        """Where STS calls for ``target`` go and the region they are signed for; sends nothing."""
        client = self._client(Credentials("AKIDRESOLVEENDPOINT", "unused"), target)

        def capture(request: Any, **_: Any) -> None:
            auth = request.headers.get("Authorization", b"")
            raise _Captured(request.url, auth.decode() if isinstance(auth, bytes) else str(auth))

        client.meta.events.register("before-send.sts.*", capture)
        try:
            client.get_caller_identity()
        except _Captured as c:
            scope = c.authorization.partition("Credential=")[2].split(",")[0].split("/")
            return ResolvedEndpoint(c.url.rstrip("/"), scope[2] if len(scope) > 2 else "")
        raise AssertionError("before-send hook did not run")  # pragma: no cover

    def _botocore(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                # Legacy mode is applied by choose_endpoint, from the profile's own setting.
                self._session = isolated_session(sts_regional_endpoints=(None, None, "regional", None))
                self._config = self._client_config()
            return self._session, self._config

    def _client(self, source: Credentials | None, target: StsTarget) -> Any:
        endpoint_url, region = choose_endpoint(target, self.environ)
        session, config = self._botocore()
        if source is None:  # an unsigned call
            import botocore

            config = config.merge(botocore.config.Config(signature_version=botocore.UNSIGNED))
            source = Credentials("unsigned", "unsigned")
        with self._lock:  # botocore sessions are not thread-safe; a client takes ~2 ms once models load
            return session.create_client(
                "sts",
                region_name=region,
                endpoint_url=endpoint_url,
                aws_access_key_id=source.access_key_id,
                aws_secret_access_key=source.secret_access_key,
                aws_session_token=source.session_token or None,
                config=config,
            )

    def _call(self, op: str, source: Credentials | None, target: StsTarget, params: dict[str, Any]) -> Credentials:
        return _credentials(self._request(op, source, target, params)["Credentials"])

    def _request(self, op: str, source: Credentials | None, target: StsTarget, params: dict[str, Any]) -> Any:
        """The raw STS response; errors become ``StsRequestError`` with the secrets scrubbed."""
        secrets = [s for s in (source.secret_access_key, source.session_token) if s] if source else []
        secrets += [params["WebIdentityToken"]] if "WebIdentityToken" in params else []
        return invoke(lambda: self._client(source, target), op, _METHODS[op], params, secrets, _sts_error)


def _sts_error(op: str, code: str, message: str, _status: int) -> StsRequestError:
    return StsRequestError(op, code, message)


def _credentials(c: Mapping[str, Any]) -> Credentials:
    expiration: datetime = c["Expiration"]
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    return Credentials(
        access_key_id=c["AccessKeyId"],
        secret_access_key=c["SecretAccessKey"],
        session_token=c.get("SessionToken", ""),
        expiration=expiration.astimezone(UTC),
    )

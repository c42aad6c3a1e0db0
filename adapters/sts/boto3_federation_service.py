"""``login``'s AWS calls through botocore: sts:GetCallerIdentity, sts:GetFederationToken and iam:GetUser.

The STS calls reuse ``Boto3TokenService``'s isolated clients and endpoint rules (reference §2.8). IAM is
a global service: its client signs for the profile's partition (``us-east-1`` when no region) and goes to
``AWS_ENDPOINT_URL_IAM`` or ``AWS_ENDPOINT_URL`` when set (unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``),
else to botocore's default. A failed GetUser costs nothing: the caller falls back to the caller's ARN.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_vault.adapters.botocore_calls import invoke
from aws_vault.adapters.sts.boto3_token_service import Boto3TokenService, _sts_error
from aws_vault.application.ports import FederationService
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.endpoints import DEFAULT_REGION
from aws_vault.domain.plan import StsTarget


class Boto3FederationService(Boto3TokenService, FederationService):
    def caller_arn(self, source: Credentials, target: StsTarget) -> str:
        arn: str = self._request("GetCallerIdentity", source, target, {})["Arn"]
        return arn

    def federation_token(
        self, source: Credentials, target: StsTarget, name: str, policy: str, duration: timedelta
    ) -> Credentials:
        params = {"Name": name, "Policy": policy, "DurationSeconds": int(duration.total_seconds())}
        return self._call("GetFederationToken", source, target, params)

    def user_name(self, source: Credentials, target: StsTarget) -> str:
        secrets = [s for s in (source.secret_access_key, source.session_token) if s]
        response = invoke(lambda: self._iam_client(source, target), "GetUser", "get_user", {}, secrets, _sts_error)
        name = response.get("User", {}).get("UserName") or ""  # the root account has none
        return str(name)

    def _iam_client(self, source: Credentials, target: StsTarget) -> Any:
        env = self.environ
        endpoint_url = None
        if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
            endpoint_url = env.get("AWS_ENDPOINT_URL_IAM") or env.get("AWS_ENDPOINT_URL") or None
        session, config = self._botocore()
        with self._lock:
            return session.create_client(
                "iam",
                region_name=target.region or DEFAULT_REGION,
                endpoint_url=endpoint_url,
                aws_access_key_id=source.access_key_id,
                aws_secret_access_key=source.secret_access_key,
                aws_session_token=source.session_token or None,
                config=config,
            )

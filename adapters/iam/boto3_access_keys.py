"""``rotate``'s AWS calls through botocore: iam:ListAccessKeys/CreateAccessKey/DeleteAccessKey and
sts:GetCallerIdentity, on the same isolated clients and endpoint rules as login's (``AWS_ENDPOINT_URL_IAM``,
``AWS_ENDPOINT_URL``; reference §2.8)."""

from __future__ import annotations

from typing import Any

from aws_vault.adapters.botocore_calls import invoke
from aws_vault.adapters.sts.boto3_federation_service import Boto3FederationService
from aws_vault.adapters.sts.boto3_token_service import _sts_error
from aws_vault.application.ports import AccessKeys
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.plan import StsTarget


class Boto3AccessKeys(Boto3FederationService, AccessKeys):
    def _iam(self, source: Credentials, target: StsTarget, op: str, method: str, params: dict[str, Any]) -> Any:
        secrets = [s for s in (source.secret_access_key, source.session_token) if s]
        return invoke(lambda: self._iam_client(source, target), op, method, params, secrets, _sts_error)

    def list_keys(self, source: Credentials, target: StsTarget, user: str) -> list[str]:
        params = {"UserName": user} if user else {}
        response = self._iam(source, target, "ListAccessKeys", "list_access_keys", params)
        return [str(k["AccessKeyId"]) for k in response.get("AccessKeyMetadata", [])]

    def create_key(self, source: Credentials, target: StsTarget, user: str) -> Credentials:
        params = {"UserName": user} if user else {}
        key = self._iam(source, target, "CreateAccessKey", "create_access_key", params)["AccessKey"]
        return Credentials(str(key["AccessKeyId"]), str(key["SecretAccessKey"]))

    def delete_key(self, source: Credentials, target: StsTarget, user: str, key_id: str) -> None:
        params = {"AccessKeyId": key_id, **({"UserName": user} if user else {})}
        self._iam(source, target, "DeleteAccessKey", "delete_access_key", params)

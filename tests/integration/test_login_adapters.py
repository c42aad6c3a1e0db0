"""``login``'s adapters over HTTP: ``Boto3FederationService`` against moto (GetCallerIdentity, iam:GetUser,
GetFederationToken) and ``UrllibConsoleSignin`` against ``tests/fake_federation_server.py``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from aws_vault.adapters.console_signin import UrllibConsoleSignin
from aws_vault.adapters.sts.boto3_federation_service import Boto3FederationService
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import LoginError, StsRequestError
from aws_vault.domain.login import ALLOW_ALL_POLICY, user_name_from_denial
from aws_vault.domain.plan import StsTarget
from tests.fake_federation_server import FakeFederationServer
from tests.moto_server import MotoServer, free_port

pytestmark = pytest.mark.integration
SESSION = Credentials("ASIASESSION000000001", "session-secret/+=DO-NOT-PRINT", "session-token DO-NOT-PRINT")


@pytest.fixture
def iam_user(moto_requests: MotoServer) -> Iterator[tuple[str, Credentials]]:
    iam = boto3.client(
        "iam", endpoint_url=moto_requests.url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    name = f"login-user-{free_port()}"
    iam.create_user(UserName=name, Path="/team/")
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    moto_requests.reset()
    yield name, Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName=name)


def service(moto: MotoServer) -> Boto3FederationService:
    return Boto3FederationService(env={"AWS_ENDPOINT_URL": moto.url})


def test_caller_arn_user_name_and_federation_token(moto_requests: MotoServer, iam_user: tuple[str, Credentials]) -> None:
    name, keys = iam_user
    fed = service(moto_requests)
    target = StsTarget("eu-west-1")

    assert fed.caller_arn(keys, target) == f"arn:aws:iam::123456789012:user/team/{name}"
    assert fed.user_name(keys, target) == name
    creds = fed.federation_token(keys, target, name[:32], ALLOW_ALL_POLICY, timedelta(hours=2))

    assert creds.access_key_id and creds.secret_access_key and creds.session_token
    assert creds.expiration is not None and abs(creds.expiration - (datetime.now(UTC) + timedelta(hours=2))) < timedelta(
        minutes=1
    )
    sts = moto_requests.requests("sts")
    assert [r["Action"] for r in sts] == ["GetCallerIdentity", "GetFederationToken"]
    call = sts[-1]
    assert (call["Name"], call["Policy"], call["DurationSeconds"]) == (name[:32], ALLOW_ALL_POLICY, "7200")
    assert call["access_key_id"] == keys.access_key_id and call["region"] == "eu-west-1"
    (get_user,) = moto_requests.requests("iam")
    assert get_user["Action"] == "GetUser" and "UserName" not in get_user
    assert get_user["access_key_id"] == keys.access_key_id


def test_denied_get_user_names_the_user(moto_requests: MotoServer, iam_user: tuple[str, Credentials]) -> None:
    name, keys = iam_user  # no policy attached: iam:GetUser is denied once moto checks
    with moto_requests.auth_enforced(), pytest.raises(StsRequestError) as caught:
        service(moto_requests).user_name(keys, StsTarget("eu-west-1"))
    assert caught.value.op == "GetUser"
    assert user_name_from_denial(str(caught.value)) == name
    assert keys.secret_access_key not in str(caught.value)


def test_sts_errors_carry_no_secret(moto_requests: MotoServer) -> None:
    with moto_requests.auth_enforced(), pytest.raises(StsRequestError) as caught:
        service(moto_requests).federation_token(SESSION, StsTarget(), "x", ALLOW_ALL_POLICY, timedelta(hours=1))
    text = f"{caught.value} {caught.value!r}"
    assert SESSION.secret_access_key not in text and SESSION.session_token not in text


def test_iam_endpoint_variable_wins(moto_requests: MotoServer) -> None:
    fed = Boto3FederationService(env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_IAM": moto_requests.url})
    # moto answers for its default user whatever the key: the request reached it.
    assert fed.user_name(Credentials("AKIAANY", "x"), StsTarget())


# --- the sign-in endpoint -------------------------------------------------------------------------


@pytest.fixture
def federation() -> Iterator[FakeFederationServer]:
    with FakeFederationServer() as server:
        yield server


def test_signin_token_request(federation: FakeFederationServer) -> None:
    assert UrllibConsoleSignin().signin_token(federation.url, SESSION) == "tok"
    (request,) = federation.requests
    assert request["path"] == "/federation"
    assert set(request) == {"path", "Action", "Session"}  # no SessionDuration
    assert request["Action"] == "getSigninToken"
    assert json.loads(request["Session"]) == {
        "sessionId": SESSION.access_key_id,
        "sessionKey": SESSION.secret_access_key,
        "sessionToken": SESSION.session_token,
    }


def _error(federation: FakeFederationServer, url: str | None = None) -> str:
    with pytest.raises(LoginError) as caught:
        UrllibConsoleSignin(timeout=5).signin_token(url or federation.url, SESSION)
    text = str(caught.value)
    assert caught.value.__cause__ is None
    for secret in (SESSION.secret_access_key, SESSION.session_token, "Session="):
        assert secret not in text
    return text


def test_signin_non_200(federation: FakeFederationServer) -> None:
    federation.status, federation.body = 500, b'{"message": "boom"}'
    assert _error(federation) == "Call to getSigninToken failed with 500 Internal Server Error"


def test_signin_without_token(federation: FakeFederationServer) -> None:
    federation.body = b'{"Other": "x"}'
    assert _error(federation) == "Expected a response with SigninToken"
    federation.body = b"<html>not json</html>"
    assert _error(federation) == "Expected a response with SigninToken"


def test_signin_unreachable(federation: FakeFederationServer) -> None:
    closed = f"http://127.0.0.1:{free_port()}/federation"
    assert _error(federation, closed).startswith(f"Call to getSigninToken failed: could not reach {closed} (")
    assert _error(federation, "file:///etc/passwd").startswith("the federation endpoint must be a plain http(s) URL")

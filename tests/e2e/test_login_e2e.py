"""``aws-vault login`` end to end: the installed CLI, moto for STS/IAM, and a fake federation endpoint.

``AWS_VAULT_FEDERATION_URL`` points the getSigninToken request (and so the printed URL) at
``tests/fake_federation_server.py``, which records each request's ``Session`` JSON and answers
``{"SigninToken": "tok"}``. ``BROWSER`` is a script that records the URL it is asked to open.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.conftest import MFA_CODE, Vault, error_lines
from tests.fake_federation_server import FakeFederationServer

pytestmark = pytest.mark.e2e

DESTINATION = "https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Dus-east-1"


@pytest.fixture
def federation() -> Iterator[FakeFederationServer]:
    with FakeFederationServer() as server:
        yield server


@pytest.fixture
def login_vault(vault: Vault, federation: FakeFederationServer) -> Vault:
    vault.env["AWS_VAULT_FEDERATION_URL"] = federation.url
    return vault


def expected_url(federation: FakeFederationServer, destination: str = DESTINATION) -> str:
    return f"{federation.url}?Action=login&Issuer=aws-vault&Destination={destination}&SigninToken=tok"


def moto_federation_credentials(vault: Vault) -> dict[str, Any]:
    sts = boto3.client(
        "sts", endpoint_url=vault.moto.url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    creds: dict[str, Any] = sts.get_federation_token(Name="probe")["Credentials"]
    return creds


def actions(vault: Vault) -> list[str]:
    return [r["Action"] for r in vault.moto.requests()]


def test_login_user_prints_a_federation_token_url(login_vault: Vault, federation: FakeFederationServer) -> None:
    key_id = login_vault.add("home")
    done = login_vault.ok("login", "home", "--stdout")

    assert done.stdout == expected_url(federation) + "\n"
    assert done.stderr == ""
    sts = login_vault.moto.requests()
    assert [r["Action"] for r in sts] == ["GetCallerIdentity", "GetFederationToken"]  # no GetSessionToken
    federation_call = sts[-1]
    assert federation_call["access_key_id"] == key_id
    assert federation_call["Name"].startswith("e2e-user-") and len(federation_call["Name"]) <= 32
    assert federation_call["DurationSeconds"] == "3600"
    (get_user,) = [r for r in login_vault.moto.requests("iam") if r["Action"] == "GetUser"]
    assert get_user["access_key_id"] == key_id
    (session,) = federation.sessions()
    # moto's federation token (moto hands out fixed values), not the stored keys
    moto_token = moto_federation_credentials(login_vault)
    assert session == {
        "sessionId": moto_token["AccessKeyId"],
        "sessionKey": moto_token["SecretAccessKey"],
        "sessionToken": moto_token["SessionToken"],
    }
    assert session["sessionId"] != key_id


def test_login_role_uses_the_assumed_role(login_vault: Vault, federation: FakeFederationServer) -> None:
    key_id = login_vault.add("work")
    done = login_vault.ok("login", "work-admin_role", "--stdout", "--mfa-token", MFA_CODE)

    assert done.stdout == expected_url(federation) + "\n"
    assert actions(login_vault) == ["GetSessionToken", "AssumeRole"]  # no GetCallerIdentity/GetFederationToken
    (session,) = federation.sessions()
    assert session["sessionId"] != key_id and session["sessionToken"]


def test_login_opens_the_browser(login_vault: Vault, federation: FakeFederationServer) -> None:
    log = login_vault.root / "browser.log"
    browser = login_vault.script(
        "fake-browser", f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{log}'\necho 'Opening in existing browser session.'\n"
    )
    login_vault.add("home")
    done = login_vault.ok("login", "home", env={"BROWSER": str(browser)})

    assert done.stdout == ""  # the launcher's chatter goes to stderr
    assert Path(log).read_text().splitlines() == [expected_url(federation)]


def test_login_signin_failure_is_one_line(login_vault: Vault, federation: FakeFederationServer) -> None:
    federation.status, federation.body = 500, b'{"error": "boom"}'
    login_vault.add("home")
    done = login_vault.run("login", "home", "--stdout")

    assert done.returncode == 1 and done.stdout == ""
    assert error_lines(done.stderr) == [
        "aws-vault: error: login: Call to getSigninToken failed with 500 Internal Server Error"
    ]


def test_federation_token_ttl_env_reaches_sts(login_vault: Vault, federation: FakeFederationServer) -> None:
    login_vault.add("home")
    login_vault.ok("login", "home", "-s", env={"AWS_FEDERATION_TOKEN_TTL": "2h"})
    login_vault.ok("login", "home", "-s", "--federation-token-ttl", "90m")  # v4 flag

    durations = [r["DurationSeconds"] for r in login_vault.moto.requests() if r["Action"] == "GetFederationToken"]
    assert durations == ["7200", "5400"]


def test_login_with_environment_credentials(login_vault: Vault, federation: FakeFederationServer) -> None:
    key = login_vault.iam_key()
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    done = login_vault.ok("login", "--stdout", env=env)

    # No profile, no [default] region: the console's front page.
    assert done.stdout == expected_url(federation, "https%3A%2F%2Fconsole.aws.amazon.com%2F") + "\n"
    assert login_vault.moto.requests()[0]["access_key_id"] == key["AccessKeyId"]
    assert len(federation.sessions()) == 1


def test_login_without_profile_or_credentials(login_vault: Vault) -> None:
    done = login_vault.run("login")
    assert done.returncode == 1
    assert error_lines(done.stderr) == [
        "aws-vault: error: login: argument 'profile' not provided, nor any AWS env vars found. Try --help"
    ]


@pytest.mark.parametrize("bad", ["{url}/fed eration", "{url}?x=1", "http://[::1", "http://127.0.0.1:abc/f", "ftp://h/f"])
def test_a_malformed_federation_url_is_one_line_without_secrets(
    login_vault: Vault, federation: FakeFederationServer, bad: str
) -> None:
    login_vault.add("home", secret="e2e-very-secret")
    done = login_vault.run("login", "home", "--stdout", env={"AWS_VAULT_FEDERATION_URL": bad.format(url=federation.url)})
    assert done.returncode == 1 and done.stdout == ""
    [line] = error_lines(done.stderr)
    assert line.startswith("aws-vault: error: login: ")
    assert "Session=" not in done.stderr and "e2e-very-secret" not in done.stderr and "Traceback" not in done.stderr
    assert federation.sessions() == []


def test_aws_endpoint_url_signin_names_the_federation_endpoint(
    vault: Vault, federation: FakeFederationServer
) -> None:
    """The SDKs' per-service override: a base URL, ``/federation`` appended (AWS_VAULT_FEDERATION_URL's alias)."""
    vault.add("home")
    done = vault.ok("login", "home", "--stdout", env={"AWS_ENDPOINT_URL_SIGNIN": federation.base_url + "/"})
    assert done.stdout == expected_url(federation) + "\n"
    assert len(federation.sessions()) == 1


def test_ignore_configured_endpoint_urls_turns_the_signin_override_off(vault: Vault) -> None:
    vault.add("home")
    done = vault.run("login", "home", "--stdout", env={
        "AWS_ENDPOINT_URL_SIGNIN": "http://127.0.0.1:9", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        "AWS_VAULT_FEDERATION_URL": "http://127.0.0.1:9/elsewhere",
    })
    assert "127.0.0.1:9/elsewhere" in done.stderr and done.returncode == 1

"""``aws_vault.Vault`` from a plain script's point of view, against moto over HTTP, sharing its cache with the CLI."""

from __future__ import annotations

import json

import pytest

from aws_vault import Vault as AwsVault
from aws_vault.events import Event, MfaRequested, RoleAssumed, SessionTokenObtained
from tests.e2e.conftest import ACCOUNT, MFA_CODE, WORK_MFA, Vault


def _calls(vault: Vault) -> list[str]:
    return [r["Action"] for r in vault.moto.requests() if r.get("Action") != "GetCallerIdentity"]


def test_library_credentials_on_a_role_chain_then_the_cli_reuses_the_session(vault: Vault) -> None:
    vault.add("work")
    asked: list[str] = []

    def prompt(serial: str) -> str:
        asked.append(serial)
        return MFA_CODE

    lib = AwsVault.from_env(vault.env, mfa_prompt=prompt)
    seen: list[Event] = []
    lib.subscribe(seen.append)
    creds = lib.credentials("work-admin_role")

    assert asked == [WORK_MFA]
    assert creds.access_key_id.startswith("ASIA") and creds.session_token and creds.expiration
    assert _calls(vault) == ["GetSessionToken", "AssumeRole"]
    assert [type(e) for e in seen if isinstance(e, MfaRequested | SessionTokenObtained | RoleAssumed)] == [
        MfaRequested, SessionTokenObtained, RoleAssumed,
    ]
    # The CLI, with no terminal to prompt on, finds the role session the library cached...
    done = vault.ok("export", "--format=json", "work-admin_role")
    assert json.loads(done.stdout)["AccessKeyId"] == creds.access_key_id
    assert _calls(vault) == ["GetSessionToken", "AssumeRole"]
    # ...and, for the other role, the library's MFA session of the source profile.
    other = vault.ok("export", "--format=json", "work-read_only_role")
    assert json.loads(other.stdout)["AccessKeyId"].startswith("ASIA")
    assert _calls(vault) == ["GetSessionToken", "AssumeRole", "AssumeRole"]


def test_the_library_reuses_a_session_the_cli_cached(vault: Vault) -> None:
    vault.add("home")
    cli = json.loads(vault.ok("export", "--format=json", "--mfa-token", MFA_CODE, "home").stdout)

    def no_prompt(serial: str) -> str:
        raise AssertionError("the cached session should be used")

    creds = AwsVault.from_env(vault.env, mfa_prompt=no_prompt).credentials("home")
    assert (creds.access_key_id, creds.secret_access_key) == (cli["AccessKeyId"], cli["SecretAccessKey"])
    assert _calls(vault) == ["GetSessionToken"]


def test_boto3_session_signs_as_the_role(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    vault.add("work")
    for key, value in vault.env.items():  # the SDK's own view of the world: moto, no real config
        if key.startswith("AWS_") or key == "HOME":
            monkeypatch.setenv(key, value)
    lib = AwsVault.from_env(vault.env, mfa_prompt=lambda serial: MFA_CODE)
    session = lib.boto3_session("work-admin_role")

    arn = session.client("sts").get_caller_identity()["Arn"]

    assert arn.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/admin_role/")
    assert session.region_name == "us-east-1"
    assert session.get_credentials().method == "aws-vault"


def test_plan_makes_no_aws_call(vault: Vault) -> None:
    vault.add("work")
    lib = AwsVault.from_env(vault.env, mfa_prompt=lambda serial: pytest.fail("plan must not prompt"))
    plan = lib.plan("work-admin_role")
    assert vault.moto.requests() == []
    assert plan["calls"] == ["GetSessionToken", "AssumeRole"]
    assert plan["steps"][1]["endpoint"] == vault.moto.url  # AWS_ENDPOINT_URL, as the STS adapter uses it

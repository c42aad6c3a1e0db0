"""Boto3TokenService against a real moto server over HTTP; the requests moto recorded are the evidence.

moto never checks MFA codes or durations (test-components.md §5), so the tests assert on what was sent.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aws_vault.adapters.sts.boto3_token_service import Boto3TokenService, ResolvedEndpoint
from aws_vault.application.ports import AssumeRoleRequest
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.endpoints import GLOBAL_ENDPOINT
from aws_vault.domain.errors import StsRequestError
from aws_vault.domain.plan import StsTarget
from tests.fakes.clock import START, FakeClock
from tests.fakes.token_service import FakeTokenService
from tests.moto_server import MotoServer, free_port

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Credentials("AKIASOURCEKEY0000001", "source-secret-DO-NOT-PRINT")
TEMPORARY = Credentials("ASIATEMPKEY000000001", "temp-secret-DO-NOT-PRINT", "temp-token-DO-NOT-PRINT")
ROLE = "arn:aws:iam::123456789012:role/admin"
HOUR = timedelta(hours=1)


def _close_to(moment: datetime | None, expected: datetime) -> bool:
    return moment is not None and moment.tzinfo is not None and abs(moment - expected) < timedelta(seconds=60)


def _assert_no_secret(error: Exception, *creds: Credentials) -> None:
    text = f"{error} {error!r}"
    for c in creds:
        assert c.secret_access_key not in text
        if c.session_token:
            assert c.session_token not in text


def _closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


# --- speed --------------------------------------------------------------------------------------


def test_importing_the_adapter_does_not_import_botocore() -> None:
    code = (
        "import sys, aws_vault.adapters.sts.boto3_token_service\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- GetSessionToken ----------------------------------------------------------------------------


@pytest.mark.integration
def test_get_session_token_without_mfa(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService()
    creds = sts.get_session_token(SOURCE, StsTarget("eu-west-1", endpoint_url=moto_requests.url), HOUR)

    (req,) = moto_requests.requests()
    assert req["Action"] == "GetSessionToken"
    assert req["DurationSeconds"] == "3600"
    assert "SerialNumber" not in req and "TokenCode" not in req
    assert req["access_key_id"] == SOURCE.access_key_id
    assert req["region"] == "eu-west-1"
    assert req["security_token"] == ""
    assert creds.access_key_id and creds.secret_access_key and creds.session_token
    assert creds.expiration is not None and creds.expiration.tzinfo == UTC
    assert _close_to(creds.expiration, datetime.now(UTC) + HOUR)


@pytest.mark.integration
def test_get_session_token_with_mfa(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService()
    serial = "arn:aws:iam::123456789012:mfa/alice"
    creds = sts.get_session_token(
        SOURCE, StsTarget(endpoint_url=moto_requests.url), timedelta(hours=12), serial, "123456"
    )

    (req,) = moto_requests.requests()
    assert (req["SerialNumber"], req["TokenCode"], req["DurationSeconds"]) == (serial, "123456", "43200")
    assert _close_to(creds.expiration, datetime.now(UTC) + timedelta(hours=12))


# --- AssumeRole ---------------------------------------------------------------------------------


@pytest.mark.integration
def test_assume_role_sends_every_field(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService()
    request = AssumeRoleRequest(
        role_arn=ROLE,
        session_name="alice-session",
        duration=timedelta(minutes=45),
        external_id="ext-42",
        mfa_serial="arn:aws:iam::123456789012:mfa/alice",
        token_code="654321",
        session_tags=(("team", "ops"), ("env", "prod")),
        transitive_session_tags=("team",),
        source_identity="alice",
    )
    creds = sts.assume_role(TEMPORARY, StsTarget("ap-east-1", endpoint_url=moto_requests.url), request)

    (req,) = moto_requests.requests()
    assert req["Action"] == "AssumeRole"
    assert req["RoleArn"] == ROLE
    assert req["RoleSessionName"] == "alice-session"
    assert req["DurationSeconds"] == "2700"
    assert req["ExternalId"] == "ext-42"
    assert (req["SerialNumber"], req["TokenCode"]) == ("arn:aws:iam::123456789012:mfa/alice", "654321")
    tags = {(req[f"Tags.member.{i}.Key"], req[f"Tags.member.{i}.Value"]) for i in (1, 2)}
    assert tags == {("team", "ops"), ("env", "prod")}
    assert req["TransitiveTagKeys.member.1"] == "team"
    assert req["SourceIdentity"] == "alice"
    assert req["access_key_id"] == TEMPORARY.access_key_id
    assert req["security_token"] == TEMPORARY.session_token
    assert req["region"] == "ap-east-1"
    assert creds.access_key_id.startswith("ASIA") and creds.session_token
    assert _close_to(creds.expiration, datetime.now(UTC) + timedelta(minutes=45))


@pytest.mark.integration
def test_assume_role_omits_unset_fields(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService()
    sts.assume_role(SOURCE, StsTarget(endpoint_url=moto_requests.url), AssumeRoleRequest(ROLE, "s1", HOUR))

    (req,) = moto_requests.requests()
    sent = {k for k in req if k[0].isupper()}
    assert sent == {"Action", "Version", "RoleArn", "RoleSessionName", "DurationSeconds"}
    assert req["region"] == "us-east-1"  # no region configured


# --- endpoint and region ------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("var", ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])
def test_endpoint_from_env_mapping(moto_requests: MotoServer, var: str) -> None:
    sts = Boto3TokenService(env={var: moto_requests.url})
    sts.get_session_token(SOURCE, StsTarget("us-west-2"), HOUR)

    (req,) = moto_requests.requests()
    assert req["region"] == "us-west-2"
    assert req["host"] == moto_requests.url.removeprefix("http://")


@pytest.mark.integration
def test_endpoint_from_process_env_sts_beats_generic(
    moto_requests: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", _closed_url())
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_requests.url)
    Boto3TokenService().get_session_token(SOURCE, StsTarget("eu-west-1", "legacy"), HOUR)

    assert [r["Action"] for r in moto_requests.requests()] == ["GetSessionToken"]


@pytest.mark.integration
def test_profile_endpoint_url_beats_env(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService(env={"AWS_ENDPOINT_URL_STS": _closed_url(), "AWS_ENDPOINT_URL": _closed_url()})
    sts.get_session_token(SOURCE, StsTarget("eu-west-1", endpoint_url=moto_requests.url), HOUR)

    assert len(moto_requests.requests()) == 1


@pytest.mark.integration
def test_users_aws_profile_config_and_keys_do_not_interfere(
    moto_requests: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("this is [not an ini file\n[profile broken\n")
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEY01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "bogus")

    Boto3TokenService().get_session_token(
        SOURCE, StsTarget("eu-west-1", endpoint_url=moto_requests.url), HOUR
    )

    (req,) = moto_requests.requests()
    assert req["access_key_id"] == SOURCE.access_key_id
    assert req["security_token"] == ""


REGIONAL_EU = ResolvedEndpoint("https://sts.eu-west-1.amazonaws.com", "eu-west-1")


@pytest.mark.parametrize(
    ("target", "env", "expected"),
    [
        # No region anywhere: aws-vault fails (aws-vault#866, #1094); we use the global endpoint.
        (StsTarget(), {}, ResolvedEndpoint(GLOBAL_ENDPOINT, "us-east-1")),
        (StsTarget("eu-west-1"), {}, REGIONAL_EU),
        (StsTarget("eu-west-1", "regional"), {}, REGIONAL_EU),
        # §2.8: legacy sends the listed regions to the global endpoint, signing region unchanged.
        (StsTarget("eu-west-1", "legacy"), {}, ResolvedEndpoint(GLOBAL_ENDPOINT, "eu-west-1")),
        (StsTarget("us-east-1", "legacy"), {}, ResolvedEndpoint(GLOBAL_ENDPOINT, "us-east-1")),
        (StsTarget("aws-global", "legacy"), {}, ResolvedEndpoint(GLOBAL_ENDPOINT, "us-east-1")),
        (
            StsTarget("ap-east-1", "legacy"),
            {},
            ResolvedEndpoint("https://sts.ap-east-1.amazonaws.com", "ap-east-1"),
        ),
        (
            StsTarget("", "", "http://example.test:4566"),
            {},
            ResolvedEndpoint("http://example.test:4566", "us-east-1"),
        ),
        (
            StsTarget("eu-west-1", "legacy"),
            {"AWS_ENDPOINT_URL_STS": "http://sts.test"},
            ResolvedEndpoint("http://sts.test", "eu-west-1"),
        ),
        (
            StsTarget(),
            {"AWS_ENDPOINT_URL": "http://all.test"},
            ResolvedEndpoint("http://all.test", "us-east-1"),
        ),
        (
            StsTarget("eu-west-1", endpoint_url="http://profile.test"),
            {"AWS_ENDPOINT_URL_STS": "http://sts.test"},
            ResolvedEndpoint("http://profile.test", "eu-west-1"),
        ),
        (
            StsTarget("eu-west-1"),
            {"AWS_ENDPOINT_URL_STS": "http://sts.test", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
            REGIONAL_EU,
        ),
    ],
    ids=[
        "no-region",
        "regional-default",
        "regional",
        "legacy-listed",
        "legacy-us-east-1",
        "legacy-aws-global",
        "legacy-unlisted",
        "profile-endpoint",
        "env-sts-beats-legacy",
        "env-generic-no-region",
        "profile-beats-env",
        "env-ignored",
    ],
)
def test_resolve_endpoint(target: StsTarget, env: dict[str, str], expected: ResolvedEndpoint) -> None:
    assert Boto3TokenService(env=env).resolve_endpoint(target) == expected


def test_resolve_endpoint_ignores_process_env_when_given_a_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://process.test")
    assert Boto3TokenService(env={}).resolve_endpoint(StsTarget("eu-west-1")) == REGIONAL_EU
    assert Boto3TokenService().resolve_endpoint(StsTarget("eu-west-1")).url == "http://process.test"


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.integration
def test_param_validation_is_an_sts_request_error(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService()
    with pytest.raises(StsRequestError) as caught:
        sts.assume_role(
            TEMPORARY, StsTarget(endpoint_url=moto_requests.url), AssumeRoleRequest(ROLE, "x", HOUR)
        )

    assert (caught.value.op, caught.value.code) == ("AssumeRole", "ParamValidation")
    assert "RoleSessionName" in str(caught.value) and "\n" not in str(caught.value)
    _assert_no_secret(caught.value, TEMPORARY)
    assert moto_requests.requests() == []  # botocore refused before sending


@pytest.mark.integration
def test_aws_error_code_is_kept_and_secrets_are_not(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService(max_attempts=1)
    target = StsTarget("eu-west-1", endpoint_url=moto_requests.url)
    with moto_requests.auth_enforced(), pytest.raises(StsRequestError) as caught:
        sts.assume_role(TEMPORARY, target, AssumeRoleRequest(ROLE, "s1", HOUR))

    assert (caught.value.op, caught.value.code) == ("AssumeRole", "InvalidClientTokenId")
    assert str(caught.value).startswith("AssumeRole: InvalidClientTokenId: ")
    _assert_no_secret(caught.value, TEMPORARY)
    sts.get_session_token(SOURCE, target, HOUR)  # auth is back off


def test_unreachable_endpoint_is_a_network_error() -> None:
    url = _closed_url()
    sts = Boto3TokenService(max_attempts=1)
    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(TEMPORARY, StsTarget("eu-west-1", endpoint_url=url), HOUR)

    assert (caught.value.op, caught.value.code) == ("GetSessionToken", "Network")
    assert str(caught.value) == f"GetSessionToken: Network: could not reach {url}"
    _assert_no_secret(caught.value, TEMPORARY)


def test_malformed_endpoint_url_is_an_sts_request_error() -> None:
    with pytest.raises(StsRequestError) as caught:
        Boto3TokenService().get_session_token(SOURCE, StsTarget(endpoint_url="not a url"), HOUR)
    assert caught.value.code == "InvalidEndpoint"
    _assert_no_secret(caught.value, SOURCE)


# --- fakes --------------------------------------------------------------------------------------


def test_fake_clock_and_fake_token_service() -> None:
    clock = FakeClock()
    assert clock.now() == START and START.tzinfo == UTC
    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5) == clock.now()

    sts = FakeTokenService(clock=clock)
    first = sts.get_session_token(SOURCE, StsTarget("eu-west-1"), HOUR, "arn:mfa", "123456")
    clock.advance(HOUR)
    second = sts.assume_role(first, StsTarget(), AssumeRoleRequest(ROLE, "s", HOUR, external_id="e"))

    assert (first.access_key_id, second.access_key_id) == ("ASIAFAKE0001", "ASIAFAKE0002")
    assert first.expiration == START + timedelta(minutes=5) + HOUR
    assert second.expiration == START + timedelta(minutes=5) + 2 * HOUR
    assert sts.ops == ["GetSessionToken", "AssumeRole"]
    assert (sts.calls[0].source_key_id, sts.calls[0].token_code) == (SOURCE.access_key_id, "123456")
    assert (sts.calls[1].source_key_id, sts.calls[1].role_arn, sts.calls[1].external_id) == (
        "ASIAFAKE0001",
        ROLE,
        "e",
    )

    fixed = FakeTokenService(now=START)
    assert fixed.get_session_token(SOURCE, StsTarget(), HOUR).expiration == START + HOUR
    failing = FakeTokenService(fail_with=StsRequestError("GetSessionToken", "AccessDenied", "no"))
    with pytest.raises(StsRequestError):
        failing.get_session_token(SOURCE, StsTarget(), HOUR)
    assert failing.ops == ["GetSessionToken"]


def test_assume_role_with_web_identity_is_unsigned_and_sends_the_raw_token(moto_requests: MotoServer) -> None:
    sts = Boto3TokenService(env={})
    token = b"eyJhbGciOiJSUzI1NiJ9.payload.signature"
    creds = sts.assume_role_with_web_identity(
        StsTarget("eu-west-1", endpoint_url=moto_requests.url), ROLE, "ci-run", HOUR, token
    )
    # Unsigned, so no SigV4 scope names the service: pick the request by its Action.
    (req,) = [r for r in moto_requests.requests(service=None) if r.get("Action") == "AssumeRoleWithWebIdentity"]
    assert (req["RoleArn"], req["RoleSessionName"], req["DurationSeconds"]) == (ROLE, "ci-run", "3600")
    assert req["WebIdentityToken"] == token.decode()
    assert req.get("access_key_id", "") == ""  # no SigV4 Authorization header
    assert creds.access_key_id.startswith("ASIA") and creds.expiration is not None

"""``login``'s pure parts: the plan for the target profile, URLs per region (§7 table), names and ARNs (§2.7.7)."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import InvalidDurationError, LoginError
from aws_vault.domain.login import (
    ALLOW_ALL_POLICY,
    DEFAULT_FEDERATION_URL,
    console_ready,
    console_target,
    federation_duration,
    federation_name,
    is_assumed_role,
    login_url,
    redact_signin_token,
    signin_session_json,
    signin_token_query,
    user_name_from_arn,
    user_name_from_denial,
)
from aws_vault.domain.plan import AssumeRole, GetSessionToken, UseStoredKeys, build_plan
from aws_vault.domain.profiles import Section
from aws_vault.domain.role_chain import resolve_profile
from tests.unit.entrypoints.test_cli_with_fakes import SEED as CLI_SEED

# The seed's profiles, plus one without keys of its own that sources `home`.
SEED = CLI_SEED._replace(
    profiles=(
        *CLI_SEED.profiles,
        Section("alias", {"source_profile": "home", "mfa_serial": "arn:aws:iam::123456789012:mfa/home-account"}),
    )
)
STORED = {"home", "work"}


def plan_for(name: str, **kw: object) -> list[type]:
    profile = resolve_profile(SEED, name, stored=STORED)
    return [type(s) for s in build_plan(profile, STORED, **kw).steps]  # type: ignore[arg-type]


# --- the plan: sessions disabled for the target profile only --------------------------------------


def test_login_plan_skips_get_session_token_for_the_target_profile() -> None:
    assert plan_for("home") == [UseStoredKeys, GetSessionToken]  # exec
    assert plan_for("home", no_session_for="home") == [UseStoredKeys]
    profile = resolve_profile(SEED, "home", stored=STORED)
    notes = build_plan(profile, STORED, no_session_for="home").notes
    assert "profile home: skipping GetSessionToken because sessions are disabled for this profile" in notes


def test_login_plan_still_primes_the_source_of_a_role() -> None:
    # Only the target is exempt: `work` still gets its session, so one MFA code serves the role.
    assert plan_for("work-admin_role", no_session_for="work-admin_role") == [UseStoredKeys, GetSessionToken, AssumeRole]


def test_login_plan_keeps_the_session_of_a_source_profile() -> None:
    # `alias` has no keys of its own: `home`, its source, is primed as for exec (GetCallerIdentity decides).
    assert plan_for("alias", no_session_for="alias") == plan_for("alias") == [UseStoredKeys, GetSessionToken]


def test_no_session_still_disables_sessions_everywhere() -> None:
    assert plan_for("work-admin_role", no_session=True, no_session_for="work-admin_role") == [UseStoredKeys, AssumeRole]


def test_console_ready_only_for_role_sso_and_web_identity_credentials() -> None:
    def ready(name: str) -> bool:
        profile = resolve_profile(SEED, name, stored=STORED)
        return console_ready(build_plan(profile, STORED, no_session_for=name))

    assert ready("work-admin_role")
    assert not ready("home")
    assert not ready("alias")  # GetSessionToken of `home`: GetCallerIdentity decides


# --- endpoints and destinations, one test per row of §7's table -----------------------------------


@pytest.mark.parametrize(
    ("region", "endpoint", "destination"),
    [
        ("", DEFAULT_FEDERATION_URL, "https://console.aws.amazon.com/"),
        ("cn-north-1", "https://signin.amazonaws.cn/federation",
         "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1"),
        ("us-gov-west-1", "https://signin.amazonaws-us-gov.com/federation",
         "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"),
        ("eusc-de-east-1", "https://signin.amazonaws-eusc.eu/federation",
         "https://eusc-de-east-1.console.amazonaws-eusc.eu/console/home?region=eusc-de-east-1"),
        ("eu-west-1", "https://us-east-1.signin.aws.amazon.com/federation",
         "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"),
        ("us-east-1", "https://us-east-1.signin.aws.amazon.com/federation",
         "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"),
    ],
)  # fmt: skip
def test_console_target_per_region(region: str, endpoint: str, destination: str) -> None:
    target = console_target(region)
    assert (target.federation_url, target.destination) == (endpoint, destination)


@pytest.mark.parametrize(
    ("region", "destination"),
    [
        ("eu-west-1", "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"),
        ("cn-north-1", "https://cn-north-1.console.amazonaws.cn/s3/home?region=cn-north-1"),
        ("us-gov-east-1", "https://us-gov-east-1.console.amazonaws-us-gov.com/s3/home?region=us-gov-east-1"),
        ("eusc-de-east-1", "https://eusc-de-east-1.console.amazonaws-eusc.eu/s3/home?region=eusc-de-east-1"),
    ],
)
def test_path_replaces_the_console_home(region: str, destination: str) -> None:
    assert console_target(region, "s3/home").destination == destination


def test_path_is_inserted_verbatim_and_ignored_without_a_region() -> None:
    assert console_target("eu-west-1", "/ec2/v2/home#Instances").destination == (
        "https://eu-west-1.console.aws.amazon.com//ec2/v2/home#Instances?region=eu-west-1"
    )
    assert console_target("", "s3/home").destination == "https://console.aws.amazon.com/"


def test_federation_url_override_replaces_only_the_endpoint() -> None:
    target = console_target("cn-north-1", "", "http://127.0.0.1:9/federation")
    assert target.federation_url == "http://127.0.0.1:9/federation"
    assert target.destination == "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1"


def test_login_url_escapes_like_go_query_escape() -> None:
    target = console_target("eu-west-1")
    url = login_url(target, "a+b/c= d~")
    assert url == (
        "https://us-east-1.signin.aws.amazon.com/federation?Action=login&Issuer=aws-vault"
        "&Destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1"
        "&SigninToken=a%2Bb%2Fc%3D+d~"
    )
    query = parse_qs(urlsplit(url).query)
    assert query["Destination"] == [target.destination] and query["SigninToken"] == ["a+b/c= d~"]


def test_signin_session_is_sorted_compact_json() -> None:
    creds = Credentials("ASIAKEY", "se/cr+et", "to ken")
    assert signin_session_json(creds) == '{"sessionId":"ASIAKEY","sessionKey":"se/cr+et","sessionToken":"to ken"}'
    action, session = signin_token_query(creds).split("&")
    assert action == "Action=getSigninToken"
    assert json.loads(unquote_plus(session.removeprefix("Session="))) == {
        "sessionId": "ASIAKEY", "sessionKey": "se/cr+et", "sessionToken": "to ken"
    }
    assert "SessionDuration" not in signin_token_query(creds)


def test_redaction_hides_the_signin_token_only() -> None:
    url = login_url(console_target("eu-west-1", "s3/home"), "SECRET-TOKEN")
    redacted = redact_signin_token(url)
    assert "SECRET-TOKEN" not in redacted
    assert redacted.endswith("&SigninToken=****")
    assert redacted.startswith(url.split("&SigninToken=")[0])


# --- ARNs and the federation name -----------------------------------------------------------------


def test_assumed_role_arns() -> None:
    assert is_assumed_role("arn:aws:sts::123456789012:assumed-role/admin/session")
    assert not is_assumed_role("arn:aws:iam::123456789012:user/alice")
    with pytest.raises(LoginError, match=r"^unable to parse ARN: nonsense$"):
        is_assumed_role("nonsense")


def test_user_name_from_arn_and_denial() -> None:
    assert user_name_from_arn("arn:aws:iam::123456789012:user/team/alice") == "alice"
    with pytest.raises(LoginError, match=r"^Couldn't determine current username$"):
        user_name_from_arn("arn:aws:iam::123456789012:root")
    denial = "GetUser: AccessDenied: User: arn:aws:iam::123456789012:user/dev/bob is not authorized to perform"
    assert user_name_from_denial(denial) == "bob"
    assert user_name_from_denial("GetUser: Network: could not reach https://iam.amazonaws.com") == ""


def test_federation_name_is_truncated_to_32_characters() -> None:
    assert federation_name("a" * 40) == "a" * 32
    assert federation_name("alice") == "alice"


def test_policy_allows_everything() -> None:
    assert json.loads(ALLOW_ALL_POLICY) == {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    }
    assert " " not in ALLOW_ALL_POLICY


def test_federation_duration_precedence() -> None:
    assert federation_duration(None, "") == (timedelta(hours=1), "")
    assert federation_duration(None, "2h") == (timedelta(hours=2), "AWS_FEDERATION_TOKEN_TTL")
    assert federation_duration(timedelta(minutes=30), "2h", "-f") == (timedelta(minutes=30), "-f")
    with pytest.raises(InvalidDurationError, match="AWS_FEDERATION_TOKEN_TTL"):
        federation_duration(None, "3600")
    with pytest.raises(InvalidDurationError, match=r"AWS_FEDERATION_TOKEN_TTL: -1h0m0s .*cannot be negative"):
        federation_duration(None, "-1h")
    # Zero is "not set" (aws-vault's zero time.Duration): the next source, then the default.
    assert federation_duration(timedelta(0), "2h") == (timedelta(hours=2), "AWS_FEDERATION_TOKEN_TTL")
    assert federation_duration(None, "0s") == (timedelta(hours=1), "")

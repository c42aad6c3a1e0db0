"""The OIDC token item (reference §3.3) and the SSO step of the plan (§2.3, §2.7.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_vault.domain.errors import CorruptItemError, InvalidProfileValueError
from aws_vault.domain.plan import SsoRoleCredentials, SsoTarget, build_plan
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.domain.sso import (
    CachedOidcToken,
    ClientRegistration,
    OidcToken,
    oidc_item,
    oidc_token_from_json,
    oidc_token_to_json,
    role_expiration,
)

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
URL = "https://example.awsapps.com/start"


def test_a_go_item_with_offset_and_nanoseconds_decodes() -> None:
    data = (
        b'{"Token":{"AccessToken":"tok","ExpiresIn":28800,"IdToken":null,"RefreshToken":null,'
        b'"TokenType":"Bearer","ResultMetadata":{}},"Expiration":"2023-05-25T15:30:06.123456789+10:00"}'
    )
    cached = oidc_token_from_json(data, "oidc:x")
    assert cached.token == OidcToken("tok", 28800, "Bearer", "", "")
    assert cached.expiration == datetime(2023, 5, 25, 5, 30, 6, 123456, tzinfo=UTC)
    assert cached.client is None
    assert not cached.refreshable(NOW)


def test_field_names_match_case_insensitively_and_go_zero_time_means_unset() -> None:
    data = (
        b'{"token":{"accesstoken":"tok","refreshToken":"r"},"expiration":"2024-01-02T03:04:05Z",'
        b'"clientId":"c","CLIENTSECRET":"s","ClientSecretExpiresAt":"0001-01-01T00:00:00Z"}'
    )
    cached = oidc_token_from_json(data, "oidc:x")
    assert cached.client == ClientRegistration("c", "s", None)
    assert cached.refreshable(NOW + timedelta(days=3650))


@pytest.mark.parametrize(
    "data",
    [b"", b"[]", b'{"Token":{}}', b'{"Token":{"AccessToken":""},"Expiration":"2024-01-02T03:04:05Z"}',
     b'{"Token":{"AccessToken":"t"},"Expiration":"soon"}', b'{"Token":"t","Expiration":"2024-01-02T03:04:05Z"}'],
)
def test_unreadable_items_are_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptItemError):
        oidc_token_from_json(data, "oidc:x")


@given(
    access=st.text(min_size=1),
    refresh=st.text(),
    expires_in=st.integers(0, 2**31 - 1),
    seconds=st.integers(0, 10**9),
    client=st.none() | st.tuples(st.text(min_size=1), st.text(min_size=1)),
)
def test_round_trip(access: str, refresh: str, expires_in: int, seconds: int, client: tuple[str, str] | None) -> None:
    expiration = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    registration = ClientRegistration(*client, expiration) if client else None
    cached = CachedOidcToken(OidcToken(access, expires_in, "Bearer", refresh), expiration, registration)
    assert oidc_token_from_json(oidc_token_to_json(cached), "oidc:x") == cached


def test_secrets_stay_out_of_repr() -> None:
    cached = CachedOidcToken(OidcToken("access-secret", 1, "Bearer", "refresh-secret"), NOW, ClientRegistration("c", "cs"))
    item = oidc_item(URL, cached)
    for secret in ("access-secret", "refresh-secret", "cs"):
        assert secret not in repr(cached) and secret not in repr(item)
    assert item.key == f"oidc:{URL}"


def test_role_expiration_is_in_milliseconds() -> None:
    assert role_expiration(1_700_000_000_500) == datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)


SSO = ConfigFile(
    "config",
    (
        Section("dev", {"sso_session": "corp", "sso_account_id": "111111111111", "sso_role_name": "Admin",
                        "sso_start_url": "https://inline.example/start"}),
        Section("legacy", {"sso_start_url": URL, "sso_region": "us-east-1", "sso_account_id": "2",
                           "sso_role_name": "Reader"}),
        Section("lost", {"sso_session": "nowhere", "sso_account_id": "1", "sso_role_name": "R"}),
        Section("no-account", {"sso_session": "corp", "sso_role_name": "Admin"}),
        Section("no-region", {"sso_start_url": URL, "sso_account_id": "1", "sso_role_name": "R"}),
    ),
    (Section("corp", {"sso_start_url": URL, "sso_region": "eu-west-1",
                      "sso_registration_scopes": "sso:account:access, openid"}),),
)


def plan_step(name: str, env: dict[str, str] | None = None) -> object:
    return build_plan(resolve_profile(SSO, name, env=env), set()).steps[0]


def test_the_sso_session_section_wins_and_gives_region_and_scopes() -> None:
    assert plan_step("dev") == SsoRoleCredentials(
        "dev", URL, "eu-west-1", "111111111111", "Admin", ("sso:account:access", "openid"), ""
    )


def test_an_inline_sso_profile_and_its_target() -> None:
    step = plan_step("legacy", env={"AWS_ENDPOINT_URL": "http://localhost:1"})
    assert isinstance(step, SsoRoleCredentials)
    assert step.target == SsoTarget("us-east-1", "http://localhost:1")
    assert step.registration_scopes == ()


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("lost", "profile lost: sso_session: no [sso-session nowhere] section with an sso_start_url in the config"),
        ("no-account", "profile no-account: sso_account_id: not set; an SSO profile needs it in the profile "
                       "or its [sso-session corp] section"),
        ("no-region", "profile no-region: sso_region: not set; an SSO profile needs it in the profile"),
    ],
)
def test_missing_sso_settings_are_one_line_errors(profile: str, message: str) -> None:
    with pytest.raises(InvalidProfileValueError) as e:
        plan_step(profile)
    assert str(e.value) == message

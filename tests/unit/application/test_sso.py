"""``SsoSource`` with hand-written fakes of its ports: token cache, refresh, device flow timing, 401 retry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.sso import SsoSource
from aws_vault.domain import events as ev
from aws_vault.domain.errors import SsoRequestError, SsoSignInTimeoutError, SsoUnauthorizedError
from aws_vault.domain.items import Item
from aws_vault.domain.plan import Plan, SsoRoleCredentials, SsoTarget
from aws_vault.domain.sessions import SSO_ROLE_CREDENTIALS, SessionKey
from aws_vault.domain.sso import oidc_key, oidc_token_from_json
from tests.fakes.clock import FakeClock
from tests.fakes.prompts import FakeMfaPrompt
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.sso import FakeBrowser, FakeConsole, FakeSsoOidc, FakeSsoPortal
from tests.fakes.token_service import FakeTokenService

START = "https://example.awsapps.com/start"
KEY = oidc_key(START)
STEP = SsoRoleCredentials("dev", START, "eu-west-1", "111111111111", "Admin", (), "")
OPENING = "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n"
DEVICE_FLOW = ["RegisterClient", "StartDeviceAuthorization", "CreateToken"]


class World:
    def __init__(self, *, use_stdout: bool = False, **oidc: object) -> None:
        self.clock = FakeClock()
        self.store = FakeSecretStore()
        self.oidc = FakeSsoOidc(clock=self.clock, **oidc)  # type: ignore[arg-type]
        self.portal = FakeSsoPortal(clock=self.clock)
        self.browser = FakeBrowser()
        self.console = FakeConsole()
        self.bus = EventBus()
        self.events: list[ev.Event] = []
        self.bus.subscribe(self.events.append)
        self.source = SsoSource(
            self.oidc, self.portal, self.browser, self.console, self.store, self.clock, self.bus, use_stdout
        )

    def stored_token(self) -> str:
        return oidc_token_from_json(self.store.items[KEY].data, KEY).token.access_token

    def of(self, kind: type) -> list[ev.Event]:
        return [e for e in self.events if isinstance(e, kind)]


def test_first_use_signs_in_with_the_device_flow_and_stores_the_token() -> None:
    w = World(pending=1)
    creds = w.source(STEP)
    assert w.oidc.ops == [*DEVICE_FLOW, "CreateToken"]
    assert w.oidc.calls[0].target == SsoTarget("eu-west-1", "")
    url = "https://device.sso.eu-west-1.amazonaws.com/?user_code=CODE-2"
    assert w.console.notices == [OPENING + url]
    assert w.browser.urls == [url]
    assert [c.detail for c in w.portal.calls] == ["access-3"]
    assert creds.access_key_id == "ASIASSOFAKE0001" and creds.expiration == w.clock.now() + timedelta(hours=1)
    (stored,) = w.of(ev.SsoRoleCredentialsObtained)
    assert stored == ev.SsoRoleCredentialsObtained("dev", "111111111111", "Admin", creds.masked_key_id, creds.expiration)


def test_the_stored_item_is_what_aws_vault_writes() -> None:
    w = World()
    w.source(STEP)
    item = w.store.items[KEY]
    expires = w.clock.now() + timedelta(hours=8)
    assert item.label == f"aws-vault oidc token for {START} (expires {expires:%Y-%m-%dT%H:%M:%SZ})"
    assert item.description == "aws-vault oidc token"
    assert not item.keychain_not_trust_application
    doc = json.loads(item.data)
    assert doc["Token"] == {
        "AccessToken": "access-3",
        "ExpiresIn": 28800,
        "IdToken": None,
        "RefreshToken": None,
        "TokenType": "Bearer",
        "ResultMetadata": {},
    }
    assert doc["Expiration"] == f"{expires:%Y-%m-%dT%H:%M:%SZ}"
    # The client registration rides along as extra fields (the fork's names), for refreshing.
    assert doc["ClientID"] == "client-1" and doc["ClientSecret"] == "client-secret-1"
    assert doc["ClientSecretExpiresAt"] == f"{w.clock.now() + timedelta(days=90):%Y-%m-%dT%H:%M:%SZ}"


def test_a_cached_token_is_reused_without_the_browser() -> None:
    w = World()
    w.source(STEP)
    w.clock.advance(timedelta(hours=2))
    w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW
    assert len(w.browser.urls) == 1
    assert [c.detail for c in w.portal.calls] == ["access-3", "access-3"]
    (reused,) = w.of(ev.OidcTokenReused)
    assert reused.expires_in == timedelta(hours=6)


def test_a_token_written_by_go_aws_vault_is_used() -> None:
    w = World()
    go_item = (
        b'{"Token":{"AccessToken":"go-token","ExpiresIn":28800,"IdToken":null,"RefreshToken":null,'
        b'"TokenType":"Bearer","ResultMetadata":{}},"Expiration":"2024-01-02T13:30:06.123456789+10:00"}'
    )
    w.store.set(Item(KEY, go_item, "aws-vault oidc token", "aws-vault oidc token"))
    w.source(STEP)
    assert w.oidc.ops == []
    assert [c.detail for c in w.portal.calls] == ["go-token"]


def test_an_unreadable_item_is_a_miss_and_is_overwritten() -> None:
    w = World()
    w.store.set(Item(KEY, b"{not json"))
    w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW
    assert w.stored_token() == "access-3"
    assert w.of(ev.OidcTokenDiscarded) == [ev.OidcTokenDiscarded(START, "unreadable")]


def test_an_expired_token_without_refresh_token_is_deleted_and_replaced() -> None:
    w = World()
    w.source(STEP)
    w.clock.advance(timedelta(hours=8))
    w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW * 2
    assert len(w.browser.urls) == 2
    assert ("remove", KEY) in [(c.op, c.key) for c in w.store.calls]
    assert w.stored_token() == "access-6"


def test_an_expired_token_is_refreshed_without_the_browser() -> None:
    w = World(refresh_tokens=True)
    w.source(STEP)
    w.clock.advance(timedelta(hours=9))
    w.source(STEP)
    assert w.oidc.ops == [*DEVICE_FLOW, "RefreshToken"]
    assert w.oidc.calls[-1].detail == "refresh-3"
    assert len(w.browser.urls) == 1
    assert [c.detail for c in w.portal.calls] == ["access-3", "access-4"]
    cached = oidc_token_from_json(w.store.items[KEY].data, KEY)
    assert cached.token.refresh_token == "refresh-4"  # rotated
    assert cached.client is not None and cached.client.client_id == "client-1"
    assert cached.expiration == w.clock.now() + timedelta(hours=8)
    assert w.of(ev.OidcTokenRefreshed) == [ev.OidcTokenRefreshed(START, cached.expiration)]


def test_a_token_about_to_expire_is_refreshed_early() -> None:
    w = World(refresh_tokens=True)
    w.source(STEP)
    w.clock.advance(timedelta(hours=7, minutes=50))
    w.source(STEP)
    assert w.oidc.ops[-1] == "RefreshToken"
    assert w.portal.calls[-1].detail == "access-4"


def test_a_failed_early_refresh_keeps_using_the_current_token() -> None:
    w = World(refresh_tokens=True)
    w.source(STEP)
    w.clock.advance(timedelta(hours=7, minutes=50))
    w.oidc.refresh_fail_with = SsoRequestError("CreateToken", "Network", "could not reach the service")
    w.source(STEP)
    assert w.oidc.ops == [*DEVICE_FLOW, "RefreshToken"]
    assert w.portal.calls[-1].detail == "access-3"


def test_a_rejected_refresh_signs_in_again() -> None:
    w = World(refresh_tokens=True)
    w.source(STEP)
    w.oidc.live_refresh_tokens.clear()  # the session ended at the IdP
    w.clock.advance(timedelta(hours=9))
    w.source(STEP)
    assert w.oidc.ops == [*DEVICE_FLOW, "RefreshToken", *DEVICE_FLOW]
    assert w.of(ev.OidcTokenRefreshFailed) == [ev.OidcTokenRefreshFailed(START, "InvalidGrantException")]
    assert len(w.browser.urls) == 2


def test_a_network_failure_on_an_expired_token_keeps_the_refresh_token() -> None:
    w = World(refresh_tokens=True)
    w.source(STEP)
    w.clock.advance(timedelta(hours=9))
    w.oidc.refresh_fail_with = SsoRequestError("CreateToken", "Network", "could not reach the service")
    with pytest.raises(SsoRequestError, match="Network"):
        w.source(STEP)
    assert KEY in w.store.items
    assert len(w.browser.urls) == 1


def test_an_expired_client_registration_means_a_new_sign_in() -> None:
    w = World(refresh_tokens=True, client_lifetime=timedelta(hours=8))
    w.source(STEP)
    w.clock.advance(timedelta(hours=9))
    w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW * 2


def test_registration_scopes_are_sent() -> None:
    w = World()
    w.source(STEP._replace(registration_scopes=("sso:account:access", "openid")))
    assert w.oidc.calls[0].detail == "sso:account:access,openid"


def test_polling_waits_the_interval_and_slows_down() -> None:
    w = World(slow_down=1, pending=2, interval=5)
    start = w.clock.now()
    w.source(STEP)
    # Slow down: 5 + 5 = 10s, then twice pending at the new interval, then the token.
    assert w.clock.slept == [10, 10, 10]
    assert w.clock.now() - start == timedelta(seconds=30)
    assert [(e.interval, e.slowed_down) for e in w.of(ev.SsoAuthorizationPending)] == [
        (10, True), (10, False), (10, False),
    ]


def test_polling_defaults_to_five_seconds() -> None:
    w = World(pending=2, interval=0)
    w.source(STEP)
    assert w.clock.slept == [5, 5]


def test_polling_stops_when_the_device_code_expires() -> None:
    w = World(pending=1000, interval=5, device_expires_in=60)
    with pytest.raises(SsoSignInTimeoutError, match=f"the SSO authorization for {START} was not approved within 60s"):
        w.source(STEP)
    assert sum(w.clock.slept) <= 60
    assert KEY not in w.store.items


def test_an_expired_device_code_is_an_error() -> None:
    w = World()
    w.oidc.fail_with = SsoRequestError("CreateToken", "ExpiredTokenException", "Device code has expired")
    with pytest.raises(SsoRequestError, match="CreateToken: ExpiredTokenException: Device code has expired"):
        w.source(STEP)
    assert w.portal.calls == [] and KEY not in w.store.items


def test_stdout_prints_the_link_and_opens_no_browser() -> None:
    w = World(use_stdout=True)
    w.source(STEP)
    url = "https://device.sso.eu-west-1.amazonaws.com/?user_code=CODE-2"
    assert w.console.notices == [f"Open the SSO authorization page in a browser (use Ctrl-C to abort)\n{url}"]
    assert w.browser.urls == []
    assert w.of(ev.SsoDeviceAuthorizationStarted)[0].browser_opened is None


def test_a_browser_that_does_not_open_is_not_an_error() -> None:
    w = World()
    w.browser.opens = False
    assert w.source(STEP).access_key_id == "ASIASSOFAKE0001"
    assert w.of(ev.SsoDeviceAuthorizationStarted)[0].browser_opened is False


def test_a_cached_token_the_portal_rejects_is_replaced_once() -> None:
    w = World()
    w.source(STEP)
    w.portal.unauthorized.add("access-3")  # signed out in the portal (aws-vault#854)
    creds = w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW * 2
    assert [c.detail for c in w.portal.calls] == ["access-3", "access-3", "access-6"]
    assert creds.access_key_id == "ASIASSOFAKE0003"
    assert w.stored_token() == "access-6"
    assert ev.OidcTokenDiscarded(START, "rejected by GetRoleCredentials (HTTP 401)") in w.events


def test_a_second_401_is_an_error_and_there_is_no_loop() -> None:
    w = World()
    w.source(STEP)
    w.portal.unauthorized.update({"access-3", "access-6"})
    with pytest.raises(SsoUnauthorizedError):
        w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW * 2
    assert len(w.portal.calls) == 3


def test_a_401_on_a_fresh_token_is_not_retried() -> None:
    w = World()
    w.portal.unauthorized.add("access-3")
    with pytest.raises(SsoUnauthorizedError):
        w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW


def test_events_carry_no_secrets() -> None:
    w = World(refresh_tokens=True)
    w.source(STEP)
    w.clock.advance(timedelta(hours=9))
    w.source(STEP)
    text = repr(w.events)
    for secret in ("access-3", "access-4", "refresh-3", "client-secret-1", "device-2", "sso-secret", "sso-token"):
        assert secret not in text


def test_the_pipeline_caches_the_role_credentials_under_the_start_url() -> None:
    w = World()
    cache = SessionCache(w.store, w.clock, w.bus, timedelta(minutes=5))
    pipeline = CredentialPipeline(
        w.store, FakeTokenService(clock=w.clock), FakeMfaPrompt(), w.clock, w.bus, cache,
        sources={SsoRoleCredentials: w.source},
    )
    plan = Plan("dev", (STEP,), (), "eu-west-1")
    first = pipeline.run(plan)
    second = pipeline.run(plan)
    assert first == second
    assert len(w.portal.calls) == 1
    sessions = [k for k in map(SessionKey.parse, w.store.keys()) if k is not None]
    assert [(s.type, s.profile, s.mfa_serial) for s in sessions] == [(SSO_ROLE_CREDENTIALS, "dev", START)]

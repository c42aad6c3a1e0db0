"""``SsoSource`` with hand-written fakes of its ports: token cache, refresh, the authorization code flow with
PKCE (the default when a listener is given), device flow timing and its fallbacks, 401 retry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.sso import SsoSource
from aws_vault.domain import events as ev
from aws_vault.domain.errors import (
    SsoAuthorizationDeniedError,
    SsoCallbackListenerError,
    SsoCallbackTimeoutError,
    SsoRequestError,
    SsoSignInTimeoutError,
    SsoUnauthorizedError,
)
from aws_vault.domain.items import Item
from aws_vault.domain.plan import Plan, SsoRoleCredentials, SsoTarget
from aws_vault.domain.sessions import SSO_ROLE_CREDENTIALS, SessionKey
from aws_vault.domain.sso import oidc_key, oidc_token_from_json
from tests.fakes.clock import FakeClock
from tests.fakes.prompts import FakeMfaPrompt
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.sso import (
    FakeBrowser,
    FakeCallbackListener,
    FakeConsole,
    FakeRedirect,
    FakeSsoOidc,
    FakeSsoPortal,
    clicks_allow,
)
from tests.fakes.token_service import FakeTokenService

START = "https://example.awsapps.com/start"
KEY = oidc_key(START)
STEP = SsoRoleCredentials("dev", START, "eu-west-1", "111111111111", "Admin", (), "")
OPENING = "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n"
DEVICE_FLOW = ["RegisterClient", "StartDeviceAuthorization", "CreateToken"]
CODE_FLOW = ["RegisterClient", "ExchangeCode"]
DEVICE_URL = "https://device.sso.eu-west-1.amazonaws.com/?user_code=CODE-2"


class World:
    """The source over fakes. ``pkce``: with a callback listener (the default sign-in), and a user who clicks
    Allow in the browser; without it only the device flow exists, as before."""

    def __init__(
        self, *, use_stdout: bool = False, pkce: bool = False, device_code: bool = False, **oidc: object
    ) -> None:
        self.clock = FakeClock()
        self.store = FakeSecretStore()
        self.oidc = FakeSsoOidc(clock=self.clock, **oidc)  # type: ignore[arg-type]
        self.portal = FakeSsoPortal(clock=self.clock)
        self.listener = FakeCallbackListener(clock=self.clock)
        self.browser = FakeBrowser(on_open=clicks_allow(self.oidc, self.listener) if pkce else None)
        self.console = FakeConsole()
        self.bus = EventBus()
        self.events: list[ev.Event] = []
        self.bus.subscribe(self.events.append)
        self.source = SsoSource(
            self.oidc, self.portal, self.browser, self.console, self.store, self.clock, self.bus, use_stdout,
            listener=self.listener if pkce else None, device_code=device_code,
        )  # fmt: skip

    @property
    def redirect(self) -> FakeRedirect:
        (redirect,) = self.listener.redirects
        return redirect

    def stored_token(self) -> str:
        return oidc_token_from_json(self.store.items[KEY].data, KEY).token.access_token

    def of(self, kind: type) -> list[ev.Event]:
        return [e for e in self.events if isinstance(e, kind)]


def test_first_use_signs_in_with_the_device_flow_and_stores_the_token() -> None:
    w = World(pending=1)
    creds = w.source(STEP)
    assert w.oidc.ops == [*DEVICE_FLOW, "CreateToken"]
    assert w.oidc.calls[0].target == SsoTarget("eu-west-1", "")
    url = DEVICE_URL
    # ByteNess#440: the code is printed too, since AWS's new verification page no longer has it in its URL.
    assert w.console.notices == [f"{OPENING}{url}\nThen enter the code: CODE-2"]
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
    url = DEVICE_URL
    assert w.console.notices == [
        f"Open the SSO authorization page in a browser (use Ctrl-C to abort)\n{url}\nThen enter the code: CODE-2"
    ]
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


# --- the authorization code flow with PKCE (issue 13; ByteNess#359) ----------------------------------------


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


def test_the_code_flow_is_the_default_sign_in_and_stores_the_token() -> None:
    w = World(pkce=True)
    creds = w.source(STEP)
    assert w.oidc.ops == CODE_FLOW  # no device authorization, no polling
    assert w.oidc.calls[0].detail == "sso:account:access"  # the AWS CLI's default registration scope
    redirect_uri = "http://127.0.0.1:49152/oauth/callback"
    assert w.oidc.clients["client-1"] == (redirect_uri, START, ("sso:account:access",))
    (page,) = w.browser.urls
    assert page.startswith("https://oidc.eu-west-1.amazonaws.com/authorize?")
    query = _query(page)
    assert [k for k, _ in query] == [
        "response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scopes",
    ]  # fmt: skip
    fields = dict(query)
    assert fields["response_type"] == "code" and fields["client_id"] == "client-1"
    assert fields["redirect_uri"] == redirect_uri and fields["code_challenge_method"] == "S256"
    assert fields["state"] == w.redirect.state and len(w.redirect.state) >= 43
    assert w.console.notices == [OPENING + page]
    assert w.redirect.answers == [200] and w.redirect.closed
    assert w.clock.slept == []
    assert creds.access_key_id == "ASIASSOFAKE0001" and [c.detail for c in w.portal.calls] == ["access-3"]
    cached = oidc_token_from_json(w.store.items[KEY].data, KEY)
    assert cached.token.access_token == "access-3" and cached.token.refresh_token == "refresh-3"
    assert cached.client is not None and cached.client.client_id == "client-1"
    assert w.of(ev.SsoAuthorizationCodeRequested) == [ev.SsoAuthorizationCodeRequested(START, redirect_uri, True)]


def test_each_sign_in_has_its_own_state_and_verifier() -> None:
    w = World(pkce=True)
    w.source(STEP)
    w.store.remove(KEY)
    w.source(STEP)
    first, second = (dict(_query(url)) for url in w.browser.urls)
    assert first["state"] != second["state"] and first["code_challenge"] != second["code_challenge"]


def test_the_authorize_page_follows_the_oidc_endpoint_and_the_configured_scopes() -> None:
    w = World(pkce=True)
    w.source(STEP._replace(endpoint_url="http://localhost:4566", registration_scopes=("sso:account:access", "openid")))
    (page,) = w.browser.urls
    assert page.startswith("http://localhost:4566/authorize?")
    assert dict(_query(page))["scopes"] == "sso:account:access,openid"


def test_a_callback_with_a_wrong_state_is_refused_and_the_right_one_still_signs_in() -> None:
    w = World(pkce=True)
    allow = clicks_allow(w.oidc, w.listener)

    def forger_then_user(url: str) -> None:
        assert w.listener.call(f"{w.redirect.uri}?code=stolen&state=not-the-state") == 400
        assert w.listener.call(f"{w.redirect.uri}?code=stolen") == 400  # no state at all
        allow(url)

    w.browser.on_open = forger_then_user
    assert w.source(STEP).access_key_id == "ASIASSOFAKE0001"
    assert w.redirect.answers == [400, 400, 200]
    assert (w.oidc.calls[-1].op, w.oidc.calls[-1].detail) == ("ExchangeCode", "code-2")


def test_a_delivered_callback_with_a_wrong_state_is_ignored_too() -> None:
    # The listener filters wrong states; the source checks again and keeps waiting if one slips through.
    w = World(pkce=True)
    allow = clicks_allow(w.oidc, w.listener)

    def user(url: str) -> None:
        w.redirect.pending.append({"code": "forged", "state": "forged"})
        allow(url)

    w.browser.on_open = user
    w.source(STEP)
    assert w.oidc.calls[-1].detail == "code-2"


def test_a_denied_authorization_is_a_one_line_error() -> None:
    w = World(pkce=True, deny=("access_denied", "The user\ndenied the\trequest."))
    with pytest.raises(SsoAuthorizationDeniedError) as e:
        w.source(STEP)
    assert str(e.value) == f"the SSO sign-in for {START} was not authorized: access_denied: The user denied the request."
    assert w.oidc.ops == ["RegisterClient"] and KEY not in w.store.items and w.portal.calls == []
    assert w.redirect.closed


def test_a_callback_without_code_or_error_is_an_error() -> None:
    w = World(pkce=True)
    w.browser.on_open = lambda url: None
    w.listener.on_wait = lambda r: r.pending.append({"state": r.state}) if not r.answers else None
    with pytest.raises(SsoAuthorizationDeniedError, match="invalid_request: the callback carried no code"):
        w.source(STEP)


def test_no_callback_within_the_timeout_is_a_clear_error() -> None:
    w = World(pkce=True)
    w.browser.on_open = None  # the browser opened, nobody signed in
    start = w.clock.now()
    with pytest.raises(SsoCallbackTimeoutError) as e:
        w.source(STEP)
    assert str(e.value) == (
        f"the SSO sign-in for {START} did not come back from the browser within 5m0s (AWS_VAULT_SSO_TIMEOUT sets "
        "the wait); run the command again, or add --device-code to sign in with a code instead"
    )
    assert isinstance(e.value, SsoSignInTimeoutError)
    assert w.clock.now() - start == timedelta(minutes=5)  # the clock's wait: no real time passed
    assert w.redirect.closed and KEY not in w.store.items and w.oidc.ops == ["RegisterClient"]


def test_the_timeout_is_configurable() -> None:
    w = World(pkce=True)
    w.browser.on_open = None
    w.source.authorization_timeout = timedelta(seconds=30)
    with pytest.raises(SsoCallbackTimeoutError, match="within 30s"):
        w.source(STEP)
    assert sum(w.redirect.waits) == 30


def test_no_browser_falls_back_to_the_device_flow_and_prints_the_code() -> None:
    w = World(pkce=True)
    w.browser.opens = False
    creds = w.source(STEP)
    assert creds.access_key_id == "ASIASSOFAKE0001"
    assert w.oidc.ops == ["RegisterClient", *DEVICE_FLOW]
    assert len(w.browser.urls) == 1  # the authorize page only: no second attempt for the device page
    device_url = "https://device.sso.eu-west-1.amazonaws.com/?user_code=CODE-3"
    assert w.console.notices == [
        f"Open the SSO authorization page in a browser (use Ctrl-C to abort)\n{device_url}\nThen enter the code: CODE-3"
    ]
    assert w.of(ev.SsoDeviceCodeFallback) == [ev.SsoDeviceCodeFallback(START, "no browser could be opened")]
    assert w.of(ev.SsoDeviceAuthorizationStarted)[0].browser_opened is False


def test_a_listener_that_cannot_start_falls_back_to_the_device_flow() -> None:
    w = World(pkce=True)
    w.listener.fail_with = SsoCallbackListenerError("cannot listen on 127.0.0.1 for the SSO sign-in callback: x")
    w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW
    assert w.browser.urls == [DEVICE_URL]
    (fallback,) = w.of(ev.SsoDeviceCodeFallback)
    assert "cannot listen on 127.0.0.1" in fallback.reason


@pytest.mark.parametrize(("use_stdout", "device_code"), [(True, False), (False, True), (True, True)])
def test_stdout_and_device_code_use_the_device_flow(use_stdout: bool, device_code: bool) -> None:
    w = World(pkce=True, use_stdout=use_stdout, device_code=device_code)
    w.source(STEP)
    assert w.oidc.ops == DEVICE_FLOW
    assert w.listener.redirects == []
    assert w.console.notices[0].endswith("\nThen enter the code: CODE-2")
    assert w.browser.urls == ([] if use_stdout else [DEVICE_URL])


def test_a_code_flow_token_is_refreshed_without_the_browser() -> None:
    w = World(pkce=True)
    w.source(STEP)
    w.clock.advance(timedelta(hours=9))
    w.source(STEP)
    assert w.oidc.ops == [*CODE_FLOW, "RefreshToken"]
    assert len(w.browser.urls) == 1


def test_a_refused_code_exchange_is_an_error_and_nothing_is_stored() -> None:
    w = World(pkce=True)
    w.oidc.fail_with = SsoRequestError("CreateToken", "InvalidGrantException", "Invalid authorization code")
    with pytest.raises(SsoRequestError, match="InvalidGrantException"):
        w.source(STEP)
    assert KEY not in w.store.items and w.redirect.closed


def test_a_rejected_cached_token_signs_in_again_with_the_code_flow() -> None:
    w = World(pkce=True)
    w.source(STEP)
    w.portal.unauthorized.add("access-3")
    assert w.source(STEP).access_key_id == "ASIASSOFAKE0003"
    assert w.oidc.ops == CODE_FLOW * 2 and len(w.listener.redirects) == 2


def test_code_flow_events_carry_no_secrets() -> None:
    w = World(pkce=True)
    w.source(STEP)
    text = repr(w.events)
    for secret in ("access-3", "refresh-3", "client-secret-1", "code-2", w.redirect.state):
        assert secret not in text


def test_one_sign_in_per_start_url_across_processes() -> None:
    """The token fetch holds the start URL's lock; a token another process stored meanwhile is used."""
    from tests.fakes.locks import FakeLocks

    other = World(pending=1)
    w = World(pending=1)
    w.store = other.store  # the two "processes" share the store

    def signed_in_meanwhile(name: str) -> None:
        if name == f"oidc:{START}":
            other.source(STEP)

    w.source = SsoSource(
        w.oidc, w.portal, w.browser, w.console, other.store, w.clock, w.bus, locks=FakeLocks(signed_in_meanwhile),
    )
    w.source(STEP)
    assert other.oidc.ops == [*DEVICE_FLOW, "CreateToken"]
    assert w.oidc.ops == [] and w.browser.urls == []  # no second sign-in
    assert [c.detail for c in w.portal.calls] == ["access-3"]

"""The botocore SSO adapters against ``tests/fake_sso_server.py`` over HTTP: wire shapes, endpoints, errors."""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from aws_vault.adapters.clock import SystemClock
from aws_vault.adapters.sso.boto3_sso import Boto3SsoOidc, Boto3SsoPortal, choose_sso_endpoint
from aws_vault.adapters.sso.callback_listener import HttpCallbackListener
from aws_vault.application.bus import EventBus
from aws_vault.application.sso import SsoSource, authorize_url
from aws_vault.domain.errors import (
    SsoAuthorizationDeniedError,
    SsoAuthorizationPendingError,
    SsoCallbackTimeoutError,
    SsoRequestError,
    SsoSlowDownError,
    SsoTokenRejectedError,
    SsoUnauthorizedError,
)
from aws_vault.domain.plan import SsoRoleCredentials, SsoTarget
from aws_vault.domain.sso import ClientRegistration, code_challenge, oidc_key, oidc_token_from_json
from tests import sso_browser
from tests.fake_sso_server import DEVICE_CODE_GRANT, FakeSsoServer
from tests.fakes.clock import FakeClock
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.sso import FakeBrowser, FakeConsole

pytestmark = pytest.mark.integration
START = "https://example.awsapps.com/start"


@pytest.fixture
def server() -> Iterator[FakeSsoServer]:
    with FakeSsoServer(pending=0) as s:
        yield s


@pytest.fixture
def target(server: FakeSsoServer) -> SsoTarget:
    return SsoTarget("eu-west-1", server.url)


def oidc() -> Boto3SsoOidc:
    return Boto3SsoOidc(env={}, max_attempts=1)


def portal() -> Boto3SsoPortal:
    return Boto3SsoPortal(env={}, max_attempts=1)


def signed_in(target: SsoTarget) -> tuple[Boto3SsoOidc, ClientRegistration, str]:
    client_api = oidc()
    client = client_api.register_client(target, "aws-vault", ("sso:account:access",))
    auth = client_api.start_device_authorization(target, client, START)
    return client_api, client, client_api.create_token(target, client, auth.device_code).access_token


def test_the_device_flow_on_the_wire(server: FakeSsoServer, target: SsoTarget) -> None:
    api = oidc()
    client = api.register_client(target, "aws-vault", ())
    assert client.client_id == "client-1" and client.client_secret == "client-secret-1"
    assert client.expires_at is not None and client.expires_at > datetime.now(UTC) + timedelta(days=80)
    auth = api.start_device_authorization(target, client, START)
    assert auth.verification_uri_complete == f"{server.url}/device?user_code=CODE-0002"
    assert (auth.interval, auth.expires_in) == (1, 600)
    token = api.create_token(target, client, auth.device_code)
    assert token.token_type == "Bearer" and token.expires_in == 28800 and token.refresh_token == ""

    register, start, create = server.requests
    assert (register.method, register.path) == ("POST", "/client/register")
    assert register.body == {"clientName": "aws-vault", "clientType": "public"}  # no scopes unless configured
    assert start.body == {"clientId": "client-1", "clientSecret": "client-secret-1", "startUrl": START}
    assert create.path == "/token"
    assert create.body == {
        "clientId": "client-1", "clientSecret": "client-secret-1", "grantType": DEVICE_CODE_GRANT,
        "deviceCode": auth.device_code,
    }
    assert all("authorization" not in r.headers for r in server.requests)  # unsigned


def test_role_credentials_on_the_wire(server: FakeSsoServer, target: SsoTarget) -> None:
    _, _, access_token = signed_in(target)
    before = datetime.now(UTC)
    creds = portal().get_role_credentials(target, access_token, "111111111111", "Admin")
    assert creds.access_key_id == "ASIASSO000000001" and creds.session_token == "sso-session-token-1"
    assert creds.expiration is not None
    assert timedelta(minutes=59) < creds.expiration - before <= timedelta(hours=1, seconds=1)  # from milliseconds
    call = server.calls("GetRoleCredentials")[0]
    assert (call.method, call.path) == ("GET", "/federation/credentials")
    assert call.query == {"role_name": "Admin", "account_id": "111111111111"}
    assert call.headers["x-amz-sso_bearer_token"] == access_token


def test_pending_slow_down_and_expired_become_domain_errors(server: FakeSsoServer, target: SsoTarget) -> None:
    server.slow_down, server.pending = 1, 1
    api = oidc()
    client = api.register_client(target, "aws-vault", ())
    auth = api.start_device_authorization(target, client, START)
    with pytest.raises(SsoSlowDownError):
        api.create_token(target, client, auth.device_code)
    with pytest.raises(SsoAuthorizationPendingError, match="AuthorizationPendingException: Authorization is still"):
        api.create_token(target, client, auth.device_code)
    server.expire_device_codes = True
    with pytest.raises(SsoRequestError) as e:
        api.create_token(target, client, auth.device_code)
    assert type(e.value) is SsoRequestError
    assert str(e.value) == "CreateToken: ExpiredTokenException: Device code has expired"


def test_refresh_rotates_and_a_spent_refresh_token_is_rejected(server: FakeSsoServer, target: SsoTarget) -> None:
    api = oidc()
    client = api.register_client(target, "aws-vault", ("sso:account:access",))
    auth = api.start_device_authorization(target, client, START)
    first = api.create_token(target, client, auth.device_code)
    assert server.calls("RegisterClient")[0].body["scopes"] == ["sso:account:access"]
    second = api.refresh_token(target, client, first.refresh_token)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert server.requests[-1].body["grantType"] == "refresh_token"
    with pytest.raises(SsoTokenRejectedError, match="InvalidGrantException"):
        api.refresh_token(target, client, first.refresh_token)


def test_a_401_is_unauthorized_and_other_failures_are_not(server: FakeSsoServer, target: SsoTarget) -> None:
    _, _, access_token = signed_in(target)
    server.revoke(access_token)
    with pytest.raises(SsoUnauthorizedError, match="GetRoleCredentials: UnauthorizedException: Session token"):
        portal().get_role_credentials(target, access_token, "1", "R")
    with pytest.raises(SsoRequestError) as e:
        portal().get_role_credentials(target, "unknown", "", "R")
    assert e.value.code == "UnauthorizedException"


def test_an_unreachable_endpoint_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SsoRequestError) as e:
        oidc().register_client(SsoTarget("eu-west-1", f"http://127.0.0.1:{port}"), "aws-vault", ())
    assert e.value.code == "Network" and f"could not reach http://127.0.0.1:{port}" in str(e.value)


def test_the_users_aws_profile_is_not_read(
    server: FakeSsoServer, target: SsoTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert oidc().register_client(target, "aws-vault", ()).client_id == "client-1"


@pytest.mark.parametrize(
    ("service", "explicit", "env", "expected"),
    [
        ("sso-oidc", "", {}, None),
        ("sso", "http://explicit", {}, "http://explicit"),
        ("sso", "http://explicit", {"AWS_ENDPOINT_URL_SSO": "http://portal"}, "http://portal"),
        ("sso-oidc", "", {"AWS_ENDPOINT_URL_SSO": "http://portal", "AWS_ENDPOINT_URL_SSO_OIDC": "http://oidc"},
         "http://oidc"),
        ("sso", "", {"AWS_ENDPOINT_URL": "http://all"}, "http://all"),
        # A profile endpoint that only came from AWS_ENDPOINT_URL_STS is for STS, not SSO.
        ("sso", "http://sts", {"AWS_ENDPOINT_URL_STS": "http://sts"}, None),
        ("sso", "http://sts", {"AWS_ENDPOINT_URL_STS": "http://sts", "AWS_ENDPOINT_URL": "http://all"}, "http://all"),
        ("sso", "", {"AWS_ENDPOINT_URL_SSO": "http://portal", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, None),
    ],
)
def test_endpoint_choice(service: str, explicit: str, env: dict[str, str], expected: str | None) -> None:
    assert choose_sso_endpoint(service, SsoTarget("eu-west-1", explicit), env) == expected


def test_default_endpoints_are_regional() -> None:
    target = SsoTarget("eu-west-1")
    assert oidc()._client("sso-oidc", target).meta.endpoint_url == "https://oidc.eu-west-1.amazonaws.com"
    assert (
        portal()._client("sso", target).meta.endpoint_url == "https://portal.sso.eu-west-1.amazonaws.com"
    )


def test_service_variables_route_each_client(server: FakeSsoServer) -> None:
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": server.url, "AWS_ENDPOINT_URL_SSO": server.url}
    target = SsoTarget("eu-west-1")
    api = Boto3SsoOidc(env=env, max_attempts=1)
    client = api.register_client(target, "aws-vault", ())
    auth = api.start_device_authorization(target, client, START)
    token = api.create_token(target, client, auth.device_code)
    creds = Boto3SsoPortal(env=env, max_attempts=1).get_role_credentials(target, token.access_token, "1", "R")
    assert creds.access_key_id == "ASIASSO000000001"


def test_sso_source_end_to_end_over_http(server: FakeSsoServer, target: SsoTarget) -> None:
    server.pending, server.slow_down = 2, 1
    clock, store, browser, console = FakeClock(), FakeSecretStore(), FakeBrowser(), FakeConsole()
    source = SsoSource(oidc(), portal(), browser, console, store, clock, EventBus())
    step = SsoRoleCredentials("dev", START, "eu-west-1", "111111111111", "Admin", (), server.url)
    creds = source(step)
    assert creds.access_key_id == "ASIASSO000000001"
    assert server.ops() == ["RegisterClient", "StartDeviceAuthorization", *["CreateToken"] * 4, "GetRoleCredentials"]
    assert clock.slept == [6, 6, 6]  # interval 1, +5 after the slow down
    assert browser.urls == [f"{server.url}/device?user_code=CODE-0002"]
    source(step)
    assert server.ops()[-2:] == ["GetRoleCredentials", "GetRoleCredentials"]  # the token came from the store


# --- the authorization code flow with PKCE on the wire, with the real loopback listener (issue 13) -----------


def test_the_authorization_code_flow_on_the_wire(server: FakeSsoServer, target: SsoTarget) -> None:
    api = oidc()
    redirect_uri = "http://127.0.0.1:50123/oauth/callback"
    client = api.register_client(
        target, "aws-vault", ("sso:account:access",), redirect_uri=redirect_uri, issuer_url=START
    )
    (register,) = server.requests
    assert register.body == {
        "clientName": "aws-vault", "clientType": "public", "scopes": ["sso:account:access"],
        "grantTypes": ["authorization_code", "refresh_token"], "redirectUris": [redirect_uri], "issuerUrl": START,
    }  # fmt: skip
    assert api.authorize_endpoint(target) == server.url
    verifier = "v" * 64
    page = authorize_url(server.url, client.client_id, redirect_uri, "the-state", code_challenge(verifier), ("sso:account:access",))
    status, location = _get(page)
    assert status == 302 and location.startswith(f"{redirect_uri}?code=authorization-code-")
    code = dict(parse_qsl(urlsplit(location).query))["code"]
    with pytest.raises(SsoRequestError, match="InvalidGrantException: Invalid code verifier") as e:
        api.exchange_code(target, client, code, redirect_uri, "w" * 64)
    assert code not in str(e.value)
    token = api.exchange_code(target, client, code, redirect_uri, verifier)
    assert token.refresh_token and token.expires_in == 28800
    create = server.calls("CreateToken")[-1]
    assert create.body == {
        "clientId": client.client_id, "clientSecret": client.client_secret, "grantType": "authorization_code",
        "code": code, "redirectUri": redirect_uri, "codeVerifier": verifier,
    }  # fmt: skip
    with pytest.raises(SsoRequestError, match="InvalidGrantException: Invalid authorization code"):
        api.exchange_code(target, client, code, redirect_uri, verifier)  # single use


def test_the_authorize_endpoint_is_regional_or_the_oidc_override(server: FakeSsoServer) -> None:
    assert oidc().authorize_endpoint(SsoTarget("eu-west-1")) == "https://oidc.eu-west-1.amazonaws.com"
    api = Boto3SsoOidc(env={"AWS_ENDPOINT_URL_SSO_OIDC": server.url}, max_attempts=1)
    assert api.authorize_endpoint(SsoTarget("eu-west-1")) == server.url


def _get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(url, timeout=5) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class CodeFlow:
    """``SsoSource`` over the botocore adapters, the fake server and the real listener on 127.0.0.1; the
    browser is ``tests/sso_browser.py`` (a user clicking Allow), run when the source opens a page."""

    def __init__(self, server: FakeSsoServer, *, timeout: float = 10, wrong_state_first: bool = False) -> None:
        self.statuses: list[int] = []
        self.store, self.console, self.events = FakeSecretStore(), FakeConsole(), []  # type: ignore[var-annotated]

        def user(url: str) -> None:
            if "/authorize?" in url:
                self.statuses += sso_browser.follow(url, wrong_state_first=wrong_state_first)

        self.browser = FakeBrowser(on_open=user)
        bus = EventBus()
        bus.subscribe(self.events.append)
        self.source = SsoSource(
            oidc(), portal(), self.browser, self.console, self.store, SystemClock(), bus,
            listener=HttpCallbackListener(), authorization_timeout=timedelta(seconds=timeout),
        )  # fmt: skip
        self.step = SsoRoleCredentials("dev", START, "eu-west-1", "111111111111", "Admin", (), server.url)


def test_the_code_flow_end_to_end_over_http(server: FakeSsoServer) -> None:
    flow = CodeFlow(server)
    creds = flow.source(flow.step)
    assert creds.access_key_id == "ASIASSO000000001"
    assert server.ops() == ["RegisterClient", "Authorize", "CreateToken", "GetRoleCredentials"]
    assert flow.statuses == [200]
    (page,) = flow.browser.urls
    assert page.startswith(f"{server.url}/authorize?response_type=code&client_id=client-1&redirect_uri=http")
    assert flow.console.notices == [f"Opening the SSO authorization page in your default browser (use Ctrl-C to abort)\n{page}"]
    (authorize,) = server.calls("Authorize")
    redirect_uri = authorize.query["redirect_uri"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/oauth/callback", redirect_uri)
    assert server.registrations["client-1"]["redirectUris"] == [redirect_uri]
    assert server.calls("CreateToken")[0].body["redirectUri"] == redirect_uri
    cached = oidc_token_from_json(flow.store.items[oidc_key(START)].data, oidc_key(START))
    assert cached.token.refresh_token and cached.client is not None and cached.client.client_id == "client-1"
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(2)
        s.connect(("127.0.0.1", urlsplit(redirect_uri).port or 0))
    flow.source(flow.step)  # the token came from the store
    assert server.ops()[-2:] == ["GetRoleCredentials", "GetRoleCredentials"] and len(flow.browser.urls) == 1


def test_a_wrong_state_gets_400_and_the_right_callback_still_signs_in(server: FakeSsoServer) -> None:
    flow = CodeFlow(server, wrong_state_first=True)
    assert flow.source(flow.step).access_key_id == "ASIASSO000000001"
    assert flow.statuses == [400, 200]


def test_a_denial_is_a_one_line_error(server: FakeSsoServer) -> None:
    server.deny = ("access_denied", "The user\r\ndenied the request")
    flow = CodeFlow(server)
    with pytest.raises(SsoAuthorizationDeniedError) as e:
        flow.source(flow.step)
    assert str(e.value) == f"the SSO sign-in for {START} was not authorized: access_denied: The user denied the request"
    assert flow.statuses == [200] and "CreateToken" not in server.ops() and flow.store.items == {}


def test_no_callback_ends_in_a_timeout(server: FakeSsoServer) -> None:
    flow = CodeFlow(server, timeout=0.5)
    flow.browser.on_open = None  # the page opened; nobody signed in
    start = time.monotonic()
    with pytest.raises(SsoCallbackTimeoutError, match=r"did not come back from the browser within 500ms"):
        flow.source(flow.step)
    assert time.monotonic() - start < 5
    assert server.ops() == ["RegisterClient"]

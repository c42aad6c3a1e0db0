"""Fakes of the SSO ports (``SsoOidc``, ``SsoPortal``, ``CallbackListener``), the ``Browser`` and the ``Console``.

Scripted and recorded. For the authorization code flow, ``clicks_allow(oidc, listener)`` is the user: given
to ``FakeBrowser(on_open=...)``, it follows the authorize page (``FakeSsoOidc.authorize``, which checks the
client and keeps the PKCE challenge) and calls the redirect it gets on the fake listener.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from aws_vault.application.ports import Browser, CallbackListener, Clock, Console, OAuthRedirect, SsoOidc, SsoPortal
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import (
    AwsVaultError,
    SsoAuthorizationPendingError,
    SsoRequestError,
    SsoSlowDownError,
    SsoTokenRejectedError,
    SsoUnauthorizedError,
)
from aws_vault.domain.plan import SsoTarget
from aws_vault.domain.sso import ClientRegistration, DeviceAuthorization, OidcToken, code_challenge
from tests.fakes.clock import FakeClock


@dataclass(frozen=True)
class SsoCall:
    op: str  # RegisterClient, StartDeviceAuthorization, CreateToken, RefreshToken, ExchangeCode, GetRoleCredentials
    target: SsoTarget
    detail: str = ""  # scopes, start URL, device code, refresh token, or the access token used


@dataclass
class FakeSsoOidc(SsoOidc):
    """Device codes answer ``slow_down`` SlowDown then ``pending`` AuthorizationPending errors, then a token.

    Tokens are ``access-N`` (and ``refresh-N`` when ``refresh_tokens``), valid for ``token_lifetime``; a refresh
    token works once. ``fail_with`` makes CreateToken (device grant) raise; ``refresh_fail_with`` the refresh.

    The authorization code flow: ``authorize(url)`` is the authorize page (``deny`` = (error, description)
    makes the user refuse); ``exchange_code`` checks the code, client, redirect URI and the PKCE verifier
    against the challenge, and issues a refresh token too when the client was registered with scopes.
    """

    clock: Clock = field(default_factory=FakeClock)
    pending: int = 0
    slow_down: int = 0
    interval: int = 5
    device_expires_in: int = 600
    refresh_tokens: bool = False
    token_lifetime: timedelta = timedelta(hours=8)
    client_lifetime: timedelta = timedelta(days=90)
    fail_with: AwsVaultError | None = None
    refresh_fail_with: AwsVaultError | None = None
    deny: tuple[str, str] | None = None
    calls: list[SsoCall] = field(default_factory=list)
    live_refresh_tokens: set[str] = field(default_factory=set)
    clients: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)  # id -> redirect, issuer, scopes
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # live code -> client id, redirect, challenge
    _polls: dict[str, int] = field(default_factory=dict)
    _n: int = 0

    @property
    def ops(self) -> list[str]:
        return [c.op for c in self.calls]

    def _next(self) -> int:
        self._n += 1
        return self._n

    def register_client(
        self,
        target: SsoTarget,
        client_name: str,
        scopes: tuple[str, ...],
        *,
        redirect_uri: str = "",
        issuer_url: str = "",
    ) -> ClientRegistration:
        self.calls.append(SsoCall("RegisterClient", target, ",".join(scopes)))
        n = self._next()
        self.clients[f"client-{n}"] = (redirect_uri, issuer_url, scopes)
        return ClientRegistration(f"client-{n}", f"client-secret-{n}", self.clock.now() + self.client_lifetime)

    def authorize_endpoint(self, target: SsoTarget) -> str:
        return target.endpoint_url or f"https://oidc.{target.region}.amazonaws.com"

    def authorize(self, url: str) -> str:
        """The authorize page, as a user who clicks Allow (or Deny, with ``deny``): the redirect it sends to."""
        query = dict(parse_qsl(urlsplit(url).query))
        client_id, redirect = query["client_id"], query["redirect_uri"]
        registered = self.clients.get(client_id)
        assert registered is not None and registered[0] == redirect, f"redirect_uri {redirect} not registered"
        assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
        assert query["scopes"] == ",".join(registered[2])
        if self.deny is not None:
            error, description = self.deny
            answer = {"error": error, "error_description": description, "state": query["state"]}
        else:
            code = f"code-{self._next()}"
            self.codes[code] = (client_id, redirect, query["code_challenge"])
            answer = {"code": code, "state": query["state"]}
        return f"{redirect}?{urlencode(answer)}"

    def exchange_code(
        self, target: SsoTarget, client: ClientRegistration, code: str, redirect_uri: str, code_verifier: str
    ) -> OidcToken:
        self.calls.append(SsoCall("ExchangeCode", target, code))
        if self.fail_with is not None:
            raise self.fail_with
        issued = self.codes.pop(code, None)
        if issued != (client.client_id, redirect_uri, code_challenge(code_verifier)):
            raise SsoRequestError("CreateToken", "InvalidGrantException", "Invalid authorization code or verifier")
        return self._issue(self.refresh_tokens or bool(self.clients[client.client_id][2]))

    def start_device_authorization(
        self, target: SsoTarget, client: ClientRegistration, start_url: str
    ) -> DeviceAuthorization:
        self.calls.append(SsoCall("StartDeviceAuthorization", target, start_url))
        n = self._next()
        uri = "https://device.sso.eu-west-1.amazonaws.com/"
        return DeviceAuthorization(
            f"device-{n}", f"CODE-{n}", uri, f"{uri}?user_code=CODE-{n}", self.device_expires_in, self.interval
        )

    def create_token(self, target: SsoTarget, client: ClientRegistration, device_code: str) -> OidcToken:
        self.calls.append(SsoCall("CreateToken", target, device_code))
        if self.fail_with is not None:
            raise self.fail_with
        polls = self._polls[device_code] = self._polls.get(device_code, 0) + 1
        if polls <= self.slow_down:
            raise SsoSlowDownError("CreateToken", "SlowDownException", "Client is polling too quickly")
        if polls <= self.slow_down + self.pending:
            raise SsoAuthorizationPendingError("CreateToken", "AuthorizationPendingException", "pending")
        return self._issue(self.refresh_tokens)

    def refresh_token(self, target: SsoTarget, client: ClientRegistration, refresh_token: str) -> OidcToken:
        self.calls.append(SsoCall("RefreshToken", target, refresh_token))
        if self.refresh_fail_with is not None:
            raise self.refresh_fail_with
        if refresh_token not in self.live_refresh_tokens:
            raise SsoTokenRejectedError("CreateToken", "InvalidGrantException", "Invalid refresh token")
        self.live_refresh_tokens.discard(refresh_token)
        return self._issue(True)

    def _issue(self, with_refresh: bool) -> OidcToken:
        n = self._next()
        refresh = f"refresh-{n}" if with_refresh else ""
        if refresh:
            self.live_refresh_tokens.add(refresh)
        return OidcToken(f"access-{n}", int(self.token_lifetime.total_seconds()), "Bearer", refresh)


@dataclass
class FakeSsoPortal(SsoPortal):
    """Role credentials ``ASIASSOFAKE000N`` for ``lifetime``; tokens in ``unauthorized`` get HTTP 401."""

    clock: Clock = field(default_factory=FakeClock)
    lifetime: timedelta = timedelta(hours=1)
    unauthorized: set[str] = field(default_factory=set)
    fail_with: AwsVaultError | None = None
    calls: list[SsoCall] = field(default_factory=list)

    def get_role_credentials(
        self, target: SsoTarget, access_token: str, account_id: str, role_name: str
    ) -> Credentials:
        self.calls.append(SsoCall("GetRoleCredentials", target, access_token))
        if self.fail_with is not None:
            raise self.fail_with
        if access_token in self.unauthorized:
            raise SsoUnauthorizedError("GetRoleCredentials", "UnauthorizedException", "Session token not found")
        n = len(self.calls)
        return Credentials(f"ASIASSOFAKE{n:04d}", f"sso-secret-{n}", f"sso-token-{n}", self.clock.now() + self.lifetime)


@dataclass
class FakeBrowser(Browser):
    """Records the URLs; ``on_open`` (the user, e.g. ``clicks_allow``) sees each URL a browser opened."""

    opens: bool = True
    urls: list[str] = field(default_factory=list)
    on_open: Callable[[str], None] | None = None

    def open(self, url: str) -> bool:
        self.urls.append(url)
        if self.opens and self.on_open is not None:
            self.on_open(url)
        return self.opens


@dataclass
class FakeRedirect(OAuthRedirect):
    """One ``listen``: ``call(url)`` is a browser request, answered as the real listener does."""

    path: str
    state: str
    port: int
    clock: Clock | None = None
    pending: list[dict[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # the HTTP status of each call
    waits: list[float] = field(default_factory=list)
    closed: bool = False
    on_wait: Callable[[FakeRedirect], None] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def call(self, url: str) -> int:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if self.closed:
            status = 0  # connection refused
        elif not url.startswith(f"http://127.0.0.1:{self.port}/") or parts.path != self.path:
            status = 404
        elif query.get("state") != self.state:
            status = 400
        elif 200 in self.answers:
            status = 409
        else:
            status = 200
            self.pending.append(query)
        self.answers.append(status)
        return status

    def wait(self, timeout: float) -> dict[str, str] | None:
        self.waits.append(timeout)
        if not self.pending and self.on_wait is not None:
            self.on_wait(self)
        if self.pending:
            return self.pending.pop(0)
        if isinstance(self.clock, FakeClock):
            self.clock.advance(timedelta(seconds=timeout))
        return None


@dataclass
class FakeCallbackListener(CallbackListener):
    """Hands out ``FakeRedirect`` objects (ports 49152, 49153, ...); ``fail_with`` makes ``listen`` raise."""

    clock: Clock | None = None
    fail_with: AwsVaultError | None = None
    redirects: list[FakeRedirect] = field(default_factory=list)
    on_wait: Callable[[FakeRedirect], None] | None = None

    @contextlib.contextmanager
    def listen(self, path: str, state: str) -> Iterator[OAuthRedirect]:
        if self.fail_with is not None:
            raise self.fail_with
        redirect = FakeRedirect(path, state, 49152 + len(self.redirects), self.clock, on_wait=self.on_wait)
        self.redirects.append(redirect)
        try:
            yield redirect
        finally:
            redirect.closed = True

    def call(self, url: str) -> int:
        """A browser request to the latest listener."""
        return self.redirects[-1].call(url)


def clicks_allow(oidc: FakeSsoOidc, listener: FakeCallbackListener) -> Callable[[str], None]:
    """The user at the browser: on the authorize page, approve (or deny, per ``oidc.deny``) and come back."""

    def user(url: str) -> None:
        if "/authorize?" in url:
            listener.call(oidc.authorize(url))

    return user


@dataclass
class FakeConsole(Console):
    notices: list[str] = field(default_factory=list)

    def notice(self, text: str) -> None:
        self.notices.append(text)

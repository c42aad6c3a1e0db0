"""Fakes of the SSO ports (``SsoOidc``, ``SsoPortal``), the ``Browser`` and the ``Console``: scripted, recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from aws_vault.application.ports import Browser, Clock, Console, SsoOidc, SsoPortal
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import (
    AwsVaultError,
    SsoAuthorizationPendingError,
    SsoSlowDownError,
    SsoTokenRejectedError,
    SsoUnauthorizedError,
)
from aws_vault.domain.plan import SsoTarget
from aws_vault.domain.sso import ClientRegistration, DeviceAuthorization, OidcToken
from tests.fakes.clock import FakeClock


@dataclass(frozen=True)
class SsoCall:
    op: str  # RegisterClient, StartDeviceAuthorization, CreateToken, RefreshToken, GetRoleCredentials
    target: SsoTarget
    detail: str = ""  # scopes, start URL, device code, refresh token, or the access token used


@dataclass
class FakeSsoOidc(SsoOidc):
    """Device codes answer ``slow_down`` SlowDown then ``pending`` AuthorizationPending errors, then a token.

    Tokens are ``access-N`` (and ``refresh-N`` when ``refresh_tokens``), valid for ``token_lifetime``; a refresh
    token works once. ``fail_with`` makes CreateToken (device grant) raise; ``refresh_fail_with`` the refresh.
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
    calls: list[SsoCall] = field(default_factory=list)
    live_refresh_tokens: set[str] = field(default_factory=set)
    _polls: dict[str, int] = field(default_factory=dict)
    _n: int = 0

    @property
    def ops(self) -> list[str]:
        return [c.op for c in self.calls]

    def _next(self) -> int:
        self._n += 1
        return self._n

    def register_client(self, target: SsoTarget, client_name: str, scopes: tuple[str, ...]) -> ClientRegistration:
        self.calls.append(SsoCall("RegisterClient", target, ",".join(scopes)))
        n = self._next()
        return ClientRegistration(f"client-{n}", f"client-secret-{n}", self.clock.now() + self.client_lifetime)

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
    opens: bool = True
    urls: list[str] = field(default_factory=list)

    def open(self, url: str) -> bool:
        self.urls.append(url)
        return self.opens


@dataclass
class FakeConsole(Console):
    notices: list[str] = field(default_factory=list)

    def notice(self, text: str) -> None:
        self.notices.append(text)

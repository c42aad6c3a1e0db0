"""The SSO (IAM Identity Center) credential source: an OIDC token for the start URL, then GetRoleCredentials.

Reference §2.7.6 and §3.3. The token comes from the store item ``oidc:<start URL>`` while it is valid;
otherwise from a new sign-in in the browser. That is the OAuth authorization code flow with PKCE (the AWS
CLI's default, and the maintained fork's, ByteNess#359): a client registered for it, the authorize page in
the browser, and the browser's redirect back to a listener on 127.0.0.1 carrying the code. The device
flow (a code the user approves) remains for ``--stdout``, ``--device-code``, SSH sessions, and when no
browser can be opened or no listener started. Unlike aws-vault, which reads
``sso_registration_scopes`` and never uses it (ByteNess#445, reference §10 item 3), a token that carries
a refresh token is renewed with it while its client registration is valid, so the browser is needed only
when the Identity Center session itself ends. The session cache around this source (``sso.GetRoleCredentials``
with the start URL in the MFA slot) is the pipeline's.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import (
    Browser,
    CallbackListener,
    Clock,
    Console,
    Locks,
    OAuthRedirect,
    SecretStore,
    SsoOidc,
    SsoPortal,
)
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.durations import format_duration
from aws_vault.domain.errors import (
    CorruptItemError,
    ItemNotFoundError,
    SsoAuthorizationDeniedError,
    SsoAuthorizationPendingError,
    SsoCallbackListenerError,
    SsoCallbackTimeoutError,
    SsoRequestError,
    SsoSignInTimeoutError,
    SsoSlowDownError,
    SsoTokenRejectedError,
    SsoUnauthorizedError,
)
from aws_vault.domain.events import (
    OidcTokenDiscarded,
    OidcTokenRefreshed,
    OidcTokenRefreshFailed,
    OidcTokenReused,
    OidcTokenStored,
    SsoAuthorizationCodeRequested,
    SsoAuthorizationPending,
    SsoClientRegistered,
    SsoDeviceAuthorizationStarted,
    SsoDeviceCodeFallback,
    SsoRoleCredentialsObtained,
)
from aws_vault.domain.plan import SsoRoleCredentials
from aws_vault.domain.sso import (
    CALLBACK_PATH,
    CLIENT_NAME,
    DEFAULT_AUTHORIZATION_TIMEOUT,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_SCOPES,
    ENTER_CODE,
    OPEN_IN_BROWSER,
    OPENING_BROWSER,
    SLOW_DOWN_STEP,
    CachedOidcToken,
    ClientRegistration,
    DeviceAuthorization,
    OidcToken,
    cached_token,
    code_challenge,
    oidc_item,
    oidc_key,
    oidc_token_from_json,
)


class SsoSource:
    """``step -> Credentials`` for ``SsoRoleCredentials`` steps.

    ``use_stdout`` is ``--stdout``; ``device_code`` is ``--device-code`` (or an SSH session). Without a
    ``listener`` only the device flow is available. ``authorization_timeout``: how long the authorization
    code flow waits for the browser to come back.
    """

    def __init__(
        self,
        oidc: SsoOidc,
        portal: SsoPortal,
        browser: Browser,
        console: Console,
        store: SecretStore,
        clock: Clock,
        bus: EventBus,
        use_stdout: bool = False,
        *,
        listener: CallbackListener | None = None,
        device_code: bool = False,
        authorization_timeout: timedelta = DEFAULT_AUTHORIZATION_TIMEOUT,
        locks: Locks | None = None,
    ) -> None:
        # One sign-in per start URL across processes: profiles sharing a start URL share its token.
        self.locks = locks
        self.oidc = oidc
        self.portal = portal
        self.browser = browser
        self.console = console
        self.store = store
        self.clock = clock
        self.bus = bus
        self.use_stdout = use_stdout
        self.listener = listener
        self.device_code = device_code
        self.authorization_timeout = authorization_timeout

    def __call__(self, step: SsoRoleCredentials) -> Credentials:
        access_token, from_cache = self._access_token(step)
        try:
            creds = self._role_credentials(step, access_token)
        except SsoUnauthorizedError:
            if not from_cache:
                raise
            # §2.7.6: a stored token the portal refuses (signed out, revoked: aws-vault#854) is dropped and
            # the sign-in is done again, once.
            self._discard(step.start_url, "rejected by GetRoleCredentials (HTTP 401)")
            creds = self._role_credentials(step, self._sign_in(step))
        assert creds.expiration is not None
        self.bus.publish(
            SsoRoleCredentialsObtained(
                step.profile, step.account_id, step.role_name, creds.masked_key_id, creds.expiration
            )
        )
        return creds

    def _role_credentials(self, step: SsoRoleCredentials, access_token: str) -> Credentials:
        return self.portal.get_role_credentials(step.target, access_token, step.account_id, step.role_name)

    # The OIDC token

    def _access_token(self, step: SsoRoleCredentials) -> tuple[str, bool]:
        """An access token, and whether it came from the store (directly or refreshed)."""
        if self.locks is None:
            return self._token_under_lock(step)
        with self.locks.hold(f"oidc:{step.start_url}"):
            # A process that held the lock before us may have signed in: the token is read again.
            return self._token_under_lock(step)

    def _token_under_lock(self, step: SsoRoleCredentials) -> tuple[str, bool]:
        url = step.start_url
        cached = self._load(url)
        if cached is not None:
            now = self.clock.now()
            expired = cached.expired(now)
            if not expired and not cached.due_for_refresh(now):
                self.bus.publish(OidcTokenReused(url, cached.expiration - now))
                return cached.token.access_token, True
            if cached.refreshable(now):
                refreshed = self._refresh(step, cached, keep_on_failure=not expired)
                if refreshed is not None:
                    return refreshed.access_token, True
            if not expired:  # the refresh failed, but the token still works for a while
                self.bus.publish(OidcTokenReused(url, cached.expiration - now))
                return cached.token.access_token, True
            self._discard(url, "expired")
        return self._sign_in(step), False

    def _load(self, url: str) -> CachedOidcToken | None:
        key = oidc_key(url)
        item = self.store.get(key)
        if item is None:
            return None
        try:
            return oidc_token_from_json(item.data, key)
        except CorruptItemError:
            # aws-vault: invalid JSON is a miss (§3.3); the next sign-in overwrites the item.
            self.bus.publish(OidcTokenDiscarded(url, "unreadable"))
            return None

    def _refresh(self, step: SsoRoleCredentials, cached: CachedOidcToken, *, keep_on_failure: bool) -> OidcToken | None:
        """The refreshed token (stored), or ``None`` when a new sign-in (or the current token) must do."""
        client = cached.client
        assert client is not None
        try:
            token = self.oidc.refresh_token(step.target, client, cached.token.refresh_token)
        except SsoTokenRejectedError as e:
            self.bus.publish(OidcTokenRefreshFailed(step.start_url, e.code))
            return None
        except SsoRequestError as e:
            # Network trouble or a 5xx: the refresh token may still be good, so keep the entry.
            self.bus.publish(OidcTokenRefreshFailed(step.start_url, e.code))
            if keep_on_failure:
                return None
            raise
        if not token.refresh_token:
            # Identity Center rotates the refresh token on each use; keep the old one if none came back.
            token = token._replace(refresh_token=cached.token.refresh_token)
        stored = self._store(step.start_url, token, client)
        self.bus.publish(OidcTokenRefreshed(step.start_url, stored.expiration))
        return token

    def _sign_in(self, step: SsoRoleCredentials) -> str:
        """A new token (stored): the authorization code flow when it can run, else the device flow."""
        browser = not self.use_stdout
        if self.listener is not None and browser and not self.device_code:
            state = secrets.token_urlsafe(32)
            try:
                with self.listener.listen(CALLBACK_PATH, state) as redirect:
                    access_token = self._sign_in_with_browser(step, redirect, state)
            except SsoCallbackListenerError as e:
                self.bus.publish(SsoDeviceCodeFallback(step.start_url, str(e)))
            else:
                if access_token is not None:
                    return access_token
                self.bus.publish(SsoDeviceCodeFallback(step.start_url, "no browser could be opened"))
                browser = False  # it failed once already: print the link, as --stdout does
        return self._sign_in_with_device_code(step, browser)

    def _sign_in_with_browser(self, step: SsoRoleCredentials, redirect: OAuthRedirect, state: str) -> str | None:
        """The authorization code flow with PKCE; ``None`` when the browser did not open."""
        target, url = step.target, step.start_url
        scopes = step.registration_scopes or DEFAULT_SCOPES
        client = self.oidc.register_client(target, CLIENT_NAME, scopes, redirect_uri=redirect.uri, issuer_url=url)
        self.bus.publish(SsoClientRegistered(url, client.expires_at))
        verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 wants 43 to 128
        endpoint = self.oidc.authorize_endpoint(target)
        page = authorize_url(endpoint, client.client_id, redirect.uri, state, code_challenge(verifier), scopes)
        opened = self.browser.open(page)
        self.bus.publish(SsoAuthorizationCodeRequested(url, redirect.uri, opened))
        if not opened:
            return None
        self.console.notice(f"{OPENING_BROWSER}\n{page}")
        code = self._await_code(step, redirect, state)
        token = self.oidc.exchange_code(target, client, code, redirect.uri, verifier)
        self._store(url, token, client)
        return token.access_token

    def _await_code(self, step: SsoRoleCredentials, redirect: OAuthRedirect, state: str) -> str:
        """The authorization code from the callback, checking its ``state``; the wait is the clock's."""
        deadline = self.clock.now() + self.authorization_timeout
        while True:
            left = (deadline - self.clock.now()).total_seconds()
            if left <= 0:
                raise SsoCallbackTimeoutError(step.start_url, format_duration(self.authorization_timeout))
            query = redirect.wait(left)
            if query is None:
                continue
            # The listener answers a wrong state with 400 and does not deliver it; checked again here, in
            # constant time, since a forged callback would otherwise complete someone else's sign-in.
            if not hmac.compare_digest(query.get("state", "").encode(), state.encode()):
                continue
            if query.get("error"):
                raise SsoAuthorizationDeniedError(step.start_url, query["error"], query.get("error_description", ""))
            if not query.get("code"):
                raise SsoAuthorizationDeniedError(step.start_url, "invalid_request", "the callback carried no code")
            return query["code"]

    def _sign_in_with_device_code(self, step: SsoRoleCredentials, browser: bool) -> str:
        """The device authorization flow (§2.7.6); the new token is stored."""
        target = step.target
        client = self.oidc.register_client(target, CLIENT_NAME, step.registration_scopes)
        self.bus.publish(SsoClientRegistered(step.start_url, client.expires_at))
        auth = self.oidc.start_device_authorization(target, client, step.start_url)
        url = auth.verification_uri_complete or auth.verification_uri
        # ByteNess#440: the verification page no longer shows the code in its URL; the user needs it.
        code = f"\n{ENTER_CODE}{auth.user_code}" if auth.user_code else ""
        opened: bool | None = None
        if not browser:
            self.console.notice(f"{OPEN_IN_BROWSER}\n{url}{code}")
            opened = None if self.use_stdout else False
        else:
            self.console.notice(f"{OPENING_BROWSER}\n{url}{code}")
            opened = self.browser.open(url)  # a browser that fails to start is only logged
        self.bus.publish(SsoDeviceAuthorizationStarted(step.start_url, auth.verification_uri, auth.expires_in, opened))
        token = self._poll(step, client, auth)
        self._store(step.start_url, token, client)
        return token.access_token

    def _poll(self, step: SsoRoleCredentials, client: ClientRegistration, auth: DeviceAuthorization) -> OidcToken:
        interval = auth.interval if auth.interval > 0 else DEFAULT_POLL_INTERVAL
        deadline = self.clock.now() + _seconds(auth.expires_in) if auth.expires_in > 0 else None
        while True:
            try:
                return self.oidc.create_token(step.target, client, auth.device_code)
            except SsoSlowDownError:
                interval += SLOW_DOWN_STEP
                slowed = True
            except SsoAuthorizationPendingError:
                slowed = False
            # aws-vault polls until the service says ExpiredTokenException; we also stop at the code's expiry.
            if deadline is not None and self.clock.now() + _seconds(interval) > deadline:
                raise SsoSignInTimeoutError(step.start_url, auth.expires_in)
            self.bus.publish(SsoAuthorizationPending(step.start_url, interval, slowed))
            self.clock.sleep(interval)

    def _store(self, url: str, token: OidcToken, client: ClientRegistration) -> CachedOidcToken:
        cached = cached_token(token, self.clock.now(), client)
        self.store.set(oidc_item(url, cached))
        self.bus.publish(OidcTokenStored(url, cached.expiration, bool(token.refresh_token)))
        return cached

    def _discard(self, url: str, reason: str) -> None:
        with contextlib.suppress(ItemNotFoundError):
            self.store.remove(oidc_key(url))
        self.bus.publish(OidcTokenDiscarded(url, reason))


def authorize_url(
    endpoint: str, client_id: str, redirect_uri: str, state: str, challenge: str, scopes: tuple[str, ...]
) -> str:
    """The page the browser opens: ``<endpoint>/authorize?response_type=code&...`` (the OIDC endpoint's base)."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scopes": ",".join(scopes),
    }
    return f"{endpoint.rstrip('/')}/authorize?{urlencode(query)}"


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)

"""``--debug`` logging: turns domain events into aws-vault's log lines through structlog.

Lines look like Go's ``log`` package (``2006/01/02 15:04:05 message``) on stderr. Events carry no
secrets, and only masked key ids (``****************ABCD``) are ever printed.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any, TextIO

import structlog

from aws_vault.application.ports import Clock, EventSink
from aws_vault.domain import events as ev
from aws_vault.domain.durations import format_duration, truncate_to_seconds


def _go_log_renderer(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> str:
    stamp = datetime.now().strftime("%Y/%m/%d %H:%M:%S")
    return f"{stamp} {event_dict.pop('event')}"


def describe(event: ev.Event, now: datetime) -> str:
    """aws-vault's wording for an event, where it has one."""

    def _expires_in(moment: datetime) -> str:
        return format_duration(truncate_to_seconds(moment - now))

    match event:
        case ev.ProviderChosen(message=message):
            return message
        case ev.CachedSessionReused(session_type=kind, masked_key_id=key, expires_in=left):
            left_text = format_duration(truncate_to_seconds(left))
            return f"Re-using cached credentials {key} from {kind}, expires in {left_text}"
        case ev.SessionCacheMissed(profile=profile, session_type=kind):
            return f"profile {profile}: no fresh cached {kind} session"
        case ev.MfaRequested(profile=profile, mfa_serial=serial, source=source):
            return f"profile {profile}: MFA code for {serial} from {source}"
        case ev.SessionTokenObtained(masked_key_id=key, expires=expires):
            return f"Generated credentials {key} using GetSessionToken, expires in {_expires_in(expires)}"
        case ev.RoleAssumed(role_arn=arn, masked_key_id=key, expires=expires):
            return f"Generated credentials {key} using AssumeRole for {arn}, expires in {_expires_in(expires)}"
        case ev.SessionCached(profile=profile, session_type=kind, expires=expires):
            return f"profile {profile}: cached {kind} session, expires in {_expires_in(expires)}"
        case ev.StoredKeysUsed(profile=profile, masked_key_id=key):
            return f"profile {profile}: read stored credentials {key}"
        case ev.SessionsPurged(purged=count):
            return f"Removed {count} expired or legacy sessions"
        case ev.SessionsDeleted(profile=profile, deleted=count):
            return f"profile {profile}: deleted {count} sessions"
        case ev.CredentialsStored(profile=profile):
            return f"profile {profile}: stored credentials"
        case ev.CredentialsRemoved(profile=profile):
            return f"profile {profile}: removed credentials"
        case ev.ProfileSectionAdded(profile=profile, path=path):
            return f"Adding profile {profile} to config at {path}"
        case ev.CommandStarting(argv0=argv0, mode=mode):
            return f"Running {argv0} ({mode})"
        case ev.SsoClientRegistered(expires=expires):
            return f"Created new OIDC client (expires at: {expires})"
        case ev.SsoDeviceAuthorizationStarted(start_url=url, expires_in=seconds, browser_opened=opened):
            browser = {None: "not opened (--stdout)", True: "opened", False: "failed to open"}[opened]
            return f"Created OIDC device code for {url} (expires in: {seconds}s), browser {browser}"
        case ev.SsoAuthorizationCodeRequested(start_url=url, redirect_uri=redirect, browser_opened=opened):
            browser = "opened" if opened else "failed to open"
            return f"Authorization code flow for {url}: callback on {redirect}, browser {browser}"
        case ev.SsoDeviceCodeFallback(start_url=url, reason=reason):
            return f"Signing in to {url} with a device code instead: {reason}"
        case ev.SsoAuthorizationPending(interval=seconds, slowed_down=slowed):
            return f"SSO authorization pending{' (slow down)' if slowed else ''}, polling again in {seconds}s"
        case ev.OidcTokenStored(start_url=url, expires=expires, refreshable=refreshable):
            refresh = "with" if refreshable else "no"
            return f"Cached OIDC access token for {url}, expires in {_expires_in(expires)} ({refresh} refresh token)"
        case ev.OidcTokenReused(start_url=url, expires_in=left):
            return f"Using cached OIDC access token for {url}, expires in {format_duration(truncate_to_seconds(left))}"
        case ev.OidcTokenRefreshed(start_url=url, expires=expires):
            return f"Refreshed OIDC access token for {url}, expires in {_expires_in(expires)}"
        case ev.OidcTokenRefreshFailed(start_url=url, code=code):
            return f"Refreshing OIDC token for {url} failed: {code}"
        case ev.OidcTokenDiscarded(start_url=url, reason=reason):
            return f"Removing OIDC token for {url}: {reason}"
        case ev.SsoRoleCredentialsObtained(account_id=account, role_name=role, masked_key_id=key, expires=expires):
            return f"Got credentials {key} for SSO role {role} (account: {account}), expires in {_expires_in(expires)}"
        case ev.CredentialsServerStarted(server=server, url=url, profiles=profiles):
            return f"{server} server listening on {url} for {', '.join(profiles) or 'no profile'}"
        case ev.CredentialsServerStopped(server=server, url=url, requests=count):
            return f"{server} server on {url} stopped after {count} requests"
        case ev.HttpRequestServed(client=client, method=method, route=route, status=status, latency=latency):
            # aws-vault's own request line (§6.1): http: <remote addr>: <status> <method> <url> (<elapsed>)
            return f"http: {client}: {status} {method} {route} ({latency.total_seconds() * 1000:.2f}ms)"
        case ev.HttpRequestRefused(client=client, method=method, route=route, status=status, reason=reason):
            return f"http: {client}: {status} {method} {route} refused: {reason}"
        case ev.ServerCredentialsFetched(
            profile=profile, role_arn=arn, masked_key_id=key, expires=expires, renew_at=renew_at, renewal=renewal
        ):
            what = f"role {arn} via profile {profile}" if arn else f"profile {profile}"
            verb = "renewed" if renewal else "fetched"
            return (
                f"{what}: {verb} credentials {key} to serve, expires in {_expires_in(expires)}, "
                f"renewing in {_expires_in(renew_at)}"
            )
        case ev.ServerCredentialsFetchFailed(profile=profile, role_arn=arn, error=error, serving_previous=previous):
            what = f"role {arn} via profile {profile}" if arn else f"profile {profile}"
            still = "; still serving the credentials held" if previous else ""
            return f"{what}: getting credentials to serve failed: {error}{still}"
    return type(event).__name__


class StructlogEventSink(EventSink):
    def __init__(self, clock: Clock, stream: TextIO | None = None) -> None:
        self.clock = clock
        self.logger = structlog.wrap_logger(
            structlog.PrintLogger(stream or sys.stderr),
            processors=[_go_log_renderer],
        )

    def line(self, message: str) -> None:
        self.logger.info(message)

    def __call__(self, event: ev.Event) -> None:
        self.logger.info(describe(event, self.clock.now()))

"""Domain events: facts the credential pipeline and use cases publish. None carries a secret.

Events are ``NamedTuple`` classes: they are created on every credential lookup, and a module of
frozen dataclasses costs several milliseconds to import on the ``credential_process`` path.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_vault.domain.records import Record


class ProviderChosen(Record):
    """One decision of the plan, in aws-vault's debug wording (``profile x: using ...``)."""

    profile: str
    message: str


class StoredKeysUsed(Record):
    profile: str
    masked_key_id: str
    added: datetime | None = None  # when the key was added or rotated, if recorded


class SourceUsed(Record):
    """Credentials came from SSO, web identity or a credential_process."""

    profile: str
    source: str
    masked_key_id: str


class CachedSessionReused(Record):
    profile: str
    session_type: str
    masked_key_id: str
    expires_in: timedelta


class SessionCacheMissed(Record):
    profile: str
    session_type: str


class MfaRequested(Record):
    profile: str
    mfa_serial: str
    source: str  # "flag", "process" or "prompt"


class SessionTokenObtained(Record):
    profile: str
    masked_key_id: str
    expires: datetime
    with_mfa: bool


class RoleAssumed(Record):
    profile: str
    role_arn: str
    masked_key_id: str
    expires: datetime
    with_mfa: bool


class SessionCached(Record):
    profile: str
    session_type: str
    key: str
    expires: datetime


class SessionsPurged(Record):
    purged: int


class SessionsDeleted(Record):
    profile: str
    deleted: int


class CredentialsStored(Record):
    profile: str


class CredentialsRemoved(Record):
    profile: str


class ProfileSectionAdded(Record):
    profile: str
    path: str


class CommandStarting(Record):
    argv0: str
    mode: str  # "execve" or "subprocess"


class OidcTokenReused(Record):
    """A cached SSO access token is still valid."""

    start_url: str
    expires_in: timedelta


class OidcTokenDiscarded(Record):
    start_url: str
    reason: str  # "expired", "unreadable", "rejected by GetRoleCredentials (HTTP 401)", "cleared"


class OidcTokenRefreshed(Record):
    start_url: str
    expires: datetime


class OidcTokenRefreshFailed(Record):
    start_url: str
    code: str


class SsoClientRegistered(Record):
    start_url: str
    expires: datetime | None


class SsoDeviceAuthorizationStarted(Record):
    start_url: str
    verification_uri: str
    expires_in: int
    browser_opened: bool | None  # None: --stdout, no browser was tried


class SsoAuthorizationCodeRequested(Record):
    """The authorization code flow: the authorize page went to the browser; the callback comes to ``redirect_uri``."""

    start_url: str
    redirect_uri: str
    browser_opened: bool


class SsoDeviceCodeFallback(Record):
    """The authorization code flow could not run (no browser, no listener); the device flow signs in instead."""

    start_url: str
    reason: str


class SsoAuthorizationPending(Record):
    """CreateToken said pending (or slow down); the next poll is ``interval`` seconds away."""

    start_url: str
    interval: int
    slowed_down: bool


class OidcTokenStored(Record):
    start_url: str
    expires: datetime
    refreshable: bool


class SsoRoleCredentialsObtained(Record):
    profile: str
    account_id: str
    role_name: str
    masked_key_id: str
    expires: datetime


# --- the HTTP credential servers (exec --ecs-server / --ec2-server, serve; issue 11) ----------------------


class CredentialsServerStarted(Record):
    """A credentials server is listening: ``server`` is ``ecs``, ``ec2`` or ``serve``."""

    server: str
    url: str
    profiles: tuple[str, ...]


class CredentialsServerStopped(Record):
    server: str
    url: str
    requests: int


class HttpRequestServed(Record):
    """A request a server answered (credentials, metadata, an upstream error, a 404). No header is kept."""

    server: str
    client: str
    method: str
    route: str
    status: int
    latency: timedelta


class HttpRequestRefused(Record):
    """A request a server turned away (no or wrong token, foreign ``Host``, non-local client...)."""

    server: str
    client: str
    method: str
    route: str
    status: int
    reason: str


class ServerCredentialsFetched(Record):
    """A server's in-memory cache got credentials from the vault: a first fetch, or a renewal."""

    profile: str
    role_arn: str  # "" for the profile's own credentials
    masked_key_id: str
    expires: datetime
    renew_at: datetime
    renewal: bool


class ServerCredentialsFetchFailed(Record):
    """Getting credentials for a server failed; ``serving_previous``: the ones held still go out."""

    profile: str
    role_arn: str
    error: str
    serving_previous: bool


Event = (
    ProviderChosen
    | StoredKeysUsed
    | SourceUsed
    | CachedSessionReused
    | SessionCacheMissed
    | MfaRequested
    | SessionTokenObtained
    | RoleAssumed
    | SessionCached
    | SessionsPurged
    | SessionsDeleted
    | CredentialsStored
    | CredentialsRemoved
    | ProfileSectionAdded
    | CommandStarting
    | OidcTokenReused
    | OidcTokenDiscarded
    | OidcTokenRefreshed
    | OidcTokenRefreshFailed
    | SsoClientRegistered
    | SsoDeviceAuthorizationStarted
    | SsoAuthorizationCodeRequested
    | SsoDeviceCodeFallback
    | SsoAuthorizationPending
    | OidcTokenStored
    | SsoRoleCredentialsObtained
    | CredentialsServerStarted
    | CredentialsServerStopped
    | HttpRequestServed
    | HttpRequestRefused
    | ServerCredentialsFetched
    | ServerCredentialsFetchFailed
)

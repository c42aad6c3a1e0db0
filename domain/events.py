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
    | SsoAuthorizationPending
    | OidcTokenStored
    | SsoRoleCredentialsObtained
)

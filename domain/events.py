"""Domain events: facts the credential pipeline and use cases publish. None carries a secret.

Events are ``NamedTuple`` classes: they are created on every credential lookup, and a module of
frozen dataclasses costs several milliseconds to import on the ``credential_process`` path.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple


class ProviderChosen(NamedTuple):
    """One decision of the plan, in aws-vault's debug wording (``profile x: using ...``)."""

    profile: str
    message: str


class StoredKeysUsed(NamedTuple):
    profile: str
    masked_key_id: str


class SourceUsed(NamedTuple):
    """Credentials came from SSO, web identity or a credential_process."""

    profile: str
    source: str
    masked_key_id: str


class CachedSessionReused(NamedTuple):
    profile: str
    session_type: str
    masked_key_id: str
    expires_in: timedelta


class SessionCacheMissed(NamedTuple):
    profile: str
    session_type: str


class MfaRequested(NamedTuple):
    profile: str
    mfa_serial: str
    source: str  # "flag", "process" or "prompt"


class SessionTokenObtained(NamedTuple):
    profile: str
    masked_key_id: str
    expires: datetime
    with_mfa: bool


class RoleAssumed(NamedTuple):
    profile: str
    role_arn: str
    masked_key_id: str
    expires: datetime
    with_mfa: bool


class SessionCached(NamedTuple):
    profile: str
    session_type: str
    key: str
    expires: datetime


class SessionsPurged(NamedTuple):
    purged: int


class SessionsDeleted(NamedTuple):
    profile: str
    deleted: int


class CredentialsStored(NamedTuple):
    profile: str


class CredentialsRemoved(NamedTuple):
    profile: str


class ProfileSectionAdded(NamedTuple):
    profile: str
    path: str


class CommandStarting(NamedTuple):
    argv0: str
    mode: str  # "execve" or "subprocess"


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
)

"""Domain events: facts the credential pipeline and use cases publish. None carries a secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class ProviderChosen(Event):
    """One decision of the plan, in aws-vault's debug wording (``profile x: using ...``)."""

    profile: str
    message: str


@dataclass(frozen=True)
class StoredKeysUsed(Event):
    profile: str
    masked_key_id: str


@dataclass(frozen=True)
class CachedSessionReused(Event):
    profile: str
    session_type: str
    masked_key_id: str
    expires_in: timedelta


@dataclass(frozen=True)
class SessionCacheMissed(Event):
    profile: str
    session_type: str


@dataclass(frozen=True)
class MfaRequested(Event):
    profile: str
    mfa_serial: str
    source: str  # "flag", "process" or "prompt"


@dataclass(frozen=True)
class SessionTokenObtained(Event):
    profile: str
    masked_key_id: str
    expires: datetime
    with_mfa: bool


@dataclass(frozen=True)
class RoleAssumed(Event):
    profile: str
    role_arn: str
    masked_key_id: str
    expires: datetime
    with_mfa: bool


@dataclass(frozen=True)
class SessionCached(Event):
    profile: str
    session_type: str
    key: str
    expires: datetime


@dataclass(frozen=True)
class SessionsPurged(Event):
    count: int


@dataclass(frozen=True)
class SessionsDeleted(Event):
    profile: str
    count: int


@dataclass(frozen=True)
class CredentialsStored(Event):
    profile: str


@dataclass(frozen=True)
class CredentialsRemoved(Event):
    profile: str


@dataclass(frozen=True)
class ProfileSectionAdded(Event):
    profile: str
    path: str


@dataclass(frozen=True)
class CommandStarting(Event):
    argv0: str
    mode: str  # "execve" or "subprocess"

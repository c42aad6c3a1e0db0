"""Profiles as they appear in ``~/.aws/config`` (raw sections) and as aws-vault resolves them.

``ConfigFile`` is what the config loader produces: sections in file order, key names lower-cased
(go-ini treats key names case-insensitively, section names case-sensitively; reference §2.1).
``ProfileConfig`` is one resolved profile, linked to the profile it sources its credentials from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import cached_property
from types import MappingProxyType

from aws_vault.domain.records import Record

# Defaults of reference §2.5 (v7; the seed's v4 TTL flags are accepted as aliases).
DEFAULT_ASSUME_ROLE_DURATION = timedelta(hours=1)
DEFAULT_SESSION_TOKEN_DURATION = timedelta(hours=1)
DEFAULT_CHAINED_SESSION_TOKEN_DURATION = timedelta(hours=8)
ROLE_CHAINING_MAXIMUM = timedelta(hours=1)

# Keys aws-vault reads from a profile section (reference §2.2).
PROFILE_KEYS = frozenset(
    {
        "source_profile",
        "role_arn",
        "mfa_serial",
        "mfa_process",
        "region",
        "role_session_name",
        "external_id",
        "duration_seconds",
        "include_profile",
        "sso_session",
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
        "web_identity_token_file",
        "web_identity_token_process",
        "credential_process",
        "sts_regional_endpoints",
        "session_tags",
        "transitive_session_tags",
        "source_identity",
        "endpoint_url",
    }
)


class Section(Record):
    """One ``[profile x]``/``[default]``/``[sso-session x]`` section: lower-cased keys, raw values."""

    name: str
    values: Mapping[str, str] = MappingProxyType({})
    line: int = 0

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    @property
    def has_recognised_keys(self) -> bool:
        return any(k in PROFILE_KEYS for k in self.values)


def _index(sections: tuple[Section, ...]) -> dict[str, Section]:
    """Sections by name; the first of a repeated name wins, as a scan in file order would find it."""
    index: dict[str, Section] = {}
    for s in sections:
        index.setdefault(s.name, s)
    return index


class ConfigFile(Record):
    """Sections in file order, looked up by name through indexes built on first use (O(1) per hop)."""

    path: str = ""
    profiles: tuple[Section, ...] = ()
    sso_sessions: tuple[Section, ...] = ()

    # ``cached_property`` writes to the instance ``__dict__`` directly, past ``Record``'s immutability;
    # the indexes are derived from the fields, so equality, hashing and ``_replace`` ignore them.
    @cached_property
    def _profiles_by_name(self) -> dict[str, Section]:
        return _index(self.profiles)

    @cached_property
    def _sso_sessions_by_name(self) -> dict[str, Section]:
        return _index(self.sso_sessions)

    def section(self, name: str) -> Section | None:
        return self._profiles_by_name.get(name)

    def sso_session(self, name: str) -> Section | None:
        return self._sso_sessions_by_name.get(name)

    def profile_names(self) -> list[str]:
        """Config-file order; an empty ``[default]`` is skipped (reference §2.1 ``ProfileNames``)."""
        return [
            s.name for s in self.profiles if s.name != "default" or s.has_recognised_keys
        ]


class ProfileConfig(Record):
    """A profile resolved with env overrides, ``include_profile`` and ``[default]`` fall-through."""

    name: str
    region: str = ""
    mfa_serial: str = ""
    mfa_process: str = ""
    role_arn: str = ""
    source_profile_name: str = ""
    external_id: str = ""
    role_session_name: str = ""
    assume_role_duration: timedelta = DEFAULT_ASSUME_ROLE_DURATION
    session_token_duration: timedelta = DEFAULT_SESSION_TOKEN_DURATION
    chained_session_token_duration: timedelta = DEFAULT_CHAINED_SESSION_TOKEN_DURATION
    # The setting each duration came from (``--duration``, ``AWS_ASSUME_ROLE_TTL``, ``duration_seconds``,
    # ...; ``""`` for the default), so an out-of-range duration is reported by the name the user wrote.
    assume_role_duration_setting: str = ""
    session_token_duration_setting: str = ""
    chained_session_token_duration_setting: str = ""
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_session_tags: tuple[str, ...] = ()
    source_identity: str = ""
    sts_regional_endpoints: str = ""
    endpoint_url: str = ""
    sso_session: str = ""
    sso_start_url: str = ""
    sso_region: str = ""
    sso_account_id: str = ""
    sso_role_name: str = ""
    sso_registration_scopes: str = ""
    web_identity_token_file: str = ""
    web_identity_token_process: str = ""
    credential_process: str = ""
    has_section: bool = False
    source: ProfileConfig | None = None

    @property
    def chain(self) -> tuple[ProfileConfig, ...]:
        """This profile, then its source, then the source's source, …"""
        out: list[ProfileConfig] = []
        node: ProfileConfig | None = self
        while node is not None:
            out.append(node)
            node = node.source
        return tuple(out)

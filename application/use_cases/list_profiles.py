"""The data behind ``aws-vault list``: profiles, the credentials they use, their sessions."""

from __future__ import annotations

from aws_vault.application.ports import ConfigSource, SecretStore
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.use_cases.get_credentials import stored_credential_names
from aws_vault.domain.profiles import ConfigFile
from aws_vault.domain.records import Record
from aws_vault.domain.sessions import SessionKey


class ProfileRow(Record):
    profile: str  # "" for stored credentials without a config section
    credentials: str  # "" when no stored credentials back the profile
    sessions: tuple[SessionKey, ...]


class Listing(Record):
    profile_names: tuple[str, ...]
    credential_names: tuple[str, ...]
    sessions: tuple[SessionKey, ...]
    rows: tuple[ProfileRow, ...]
    oidc_tokens: tuple[str, ...] = ()
    """Store keys of cached SSO tokens (``oidc:<start URL>``), which are their labels (§1.5.1)."""


def credentials_source(
    config: ConfigFile, name: str, stored: set[str], memo: dict[str, str] | None = None
) -> str:
    """The stored credentials a profile ends up using, walking ``source_profile`` (the seed's column).

    ``memo`` (profile -> answer) is shared across calls: every profile on a walk gets the walk's answer,
    so the answers for a whole table cost one step per profile, however long and shared the chains.
    """
    memo = {} if memo is None else memo
    path: list[str] = []
    on_path: set[str] = set()
    current = name
    found = ""
    while current:
        if current in memo:
            found = memo[current]
            break
        if current in stored:
            found = current
            break
        if current in on_path:
            break  # a loop with no stored keys on it: nothing
        path.append(current)
        on_path.add(current)
        section = config.section(current)
        current = section.get("source_profile") if section is not None else ""
    for profile in path:
        memo[profile] = found
    return found


class ListProfiles:
    def __init__(self, config: ConfigSource, store: SecretStore, cache: SessionCache) -> None:
        self.config = config
        self.store = store
        self.cache = cache

    def __call__(self) -> Listing:
        config = self.config.load()
        credential_names = stored_credential_names(self.store)
        stored = set(credential_names)
        sessions = self.cache.sessions()
        names = config.profile_names()
        by_profile: dict[str, list[SessionKey]] = {}
        for session in sessions:
            by_profile.setdefault(session.profile, []).append(session)
        memo: dict[str, str] = {}
        rows: list[ProfileRow] = []
        for name in names:
            source = credentials_source(config, name, stored, memo)
            rows.append(ProfileRow(name, source, tuple(by_profile.get(name, ()))))
        for cred in credential_names:
            if config.section(cred) is None:
                rows.append(ProfileRow("", cred, tuple(by_profile.get(cred, ()))))
        shown = set(names) | set(credential_names)
        # Sessions of profiles with neither a section nor stored keys get rows of their own (§1.5.1 step 4).
        rows += [ProfileRow("", "", (s,)) for s in sessions if s.profile not in shown]
        oidc = tuple(k for k in self.store.keys() if k.startswith("oidc:"))
        return Listing(tuple(names), tuple(credential_names), tuple(sessions), tuple(rows), oidc)

"""``clear [profile]``: delete cached sessions and SSO (OIDC) tokens (reference §1.3 clear, §3.4).

Without a profile: every legacy and current-format session, then every ``oidc:`` token. With one: the
profile's sessions and the token of its resolved SSO start URL (the fork's behaviour: the ``[sso-session]``
URL wins over an inline one; upstream never removes the token, §3.3).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import ConfigSource, SecretStore
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.use_cases.get_credentials import stored_credential_names
from aws_vault.domain.errors import ItemNotFoundError
from aws_vault.domain.events import OidcTokenDiscarded, SessionsDeleted
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.domain.sessions import KeyKind, classify_key
from aws_vault.domain.sso import oidc_key, start_url_of


class ClearSessions:
    def __init__(
        self, store: SecretStore, cache: SessionCache, config: ConfigSource, env: Mapping[str, str], bus: EventBus
    ) -> None:
        self.store = store
        self.cache = cache
        self.config = config
        self.env = env
        self.bus = bus

    def __call__(self, profile: str = "") -> int:
        """How many items were removed (sessions and OIDC tokens together)."""
        if profile:
            url = self._start_url(profile)  # resolve first: a bad config deletes nothing
            sessions = self.cache.delete_for_profile(profile)
            self.bus.publish(SessionsDeleted(profile, sessions))
            return sessions + (self._remove_token(oidc_key(url)) if url else 0)
        keys = self.store.keys()
        session_kinds = (KeyKind.SESSION, KeyKind.LEGACY_SESSION)
        sessions = sum(self._remove(k) for k in keys if classify_key(k) in session_kinds)
        self.bus.publish(SessionsDeleted("", sessions))
        return sessions + sum(self._remove_token(k) for k in keys if classify_key(k) == KeyKind.OIDC_TOKEN)

    def _start_url(self, profile: str) -> str:
        config = self.config.load()
        if config.section(profile) is None:
            return ""  # not a config profile: nothing to resolve (and no [default] stand-in)
        stored = stored_credential_names(self.store)
        return resolve_profile(config, profile, env=self.env, stored=stored).sso_start_url

    def _remove(self, key: str) -> int:
        try:
            self.store.remove(key)
        except ItemNotFoundError:
            return 0
        return 1

    def _remove_token(self, key: str) -> int:
        removed = self._remove(key)
        if removed:
            self.bus.publish(OidcTokenDiscarded(start_url_of(key), "cleared"))
        return removed

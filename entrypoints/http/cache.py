"""In-memory credentials for the servers: renewed ahead of expiry, fetched once however many ask.

``CredentialCache`` holds one profile's (or one ``/role-arn/`` role's) credentials. A request is answered
from memory until the renewal time (``domain.refresh.renewal_due``); the first request after it starts a
fetch from the vault, and every request that arrives meanwhile either gets the credentials still held
(while ``still_servable``: an MFA prompt for the renewal blocks nobody) or, when there are none it may
serve, waits for that same fetch: N concurrent requests on a cold cache are one fetch, one STS call and
one MFA prompt. A failed fetch is not remembered: its waiters get the error, the next request tries again.

The vault serialises its own work (one credentials request at a time), so a prompt for one profile
delays the *fetch* of another, never an answer from memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from aws_vault.domain.credentials import mask_key_id
from aws_vault.domain.errors import AwsVaultError
from aws_vault.domain.events import Event, ServerCredentialsFetched, ServerCredentialsFetchFailed
from aws_vault.domain.refresh import (
    UPSTREAM_MIN_TTL,
    renewal_due,
    renewal_retry_at,
    served_expiry,
    still_servable,
)
from aws_vault.entrypoints.api import Vault, VaultCredentials

# fetch(min_ttl) -> credentials from the vault; min_ttl is what a reused cached session must have left.
Fetch = Callable[[timedelta], VaultCredentials]


class UpstreamError(AwsVaultError):
    """The credentials could not be had; the message is the vault's, and carries no secret."""


class Served:
    """Credentials as a server hands them out, with the times that govern them and the encoded bodies."""

    __slots__ = ("bodies", "credentials", "expires", "fetched", "renew_at")

    def __init__(self, credentials: VaultCredentials, fetched: datetime) -> None:
        self.credentials = credentials
        self.fetched = fetched
        self.expires = served_expiry(fetched, credentials.expiration)
        self.renew_at = renewal_due(fetched, self.expires)
        self.bodies: dict[str, bytes] = {}  # per protocol, built on first use (see ecs_server, ec2_metadata_server)

    def __repr__(self) -> str:
        return f"Served({self.credentials!r}, expires={self.expires.isoformat()})"


class _Flight:
    """One fetch in progress; its waiters read ``result`` or ``error`` once ``done`` is set."""

    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Served | None = None
        self.error: AwsVaultError | None = None


class CredentialCache:
    def __init__(
        self,
        profile: str,
        role_arn: str,
        fetch: Fetch,
        now: Callable[[], datetime],
        publish: Callable[[Event], None],
        wait_timeout: float = 600.0,
    ) -> None:
        self.profile = profile
        self.role_arn = role_arn
        self._fetch = fetch
        self._now = now
        self._publish = publish
        self._wait_timeout = wait_timeout  # a waiter gives up after this long (an MFA prompt left open)
        self._lock = threading.Lock()
        self._held: Served | None = None
        self._flight: _Flight | None = None
        self._retry_at: datetime | None = None  # after a failed renewal (credentials held still servable)
        self.fetches = 0  # fetches started (for tests and the benchmark)

    def get(self) -> Served:
        """Credentials to serve now. Raises ``UpstreamError`` when there are none to give."""
        held = self._held
        if held is not None and self._now() < held.renew_at:  # the common case: no lock
            return held
        with self._lock:
            held = self._held
            now = self._now()
            if held is not None and now < held.renew_at:
                return held
            servable = held is not None and still_servable(now, held.fetched, held.expires)
            if servable and self._retry_at is not None and now < self._retry_at:
                assert held is not None
                return held  # the last renewal failed moments ago: not on every request
            flight = self._flight
            leader = flight is None
            if flight is None:
                flight = self._flight = _Flight()
                self.fetches += 1
        if servable:
            assert held is not None
            if leader:  # renew in the background: this request, and those after it, get what is held
                threading.Thread(target=self._lead, args=(flight, held), name="aws-vault-renew", daemon=True).start()
            return held
        if leader:
            self._lead(flight, held)
        elif not flight.done.wait(self._wait_timeout):
            raise UpstreamError(f"profile {self.profile}: timed out waiting for credentials")
        if flight.result is not None:
            return flight.result
        assert flight.error is not None
        raise flight.error

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for a fetch under way, if any (tests)."""
        flight = self._flight
        if flight is not None:
            flight.done.wait(timeout)

    def _lead(self, flight: _Flight, previous: Served | None) -> None:
        try:
            creds = self._fetch(UPSTREAM_MIN_TTL)
            fetched = self._now()
            if creds.expiration is not None and creds.expiration <= fetched:
                raise UpstreamError(f"profile {self.profile}: the credential source returned expired credentials")
            flight.result = Served(creds, fetched)
        except UpstreamError as e:
            flight.error = e
        except AwsVaultError as e:
            flight.error = UpstreamError(str(e))
            flight.error.__cause__ = e  # exec and serve word the first failure by its kind
        except Exception as e:  # a bug or a library error that escaped an adapter: still one clean answer
            flight.error = UpstreamError(f"profile {self.profile}: {type(e).__name__}: {e}")
        with self._lock:
            if flight.result is not None:
                self._held = flight.result
                self._retry_at = None
            elif previous is not None:
                self._retry_at = renewal_retry_at(self._now(), previous.fetched, previous.expires)
            self._flight = None
        flight.done.set()
        if flight.result is not None:
            served = flight.result
            self._publish(
                ServerCredentialsFetched(
                    self.profile,
                    self.role_arn,
                    mask_key_id(served.credentials.access_key_id),
                    served.expires,
                    served.renew_at,
                    previous is not None,
                )
            )
        else:
            usable = previous is not None and still_servable(self._now(), previous.fetched, previous.expires)
            self._publish(ServerCredentialsFetchFailed(self.profile, self.role_arn, str(flight.error), usable))


class CredentialCaches:
    """The caches of one server: one per profile, and one per ``(profile, role ARN)`` of the role route."""

    MAX_ROLES = 64  # /role-arn/ caches a token holder may make

    def __init__(
        self,
        fetch_profile: Callable[[str, timedelta], VaultCredentials],
        fetch_role: Callable[[str, str, timedelta], VaultCredentials],
        now: Callable[[], datetime],
        publish: Callable[[Event], None],
    ) -> None:
        self._fetch_profile = fetch_profile
        self._fetch_role = fetch_role
        self._now = now
        self._publish = publish
        self._caches: dict[tuple[str, str], CredentialCache] = {}
        self._lock = threading.Lock()

    def cache(self, profile: str, role_arn: str = "") -> CredentialCache:
        key = (profile, role_arn)
        found = self._caches.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._caches.get(key)
            if found is None:
                if role_arn and sum(1 for _, arn in self._caches if arn) >= self.MAX_ROLES:
                    raise UpstreamError(f"too many roles asked of this server (at most {self.MAX_ROLES})")
                found = self._caches[key] = CredentialCache(
                    profile, role_arn, self._fetcher(profile, role_arn), self._now, self._publish
                )
            return found

    def _fetcher(self, profile: str, role_arn: str) -> Fetch:
        def fetch(min_ttl: timedelta) -> VaultCredentials:
            if role_arn:
                return self._fetch_role(profile, role_arn, min_ttl)
            return self._fetch_profile(profile, min_ttl)

        return fetch

    def get(self, profile: str, role_arn: str = "") -> Served:
        return self.cache(profile, role_arn).get()

    def now(self) -> datetime:
        return self._now()

    def settle(self) -> None:
        """Wait for every fetch under way (tests)."""
        for cache in list(self._caches.values()):
            cache.settle()

    @property
    def fetches(self) -> int:
        return sum(c.fetches for c in list(self._caches.values()))


def vault_caches(
    vault: Vault,
    publish: Callable[[Event], None],
    *,
    duration: timedelta | None = None,
    region: str = "",
    mfa_token: str = "",
) -> CredentialCaches:
    """Caches over ``vault``, judging time by its clock; ``publish`` is its bus's (the CLI's wiring's).

    ``mfa_token`` (``--mfa-token``) serves the first fetch only: a TOTP code does not outlive its 30 seconds,
    so renewals ask ``mfa_process`` or the prompt driver.
    """
    token = [mfa_token]
    token_lock = threading.Lock()

    def take_token() -> str:
        with token_lock:
            value, token[0] = token[0], ""
            return value

    def fetch_profile(profile: str, min_ttl: timedelta) -> VaultCredentials:
        return vault.credentials(profile, mfa_token=take_token(), min_ttl=min_ttl, duration=duration, region=region)

    def fetch_role(profile: str, role_arn: str, min_ttl: timedelta) -> VaultCredentials:
        return vault.role_credentials(
            profile, role_arn, mfa_token=take_token(), min_ttl=min_ttl, duration=duration, region=region
        )

    return CredentialCaches(fetch_profile, fetch_role, vault.now, publish)

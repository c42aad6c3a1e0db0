"""The servers' in-memory cache: one fetch for N concurrent requests, renewal ahead of expiry, failures
not remembered, an MFA prompt that blocks nobody who can be answered from memory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from aws_vault.domain.errors import MfaError, StsRequestError
from aws_vault.domain.events import Event, ServerCredentialsFetched, ServerCredentialsFetchFailed
from aws_vault.domain.refresh import UPSTREAM_MIN_TTL
from aws_vault.entrypoints.api import VaultCredentials
from aws_vault.entrypoints.http.cache import CredentialCache, CredentialCaches, UpstreamError
from tests.fakes.clock import FakeClock


class Upstream:
    """A vault stand-in: issues ``ASIA0001``... living ``lifetime``; can block, fail, or give expired keys."""

    def __init__(self, clock: FakeClock, lifetime: timedelta = timedelta(hours=1)) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[tuple[str, str, timedelta]] = []
        self.fail_with: Exception | None = None
        self.gate: threading.Event | None = None  # when set, fetches wait for it (an MFA prompt)
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, profile: str, min_ttl: timedelta, role_arn: str = "") -> VaultCredentials:
        with self._lock:
            self.calls.append((profile, role_arn, min_ttl))
            n = len(self.calls)
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.fail_with is not None:
            raise self.fail_with
        return VaultCredentials(f"ASIA{n:04d}", f"secret-{n}", f"token-{n}", self.clock.now() + self.lifetime)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> list[Event]:
    return []


def cache_of(upstream: Upstream, events: list[Event], profile: str = "work") -> CredentialCache:
    return CredentialCache(profile, "", lambda ttl: upstream(profile, ttl), upstream.clock.now, events.append)


def caches_of(upstream: Upstream, events: list[Event]) -> CredentialCaches:
    return CredentialCaches(
        lambda p, ttl: upstream(p, ttl), lambda p, arn, ttl: upstream(p, ttl, arn), upstream.clock.now, events.append
    )


def test_fifty_concurrent_requests_on_a_cold_cache_make_one_fetch(clock: FakeClock, events: list[Event]) -> None:
    upstream = Upstream(clock)
    upstream.gate = threading.Event()
    cache = cache_of(upstream, events)
    with ThreadPoolExecutor(50) as pool:
        futures = [pool.submit(cache.get) for _ in range(50)]
        assert upstream.entered.wait(5)
        threading.Timer(0.2, upstream.gate.set).start()  # everyone queues behind the one fetch
        keys = {f.result(timeout=10).credentials.access_key_id for f in futures}
    assert keys == {"ASIA0001"}
    assert len(upstream.calls) == 1
    assert upstream.calls[0][2] == UPSTREAM_MIN_TTL  # the vault must renew a cached session that is too short
    assert [type(e) for e in events] == [ServerCredentialsFetched]


def test_answers_come_from_memory_until_the_renewal_time(clock: FakeClock, events: list[Event]) -> None:
    upstream = Upstream(clock)
    cache = cache_of(upstream, events)
    first = cache.get()
    clock.advance(timedelta(minutes=39, seconds=59))
    assert cache.get() is first
    assert len(upstream.calls) == 1


def test_renewal_runs_in_the_background_while_the_credentials_held_go_out(
    clock: FakeClock, events: list[Event]
) -> None:
    upstream = Upstream(clock)
    cache = cache_of(upstream, events)
    first = cache.get()
    clock.advance(timedelta(minutes=41))  # inside the 20 minutes before expiry
    upstream.gate = threading.Event()  # the renewal waits (an MFA prompt, say)
    upstream.entered.clear()
    assert cache.get() is first  # no wait for the renewal
    assert upstream.entered.wait(5)
    assert cache.get() is first and len(upstream.calls) == 2  # one renewal, however many ask
    upstream.gate.set()
    cache.settle()
    renewed = cache.get()
    assert renewed.credentials.access_key_id == "ASIA0002"
    assert renewed.expires - clock.now() == timedelta(hours=1)
    fetched = [e for e in events if isinstance(e, ServerCredentialsFetched)]
    assert [e.renewal for e in fetched] == [False, True]


def test_short_lived_credentials_are_renewed_at_half_life_never_in_a_loop(
    clock: FakeClock, events: list[Event]
) -> None:
    upstream = Upstream(clock, lifetime=timedelta(seconds=6))
    cache = cache_of(upstream, events)
    served = []
    for _ in range(600):  # a client polling every 100 ms for a minute
        got = cache.get()
        cache.settle()
        assert got.expires > clock.now(), "expired credentials served"
        served.append(got.credentials.access_key_id)
        clock.advance(timedelta(milliseconds=100))
    # one fetch per ~3 s (half of each 6 s lifetime), not one per request
    assert 19 <= len(upstream.calls) <= 22
    assert len(set(served)) == len(upstream.calls)


def test_credentials_past_their_safe_margin_are_never_served_while_a_renewal_runs(
    clock: FakeClock, events: list[Event]
) -> None:
    upstream = Upstream(clock)
    cache = cache_of(upstream, events)
    cache.get()
    clock.advance(timedelta(minutes=59, seconds=30))  # 30 s left: too close to expiry to hand out
    upstream.gate = threading.Event()
    with ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(cache.get) for _ in range(5)]
        threading.Timer(0.2, upstream.gate.set).start()
        assert {f.result(timeout=10).credentials.access_key_id for f in futures} == {"ASIA0002"}
    assert len(upstream.calls) == 2


def test_a_failed_fetch_is_an_error_for_its_waiters_and_is_retried_by_the_next_request(
    clock: FakeClock, events: list[Event]
) -> None:
    upstream = Upstream(clock)
    upstream.fail_with = StsRequestError(op="GetSessionToken", code="AccessDenied", message="MultiFactorAuthentication failed")
    upstream.gate = threading.Event()
    cache = cache_of(upstream, events)
    with ThreadPoolExecutor(10) as pool:
        futures = [pool.submit(cache.get) for _ in range(10)]
        assert upstream.entered.wait(5)
        threading.Timer(0.2, upstream.gate.set).start()
        errors = [f.exception(timeout=10) for f in futures]
    assert all(isinstance(e, UpstreamError) and "AccessDenied" in str(e) for e in errors), errors
    assert len(upstream.calls) == 1  # the waiters shared the leader's failure
    upstream.fail_with = None
    assert cache.get().credentials.access_key_id == "ASIA0002"  # not cached: tried again
    failed = [e for e in events if isinstance(e, ServerCredentialsFetchFailed)]
    assert len(failed) == 1 and not failed[0].serving_previous and "secret" not in repr(failed[0])


def test_a_failed_renewal_keeps_serving_what_is_held_and_retries_after_a_pause(
    clock: FakeClock, events: list[Event]
) -> None:
    upstream = Upstream(clock)
    cache = cache_of(upstream, events)
    first = cache.get()
    clock.advance(timedelta(minutes=45))
    upstream.fail_with = MfaError("the MFA prompt was cancelled")
    assert cache.get() is first
    cache.settle()
    assert cache.get() is first and len(upstream.calls) == 2  # no retry on every request
    clock.advance(timedelta(seconds=11))
    upstream.fail_with = None
    assert cache.get() is first  # the retry runs in the background
    cache.settle()
    assert cache.get().credentials.access_key_id == "ASIA0003"
    failed = [e for e in events if isinstance(e, ServerCredentialsFetchFailed)]
    assert [e.serving_previous for e in failed] == [True]


def test_expired_credentials_from_the_source_are_an_error_not_an_answer(clock: FakeClock, events: list[Event]) -> None:
    upstream = Upstream(clock, lifetime=timedelta(seconds=-1))
    cache = cache_of(upstream, events)
    with pytest.raises(UpstreamError, match="returned expired credentials"):
        cache.get()
    with pytest.raises(UpstreamError):
        cache.get()
    assert len(upstream.calls) == 2


def test_long_term_keys_are_served_with_an_hour_and_renewed(clock: FakeClock, events: list[Event]) -> None:
    calls: list[timedelta] = []

    def fetch(ttl: timedelta) -> VaultCredentials:
        calls.append(ttl)
        return VaultCredentials("AKIALONG", "secret", None, None)

    cache = CredentialCache("plain", "", fetch, clock.now, events.append)
    served = cache.get()
    assert served.expires == clock.now() + timedelta(hours=1)
    clock.advance(timedelta(minutes=41))
    cache.get()
    cache.settle()
    assert len(calls) == 2


def test_a_prompt_for_one_profile_blocks_no_answer_for_another(clock: FakeClock, events: list[Event]) -> None:
    upstream = Upstream(clock)
    caches = caches_of(upstream, events)
    caches.get("cached")
    upstream.gate = threading.Event()
    upstream.entered.clear()
    with ThreadPoolExecutor(2) as pool:
        waiting = pool.submit(caches.get, "prompting")  # its fetch waits for an MFA code
        assert upstream.entered.wait(5)
        for _ in range(20):
            assert caches.get("cached").credentials.access_key_id == "ASIA0001"
        assert not waiting.done()
        upstream.gate.set()
        assert waiting.result(timeout=10).credentials.access_key_id == "ASIA0002"


def test_roles_have_their_own_caches_and_a_bound(clock: FakeClock, events: list[Event]) -> None:
    upstream = Upstream(clock)
    caches = caches_of(upstream, events)
    role = "arn:aws:iam::123456789012:role/r"
    assert caches.get("work").credentials.access_key_id == "ASIA0001"
    assert caches.get("work", role).credentials.access_key_id == "ASIA0002"
    assert caches.get("work", role).credentials.access_key_id == "ASIA0002"
    assert [c[1] for c in upstream.calls] == ["", role]
    for n in range(CredentialCaches.MAX_ROLES - 1):
        caches.cache("work", f"{role}{n}")
    with pytest.raises(UpstreamError, match="too many roles"):
        caches.cache("work", f"{role}-one-more")


def _no_secret_in(events: list[Event], *secrets: str) -> Callable[[], bool]:
    return lambda: not any(s in repr(e) for e in events for s in secrets)


def test_events_carry_no_secret(clock: FakeClock, events: list[Event]) -> None:
    upstream = Upstream(clock)
    cache = cache_of(upstream, events)
    cache.get()
    assert events and _no_secret_in(events, "secret-1", "token-1", "ASIA0001")()

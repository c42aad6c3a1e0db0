"""The credential pipeline with hand-written fakes of every port."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.application.session_cache import SessionCache
from aws_vault.domain import events as ev
from aws_vault.domain.credentials import Credentials, master_to_json, session_from_json, session_to_json
from aws_vault.domain.errors import StsRequestError
from aws_vault.domain.items import credential_item
from aws_vault.domain.plan import build_plan
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.domain.sessions import KeyKind, SessionKey, classify_key, session_item
from tests.fakes.clock import FakeClock
from tests.fakes.prompts import FakeMfaPrompt
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

MFA = "arn:aws:iam::111111111111:mfa/work-account"
SEED = ConfigFile(
    "config",
    (
        Section("work", {"region": "eu-west-1", "mfa_serial": MFA}),
        Section(
            "work-read_only_role",
            {"role_arn": "arn:aws:iam::1:role/read_only_role", "source_profile": "work", "mfa_serial": MFA},
        ),
        Section(
            "work-admin_role",
            {"role_arn": "arn:aws:iam::1:role/admin_role", "source_profile": "work", "mfa_serial": MFA},
        ),
    ),
)


class World:
    def __init__(self, *codes: str) -> None:
        self.clock = FakeClock()
        self.store = FakeSecretStore()
        self.store.set(credential_item("work", master_to_json(Credentials("AKIAWORK", "work-secret"))))
        self.sts = FakeTokenService(clock=self.clock)
        self.prompt = FakeMfaPrompt(*codes)
        self.bus = EventBus()
        self.events: list[ev.Event] = []
        self.bus.subscribe(self.events.append)
        self.cache = SessionCache(self.store, self.clock, self.bus, timedelta(minutes=5))

    def run(self, profile: str, mfa_token: str = "", no_session: bool = False) -> Credentials:
        stored = {k for k in self.store.keys() if classify_key(k) == KeyKind.CREDENTIAL}
        plan = build_plan(resolve_profile(SEED, profile, stored=stored), stored, no_session=no_session)
        pipeline = CredentialPipeline(self.store, self.sts, self.prompt, self.clock, self.bus, self.cache, mfa_token)
        return pipeline.run(plan)

    def session_keys(self) -> list[SessionKey]:
        return [k for k in map(SessionKey.parse, self.store.keys()) if k is not None]


def test_second_exec_reuses_the_cached_session_without_prompting() -> None:
    w = World("123456")
    first = w.run("work")
    second = w.run("work")
    assert w.sts.ops == ["GetSessionToken"]
    assert w.sts.calls[0].mfa_serial == MFA and w.sts.calls[0].token_code == "123456"
    assert w.sts.calls[0].source_key_id == "AKIAWORK"
    assert first == second
    assert any(isinstance(e, ev.CachedSessionReused) for e in w.events)


def test_two_roles_from_one_source_prompt_once() -> None:
    w = World("123456")
    admin = w.run("work-admin_role")
    read_only = w.run("work-read_only_role")
    assert w.sts.ops == ["GetSessionToken", "AssumeRole", "AssumeRole"]
    assert [c.role_arn for c in w.sts.calls[1:]] == ["arn:aws:iam::1:role/admin_role", "arn:aws:iam::1:role/read_only_role"]
    # Chained MFA: the roles are assumed with the session token, not a second code.
    assert [c.token_code for c in w.sts.calls] == ["123456", "", ""]
    # GetSessionToken is signed with the stored keys, both roles with the one cached session.
    assert [c.source_key_id for c in w.sts.calls] == ["AKIAWORK", "ASIAFAKE0001", "ASIAFAKE0001"]
    assert len(w.prompt.asked) == 1 and admin != read_only
    [key] = w.session_keys()
    assert (key.type, key.profile, key.mfa_serial) == ("sts.GetSessionToken", "work", MFA)
    assert w.sts.calls[0].duration == timedelta(hours=8)


def test_session_is_refreshed_once_less_than_min_ttl_remains() -> None:
    w = World("111111", "222222")
    w.run("work")
    w.clock.advance(timedelta(minutes=54))  # 6 minutes left: still fresh
    w.run("work")
    assert w.sts.ops == ["GetSessionToken"]
    w.clock.advance(timedelta(minutes=2))  # 4 minutes left: below AWS_MIN_TTL
    w.run("work")
    assert w.sts.ops == ["GetSessionToken", "GetSessionToken"]
    [key] = w.session_keys()  # the old session item was replaced, not kept beside the new one
    assert key.expires == w.clock.now() + timedelta(hours=1)


def test_expired_sessions_are_purged_on_the_next_lookup() -> None:
    w = World("111111", "222222")
    w.run("work")
    w.clock.advance(timedelta(hours=2))
    w.run("work-admin_role")
    assert len(w.session_keys()) == 1
    assert any(isinstance(e, ev.SessionsPurged) for e in w.events)


def test_mfa_token_flag_is_used_for_every_mfa_call_without_prompting() -> None:
    w = World()
    w.run("work-admin_role", mfa_token="654321", no_session=True)
    assert [c.token_code for c in w.sts.calls] == ["654321"]
    assert w.prompt.asked == []


def test_no_session_returns_the_stored_keys() -> None:
    w = World()
    creds = w.run("work", no_session=True)
    assert creds.access_key_id == "AKIAWORK" and creds.expiration is None
    assert w.sts.calls == []


def test_cached_session_json_is_sts_shaped() -> None:
    w = World("123456")
    w.run("work")
    [key] = [k for k in w.store.keys() if k.startswith("sts.GetSessionToken,")]
    item = w.store.items[key]
    assert item.label.startswith("aws-vault session for work (expires ")
    assert item.description == "aws-vault session"
    assert session_from_json(item.data, key).access_key_id == "ASIAFAKE0001"


def test_sts_failure_caches_nothing() -> None:
    w = World("123456")
    w.sts.fail_with = StsRequestError("GetSessionToken", "AccessDenied", "MultiFactorAuthentication failed")
    with pytest.raises(StsRequestError):
        w.run("work")
    assert w.session_keys() == []


def test_a_failing_subscriber_does_not_break_the_pipeline() -> None:
    w = World("123456")

    def broken(_event: ev.Event) -> None:
        raise RuntimeError("logging is broken")

    w.bus.subscribe(broken)
    assert w.run("work").access_key_id == "ASIAFAKE0001"


def test_events_never_carry_secrets() -> None:
    w = World("123456")
    creds = w.run("work-admin_role")
    text = repr(w.events) + repr(creds) + str(creds)
    for secret in ("work-secret", "fake-secret-1", "fake-token-1", "fake-secret-2", "123456"):
        assert secret not in text


def test_an_unreadable_cached_session_is_a_miss_and_gets_replaced() -> None:
    from aws_vault.domain.errors import CorruptItemError

    w = World("111111", "222222")
    w.run("work")
    [key] = [k for k in w.store.keys() if k.startswith("sts.")]
    original_get = w.store.get

    def get(k: str):  # type: ignore[no-untyped-def]
        if k == key:
            raise CorruptItemError(k, "not a compact JWE")
        return original_get(k)

    w.store.get = get  # type: ignore[method-assign]
    w.run("work")
    assert w.sts.ops == ["GetSessionToken", "GetSessionToken"]
    [new_key] = [k for k in w.store.keys() if k.startswith("sts.")]
    assert session_from_json(w.store.items[new_key].data, new_key).access_key_id == "ASIAFAKE0002"


# Single-flight across processes: the lock of a cache entry is held while it is fetched.


def _pipeline(world: World, locks: object, held_by_caller: tuple[str, ...] = ()) -> CredentialPipeline:
    return CredentialPipeline(
        world.store, world.sts, world.prompt, world.clock, world.bus, world.cache, "", locks=locks,  # type: ignore[arg-type]
        held_by_caller=held_by_caller,
    )


def _plan(profile: str):  # type: ignore[no-untyped-def]
    return build_plan(resolve_profile(SEED, profile, stored={"work"}), {"work"}, cache_roles=True)


def test_a_miss_is_fetched_under_the_entry_lock_top_down() -> None:
    from tests.fakes.locks import FakeLocks

    world = World("123456")
    locks = FakeLocks()
    _pipeline(world, locks).run(_plan("work-admin_role"))
    assert locks.acquired == [
        "session:sts.AssumeRole,work-admin_role,",
        f"session:sts.GetSessionToken,work,{MFA}",
    ]
    assert [c.op for c in world.sts.calls] == ["GetSessionToken", "AssumeRole"]


def test_a_session_cached_by_another_process_while_waiting_is_used() -> None:
    from tests.fakes.locks import FakeLocks

    world = World("123456")
    other = World("123456")
    other.store = world.store  # the other process shares the store
    other.cache = SessionCache(world.store, world.clock, world.bus, timedelta(minutes=5))

    def fetched_meanwhile(name: str) -> None:
        if name.startswith("session:sts.AssumeRole"):
            _pipeline(other, None).run(_plan("work-admin_role"))

    creds = _pipeline(world, FakeLocks(fetched_meanwhile)).run(_plan("work-admin_role"))
    assert world.sts.calls == [] and world.prompt.asked == []
    assert [c.op for c in other.sts.calls] == ["GetSessionToken", "AssumeRole"]
    assert creds.access_key_id == "ASIAFAKE0002"


def test_no_lock_in_a_process_started_by_a_credential_process_fetch() -> None:
    """Its caller holds the locks of the profile and of every cached step above it: waiting would deadlock."""
    from tests.fakes.locks import FakeLocks

    world = World("123456")
    locks = FakeLocks()
    _pipeline(world, locks, held_by_caller=("cp",)).run(_plan("work-admin_role"))
    assert locks.acquired == []


def test_a_refresh_writes_the_new_session_before_it_deletes_the_old_one() -> None:
    w = World("111111", "222222")
    w.run("work")
    [old] = w.session_keys()
    w.clock.advance(timedelta(minutes=56))  # 4 minutes left: below AWS_MIN_TTL, refreshed
    order: list[tuple[str, str]] = []
    store_set, store_remove = w.store.set, w.store.remove
    w.store.set = lambda item: (order.append(("set", item.key)), store_set(item))[1]  # type: ignore[method-assign]
    w.store.remove = lambda key: (order.append(("remove", key)), store_remove(key))[1]  # type: ignore[method-assign]
    w.run("work")
    [new] = w.session_keys()
    assert order == [("set", new.format()), ("remove", old.format())]


def test_a_stale_session_left_beside_a_fresh_one_does_not_hide_it() -> None:
    # What a writer killed between its write and its delete leaves: both sessions of one profile.
    w = World("111111", "222222")
    w.run("work")
    [first] = w.session_keys()
    w.clock.advance(timedelta(minutes=56))
    fresh = Credentials("ASIAFRESH", "s", "t", w.clock.now() + timedelta(hours=1))
    spec_key = SessionKey(first.type, first.profile, first.mfa_serial, int(fresh.expiration.timestamp()))  # type: ignore[union-attr]
    w.cache.store.set(session_item(spec_key, session_to_json(fresh)))
    assert len(w.session_keys()) == 2

    assert w.run("work").access_key_id == "ASIAFRESH"
    assert w.sts.ops == ["GetSessionToken"]  # only the first run's: the fresh one was found

"""``ListProfiles`` on a 10 000-profile config: every row right, the Credentials column walked once.

Results only; ``benchmarks/big_config.py`` times the same shapes through the CLI.
"""

from __future__ import annotations

from datetime import timedelta

from aws_vault.application.bus import EventBus
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.use_cases.list_profiles import ListProfiles, credentials_source
from aws_vault.domain.items import Item
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.sessions import GET_SESSION_TOKEN, SessionKey, session_item
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.secret_store import FakeSecretStore

COUNT = 10_000
ROLE = "arn:aws:iam::123456789012:role/r"


def big_config() -> ConfigFile:
    """``user-*`` (every tenth stored), ``role-*`` on a user, ``chained-*`` on the role before it,
    ``incl-*`` including a user (which gives no credentials: include_profile is not source_profile)."""
    sections: list[Section] = []
    for i in range(COUNT):
        kind = i % 4
        if kind == 0:
            sections.append(Section(f"user-{i}", {"region": "eu-west-1"}))
        elif kind == 1:
            sections.append(Section(f"role-{i}", {"source_profile": f"user-{i - 1}", "role_arn": ROLE}))
        elif kind == 2:
            sections.append(Section(f"chained-{i}", {"source_profile": f"role-{i - 1}", "role_arn": ROLE}))
        else:
            sections.append(Section(f"incl-{i}", {"include_profile": f"user-{i - 3}"}))
    return ConfigFile("config", tuple(sections))


def expected_source(i: int) -> str:
    user = i - i % 4
    stored = user % 40 == 0
    return f"user-{user}" if i % 4 in (0, 1, 2) and stored else ""


def test_a_10000_profile_listing_is_right_row_by_row() -> None:
    clock = FakeClock()
    store = FakeSecretStore()
    for i in range(0, COUNT, 40):
        store.items[f"user-{i}"] = Item(f"user-{i}", b"{}")
    store.items["orphan"] = Item("orphan", b"{}")
    expiry = int((clock.now() + timedelta(hours=1)).timestamp())
    for name in ("role-1", "role-1", "chained-9998", "gone"):
        key = SessionKey(GET_SESSION_TOKEN, name, "", expiry + len(store.items))
        store.items[key.format()] = session_item(key, b"{}")
    cache = SessionCache(store, clock, EventBus(), timedelta(minutes=5))

    listing = ListProfiles(FakeConfigSource(big_config()), store, cache)()

    assert len(listing.profile_names) == COUNT
    rows = listing.rows
    assert [(r.profile, r.credentials) for r in rows[:COUNT]] == [
        (name, expected_source(i)) for i, name in enumerate(listing.profile_names)
    ]
    by_profile = {r.profile: r for r in rows[:COUNT]}
    assert [s.profile for s in by_profile["role-1"].sessions] == ["role-1", "role-1"]
    assert [s.profile for s in by_profile["chained-9998"].sessions] == ["chained-9998"]
    assert by_profile["user-0"].sessions == ()
    assert [(r.profile, r.credentials, [s.profile for s in r.sessions]) for r in rows[COUNT:]] == [
        ("", "orphan", []),
        ("", "", ["gone"]),
    ]


def test_credentials_source_memo_gives_each_walk_s_answer_to_every_profile_on_it() -> None:
    config = ConfigFile(
        "config",
        (
            Section("a", {"source_profile": "b"}),
            Section("b", {"source_profile": "c"}),
            Section("c", {}),
            Section("loop-1", {"source_profile": "loop-2"}),
            Section("loop-2", {"source_profile": "loop-1"}),
            Section("into-loop", {"source_profile": "loop-1"}),
            Section("self", {"source_profile": "self"}),
        ),
    )
    memo: dict[str, str] = {}
    assert credentials_source(config, "a", {"c"}, memo) == "c"
    assert memo == {"a": "c", "b": "c"}
    assert credentials_source(config, "b", {"c"}, memo) == "c"
    assert credentials_source(config, "into-loop", {"c"}, memo) == ""
    assert memo["loop-1"] == memo["loop-2"] == ""
    assert credentials_source(config, "self", {"c"}, memo) == ""
    assert credentials_source(config, "missing", {"c"}) == ""
    # A stored profile on a loop is still found, from anywhere on it.
    assert [credentials_source(config, n, {"loop-2"}) for n in ("loop-1", "loop-2", "into-loop")] == ["loop-2"] * 3


def test_a_5000_deep_source_chain_is_walked_once_for_the_whole_table() -> None:
    depth = 5_000
    sections = [Section("link-0", {})] + [Section(f"link-{i}", {"source_profile": f"link-{i - 1}"}) for i in range(1, depth)]
    config = ConfigFile("config", tuple(reversed(sections)))
    memo: dict[str, str] = {}
    answers = [credentials_source(config, s.name, {"link-0"}, memo) for s in config.profiles]
    assert answers == ["link-0"] * depth
    assert len(memo) == depth - 1  # link-0 itself is stored: found before anything is remembered

"""The public API (``aws_vault.Vault``) over fakes of the ports: credentials, events, plan, boto3."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import aws_vault
from aws_vault import Vault, VaultCredentials
from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.items import credential_item
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.errors import AwsVaultError, ProfileNotFoundError, UsageError
from aws_vault.events import (
    CachedSessionReused,
    Event,
    MfaRequested,
    RoleAssumed,
    SessionCached,
    SessionTokenObtained,
    StoredKeysUsed,
)
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

MFA = "arn:aws:iam::123456789012:mfa/work"
CONFIG = ConfigFile(
    "/fake/config",
    (
        Section("work", {"region": "eu-west-1", "mfa_serial": MFA}),
        Section("admin", {"role_arn": "arn:aws:iam::123456789012:role/admin", "source_profile": "work",
                          "mfa_serial": MFA, "region": "us-west-2"}),
        Section("plain", {"region": "eu-central-1"}),
        Section("reader", {"role_arn": "arn:aws:iam::123456789012:role/reader", "source_profile": "work",
                           "region": "ap-southeast-2"}),
    ),
)


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = FakeSecretStore()
        self.sts = FakeTokenService(clock=self.clock)
        self.asked: list[str] = []
        for name in ("work", "plain"):
            self.store.set(credential_item(name, master_to_json(Credentials(f"AKIA{name.upper()}", f"{name}-secret"))))

    def prompt(self, serial: str) -> str:
        self.asked.append(serial)
        return "987654"

    def vault(self, **overrides: object) -> Vault:
        return Vault.from_env(
            {"HOME": "/nonexistent", "AWS_VAULT_BACKEND": "file"},
            mfa_prompt=self.prompt,
            secret_store=self.store,
            token_service=self.sts,
            clock=self.clock,
            config_source=FakeConfigSource(CONFIG),
            **overrides,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_credentials_through_the_role_chain_ask_for_mfa_once(world: World) -> None:
    creds = world.vault().credentials("admin")
    assert isinstance(creds, VaultCredentials)
    assert creds.access_key_id.startswith("ASIA") and creds.session_token
    assert creds.expiration is not None and creds.expiration.tzinfo is not None
    assert [c.op for c in world.sts.calls] == ["GetSessionToken", "AssumeRole"]
    assert world.asked == [MFA]


def test_a_second_vault_reuses_the_cached_session(world: World) -> None:
    first = world.vault().credentials("plain")
    again = world.vault().credentials("plain")
    assert again == first
    world.vault().credentials("admin")  # the role is assumed from work's cached MFA session
    assert [c.op for c in world.sts.calls] == ["GetSessionToken", "GetSessionToken", "AssumeRole"]
    world.vault().credentials("admin")  # every role session is cached too
    assert [c.op for c in world.sts.calls][3:] == []
    world.vault(cache_roles=False).credentials("admin")  # aws-vault's rule: roles without MFA are not cached
    assert [c.op for c in world.sts.calls][3:] == ["AssumeRole"]
    assert world.asked == [MFA]


def test_repr_hides_the_secret_and_token(world: World) -> None:
    creds = world.vault().credentials("admin")
    shown = repr(creds) + str(creds)
    assert creds.secret_access_key not in shown and str(creds.session_token) not in shown
    assert creds.access_key_id in shown


def test_events_arrive_in_order_and_unsubscribe_stops_them(world: World) -> None:
    vault = world.vault()
    seen: list[Event] = []
    stop = vault.subscribe(seen.append)
    vault.credentials("admin")
    kinds = [type(e) for e in seen]
    assert kinds.index(StoredKeysUsed) < kinds.index(MfaRequested) < kinds.index(SessionTokenObtained)
    assert kinds.index(SessionTokenObtained) < kinds.index(RoleAssumed)
    assert SessionCached in kinds
    for event in seen:  # no event shows a secret
        assert "work-secret" not in repr(event) and "987654" not in repr(event)
    stop()
    count = len(seen)
    vault.credentials("admin")
    assert len(seen) == count


def test_a_failing_handler_never_breaks_the_vault(world: World) -> None:
    vault = world.vault()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("handler bug")

    vault.subscribe(broken)
    vault.subscribe(seen.append)
    assert vault.credentials("admin").access_key_id.startswith("ASIA")
    assert seen


def test_cached_reuse_is_an_event(world: World) -> None:
    world.vault().credentials("admin")
    vault = world.vault()
    seen: list[Event] = []
    vault.subscribe(seen.append)
    vault.credentials("admin")
    assert any(isinstance(e, CachedSessionReused) for e in seen)


def test_plan_calls_nothing_and_shows_what_would_happen(world: World) -> None:
    vault = world.vault()
    cold = vault.plan("admin")
    assert world.sts.calls == [] and world.asked == []
    assert [s["call"] for s in cold["steps"]] == ["UseStoredKeys", "GetSessionToken", "AssumeRole"]
    assert cold["chain"] == ["admin", "work"]
    assert cold["calls"] == ["GetSessionToken", "AssumeRole"]
    assert cold["mfa"] == [{"serial": MFA, "via": "prompt", "profile": "work"}]
    assert cold["served_from_cache"] is False
    assert cold["steps"][1]["duration"] == "8h0m0s" and cold["steps"][1]["region"] == "eu-west-1"
    assert cold["steps"][2]["endpoint"] == "https://sts.us-west-2.amazonaws.com"
    reads = len([c for c in world.store.calls if c.op == "get"])

    vault.credentials("admin")
    warm = vault.plan("admin")
    assert warm["served_from_cache"] is True and warm["calls"] == [] and warm["mfa"] == []
    assert warm["steps"][2]["served_from_cache"] is True and warm["steps"][2]["cached_for"] == "1h0m0s"
    assert warm["steps"][1]["cached_for"] == "8h0m0s" and not warm["steps"][1]["served_from_cache"]
    assert [s["runs"] for s in warm["steps"]] == [False, False, False]
    world.clock.advance(timedelta(minutes=56))  # the role has 4m left: below AWS_MIN_TTL, so it is redone
    later = vault.plan("admin")
    assert later["calls"] == ["AssumeRole"] and later["steps"][1]["served_from_cache"] is True
    # plan reads key names only: no item was decrypted for it
    assert len([c for c in world.store.calls if c.op == "get"]) == reads + 1  # the one credentials() read


def test_plan_is_json_serialisable(world: World) -> None:
    import json

    text = json.dumps(world.vault().plan("reader"))
    assert json.loads(text)["source"] == {"type": "stored keys", "profile": "work"}


def test_errors_are_one_exported_hierarchy_with_the_cli_messages(world: World) -> None:
    with pytest.raises(ProfileNotFoundError) as caught:
        world.vault().credentials("nope")
    assert isinstance(caught.value, AwsVaultError)
    assert aws_vault.AwsVaultError is AwsVaultError
    with pytest.raises(UsageError, match="unknown option"):
        Vault.from_env({}, no_such_option=1)


def test_from_env_reads_aws_vault_variables(tmp_path: Path) -> None:
    """The file backend and config file named by the environment, as the CLI reads them."""
    config = tmp_path / "config"
    config.write_text("[profile plain]\nregion = eu-central-1\n")
    env = {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(config),
        "AWS_VAULT_BACKEND": "file",
        "AWS_VAULT_FILE_DIR": str(tmp_path / "keys"),
        "AWS_VAULT_FILE_PASSPHRASE": "pw",
        "AWS_MIN_TTL": "20m",
    }
    vault = Vault.from_env(env)
    assert vault.settings.backend == "file" and vault.settings.file_dir == str(tmp_path / "keys")
    assert vault.settings.min_ttl == timedelta(minutes=20)
    assert vault.region("plain") == "eu-central-1"
    assert Vault.from_env(env, min_ttl=timedelta(minutes=1)).settings.min_ttl == timedelta(minutes=1)


def test_boto3_session_refreshes_through_the_vault_without_a_new_prompt(world: World) -> None:
    vault = world.vault()
    session = vault.boto3_session("admin")
    assert session.region_name == "us-west-2"
    first = session.get_credentials().get_frozen_credentials()
    assert [c.op for c in world.sts.calls] == ["GetSessionToken", "AssumeRole"]
    world.clock.advance(timedelta(minutes=55))  # the role's 1h session is now in botocore's mandatory window
    second = session.get_credentials().get_frozen_credentials()
    assert second.access_key != first.access_key
    assert [c.op for c in world.sts.calls] == ["GetSessionToken", "AssumeRole", "AssumeRole"]
    assert world.asked == [MFA]  # the 8h source session was reused


def test_install_puts_the_vault_first_in_a_botocore_chain(world: World) -> None:
    import botocore.session

    core = botocore.session.Session()
    world.vault().install(core, "plain")
    creds = core.get_credentials()
    assert creds.method == "aws-vault"
    assert creds.access_key.startswith("ASIA")  # a GetSessionToken session, not the stored key

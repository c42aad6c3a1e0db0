"""``Vault.role_credentials`` (the ECS server's /role-arn/ route), ``credentials(duration=, region=)``, ``now()``."""

from __future__ import annotations

from datetime import timedelta

from aws_vault import Vault
from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.items import credential_item
from aws_vault.domain.profiles import ConfigFile, Section
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

ROLE = "arn:aws:iam::123456789012:role/extra"
CONFIG = ConfigFile("/fake/config", (Section("work", {"region": "eu-west-1"}), Section("keys", {})))


def vault(no_session: bool = False) -> tuple[Vault, FakeTokenService, FakeClock]:
    clock = FakeClock()
    store = FakeSecretStore()
    sts = FakeTokenService(clock=clock)
    for name in ("work", "keys"):
        store.set(credential_item(name, master_to_json(Credentials(f"AKIA{name.upper()}", "s"))))
    v = Vault.from_env({"HOME": "/nonexistent", "AWS_VAULT_BACKEND": "file"}, secret_store=store,
                       token_service=sts, clock=clock, config_source=FakeConfigSource(CONFIG))
    return v, sts, clock


def test_role_credentials_assume_the_role_with_the_profiles_session_uncached() -> None:
    v, sts, clock = vault()
    first = v.role_credentials("work", ROLE)
    assert [c.op for c in sts.calls] == ["GetSessionToken", "AssumeRole"]
    call = sts.calls[-1]
    assert (call.role_arn, call.source_key_id, call.mfa_serial, call.external_id) == (ROLE, "ASIAFAKE0001", "", "")
    assert call.duration == timedelta(hours=1) and call.target.region == "eu-west-1"
    assert call.session_name.isdigit()  # aws-vault's UnixNano
    second = v.role_credentials("work", ROLE)
    assert [c.op for c in sts.calls] == ["GetSessionToken", "AssumeRole", "AssumeRole"]  # the session is reused
    assert first.access_key_id != second.access_key_id
    assert v.now() == clock.now()


def test_credentials_take_execs_duration_and_region() -> None:
    v, sts, _ = vault()
    v.credentials("work", duration=timedelta(hours=2), region="ap-south-1")
    call = sts.calls[-1]
    assert call.duration == timedelta(hours=2) and call.target.region == "ap-south-1"

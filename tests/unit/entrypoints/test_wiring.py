"""The one wiring: the light path builds cheap ports itself and continues into the container for heavy ones."""

from __future__ import annotations

import subprocess
import sys

from aws_vault.application.use_cases.get_credentials import CredentialsRequest
from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.items import credential_item
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.entrypoints.container import Container
from aws_vault.entrypoints.settings import Settings
from aws_vault.entrypoints.wiring import PORTS, Wiring
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.prompts import FakeMfaPrompt
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

MFA = "arn:aws:iam::123456789012:mfa/work"
CONFIG = ConfigFile(
    "/fake/config",
    (
        Section("work", {"mfa_serial": MFA}),
        Section("admin", {"role_arn": "arn:aws:iam::123456789012:role/admin", "source_profile": "work", "mfa_serial": MFA}),
    ),
)


def test_a_miss_carries_on_in_the_container_without_a_second_lookup() -> None:
    clock = FakeClock()
    store = FakeSecretStore()
    store.set(credential_item("work", master_to_json(Credentials("AKIAWORK", "secret"))))
    store.calls.clear()
    sts = FakeTokenService(clock=clock)
    given = {"secret_store": store, "clock": clock, "config_source": FakeConfigSource(CONFIG),
             "mfa_prompt": FakeMfaPrompt("123456")}
    wiring = Wiring(Settings(), {}, {name: (lambda v=v: v) for name, v in given.items()})
    wiring.container().token_service.override(sts)  # the container the light path falls through to

    creds = wiring.get_credentials()(CredentialsRequest("admin")).credentials

    assert creds.access_key_id.startswith("ASIA")
    assert [c.op for c in sts.calls] == ["GetSessionToken", "AssumeRole"]
    # the stored key is read (decrypted) exactly once, and nothing is looked up twice before the STS call
    assert [c.key for c in store.calls if c.op == "get"] == ["work"]


def test_the_container_is_generated_from_the_same_table() -> None:
    container = Container(settings=Settings(), env={})
    assert all(hasattr(container, name) for name in PORTS)
    wiring = container.wiring()
    assert isinstance(wiring, Wiring)
    fake = FakeSecretStore()
    container.secret_store.override(fake)
    container.reset_singletons()
    assert container.wiring().store is fake  # an override reaches the use cases


def test_importing_the_wiring_loads_no_container_sdk_or_logging() -> None:
    probe = (
        "import sys\nimport aws_vault.entrypoints.wiring, aws_vault.entrypoints.cli.main\n"
        "print(sorted(m for m in ('dependency_injector', 'boto3', 'botocore', 'structlog') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

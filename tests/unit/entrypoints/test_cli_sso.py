"""SSO profiles through the CLI in-process, with the SSO ports replaced by fakes through the container.

The browser is a ``FakeBrowser`` whose user clicks Allow (``clicks_allow``): the authorization code flow,
the default, runs against the fake OIDC service and the fake callback listener.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from aws_vault.domain.errors import SsoRequestError
from aws_vault.domain.items import Item
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.sessions import KeyKind, classify_key
from aws_vault.domain.sso import oidc_key
from aws_vault.entrypoints.cli.main import main
from aws_vault.entrypoints.container import Container
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.prompts import FakeProcessRunner
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.sso import (
    FakeBrowser,
    FakeCallbackListener,
    FakeConsole,
    FakeSsoOidc,
    FakeSsoPortal,
    clicks_allow,
)

START = "https://example.awsapps.com/start"
OTHER = "https://other.awsapps.com/start"
OPENING = "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)"
CODE_FLOW = ["RegisterClient", "ExchangeCode"]
DEVICE_FLOW = ["RegisterClient", "StartDeviceAuthorization", "CreateToken"]
DEVICE_URL = "https://device.sso.eu-west-1.amazonaws.com/?user_code=CODE-2"
CONFIG = ConfigFile(
    "/fake/.aws/config",
    (
        Section("dev", {"sso_session": "corp", "sso_account_id": "111111111111", "sso_role_name": "Admin",
                        "region": "eu-west-1"}),
        Section("ops", {"sso_session": "corp", "sso_account_id": "222222222222", "sso_role_name": "Ops"}),
        Section("elsewhere", {"sso_start_url": OTHER, "sso_region": "us-east-1", "sso_account_id": "3",
                              "sso_role_name": "R"}),
        Section("half", {"sso_session": "corp", "sso_role_name": "Admin"}),
    ),
    (Section("corp", {"sso_start_url": START, "sso_region": "eu-west-1"}),),
)


@dataclass
class World:
    container: Container
    store: FakeSecretStore
    clock: FakeClock
    oidc: FakeSsoOidc
    portal: FakeSsoPortal
    browser: FakeBrowser
    console: FakeConsole
    runner: FakeProcessRunner
    listener: FakeCallbackListener

    def cli(self, *argv: str, env: dict[str, str] | None = None) -> int:
        return main(list(argv), env={"HOME": "/nonexistent", **(env or {})}, container=self.container)

    def kinds(self) -> list[str]:
        return [classify_key(k) for k in self.store.items]


@pytest.fixture
def world() -> Iterator[World]:
    clock = FakeClock()
    oidc = FakeSsoOidc(clock=clock)
    listener = FakeCallbackListener(clock=clock)
    w = World(
        container=Container(),
        store=FakeSecretStore(),
        clock=clock,
        oidc=oidc,
        portal=FakeSsoPortal(clock=clock),
        browser=FakeBrowser(on_open=clicks_allow(oidc, listener)),
        console=FakeConsole(),
        runner=FakeProcessRunner(),
        listener=listener,
    )
    c = w.container
    with (
        c.secret_store.override(w.store),
        c.clock.override(w.clock),
        c.config_source.override(FakeConfigSource(CONFIG)),
        c.sso_oidc.override(w.oidc),
        c.sso_portal.override(w.portal),
        c.browser.override(w.browser),
        c.console.override(w.console),
        c.process_runner.override(w.runner),
        c.callback_listener.override(w.listener),
    ):
        yield w


def test_export_signs_in_once_and_then_uses_the_cache(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("export", "--format=json", "dev") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["AccessKeyId"] == "ASIASSOFAKE0001"
    (page,) = world.browser.urls
    assert page.startswith("https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=client-1&")
    assert world.console.notices == [f"{OPENING}\n{page}"]
    assert world.listener.redirects[0].answers == [200]
    assert world.cli("export", "--format=json", "dev") == 0
    assert json.loads(capsys.readouterr().out)["AccessKeyId"] == "ASIASSOFAKE0001"
    assert world.oidc.ops == CODE_FLOW and len(world.portal.calls) == 1
    assert sorted(world.kinds(), key=str) == [KeyKind.OIDC_TOKEN, KeyKind.SESSION]


def test_a_second_profile_with_the_same_start_url_reuses_the_token(world: World) -> None:
    assert world.cli("exec", "dev", "--", "true") == 0
    assert world.cli("exec", "ops", "--", "true") == 0
    assert world.oidc.ops == CODE_FLOW
    assert [c.detail for c in world.portal.calls] == ["access-3", "access-3"]
    env = world.runner.calls[1].env
    assert env["AWS_ACCESS_KEY_ID"] == "ASIASSOFAKE0002" and env["AWS_VAULT"] == "ops"


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["export", "--stdout", "dev"], {}),
        (["exec", "--stdout", "dev", "--", "true"], {}),
        (["export", "dev"], {"AWS_VAULT_STDOUT": "true"}),
        (["exec", "dev", "--", "true"], {"AWS_VAULT_STDOUT": "1"}),
    ],
)
def test_stdout_prints_the_link_instead_of_opening_a_browser(
    world: World, capsys: pytest.CaptureFixture[str], argv: list[str], env: dict[str, str]
) -> None:
    assert world.cli(*argv, env=env) == 0
    assert world.browser.urls == [] and world.listener.redirects == []
    assert world.oidc.ops == DEVICE_FLOW
    assert world.console.notices == [
        f"Open the SSO authorization page in a browser (use Ctrl-C to abort)\n{DEVICE_URL}\nThen enter the code: CODE-2"
    ]
    assert "Open the SSO" not in capsys.readouterr().out


def test_a_bad_aws_vault_stdout_is_an_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("export", "dev", env={"AWS_VAULT_STDOUT": "maybe"}) == 1
    assert capsys.readouterr().err == 'aws-vault: error: export: AWS_VAULT_STDOUT: expected true or false, got "maybe"\n'
    assert world.oidc.calls == []


def test_list_sessions_shows_the_sso_session(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.cli("export", "dev")
    capsys.readouterr()
    assert world.cli("list", "--sessions") == 0
    assert capsys.readouterr().out == f"oidc:{START}\nsso.GetRoleCredentials:1h0m0s\n"


def test_clear_removes_sessions_and_oidc_tokens(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.cli("export", "dev")
    world.cli("export", "elsewhere")
    world.store.set(Item("session,ZGV2,,1572281751", b"{}"))  # a legacy session
    capsys.readouterr()
    assert world.cli("clear") == 0
    assert capsys.readouterr().out == "Cleared 5 sessions.\n"
    assert world.store.items == {}


def test_clear_profile_removes_its_sessions_and_its_start_urls_token(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.cli("export", "dev")
    world.cli("export", "elsewhere")
    capsys.readouterr()
    assert world.cli("clear", "dev") == 0
    assert capsys.readouterr().out == "Cleared 2 sessions.\n"
    assert oidc_key(START) not in world.store.items and oidc_key(OTHER) in world.store.items
    assert world.cli("clear", "no-such-profile") == 0
    assert capsys.readouterr().out == "Cleared 0 sessions.\n"


def test_a_missing_sso_key_is_a_one_line_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("export", "half") == 1
    assert capsys.readouterr().err == (
        "aws-vault: error: export: Error loading config: profile half: sso_account_id: not set; "
        "an SSO profile needs it in the profile or its [sso-session corp] section\n"
    )
    assert world.oidc.calls == []


def test_sso_failures_name_the_call_and_the_code(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.oidc.fail_with = SsoRequestError("CreateToken", "ExpiredTokenException", "Device code has expired")
    assert world.cli("export", "--device-code", "dev") == 1
    assert capsys.readouterr().err == (
        "aws-vault: error: export: Failed to get credentials for dev: "
        "CreateToken: ExpiredTokenException: Device code has expired\n"
    )


# --- the authorization code flow and its fallbacks (issue 13) -----------------------------------------------


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["export", "--device-code", "dev"], {}),
        (["exec", "--device-code", "dev", "--", "true"], {}),
        (["export", "dev"], {"AWS_VAULT_DEVICE_CODE": "true"}),
        (["exec", "dev", "--", "true"], {"AWS_VAULT_DEVICE_CODE": "1"}),
        (["export", "dev"], {"SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"}),
        (["exec", "dev", "--", "true"], {"SSH_TTY": "/dev/pts/3"}),
    ],
    ids=["export-flag", "exec-flag", "export-env", "exec-env", "ssh-connection", "ssh-tty"],
)
def test_device_code_and_ssh_sessions_use_the_device_flow(
    world: World, argv: list[str], env: dict[str, str]
) -> None:
    assert world.cli(*argv, env=env) == 0
    assert world.oidc.ops == DEVICE_FLOW and world.listener.redirects == []
    assert world.browser.urls == [DEVICE_URL]  # the device page still opens in the browser
    assert world.console.notices == [f"{OPENING}\n{DEVICE_URL}\nThen enter the code: CODE-2"]


def test_aws_vault_device_code_false_keeps_the_code_flow(world: World) -> None:
    assert world.cli("export", "dev", env={"AWS_VAULT_DEVICE_CODE": "false"}) == 0
    assert world.oidc.ops == CODE_FLOW


def test_a_bad_aws_vault_device_code_is_an_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("export", "dev", env={"AWS_VAULT_DEVICE_CODE": "sometimes"}) == 1
    assert capsys.readouterr().err == (
        'aws-vault: error: export: AWS_VAULT_DEVICE_CODE: expected true or false, got "sometimes"\n'
    )


def test_no_browser_falls_back_to_the_device_flow(world: World) -> None:
    world.browser.opens = False
    assert world.cli("export", "dev") == 0
    assert world.oidc.ops == ["RegisterClient", *DEVICE_FLOW]
    assert world.console.notices[0].startswith("Open the SSO authorization page in a browser (use Ctrl-C to abort)\n")
    assert world.console.notices[0].endswith("\nThen enter the code: CODE-3")


def test_a_denied_sign_in_is_a_one_line_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.oidc.deny = ("access_denied", "The user denied\nthe request")
    assert world.cli("export", "dev") == 1
    assert capsys.readouterr().err == (
        f"aws-vault: error: export: Failed to get credentials for dev: the SSO sign-in for {START} was not "
        "authorized: access_denied: The user denied the request\n"
    )
    assert oidc_key(START) not in world.store.items


def test_the_wait_for_the_browser_ends_with_a_clear_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.browser.on_open = None  # nobody signs in
    start = world.clock.now()
    assert world.cli("export", "dev", env={"AWS_VAULT_SSO_TIMEOUT": "90s"}) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"aws-vault: error: export: Failed to get credentials for dev: the SSO sign-in for {START} did not come "
        "back from the browser within 1m30s"
    )
    assert "--device-code" in err and err.count("\n") == 1
    assert world.clock.now() - start == timedelta(seconds=90)


def test_a_bad_sso_timeout_is_an_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("export", "dev", env={"AWS_VAULT_SSO_TIMEOUT": "soon"}) == 1
    assert "AWS_VAULT_SSO_TIMEOUT" in capsys.readouterr().err
    assert world.oidc.calls == []


def test_debug_logs_the_flow_without_its_secrets(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("export", "--debug", "dev") == 0
    err = capsys.readouterr().err
    assert "Authorization code flow for https://example.awsapps.com/start: callback on http://127.0.0.1:49152" in err
    state = world.listener.redirects[0].state
    assert state not in err and "code-2" not in err and "access-3" not in err

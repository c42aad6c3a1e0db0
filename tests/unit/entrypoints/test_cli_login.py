"""``aws-vault login`` in-process with every port faked through the container (reference §1.3 login, §7)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.errors import LoginError
from aws_vault.domain.items import credential_item
from aws_vault.entrypoints.cli.main import main
from aws_vault.entrypoints.container import Container
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.federation import FakeConsoleSignin, FakeFederationService
from tests.fakes.prompts import FakeMfaPrompt
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.sso import FakeBrowser
from tests.fakes.token_service import FakeTokenService
from tests.unit.entrypoints.test_cli_with_fakes import SEED

HOME_URL = "https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"


@dataclass
class World:
    container: Container
    store: FakeSecretStore
    sts: FakeTokenService
    federation: FakeFederationService
    signin: FakeConsoleSignin
    browser: FakeBrowser
    prompt: FakeMfaPrompt
    capsys: pytest.CaptureFixture[str]

    def cli(self, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        code = main(list(argv), env={"HOME": "/nonexistent", **(env or {})}, container=self.container)
        out, err = self.capsys.readouterr()
        return code, out, err

    def store_keys(self, profile: str, key_id: str) -> None:
        self.store.set(credential_item(profile, master_to_json(Credentials(key_id, f"{profile}-secret"))))


@pytest.fixture
def world(capsys: pytest.CaptureFixture[str]) -> Iterator[World]:
    clock = FakeClock()
    w = World(
        container=Container(),
        store=FakeSecretStore(),
        sts=FakeTokenService(clock=clock),
        federation=FakeFederationService(clock=clock),
        signin=FakeConsoleSignin(),
        browser=FakeBrowser(),
        prompt=FakeMfaPrompt("123456"),
        capsys=capsys,
    )
    w.store_keys("home", "AKIAHOME")
    w.store_keys("work", "AKIAWORK")
    c = w.container
    with (
        c.secret_store.override(w.store),
        c.token_service.override(w.sts),
        c.federation_service.override(w.federation),
        c.console_signin.override(w.signin),
        c.browser.override(w.browser),
        c.clock.override(clock),
        c.mfa_prompt.override(w.prompt),
        c.config_source.override(FakeConfigSource(SEED)),
    ):
        yield w


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_login_stored_keys_prints_a_federated_url(world: World) -> None:
    code, out, err = world.cli("login", "home", "--stdout")
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    url = out.strip()
    assert url.startswith("https://us-east-1.signin.aws.amazon.com/federation?Action=login&Issuer=aws-vault&")
    assert query(url) == {"Action": "login", "Issuer": "aws-vault", "Destination": HOME_URL, "SigninToken": "tok"}
    # No GetSessionToken for the target profile itself: its keys go to GetFederationToken.
    assert world.sts.ops == []
    assert world.federation.ops == ["GetCallerIdentity", "GetUser", "GetFederationToken"]
    assert world.federation.calls[0].source_key_id == "AKIAHOME"
    assert world.federation.calls[-1].duration == timedelta(hours=1)
    assert world.signin.calls[0].session.access_key_id == "ASIAFED0001"
    assert world.prompt.asked == []  # no MFA for a federation token (aws-vault#784)
    assert world.browser.urls == []


def test_login_role_uses_the_assumed_role_credentials(world: World) -> None:
    code, out, _ = world.cli("login", "work-admin_role", "--stdout", "--mfa-token", "123456")
    assert code == 0
    assert world.sts.ops == ["GetSessionToken", "AssumeRole"]  # the source is still primed
    assert world.sts.calls[0].token_code == "123456"
    assert world.federation.calls == []
    assert world.signin.calls[0].session.access_key_id == "ASIAFAKE0002"
    # The seed's role profiles have no region (aws-vault does not take it from source_profile).
    assert query(out.strip())["Destination"] == "https://console.aws.amazon.com/"


def test_login_opens_the_browser_without_stdout(world: World) -> None:
    code, out, _ = world.cli("login", "home", "--path", "s3/home", "--region", "eu-central-1")
    assert (code, out) == (0, "")
    (url,) = world.browser.urls
    assert query(url)["Destination"] == "https://eu-central-1.console.aws.amazon.com/s3/home?region=eu-central-1"
    assert world.federation.calls[0].target.region == "eu-central-1"


def test_browser_failure_hides_the_signin_token(world: World) -> None:
    world.browser.opens = False
    world.signin.token = "SECRET-SIGNIN-TOKEN"
    code, out, err = world.cli("login", "home")
    assert (code, out) == (1, "")
    assert "SECRET-SIGNIN-TOKEN" not in err
    assert err == (
        "aws-vault: error: login: Failed to open https://us-east-1.signin.aws.amazon.com/federation?Action=login"
        "&Issuer=aws-vault&Destination=https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion"
        "%3Dus-east-1&SigninToken=****: no browser could be started\n"
    )


def test_aws_vault_stdout_env_prints_instead_of_opening(world: World) -> None:
    code, out, _ = world.cli("login", "home", env={"AWS_VAULT_STDOUT": "true"})
    assert code == 0 and out.startswith("https://") and world.browser.urls == []


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ((), {}, timedelta(hours=1)),
        (("--duration", "30m"), {}, timedelta(minutes=30)),
        (("-d", "45m"), {"AWS_FEDERATION_TOKEN_TTL": "2h"}, timedelta(minutes=45)),
        (("--federation-token-ttl", "3h"), {}, timedelta(hours=3)),  # v4
        (("-f", "12h"), {}, timedelta(hours=12)),  # v4 short flag
        ((), {"AWS_FEDERATION_TOKEN_TTL": "2h"}, timedelta(hours=2)),
    ],
)
def test_federation_duration_flags_and_env(
    world: World, args: tuple[str, ...], env: dict[str, str], expected: timedelta
) -> None:
    code, _, err = world.cli("login", "home", "-s", *args, env=env)
    assert code == 0, err
    assert world.federation.calls[-1].duration == expected


def test_v4_assume_role_ttl_and_no_session(world: World) -> None:
    assert world.cli("login", "-n", "work-admin_role", "-s", "-t", "123456", "--assume-role-ttl", "2h")[0] == 0
    assert world.sts.ops == ["AssumeRole"]
    assert world.sts.calls[0].duration == timedelta(hours=2)
    assert world.sts.calls[0].source_key_id == "AKIAWORK"


def test_bad_durations_are_usage_errors(world: World) -> None:
    code, _, err = world.cli("login", "home", "-f", "3600")
    assert code == 1 and "--federation-token-ttl" in err and "invalid duration" in err
    code, _, err = world.cli("login", "home", env={"AWS_FEDERATION_TOKEN_TTL": "soon"})
    assert code == 1 and "AWS_FEDERATION_TOKEN_TTL" in err
    assert world.federation.calls == []


def test_without_profile_aws_profile_comes_first(world: World) -> None:
    env = {"AWS_PROFILE": "home", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"}
    assert world.cli("login", "-s", env=env)[0] == 0
    assert world.federation.calls[0].source_key_id == "AKIAHOME"


def test_without_profile_env_credentials_are_used(world: World) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    code, out, _ = world.cli("login", "-s", env=env)
    assert code == 0
    assert world.federation.calls[0].source_key_id == "AKIAENV"
    # No region anywhere: the console's front page (and the fork's us-east-1 sign-in endpoint).
    assert query(out.strip())["Destination"] == "https://console.aws.amazon.com/"


def test_without_profile_or_env_credentials(world: World) -> None:
    assert world.cli("login") == (
        1, "", "aws-vault: error: login: argument 'profile' not provided, nor any AWS env vars found. Try --help\n"
    )


def test_login_works_inside_exec(world: World) -> None:
    assert world.cli("login", "home", "-s", env={"AWS_VAULT": "work"})[0] == 0


def test_signin_failure_is_one_line(world: World) -> None:
    world.signin.fail_with = LoginError("Call to getSigninToken failed with 500 Internal Server Error")
    assert world.cli("login", "home", "-s") == (
        1, "", "aws-vault: error: login: Call to getSigninToken failed with 500 Internal Server Error\n"
    )


def test_unknown_profile(world: World) -> None:
    code, _, err = world.cli("login", "nosuch", "-s")
    assert code == 1 and err.startswith("aws-vault: error: login: ") and "nosuch" in err
    assert world.federation.calls == []


def test_help_lists_the_flags(world: World) -> None:
    code, out, _ = world.cli("login", "--help")  # a status for an in-process caller, not SystemExit
    assert code == 0
    for flag in ("--duration", "--no-session", "--mfa-token", "--path", "--region", "--stdout",
                 "--federation-token-ttl", "--assume-role-ttl"):
        assert flag in out


def test_debug_logs_the_choice_but_never_the_url(world: World) -> None:
    world.signin.token = "SECRET-SIGNIN-TOKEN"
    code, out, err = world.cli("login", "home", "-s", "--debug")
    assert code == 0 and "SECRET-SIGNIN-TOKEN" in out
    assert "profile home: skipping GetSessionToken because sessions are disabled for this profile" in err
    assert "profile home: using GetFederationToken for fake-user" in err
    assert "SECRET-SIGNIN-TOKEN" not in err and "fed-secret" not in err and "home-secret" not in err

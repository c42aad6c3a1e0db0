"""``SignInToConsole`` with fakes: which credentials sign in, and what GetFederationToken is sent (§7, §2.7.7)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from aws_vault.application.bus import EventBus
from aws_vault.application.use_cases.login import ConsoleLoginRequest, SignInToConsole, environment_credentials
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import LoginError, StsRequestError, UsageError
from aws_vault.domain.events import Event, ProviderChosen
from aws_vault.domain.login import ALLOW_ALL_POLICY
from aws_vault.domain.plan import StsTarget
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import ResolveOptions
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.federation import FakeConsoleSignin, FakeFederationService, access_denied

KEYS = Credentials("AKIAHOME", "home-secret")
ROLE = Credentials("ASIAROLE", "role-secret", "role-token")
TARGET = StsTarget("eu-west-1")


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.federation = FakeFederationService(clock=self.clock)
        self.signin = FakeConsoleSignin()
        self.events: list[Event] = []
        bus = EventBus()
        bus.subscribe(self.events.append)
        config = FakeConfigSource(ConfigFile("/c", (Section("default", {"region": "ap-southeast-2"}),)))
        self.login = SignInToConsole(self.federation, self.signin, config, {}, bus)

    def __call__(self, creds: Credentials = KEYS, ready: bool = False, **kw: object) -> str:
        request = ConsoleLoginRequest("home", creds, ready, TARGET, "eu-west-1", **kw)  # type: ignore[arg-type]
        return self.login(request)


@pytest.fixture
def world() -> World:
    return World()


def test_role_credentials_sign_in_as_they_are(world: World) -> None:
    url = world(ROLE, ready=True)
    assert world.federation.calls == []
    assert [c.session for c in world.signin.calls] == [ROLE]
    assert url.endswith("&SigninToken=tok")


def test_user_keys_are_swapped_for_a_federation_token(world: World) -> None:
    world(federation_duration=timedelta(hours=2))
    assert world.federation.ops == ["GetCallerIdentity", "GetUser", "GetFederationToken"]
    call = world.federation.calls[-1]
    assert (call.source_key_id, call.name, call.policy, call.duration, call.target) == (
        "AKIAHOME", "fake-user", ALLOW_ALL_POLICY, timedelta(hours=2), TARGET
    )
    assert world.signin.calls[0].session.access_key_id == "ASIAFED0001"
    notes = [e.message for e in world.events if isinstance(e, ProviderChosen)]
    assert notes == ["profile home: using GetFederationToken for fake-user"]


@pytest.mark.parametrize(
    ("duration", "setting", "message"),
    [
        (timedelta(minutes=5), "--duration", "profile home: --duration: 5m0s is out of range for GetFederationToken (15m to 36h)"),
        (timedelta(hours=48), "AWS_FEDERATION_TOKEN_TTL", "profile home: AWS_FEDERATION_TOKEN_TTL: 48h0m0s is out of range"),
    ],
)
def test_a_federation_duration_aws_refuses_is_named_before_the_call(
    world: World, duration: timedelta, setting: str, message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        world(federation_duration=duration, federation_duration_setting=setting)
    assert "GetFederationToken" not in world.federation.ops
    assert world.signin.calls == []


def test_a_role_session_ignores_the_federation_duration(world: World) -> None:
    world(ROLE, ready=True, federation_duration=timedelta(minutes=5))  # not sent anywhere: no error
    assert [c.session for c in world.signin.calls] == [ROLE]


def test_an_assumed_role_caller_signs_in_directly(world: World) -> None:
    world.federation.arn = "arn:aws:sts::123456789012:assumed-role/admin/1700000000"
    world(ROLE)  # e.g. a credential_process that hands out role credentials
    assert world.federation.ops == ["GetCallerIdentity"]
    assert world.signin.calls[0].session == ROLE


def test_denied_get_user_takes_the_name_from_the_denial(world: World) -> None:
    world.federation.get_user_error = access_denied("team/denied-user")
    world()
    assert world.federation.calls[-1].name == "denied-user"


def test_failing_get_user_falls_back_to_the_callers_arn(world: World) -> None:
    world.federation.get_user_error = StsRequestError("GetUser", "Network", "could not reach iam")
    world.federation.arn = "arn:aws:iam::123456789012:user/path/" + "n" * 40
    world()
    assert world.federation.calls[-1].name == "n" * 32


def test_root_caller_without_get_user_cannot_be_named(world: World) -> None:
    world.federation.get_user_error = StsRequestError("GetUser", "Network", "x")
    world.federation.arn = "arn:aws:iam::123456789012:root"
    with pytest.raises(LoginError, match="Couldn't determine current username"):
        world()
    assert world.signin.calls == []


def test_urls_follow_region_path_and_override(world: World) -> None:
    url = world(ROLE, ready=True, path="ec2/home", federation_url="http://127.0.0.1:1/federation")
    assert url.startswith("http://127.0.0.1:1/federation?Action=login&Issuer=aws-vault&Destination=")
    assert "eu-west-1.console.aws.amazon.com%2Fec2%2Fhome%3Fregion%3Deu-west-1" in url
    assert world.signin.calls[0].federation_url == "http://127.0.0.1:1/federation"


def test_signin_errors_pass_through(world: World) -> None:
    world.signin.fail_with = LoginError("Call to getSigninToken failed with 500 Internal Server Error")
    with pytest.raises(LoginError, match="500"):
        world(ROLE, ready=True)


def test_environment_credentials_and_profile(world: World) -> None:
    assert environment_credentials({}) is None
    env = {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    assert environment_credentials(env) == Credentials("AKIAENV", "s", "t")
    assert environment_credentials({"AWS_ACCESS_KEY": "AKIAOLD", "AWS_SECRET_KEY": "s"}) == Credentials("AKIAOLD", "s")
    with pytest.raises(UsageError, match="AWS_SECRET_ACCESS_KEY"):
        environment_credentials({"AWS_ACCESS_KEY_ID": "AKIAENV"})
    assert world.login.environment_profile(ResolveOptions()).region == "ap-southeast-2"  # from [default]
    assert world.login.environment_profile(ResolveOptions(region="cn-north-1")).region == "cn-north-1"

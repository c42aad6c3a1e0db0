"""In-memory fakes of the ports: deterministic, public state, every call recorded as a dataclass.

``FakeSecretStore``, ``FakeTokenService``, ``FakeMfaPrompt``, ``FakeClock`` and ``FakeConfigSource`` stand in
for the keyring, STS, the MFA prompt, the clock and ``~/.aws/config``, so a plan from
``aws_vault.domain.plan.build_plan`` can run through ``aws_vault.application.pipeline.CredentialPipeline``
offline. Each subclasses its port explicitly (STYLE.md "Ports and fakes"); ``fail_with=`` makes a fake raise.
Standard library and our own core only: importing this module needs no test dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aws_vault.application.ports import (
    AssumeRoleRequest,
    Clock,
    ConfigSource,
    MfaPrompt,
    SecretStore,
    TokenService,
)
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import AwsVaultError, ConfigError, ItemNotFoundError
from aws_vault.domain.items import Item
from aws_vault.domain.plan import StsTarget
from aws_vault.domain.profiles import ConfigFile, Section

__all__ = [
    "ASSUME_ROLE",
    "GET_SESSION_TOKEN",
    "START",
    "WEB_IDENTITY",
    "AddProfileCall",
    "FakeClock",
    "FakeConfigSource",
    "FakeMfaPrompt",
    "FakeSecretStore",
    "FakeTokenService",
    "SecretStoreCall",
    "StsCall",
]

# --- Clock ---------------------------------------------------------------------------------------------------

START = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeClock(Clock):
    """A ``Clock`` that stands still until a test moves it (``advance``, or ``sleep``)."""

    def __init__(self, start: datetime = START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.current = start.astimezone(UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current += delta
        return self.current

    def sleep(self, seconds: float) -> None:
        """Returns at once, with the fake time moved on; ``slept`` records each wait."""
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)


# --- SecretStore ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretStoreCall:
    op: str  # "keys", "get", "set" or "remove"
    key: str = ""


class FakeSecretStore(SecretStore):
    """Items live in ``items`` (key -> Item); every call is appended to ``calls``.

    With ``fail_with`` set, every call is recorded and then raises that error.
    """

    def __init__(self, items: dict[str, Item] | None = None, *, fail_with: AwsVaultError | None = None) -> None:
        self.items: dict[str, Item] = dict(items or {})
        self.calls: list[SecretStoreCall] = []
        self.fail_with = fail_with

    def keys(self) -> list[str]:
        self._record("keys")
        return list(self.items)

    def get(self, key: str) -> Item | None:
        self._record("get", key)
        return self.items.get(key)

    def set(self, item: Item) -> None:
        self._record("set", item.key)
        self.items[item.key] = item

    def remove(self, key: str) -> None:
        self._record("remove", key)
        if key not in self.items:
            raise ItemNotFoundError(key)
        del self.items[key]

    def _record(self, op: str, key: str = "") -> None:
        self.calls.append(SecretStoreCall(op, key))
        if self.fail_with is not None:
            raise self.fail_with


# --- TokenService --------------------------------------------------------------------------------------------

GET_SESSION_TOKEN = "GetSessionToken"
ASSUME_ROLE = "AssumeRole"
WEB_IDENTITY = "AssumeRoleWithWebIdentity"


@dataclass(frozen=True)
class StsCall:
    op: str
    source_key_id: str
    target: StsTarget
    duration: timedelta
    mfa_serial: str = ""
    token_code: str = ""
    role_arn: str = ""
    session_name: str = ""
    external_id: str = ""
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_session_tags: tuple[str, ...] = ()
    source_identity: str = ""


@dataclass
class FakeTokenService(TokenService):
    """A deterministic STS: issues ``ASIAFAKE0001``, ``ASIAFAKE0002``... expiring at ``now + duration``.

    ``now`` comes from ``clock`` (a ``FakeClock`` by default) unless ``now`` is given. With ``fail_with``
    set, each call is recorded and then that error is raised.
    """

    clock: Clock = field(default_factory=FakeClock)
    now: datetime | None = None
    fail_with: BaseException | None = None
    calls: list[StsCall] = field(default_factory=list)
    web_identity_tokens: list[bytes] = field(default_factory=list)

    @property
    def ops(self) -> list[str]:
        return [c.op for c in self.calls]

    def get_session_token(
        self,
        source: Credentials,
        target: StsTarget,
        duration: timedelta,
        mfa_serial: str = "",
        token_code: str = "",
    ) -> Credentials:
        call = StsCall(GET_SESSION_TOKEN, source.access_key_id, target, duration, mfa_serial, token_code)
        return self._issue(call)

    def assume_role(self, source: Credentials, target: StsTarget, request: AssumeRoleRequest) -> Credentials:
        # AssumeRoleRequest's fields are a subset of StsCall's, under the same names.
        call = StsCall(ASSUME_ROLE, source.access_key_id, target, **request._asdict())
        return self._issue(call)

    def assume_role_with_web_identity(
        self, target: StsTarget, role_arn: str, session_name: str, duration: timedelta, token: bytes
    ) -> Credentials:
        self.web_identity_tokens.append(token)
        call = StsCall(WEB_IDENTITY, "", target, duration, role_arn=role_arn, session_name=session_name)
        return self._issue(call)

    def _issue(self, call: StsCall) -> Credentials:
        self.calls.append(call)
        if self.fail_with is not None:
            raise self.fail_with
        n = len(self.calls)
        now = self.now if self.now is not None else self.clock.now()
        return Credentials(f"ASIAFAKE{n:04d}", f"fake-secret-{n}", f"fake-token-{n}", now + call.duration)


# --- MfaPrompt -----------------------------------------------------------------------------------------------


class FakeMfaPrompt(MfaPrompt):
    """Answers with the scripted codes in order; asking once more than scripted fails the test."""

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.asked: list[tuple[str, str]] = []

    def ask(self, mfa_serial: str, profile: str) -> str:
        self.asked.append((mfa_serial, profile))
        if not self.codes:
            raise AssertionError(f"MFA prompt asked more often than scripted: {self.asked}")
        return self.codes.pop(0)


# --- ConfigSource --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddProfileCall:
    name: str
    values: dict[str, str] = field(default_factory=dict)


class FakeConfigSource(ConfigSource):
    """Holds a ``ConfigFile``; ``add_profile`` appends a section as the real adapter does.

    ``fail_with`` makes every call raise that error (e.g. a ``ConfigSyntaxError``). A name with surrounding
    spaces or quotes, or a line break, does not read back as itself: ``check_profile_name`` refuses it, like
    the file.
    """

    def __init__(
        self,
        config: ConfigFile | None = None,
        *,
        path: str = "/fake/.aws/config",
        fail_with: AwsVaultError | None = None,
    ) -> None:
        self._path = path
        self.config = config if config is not None else ConfigFile(path=path)
        self.fail_with = fail_with
        self.calls: list[AddProfileCall] = []
        self.loads = 0

    @property
    def path(self) -> str:
        return self._path

    def load(self) -> ConfigFile:
        self.loads += 1
        if self.fail_with is not None:
            raise self.fail_with
        return self.config

    def check_profile_name(self, name: str) -> None:
        quoted = len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'"  # the file strips such quotes
        if not name or name != name.strip() or quoted or "\r" in name or "\n" in name:
            raise ConfigError(f"cannot add profile {name!r} to the config: the name would not read back as itself")

    def add_profile(self, name: str, values: dict[str, str] | None = None) -> None:
        kept = {k: v for k, v in (values or {}).items() if v}
        self.calls.append(AddProfileCall(name, kept))
        if self.fail_with is not None:
            raise self.fail_with
        self.check_profile_name(name)
        if self.config.section(name) is not None:
            return
        line = max((s.line for s in (*self.config.profiles, *self.config.sso_sessions)), default=0) + 1
        section = Section(name=name, values=kept, line=line)
        self.config = self.config._replace(profiles=(*self.config.profiles, section))

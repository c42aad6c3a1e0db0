"""FakeFederationService and FakeConsoleSignin: ``login``'s AWS calls and the sign-in endpoint, recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from aws_vault.application.ports import Clock, ConsoleSignin, FederationService
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import StsRequestError
from aws_vault.domain.plan import StsTarget
from tests.fakes.clock import FakeClock

USER_ARN = "arn:aws:iam::123456789012:user/fake-user"


@dataclass(frozen=True)
class FederationCall:
    op: str  # GetCallerIdentity, GetUser, GetFederationToken
    source_key_id: str
    target: StsTarget
    name: str = ""
    policy: str = ""
    duration: timedelta | None = None


@dataclass
class FakeFederationService(FederationService):
    """The caller is ``arn``; GetUser answers ``user`` (or raises ``get_user_error``); federation tokens are
    ``ASIAFED0001``... expiring at ``now + duration``. ``fail_with`` makes every call raise after recording."""

    clock: Clock = field(default_factory=FakeClock)
    arn: str = USER_ARN
    user: str = "fake-user"
    get_user_error: BaseException | None = None
    fail_with: BaseException | None = None
    calls: list[FederationCall] = field(default_factory=list)

    @property
    def ops(self) -> list[str]:
        return [c.op for c in self.calls]

    def _record(self, call: FederationCall) -> None:
        self.calls.append(call)
        if self.fail_with is not None:
            raise self.fail_with

    def caller_arn(self, source: Credentials, target: StsTarget) -> str:
        self._record(FederationCall("GetCallerIdentity", source.access_key_id, target))
        return self.arn

    def user_name(self, source: Credentials, target: StsTarget) -> str:
        self._record(FederationCall("GetUser", source.access_key_id, target))
        if self.get_user_error is not None:
            raise self.get_user_error
        return self.user

    def federation_token(
        self, source: Credentials, target: StsTarget, name: str, policy: str, duration: timedelta
    ) -> Credentials:
        self._record(FederationCall("GetFederationToken", source.access_key_id, target, name, policy, duration))
        n = sum(c.op == "GetFederationToken" for c in self.calls)
        return Credentials(f"ASIAFED{n:04d}", f"fed-secret-{n}", f"fed-token-{n}", self.clock.now() + duration)


def access_denied(user_path: str = "fake-user") -> StsRequestError:
    message = f"User: arn:aws:iam::123456789012:user/{user_path} is not authorized to perform: iam:GetUser"
    return StsRequestError("GetUser", "AccessDenied", message)


@dataclass(frozen=True)
class SigninCall:
    federation_url: str
    session: Credentials


@dataclass
class FakeConsoleSignin(ConsoleSignin):
    token: str = "tok"
    fail_with: BaseException | None = None
    calls: list[SigninCall] = field(default_factory=list)

    def signin_token(self, federation_url: str, session: Credentials) -> str:
        self.calls.append(SigninCall(federation_url, session))
        if self.fail_with is not None:
            raise self.fail_with
        return self.token

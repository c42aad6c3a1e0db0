"""FakeTokenService: a deterministic STS that records every call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_vault.application.ports import AssumeRoleRequest, Clock, TokenService
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.plan import StsTarget
from tests.fakes.clock import FakeClock

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
    """Issues ``ASIAFAKE0001``, ``ASIAFAKE0002``... expiring at ``now + duration``.

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

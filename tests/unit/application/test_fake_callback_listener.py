"""The ``CallbackListener`` contract against ``FakeCallbackListener`` (the real one: tests/integration)."""

from __future__ import annotations

from aws_vault.application.ports import CallbackListener, OAuthRedirect
from tests.contracts.callback_listener_contract import CallbackListenerContract
from tests.fakes.sso import FakeCallbackListener, FakeRedirect


class TestFakeCallbackListenerContract(CallbackListenerContract):
    def make_listener(self) -> CallbackListener:
        return FakeCallbackListener()

    def request(self, redirect: OAuthRedirect, url: str) -> int:
        assert isinstance(redirect, FakeRedirect)
        return redirect.call(url)

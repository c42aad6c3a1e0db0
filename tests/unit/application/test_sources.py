"""Web identity, credential_process and mfa_process through the pipeline, with fakes of every port."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.sources import CredentialProcessSource, WebIdentitySource
from aws_vault.domain.credential_process import GUARD_VARIABLE, CredentialProcessError, running_profiles
from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.errors import MfaError
from aws_vault.domain.items import credential_item
from aws_vault.domain.plan import AssumeRoleWithWebIdentity, CredentialProcess, build_plan
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.domain.sessions import SessionKey
from tests.fakes.clock import FakeClock
from tests.fakes.commands import FakeCommands
from tests.fakes.prompts import FakeMfaPrompt
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

LONG_TERM = b'{"Version": 1, "AccessKeyId": "AKIACP", "SecretAccessKey": "cp-secret"}'
EXPIRING = b'{"Version": 1, "AccessKeyId": "ASIACP", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2030-01-01T00:00:00Z"}'


class World:
    def __init__(self, sections: dict[str, dict[str, str]], env: dict[str, str] | None = None) -> None:
        self.config = ConfigFile("config", tuple(Section(n, v) for n, v in sections.items()))
        self.clock = FakeClock()
        self.store = FakeSecretStore()
        self.sts = FakeTokenService(clock=self.clock)
        self.commands = FakeCommands()
        self.prompt = FakeMfaPrompt()
        bus = EventBus()
        sources = {
            AssumeRoleWithWebIdentity: WebIdentitySource(self.sts, self.commands, self.clock),
            CredentialProcess: CredentialProcessSource(self.commands, env or {}),
        }
        self.pipeline = CredentialPipeline(
            self.store, self.sts, self.prompt, self.clock, bus, SessionCache(self.store, self.clock, bus, timedelta(minutes=5)),
            sources=sources, commands=self.commands,
        )

    def run(self, profile: str) -> Credentials:
        stored = {k for k in self.store.keys() if SessionKey.parse(k) is None}
        return self.pipeline.run(build_plan(resolve_profile(self.config, profile, stored=stored), stored))


def test_credential_process_long_term_keys_are_used_and_not_cached() -> None:
    w = World({"cp": {"credential_process": "get-creds"}})
    w.commands.outputs["get-creds"] = LONG_TERM
    assert w.run("cp").access_key_id == "AKIACP"
    assert w.run("cp").access_key_id == "AKIACP"
    assert [c.command for c in w.commands.calls] == ["get-creds", "get-creds"]
    assert w.store.items == {}


def test_credential_process_expiring_output_is_cached() -> None:
    w = World({"cp": {"credential_process": "get-creds"}})
    w.commands.outputs["get-creds"] = EXPIRING
    w.run("cp")
    w.run("cp")
    assert len(w.commands.calls) == 1
    [key] = [SessionKey.parse(k) for k in w.store.items]
    assert key is not None and (key.type, key.profile, key.mfa_serial) == ("credential_process", "cp", "")


def test_credential_process_child_learns_which_profiles_are_running() -> None:
    w = World({"cp": {"credential_process": "get-creds"}}, env={GUARD_VARIABLE: "outer"})
    w.commands.outputs["get-creds"] = LONG_TERM
    w.run("cp")
    assert w.commands.calls[0].extra_env == {GUARD_VARIABLE: '["outer","cp"]'}


def test_the_running_profiles_survive_a_comma_in_a_name() -> None:
    w = World({"a,b": {"credential_process": "get-creds"}}, env={GUARD_VARIABLE: '["outer"]'})
    w.commands.outputs["get-creds"] = LONG_TERM
    w.run("a,b")
    assert running_profiles(w.commands.calls[0].extra_env) == ["outer", "a,b"]
    # The child for "a,b" refuses to recurse into "a,b", and does not take "a" or "b" for running.
    assert running_profiles({GUARD_VARIABLE: '["outer","a,b"]'}) == ["outer", "a,b"]
    assert running_profiles({GUARD_VARIABLE: "outer,cp"}) == ["outer", "cp"]  # as earlier versions wrote it
    assert running_profiles({GUARD_VARIABLE: "[x,y"}) == ["[x", "y"]  # not JSON: the comma form


def test_credential_process_calling_itself_stops_instead_of_recursing() -> None:
    w = World({"cp": {"credential_process": "aws-vault export --format=json cp"}}, env={GUARD_VARIABLE: "cp"})
    with pytest.raises(CredentialProcessError, match="calls aws-vault for the same profile"):
        w.run("cp")
    assert w.commands.calls == []


def test_a_role_on_top_of_a_credential_process_source() -> None:
    w = World({
        "base": {"credential_process": "get-creds"},
        "role": {"source_profile": "base", "role_arn": "arn:aws:iam::1:role/r"},
    })
    w.commands.outputs["get-creds"] = LONG_TERM
    assert w.run("role").access_key_id == "ASIAFAKE0001"
    assert [(c.op, c.source_key_id) for c in w.sts.calls] == [("AssumeRole", "AKIACP")]


def test_web_identity_uses_the_raw_file_token_and_is_cached() -> None:
    w = World({"wi": {"role_arn": "arn:aws:iam::1:role/wi", "web_identity_token_file": "/var/token",
                      "role_session_name": "ci"}})
    w.commands.files["/var/token"] = b"eyJraWQiOi...\n"
    w.run("wi")
    w.run("wi")
    assert w.sts.ops == ["AssumeRoleWithWebIdentity"]
    assert w.sts.web_identity_tokens == [b"eyJraWQiOi...\n"]  # not trimmed, as aws-vault
    assert (w.sts.calls[0].role_arn, w.sts.calls[0].session_name) == ("arn:aws:iam::1:role/wi", "ci")


def test_web_identity_token_process_and_default_session_name() -> None:
    w = World({"wi": {"role_arn": "arn:aws:iam::1:role/wi", "web_identity_token_process": "oidccli raw"}})
    w.commands.outputs["oidccli raw"] = b"token-from-process"
    w.run("wi")
    assert w.sts.web_identity_tokens == [b"token-from-process"]
    assert w.sts.calls[0].session_name == str(int(w.clock.now().timestamp()) * 10**9)


def test_unreadable_token_file_names_the_path() -> None:
    w = World({"wi": {"role_arn": "arn:aws:iam::1:role/wi", "web_identity_token_file": "/nope"}})
    with pytest.raises(Exception, match="unable to read file at /nope"):
        w.run("wi")


def test_mfa_process_supplies_the_code_trimmed() -> None:
    w = World({"u": {"mfa_serial": "arn:aws:iam::1:mfa/u", "mfa_process": "ykman oath code"}})
    w.store.set(credential_item("u", master_to_json(Credentials("AKIAU", "s"))))
    w.commands.outputs["ykman oath code"] = b"  123456\n"
    w.run("u")
    assert w.sts.calls[0].token_code == "123456"
    assert w.prompt.asked == []
    assert w.commands.calls[0].interactive  # it may talk to the user on the TTY


def test_failing_mfa_process_is_a_process_provider_error() -> None:
    w = World({"u": {"mfa_serial": "arn:aws:iam::1:mfa/u", "mfa_process": "broken"}})
    w.store.set(credential_item("u", master_to_json(Credentials("AKIAU", "s"))))
    with pytest.raises(MfaError, match=r'^process provider: running command "broken": exit status 127$'):
        w.run("u")

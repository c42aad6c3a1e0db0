"""Redaction, as a property (issue 12, "Proof"): whatever the credentials, no secret reaches a log, an event or
an error.

For random valid-looking credentials (hypothesis, a few examples: each runs some forty processes), the
installed CLI stores them with ``add --env`` and then runs every command with ``--debug`` against the moto
server: ``list`` in every form, ``plan``, ``check-config``, ``exec`` (a child, and ``--json``), ``export`` in
every ``--format``, ``login --stdout`` (``AWS_ENDPOINT_URL_SIGNIN`` at ``tests/fake_federation_server.py``),
``rotate --no-session``, ``clear``, ``remove``; and again with failures induced: a wrong MFA code (the fault
proxy answers STS's AccessDenied), an unreachable endpoint, throttling, a missing profile, a wrong file
passphrase. The library (``aws_vault.Vault``) does the same in-process with a subscriber that ``repr``\\ s
every event.

The secrets: the stored secret access keys (the random ones, and the moto key that ``rotate`` replaces, old
and new), the file passphrase, and every session secret key and token that any command handed out.

- No secret appears on any stderr (the ``--debug`` log, warnings, errors, tracebacks), in any event, or in
  any error's message (the whole ``__cause__``/``__context__`` chain).
- stdout: ``export``/``exec --json``/a child legitimately print session credentials; no stdout holds a
  long-term secret key except ``export --no-session`` (and a child run with ``exec --no-session``).
"""

from __future__ import annotations

import re
import string
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aws_vault import Vault as AwsVault
from aws_vault.errors import AwsVaultError
from aws_vault.events import Event
from tests.e2e.conftest import ACCOUNT, ENV_REPORT, MFA_CODE, PASSPHRASE, PYTHON, Vault
from tests.fake_federation_server import FakeFederationServer
from tests.fault_proxy import THROTTLE, FaultProxy, sts_error
from tests.moto_server import MotoServer

pytestmark = pytest.mark.e2e

MFA = f"arn:aws:iam::{ACCOUNT}:mfa/redaction"
DEAD = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
WRONG_MFA = sts_error(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
CONFIG = f"""[profile plain]
region = us-east-1

[profile mfa]
region = us-east-1
mfa_serial = {MFA}

[profile role]
source_profile = mfa
role_arn = arn:aws:iam::{ACCOUNT}:role/redaction
mfa_serial = {MFA}
region = us-east-1

[profile plain-role]
source_profile = plain
role_arn = arn:aws:iam::{ACCOUNT}:role/redaction-plain
region = us-east-1

[profile rot]
region = us-east-1
"""

# A secret key or session token as the outputs spell them: env lines, ini, JSON, the child's report.
_HANDED_OUT = re.compile(
    r"""(?<![\w.])["']?(?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws_secret_access_key|aws_session_token|"""
    r"""SecretAccessKey|SessionToken)["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{16,})"""
)

_key_ids = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16).map("AKIA".__add__)
_secrets = st.text(string.ascii_letters + string.digits + "/+", min_size=40, max_size=40)


@dataclass
class Run:
    argv: tuple[str, ...]
    stdout: str
    stderr: str
    returncode: int


@dataclass
class Transcript:
    """Everything the CLI and the library said, and every secret involved."""

    runs: list[Run] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)  # Vault.plan's answers
    errors: list[BaseException] = field(default_factory=list)
    long_term: set[str] = field(default_factory=set)
    session_secrets: set[str] = field(default_factory=set)  # from the library's answers
    others: set[str] = field(default_factory=set)  # the passphrase: never anywhere

    def run(self, vault: Vault, *args: str, env: Mapping[str, str | None] | None = None, ok: bool = True) -> Run:
        done = vault.run(*args, env=env)
        run = Run(tuple(args), done.stdout, done.stderr, done.returncode)
        self.runs.append(run)
        if ok:
            assert done.returncode == 0, f"aws-vault {' '.join(args)} failed ({done.returncode}):\n{done.stderr}"
        else:
            assert done.returncode != 0, f"aws-vault {' '.join(args)} should have failed:\n{done.stdout}"
            assert "aws-vault: error:" in done.stderr, done.stderr
        return run

    def handed_out(self) -> set[str]:
        """Session secrets and tokens printed by export/exec --json/children, and any long-term secret seen."""
        return {m.group(1) for run in self.runs if run.argv[:1] in (("export",), ("exec",))
                for m in _HANDED_OUT.finditer(run.stdout)}  # fmt: skip

    def library(self, vault: AwsVault, call: Any) -> Any:
        """``call(vault)`` through the library; an ``AwsVaultError`` is kept for checking, not raised."""
        try:
            result = call(vault)
        except AwsVaultError as e:
            self.errors.append(e)
            return None
        self.session_secrets.update({result.secret_access_key, result.session_token} - {""})
        return result


def _error_texts(error: BaseException) -> Iterator[str]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield from (str(a) for a in current.args)
        current = current.__cause__ or current.__context__


def _found(secrets: set[str], text: str) -> list[str]:
    return sorted(s for s in secrets if s and s in text)


# --- the CLI ------------------------------------------------------------------------------------------------------


def _cli(vault: Vault, t: Transcript, federation: FakeFederationServer) -> None:
    env = {"AWS_ENDPOINT_URL_SIGNIN": federation.base_url}
    debug = "--debug"
    for args in (
        ("list",), ("list", "--sessions"), ("list", "--credentials"), ("list", "--profiles"), ("list", "--show-age"),
        ("plan", "role"), ("plan", "--format", "json", "plain-role"), ("check-config",),
        ("exec", "--json", "plain"), ("exec", "--json", "--mfa-token", MFA_CODE, "role"), ("exec", "--json", "plain-role"),
        *(("export", "--format", fmt, "--mfa-token", MFA_CODE, "role") for fmt in ("env", "export-env", "json", "ini")),
        ("export", "plain"), ("export", "--format", "json", "--no-session", "plain"),
        ("export", "--format", "ini", "--no-session", "mfa"),
        ("exec", "plain", "--", PYTHON, "-c", ENV_REPORT), ("exec", "--no-session", "plain", "--", PYTHON, "-c", ENV_REPORT),
        ("exec", "--mfa-token", MFA_CODE, "role", "--", PYTHON, "-c", ENV_REPORT),
        ("login", "--stdout", "plain"), ("login", "--stdout", "--mfa-token", MFA_CODE, "role"),
        ("list", "--sessions"), ("plan", "role"),
        ("rotate", "--no-session", "rot"),
        ("export", "--format", "json", "--no-session", "rot"),  # the new key, to know its secret
    ):  # fmt: skip
        t.run(vault, args[0], debug, *args[1:], env=env)

    # Failures, with a cold cache.
    t.run(vault, "clear", debug)
    with FaultProxy(vault.moto.url) as proxy:
        proxy.script(WRONG_MFA, WRONG_MFA)
        via_proxy = {"AWS_ENDPOINT_URL": proxy.url, "AWS_MAX_ATTEMPTS": "1"}
        t.run(vault, "export", debug, "--mfa-token", "000000", "mfa", env=via_proxy, ok=False)
        t.run(vault, "exec", debug, "--json", "--mfa-token", "000000", "role", env=via_proxy, ok=False)
        proxy.script(THROTTLE, "500")
        t.run(vault, "export", debug, "plain", env=via_proxy, ok=False)
        t.run(vault, "exec", debug, "--json", "plain-role", env=via_proxy, ok=False)
    for args in (
        ("export", "--mfa-token", MFA_CODE, "role"), ("exec", "--json", "plain-role"), ("login", "--stdout", "plain"),
        ("rotate", "--no-session", "rot"),
    ):  # fmt: skip
        t.run(vault, args[0], debug, *args[1:], env={**DEAD, **env}, ok=False)
    for args in (("export", "nosuch"), ("exec", "--json", "nosuch"), ("login", "--stdout", "nosuch"),
                 ("plan", "nosuch"), ("remove", "--force", "nosuch")):  # fmt: skip
        t.run(vault, args[0], debug, *args[1:], ok=False)
    t.run(vault, "export", debug, "plain", env={"AWS_VAULT_FILE_PASSPHRASE": "not-the-passphrase"}, ok=False)


def _cli_cleanup(vault: Vault, t: Transcript) -> None:
    t.run(vault, "exec", "--debug", "--json", "plain")  # a session again, for clear to find
    t.run(vault, "clear", "--debug", "plain")
    for profile in ("plain", "mfa", "rot"):
        t.run(vault, "remove", "--debug", "--force", profile)
    t.run(vault, "list", "--debug")


# --- the library --------------------------------------------------------------------------------------------------


def _library(vault: Vault, t: Transcript, proxy: FaultProxy) -> None:
    def vault_for(**overrides: str) -> AwsVault:
        lib = AwsVault.from_env({**vault.env, **overrides}, mfa_prompt=lambda serial: MFA_CODE)
        lib.subscribe(t.events.append)
        return lib

    lib = vault_for()
    for profile in ("plain", "mfa", "role", "plain-role", "role"):
        t.library(lib, lambda v, p=profile: v.credentials(p))
    t.library(lib, lambda v: v.role_credentials("plain", f"arn:aws:iam::{ACCOUNT}:role/redaction-direct"))
    t.plans.append(lib.plan("role"))
    # Failures: a missing profile, an unreachable endpoint, a wrong MFA code (a cached session is not
    # enough for a 30h minimum TTL, so each call goes to STS).
    t.library(lib, lambda v: v.credentials("nosuch"))
    t.library(vault_for(**DEAD), lambda v: v.credentials("plain-role", min_ttl=timedelta(hours=30)))
    proxy.script(WRONG_MFA)
    t.library(vault_for(AWS_ENDPOINT_URL=proxy.url, AWS_MAX_ATTEMPTS="1"),
              lambda v: v.credentials("mfa", min_ttl=timedelta(hours=30)))  # fmt: skip
    t.library(vault_for(AWS_VAULT_FILE_PASSPHRASE="not-the-passphrase"), lambda v: v.credentials("plain"))
    assert len(t.errors) == 4, [str(e) for e in t.errors]


# --- the property -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def federation() -> Iterator[FakeFederationServer]:
    with FakeFederationServer() as server:
        yield server


# No shrinking: an example runs ~40 processes, and a failure names its secret and command anyway.
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(plain=st.tuples(_key_ids, _secrets), mfa=st.tuples(_key_ids, _secrets))
def test_no_secret_in_any_log_event_or_error(
    moto: MotoServer, iam: Any, federation: FakeFederationServer,
    plain: tuple[str, str], mfa: tuple[str, str],
) -> None:  # fmt: skip
    t = Transcript()
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault(Path(tmp), moto, iam)
        vault.config.write_text(CONFIG)
        rot = vault.iam_key()
        for profile, (key_id, secret) in (("plain", plain), ("mfa", mfa), ("rot", (rot["AccessKeyId"], rot["SecretAccessKey"]))):
            t.run(vault, "add", "--debug", "--env", profile,
                  env={"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret})  # fmt: skip
            t.long_term.add(secret)
        t.others.add(PASSPHRASE)

        _cli(vault, t, federation)
        with FaultProxy(moto.url) as proxy:
            _library(vault, t, proxy)
        _cli_cleanup(vault, t)

    # The rotated key's new secret was printed by `export --no-session rot`: long-term too.
    t.long_term |= {m.group(1) for run in t.runs if run.argv[:1] == ("export",) and "--no-session" in run.argv
                    for m in _HANDED_OUT.finditer(run.stdout)} - {""}  # fmt: skip
    assert plain[1] in t.long_term and mfa[1] in t.long_term and rot["SecretAccessKey"] in t.long_term
    sessions = (t.handed_out() | t.session_secrets) - t.long_term
    assert sessions, "no session credentials were handed out: the test checks nothing"
    every = t.long_term | sessions | t.others

    for run in t.runs:
        where = f"aws-vault {' '.join(run.argv)}"
        assert not _found(every, run.stderr), f"{where}: a secret on stderr: {_found(every, run.stderr)}"
        long_term_allowed = run.argv[:1] in (("export",), ("exec",)) and "--no-session" in run.argv
        if not long_term_allowed:
            assert not _found(t.long_term, run.stdout), f"{where}: a long-term secret on stdout"
        assert not _found(t.others, run.stdout), f"{where}: the passphrase on stdout"
        if run.argv[:1] in (("list",), ("plan",), ("check-config",), ("clear",), ("remove",), ("rotate",), ("add",)):
            assert not _found(every, run.stdout), f"{where}: a secret on stdout"
        if run.argv[:1] == ("login",):
            assert not _found(every, run.stdout), f"{where}: a secret in the sign-in URL"
    assert t.events, "the library published no event"
    for event in t.events:
        text = f"{event!r} {event}"
        assert not _found(every, text), f"a secret in an event: {type(event).__name__}"
    for plan in t.plans:
        assert not _found(every, repr(plan)), "a secret in Vault.plan's answer"
    for error in t.errors:
        for text in _error_texts(error):
            assert not _found(every, text), f"a secret in an error: {type(error).__name__}: {error}"

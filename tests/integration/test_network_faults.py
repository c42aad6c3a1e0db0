"""Network faults (issue 12): bounded timeouts, botocore's retry modes, one clear line, nothing cached.

Every request goes through ``tests/fault_proxy.py`` on 127.0.0.1, which forwards to the moto server or
answers with a scripted fault (throttling, HTTP 500, a reset, silence). The adapter tests drive the real
``Boto3TokenService`` (and the IAM and SSO-OIDC clients); the CLI tests run the installed ``aws-vault``
in a subprocess with the file backend, a config and a home under ``tmp_path``. Only loopback traffic.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from aws_vault.adapters.botocore_calls import NetworkLimits
from aws_vault.adapters.sso.boto3_sso import Boto3SsoOidc
from aws_vault.adapters.sts.boto3_federation_service import Boto3FederationService
from aws_vault.adapters.sts.boto3_token_service import Boto3TokenService
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import SsoRequestError, StsRequestError, UsageError
from aws_vault.domain.plan import SsoTarget, StsTarget
from tests.fault_proxy import FaultProxy, Reply, sts_error
from tests.moto_server import MotoServer

pytestmark = pytest.mark.integration

AWS_VAULT = str(Path(sys.prefix) / "bin" / "aws-vault")
SOURCE = Credentials("AKIASOURCEKEY0000001", "source-secret-DO-NOT-PRINT")
HOUR = timedelta(hours=1)
MOTO_SESSION_KEY = "AKIAIOSFODNN7EXAMPLE"  # moto's GetSessionToken always returns this key
INTERNAL_FAILURE = "InternalFailure: An internal error occurred."
EXPIRED = "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)"
CLOCK_HINT = "the system clock looks wrong, check this machine's date and time"


@pytest.fixture
def proxy(moto_requests: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_requests.url) as p:
        yield p


def _sts(proxy: FaultProxy, **env: str) -> tuple[Boto3TokenService, StsTarget]:
    return Boto3TokenService(env=env), StsTarget("eu-west-1", endpoint_url=proxy.url)


def _no_secret(text: str) -> None:
    assert SOURCE.secret_access_key not in text


def _session_tokens(moto: MotoServer) -> int:
    return sum(r.get("Action") == "GetSessionToken" for r in moto.requests())


# --- limits from the environment -------------------------------------------------------------------


def test_the_defaults_fail_a_dead_endpoint_within_about_15_seconds() -> None:
    limits = NetworkLimits.from_env({})
    assert limits == NetworkLimits(connect_timeout=5.0, read_timeout=5.0, retry_mode="standard", max_attempts=3)
    assert limits.max_attempts * max(limits.connect_timeout, limits.read_timeout) <= 15


def test_the_client_gets_the_limits_from_the_adapters_environment() -> None:
    env = {
        "AWS_VAULT_CONNECT_TIMEOUT": "2s",
        "AWS_VAULT_READ_TIMEOUT": "1m30s",
        "AWS_RETRY_MODE": "Adaptive",
        "AWS_MAX_ATTEMPTS": "7",
    }
    sts = Boto3TokenService(env=env)
    config = sts._client(SOURCE, StsTarget("eu-west-1")).meta.config
    assert (config.connect_timeout, config.read_timeout) == (2.0, 90.0)
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 7}


def test_the_default_client_config_is_bounded() -> None:
    config = Boto3TokenService(env={})._client(SOURCE, StsTarget("eu-west-1")).meta.config
    assert (config.connect_timeout, config.read_timeout) == (5.0, 5.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "AWS_VAULT_READ_TIMEOUT",
            "5",
            'AWS_VAULT_READ_TIMEOUT: invalid duration "5" (use a unit, e.g. 1h, 90m, 3600s)',
        ),
        ("AWS_VAULT_CONNECT_TIMEOUT", "soon", 'AWS_VAULT_CONNECT_TIMEOUT: invalid duration "soon"'),
        ("AWS_VAULT_CONNECT_TIMEOUT", "0s", "AWS_VAULT_CONNECT_TIMEOUT must be longer than 0s, got '0s'"),
        ("AWS_RETRY_MODE", "fast", "AWS_RETRY_MODE must be one of legacy, standard, adaptive, got 'fast'"),
        ("AWS_MAX_ATTEMPTS", "0", "AWS_MAX_ATTEMPTS must be a whole number of at least 1, got '0'"),
        ("AWS_MAX_ATTEMPTS", "three", "AWS_MAX_ATTEMPTS must be a whole number of at least 1, got 'three'"),
    ],
)
def test_a_bad_value_is_a_usage_error(name: str, value: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        Boto3TokenService(env={name: value})
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


# --- retried faults succeed ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["throttle", "500", "reset"])
@pytest.mark.parametrize("mode", ["standard", "legacy", "adaptive"])
def test_a_transient_fault_is_retried(proxy: FaultProxy, moto_requests: MotoServer, fault: str, mode: str) -> None:
    sts, target = _sts(proxy, AWS_RETRY_MODE=mode)
    proxy.script(fault)

    creds = sts.get_session_token(SOURCE, target, HOUR)

    assert creds.access_key_id == MOTO_SESSION_KEY
    assert proxy.faults() == [fault, "pass"]
    assert _session_tokens(moto_requests) == 1


# --- faults that outlast the attempts: one line ----------------------------------------------------


@pytest.mark.parametrize(("mode", "attempts"), [("standard", 3), ("legacy", 2), ("adaptive", 4)])
def test_always_500_fails_after_max_attempts(proxy: FaultProxy, mode: str, attempts: int) -> None:
    sts, target = _sts(proxy, AWS_RETRY_MODE=mode, AWS_MAX_ATTEMPTS=str(attempts))
    proxy.default = "500"

    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(SOURCE, target, HOUR)

    assert str(caught.value) == f"GetSessionToken: {INTERNAL_FAILURE} (HTTP 500, tried {attempts} times)"
    assert proxy.faults() == ["500"] * attempts


def test_only_the_adapters_environment_counts(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore's session would read these from os.environ; the explicit Config wins.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    sts, target = _sts(proxy, AWS_MAX_ATTEMPTS="2")
    proxy.default = "500"

    with pytest.raises(StsRequestError):
        sts.get_session_token(SOURCE, target, HOUR)

    assert proxy.faults() == ["500", "500"]


def test_throttled_every_time(proxy: FaultProxy) -> None:
    sts, target = _sts(proxy, AWS_MAX_ATTEMPTS="2")
    proxy.default = "throttle"

    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(SOURCE, target, HOUR)

    assert str(caught.value) == "GetSessionToken: Throttling: throttled by STS (tried 2 times)"
    assert caught.value.code == "Throttling"
    assert proxy.faults() == ["throttle", "throttle"]


def test_reset_every_time(proxy: FaultProxy) -> None:
    sts, target = _sts(proxy)
    proxy.default = "reset"

    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(SOURCE, target, HOUR)

    assert str(caught.value) == (
        f"GetSessionToken: Network: the endpoint {proxy.url} closed the connection without answering (tried 3 times)"
    )
    assert proxy.faults() == ["reset"] * 3


def test_silence_fails_within_the_bound(proxy: FaultProxy) -> None:
    sts, target = _sts(proxy, AWS_VAULT_READ_TIMEOUT="1s", AWS_MAX_ATTEMPTS="2")
    proxy.default = "silence"

    started = time.monotonic()
    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(SOURCE, target, HOUR)
    elapsed = time.monotonic() - started

    assert 2 <= elapsed < 5
    assert str(caught.value) == f"GetSessionToken: Network: no answer from {proxy.url} within 1s (tried 2 times)"
    assert proxy.faults() == ["silence", "silence"]


def test_a_connection_nobody_accepts_times_out() -> None:
    # A full accept queue: Linux drops the SYN, as for a black-holed address (loopback only).
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.connect(listener.getsockname())
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        sts = Boto3TokenService(env={"AWS_VAULT_CONNECT_TIMEOUT": "300ms", "AWS_MAX_ATTEMPTS": "2"})

        started = time.monotonic()
        with pytest.raises(StsRequestError) as caught:
            sts.get_session_token(SOURCE, StsTarget("eu-west-1", endpoint_url=url), HOUR)

    assert time.monotonic() - started < 3
    assert str(caught.value) == f"GetSessionToken: Network: could not connect to {url} within 0.3s (tried 2 times)"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("SignatureDoesNotMatch", EXPIRED),
        ("InvalidSignatureException", "Signature not yet current: 20300101T000000Z is still later than 20240101T0000Z"),
        ("RequestExpired", "Request has expired."),
    ],
)
def test_a_time_related_signature_error_blames_the_clock(proxy: FaultProxy, code: str, message: str) -> None:
    sts, target = _sts(proxy)
    proxy.script(sts_error(403, code, message))

    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(SOURCE, target, HOUR)

    assert str(caught.value) == f"GetSessionToken: {code}: {CLOCK_HINT} (AWS said: {message})"
    assert proxy.faults() == ["reply 403"]  # not retried


def test_a_wrong_secret_is_not_blamed_on_the_clock(proxy: FaultProxy) -> None:
    sts, target = _sts(proxy)
    wrong_key = "The request signature we calculated does not match the signature you provided."
    proxy.script(sts_error(403, "SignatureDoesNotMatch", wrong_key))

    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(SOURCE, target, HOUR)

    assert str(caught.value) == f"GetSessionToken: SignatureDoesNotMatch: {wrong_key}"


def test_a_secret_echoed_by_the_endpoint_is_scrubbed(proxy: FaultProxy) -> None:
    sts, target = _sts(proxy, AWS_MAX_ATTEMPTS="1")
    proxy.script(sts_error(500, "InternalFailure", f"oops {SOURCE.secret_access_key}"))

    with pytest.raises(StsRequestError) as caught:
        sts.get_session_token(SOURCE, target, HOUR)

    assert str(caught.value) == "GetSessionToken: InternalFailure: oops **** (HTTP 500)"


def test_iam_calls_are_bounded_too(proxy: FaultProxy) -> None:
    env = {"AWS_ENDPOINT_URL_IAM": proxy.url, "AWS_VAULT_READ_TIMEOUT": "1s", "AWS_MAX_ATTEMPTS": "2"}
    proxy.default = "silence"

    with pytest.raises(StsRequestError) as caught:
        Boto3FederationService(env=env).user_name(SOURCE, StsTarget("eu-west-1"))

    assert str(caught.value) == f"GetUser: Network: no answer from {proxy.url} within 1s (tried 2 times)"
    assert len(proxy.faults()) == 2


def test_sso_calls_are_bounded_too(proxy: FaultProxy) -> None:
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": proxy.url, "AWS_VAULT_READ_TIMEOUT": "1s", "AWS_MAX_ATTEMPTS": "2"}
    proxy.default = "silence"

    with pytest.raises(SsoRequestError) as caught:
        Boto3SsoOidc(env=env).register_client(SsoTarget("eu-west-1"), "aws-vault", ())

    assert str(caught.value) == f"RegisterClient: Network: no answer from {proxy.url} within 1s (tried 2 times)"
    assert len(proxy.faults()) == 2


def test_a_throttled_sso_call_says_so(proxy: FaultProxy) -> None:
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": proxy.url, "AWS_MAX_ATTEMPTS": "2"}
    too_many = Reply(429, b'{"error": "TooManyRequestsException"}', "application/json")
    proxy.default = too_many

    with pytest.raises(SsoRequestError) as caught:
        Boto3SsoOidc(env=env).register_client(SsoTarget("eu-west-1"), "aws-vault", ())

    assert str(caught.value).endswith(": throttled by SSO OIDC (tried 2 times)")
    assert proxy.faults() == ["reply 429", "reply 429"]


# --- the CLI: one line, nothing cached --------------------------------------------------------------


class Cli:
    """The installed ``aws-vault`` with a file store, a config and a home under ``tmp_path``."""

    def __init__(self, root: Path, endpoint: str) -> None:
        (root / "home").mkdir()
        self.keys = root / "keys"
        (root / "config").write_text("[profile work]\nregion = eu-west-1\n")
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env = {
            **base,
            "HOME": str(root / "home"),
            "AWS_CONFIG_FILE": str(root / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / "no-such-credentials-file"),
            "AWS_VAULT_BACKEND": "file",
            "AWS_VAULT_FILE_DIR": str(self.keys),
            "AWS_VAULT_FILE_PASSPHRASE": "faults-passphrase",
            "AWS_ENDPOINT_URL": endpoint,
        }

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [AWS_VAULT, *args],
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            start_new_session=True,
        )

    def sessions(self) -> list[str]:
        return sorted(p.name for p in self.keys.iterdir() if p.name.startswith("sts."))


@pytest.fixture
def cli(tmp_path: Path, proxy: FaultProxy) -> Cli:
    cli = Cli(tmp_path, proxy.url)
    added = cli.run(
        "add", "--env", "work", AWS_ACCESS_KEY_ID=SOURCE.access_key_id, AWS_SECRET_ACCESS_KEY=SOURCE.secret_access_key
    )
    assert added.returncode == 0, added.stderr
    assert proxy.faults() == []  # add sends nothing
    return cli


def _one_line(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [f"aws-vault: error: export: Failed to get credentials for work: {expected}"]
    _no_secret(done.stderr)


@pytest.mark.parametrize("fault", ["throttle", "500", "reset"])
def test_cli_export_gets_through_a_transient_fault(cli: Cli, proxy: FaultProxy, fault: str) -> None:
    proxy.script(fault)

    done = cli.run("export", "work", "--format=env")

    assert done.returncode == 0, done.stderr
    assert f"AWS_ACCESS_KEY_ID={MOTO_SESSION_KEY}" in done.stdout.splitlines()
    assert proxy.faults() == [fault, "pass"]
    assert len(cli.sessions()) == 1


def test_cli_always_500_is_one_line_after_max_attempts(cli: Cli, proxy: FaultProxy) -> None:
    proxy.default = "500"

    done = cli.run("export", "work", AWS_MAX_ATTEMPTS="4")

    _one_line(done, f"GetSessionToken: {INTERNAL_FAILURE} (HTTP 500, tried 4 times)")
    assert proxy.faults() == ["500"] * 4
    assert cli.sessions() == []


def test_cli_silence_fails_within_the_bound(cli: Cli, proxy: FaultProxy) -> None:
    proxy.default = "silence"

    started = time.monotonic()
    done = cli.run("export", "work", AWS_VAULT_READ_TIMEOUT="1s", AWS_MAX_ATTEMPTS="2")
    elapsed = time.monotonic() - started

    _one_line(done, f"GetSessionToken: Network: no answer from {proxy.url} within 1s (tried 2 times)")
    assert elapsed < 5
    assert len(proxy.faults()) == 2
    assert cli.sessions() == []


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("throttle", "GetSessionToken: Throttling: throttled by STS (tried 3 times)"),
        (
            "reset",
            "GetSessionToken: Network: the endpoint {url} closed the connection without answering (tried 3 times)",
        ),
        (
            sts_error(403, "SignatureDoesNotMatch", EXPIRED),
            f"GetSessionToken: SignatureDoesNotMatch: {CLOCK_HINT} (AWS said: {EXPIRED})",
        ),
    ],
    ids=["throttle", "reset", "clock"],
)
def test_cli_failures_are_one_line_and_cache_nothing(
    cli: Cli, proxy: FaultProxy, fault: str | Reply, expected: str
) -> None:
    proxy.default = fault

    done = cli.run("export", "work")

    _one_line(done, expected.format(url=proxy.url))
    assert cli.sessions() == []
    # Nothing wrong was cached: once the endpoint is back, the next run fetches and caches a session.
    proxy.default = "pass"
    assert cli.run("export", "work").returncode == 0
    assert len(cli.sessions()) == 1


def test_cli_bad_timeout_is_one_line_and_sends_nothing(cli: Cli, proxy: FaultProxy) -> None:
    done = cli.run("export", "work", AWS_VAULT_READ_TIMEOUT="10")

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        'aws-vault: error: export: AWS_VAULT_READ_TIMEOUT: invalid duration "10" (use a unit, e.g. 1h, 90m, 3600s)'
    ]
    assert proxy.faults() == []

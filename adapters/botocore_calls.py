"""What the botocore adapters (STS, IAM, SSO, SSO-OIDC) share: an isolated session, network limits, and
one error translation.

botocore is imported inside the functions, never at import time. Every botocore exception becomes the
caller's ``AwsVaultError`` through ``error(op, code, message, http_status)``, with secrets scrubbed, on
one line: after the last attempt it says what went wrong (no answer within the read timeout, connection
closed, throttled, HTTP 5xx, the clock) and how many attempts were made.

Network limits (issue 12): a dead endpoint used to hang a command for 3 x 30 s. Each call now gets
``connect_timeout`` and ``read_timeout`` (``AWS_VAULT_CONNECT_TIMEOUT``/``AWS_VAULT_READ_TIMEOUT``, Go
durations) and botocore's retry modes (``AWS_RETRY_MODE``, ``AWS_MAX_ATTEMPTS``), read from the adapter's
environment and passed explicitly: the isolated session reads no user config. Defaults: 5 s, 5 s,
``standard``, 3 attempts, so an endpoint that accepts and never answers fails after about 3 x 5 s; one
that drops the connection attempt fails after about 3 x 5 s too (standard mode waits at most 50/100 ms
between those attempts).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_vault.domain.durations import parse_duration
from aws_vault.domain.errors import UsageError

REDACTED = "****"
# (op, AWS error code, message, HTTP status or 0) -> the adapter's error
ErrorFactory = Callable[[str, str, str, int], Exception]

RETRY_MODES = ("legacy", "standard", "adaptive")
# botocore's throttling codes (retries/standard.py, _THROTTLED_ERROR_CODES) that AWS services send.
THROTTLING_CODES = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "RequestLimitExceeded", "BandwidthLimitExceeded", "RequestThrottled",
        "SlowDown", "EC2ThrottledException",
    }
)  # fmt: skip
# Signature errors that are about the request's time, when their message says so (the codes alone also
# mean a wrong secret key): "Signature expired: 20240101T000000Z is now earlier than ...", "Signature not
# yet current: ... is still later than ...", "Request has expired".
CLOCK_CODES = frozenset({"SignatureDoesNotMatch", "InvalidSignatureException", "RequestExpired"})
ALWAYS_CLOCK_CODES = frozenset({"RequestTimeTooSkewed", "RequestInTheFuture"})
_CLOCK_MESSAGE = r"expired|not yet current|earlier than|later than|skew|clock"


@dataclass(frozen=True)
class NetworkLimits:
    """How long one attempt may take and how many attempts a call gets (botocore ``Config`` values)."""

    connect_timeout: float = 5.0
    read_timeout: float = 5.0
    retry_mode: str = "standard"
    max_attempts: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NetworkLimits:
        """The limits ``env`` sets; a bad value is a ``UsageError`` naming the variable."""
        defaults = cls()
        mode = env.get("AWS_RETRY_MODE", "").strip().lower() or defaults.retry_mode
        if mode not in RETRY_MODES:
            raise UsageError(f"AWS_RETRY_MODE must be one of {', '.join(RETRY_MODES)}, got {env['AWS_RETRY_MODE']!r}")
        attempts = defaults.max_attempts
        if env.get("AWS_MAX_ATTEMPTS", "").strip():
            text = env["AWS_MAX_ATTEMPTS"].strip()
            if not (text.isascii() and text.isdigit()) or int(text) < 1:
                raise UsageError(f"AWS_MAX_ATTEMPTS must be a whole number of at least 1, got {text!r}")
            attempts = int(text)
        return cls(
            connect_timeout=_timeout(env, "AWS_VAULT_CONNECT_TIMEOUT", defaults.connect_timeout),
            read_timeout=_timeout(env, "AWS_VAULT_READ_TIMEOUT", defaults.read_timeout),
            retry_mode=mode,
            max_attempts=attempts,
        )


def _timeout(env: Mapping[str, str], name: str, default: float) -> float:
    if not env.get(name, "").strip():
        return default
    seconds = parse_duration(env[name], where=name).total_seconds()
    if seconds <= 0:
        raise UsageError(f"{name} must be longer than 0s, got {env[name]!r}")
    return seconds


class BotocoreAdapter:
    """Base of the botocore adapters: where endpoint variables are read, retry and timeout limits, a lock,
    and one isolated session, built on first use.

    The limits come from the environment (``NetworkLimits.from_env``, read here, so a bad value fails
    before any call); keyword arguments override single values.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        max_attempts: int | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        retry_mode: str | None = None,
    ) -> None:
        self._env = env
        limits = NetworkLimits.from_env(self.environ)
        self._max_attempts = limits.max_attempts if max_attempts is None else max_attempts
        self._connect_timeout = limits.connect_timeout if connect_timeout is None else connect_timeout
        self._read_timeout = limits.read_timeout if read_timeout is None else read_timeout
        self._retry_mode = limits.retry_mode if retry_mode is None else retry_mode
        self._lock = threading.Lock()
        self._session: Any = None
        self._config: Any = None

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    def _client_config(self, **options: Any) -> Any:
        """botocore's client config: our retry mode, attempts and timeouts; endpoint variables are ours to read."""
        import botocore.config

        return botocore.config.Config(
            ignore_configured_endpoint_urls=True,
            retries={"mode": self._retry_mode, "total_max_attempts": self._max_attempts},
            connect_timeout=self._connect_timeout,
            read_timeout=self._read_timeout,
            **options,
        )


def isolated_session(**session_vars: Any) -> Any:
    """A botocore session that never reads ``AWS_PROFILE``, ``~/.aws/config`` or ``~/.aws/credentials``.

    ``session_vars`` adds or overrides botocore session variables, as ``(config key, env var, default,
    converter)`` tuples.
    """
    import botocore.session

    no_env = (None, None)  # (config-file key, env var): never read
    return botocore.session.Session(
        session_vars={
            "profile": (*no_env, None, None),
            "config_file": (*no_env, os.devnull, None),
            "credentials_file": (*no_env, os.devnull, None),
            **session_vars,
        }
    )


def scrub(message: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            message = message.replace(secret, REDACTED)
    return message


_attempts = threading.local()  # attempts of the call in progress on this thread (before-send events)


def _count_attempt(**_: Any) -> None:
    _attempts.count = getattr(_attempts, "count", 0) + 1


def invoke(
    make_client: Callable[[], Any],
    op: str,
    method: str,
    params: Mapping[str, Any],
    secrets: list[str],
    error: ErrorFactory,
) -> Any:
    """``make_client().<method>(**params)``, with botocore's exceptions translated by ``error``."""
    from botocore import exceptions as bx

    try:
        client = make_client()
    except ValueError as e:  # botocore: "Invalid endpoint: <url>"
        raise error(op, "InvalidEndpoint", scrub(str(e), secrets), 0) from e
    # botocore emits before-send once per attempt (retries included); unique_id: once per client.
    client.meta.events.register("before-send", _count_attempt, unique_id="aws-vault-count-attempts")
    _attempts.count = 0
    try:
        return getattr(client, method)(**params)
    except bx.ClientError as e:
        err = e.response.get("Error", {})
        meta = e.response.get("ResponseMetadata", {})
        status = int(meta.get("HTTPStatusCode") or 0)
        code = err.get("Code") or "Unknown"
        # SSO-OIDC errors carry OAuth's error_description rather than a message.
        message = str(err.get("Message") or e.response.get("error_description") or f"HTTP {status}")
        attempts = max(_attempts.count, int(meta.get("RetryAttempts") or 0) + 1)
        if code in THROTTLING_CODES or status == 429:
            message = f"throttled by {client.meta.service_model.service_id}{_tried(attempts)}"
        elif status >= 500:
            message = f"{message} (HTTP {status}{f', tried {attempts} times' if attempts > 1 else ''})"
        elif code in ALWAYS_CLOCK_CODES or (code in CLOCK_CODES and re.search(_CLOCK_MESSAGE, message, re.IGNORECASE)):
            message = f"the system clock looks wrong, check this machine's date and time (AWS said: {message})"
        raise error(op, code, scrub(message, secrets), status) from e
    except bx.ParamValidationError as e:
        report = "; ".join(line.strip() for line in str(e.kwargs.get("report", e)).splitlines())
        raise error(op, "ParamValidation", scrub(report, secrets), 0) from e
    except (bx.ConnectionError, bx.HTTPClientError) as e:
        endpoint = str(client.meta.endpoint_url).rstrip("/")  # not e's request URL: no path, no query
        raise error(op, "Network", _network_failure(e, endpoint, client.meta.config, _attempts.count), 0) from e
    except bx.BotoCoreError as e:
        raise error(op, type(e).__name__, scrub(str(e), secrets), 0) from e


def _tried(attempts: int) -> str:
    return f" (tried {attempts} times)" if attempts > 1 else ""


def _network_failure(e: Exception, endpoint: str, config: Any, attempts: int) -> str:
    """One line for a request that got no HTTP answer; the URL is the endpoint's, never the request's."""
    from botocore import exceptions as bx

    tries = _tried(attempts)
    if isinstance(e, bx.ConnectTimeoutError):
        return f"could not connect to {endpoint} within {config.connect_timeout:g}s{tries}"
    if isinstance(e, bx.ReadTimeoutError):
        return f"no answer from {endpoint} within {config.read_timeout:g}s{tries}"
    if isinstance(e, bx.ConnectionClosedError):
        return f"the endpoint {endpoint} closed the connection without answering{tries}"
    return f"could not reach {endpoint}{tries}"

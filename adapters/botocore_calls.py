"""What the botocore adapters (STS, SSO, SSO-OIDC) share: an isolated session, and one error translation.

botocore is imported inside the functions, never at import time. Every botocore exception becomes the
caller's ``AwsVaultError`` through ``error(op, code, message, http_status)``, with secrets scrubbed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

REDACTED = "****"
# (op, AWS error code, message, HTTP status or 0) -> the adapter's error
ErrorFactory = Callable[[str, str, str, int], Exception]


class BotocoreAdapter:
    """Base of the botocore adapters: where endpoint variables are read, retry and timeout limits, a lock,
    and one isolated session, built on first use."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        max_attempts: int = 3,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
    ) -> None:
        self._env = env
        self._max_attempts = max_attempts
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._lock = threading.Lock()
        self._session: Any = None
        self._config: Any = None

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    def _client_config(self, **options: Any) -> Any:
        """botocore's client config: standard retries, our timeouts; endpoint variables are ours to read."""
        import botocore.config

        return botocore.config.Config(
            ignore_configured_endpoint_urls=True,
            retries={"mode": "standard", "total_max_attempts": self._max_attempts},
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
    try:
        return getattr(client, method)(**params)
    except bx.ClientError as e:
        err = e.response.get("Error", {})
        status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        # SSO-OIDC errors carry OAuth's error_description rather than a message.
        message = err.get("Message") or e.response.get("error_description") or f"HTTP {status}"
        raise error(op, err.get("Code") or "Unknown", scrub(str(message), secrets), status) from e
    except bx.ParamValidationError as e:
        report = "; ".join(line.strip() for line in str(e.kwargs.get("report", e)).splitlines())
        raise error(op, "ParamValidation", scrub(report, secrets), 0) from e
    except (bx.ConnectionError, bx.HTTPClientError) as e:
        endpoint = str(e.kwargs.get("endpoint_url") or client.meta.endpoint_url).rstrip("/")
        detail = " (timed out)" if isinstance(e, bx.ConnectTimeoutError | bx.ReadTimeoutError) else ""
        raise error(op, "Network", f"could not reach {endpoint}{detail}", 0) from e
    except bx.BotoCoreError as e:
        raise error(op, type(e).__name__, scrub(str(e), secrets), 0) from e

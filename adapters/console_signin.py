"""The AWS sign-in federation endpoint over ``urllib``: ``GET <endpoint>?Action=getSigninToken&Session=…`` (§7).

The request URL carries the session's secret key and token, so it never appears in an error: messages
name the endpoint only, and library exceptions are not chained (a ``--debug`` traceback would show them).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

from aws_vault.application.ports import ConsoleSignin
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import LoginError
from aws_vault.domain.login import signin_token_query

EXPECTED = "Expected a response with SigninToken"


class UrllibConsoleSignin(ConsoleSignin):
    def __init__(self, timeout: float = 30.0) -> None:
        self._timeout = timeout

    def signin_token(self, federation_url: str, session: Credentials) -> str:
        _check_endpoint(federation_url)
        failure = ""
        try:
            # Built inside the try: a malformed URL must not escape with the secret-bearing query in its text.
            request = urllib.request.Request(f"{federation_url}?{signin_token_query(session)}", method="GET")  # noqa: S310
            # bandit B310 (file:/ or custom schemes): _check_endpoint above admits http(s) URLs only.
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310  # nosec B310
                status, reason, body = response.status, response.reason, response.read()
        except urllib.error.HTTPError as e:
            status, reason, body = e.code, e.reason, b""
            e.close()
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
            cause = getattr(e, "reason", None) or e
            failure = f"Call to getSigninToken failed: could not reach {federation_url} ({_describe(cause)})"
        if failure:
            raise LoginError(failure)
        if status != 200:
            # aws-vault prints Go's resp.Status: "500 Internal Server Error".
            raise LoginError(f"Call to getSigninToken failed with {status} {reason}".rstrip())
        try:
            token = json.loads(body).get("SigninToken")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str):
            raise LoginError(EXPECTED)
        return token


def _check_endpoint(url: str) -> None:
    """An http(s) URL with a host and no query, fragment or white space (the query is ours to add)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise LoginError(f"the federation endpoint must be a plain http(s) URL, got {url!r}")


def _describe(cause: object) -> str:
    """A cause without its text, which may quote the request URL (``ValueError``s do)."""
    if isinstance(cause, str) and "Session=" not in cause:
        return cause
    if isinstance(cause, TimeoutError):
        return "timed out"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return type(cause).__name__

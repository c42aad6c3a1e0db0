"""The AWS sign-in federation endpoint over ``urllib``: ``GET <endpoint>?Action=getSigninToken&Session=…`` (§7).

The request URL carries the session's secret key and token, so it never appears in an error: messages
name the endpoint only, and library exceptions are not chained (a ``--debug`` traceback would show them).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from application.ports import ConsoleSignin
from domain.credentials import Credentials
from domain.errors import LoginError
from domain.login import signin_token_query

EXPECTED = "Expected a response with SigninToken"


class UrllibConsoleSignin(ConsoleSignin):
    def __init__(self, timeout: float = 30.0) -> None:
        self._timeout = timeout

    def signin_token(self, federation_url: str, session: Credentials) -> str:
        if not federation_url.startswith(("https://", "http://")):
            raise LoginError(f"the federation endpoint must be an http(s) URL, got {federation_url!r}")
        request = urllib.request.Request(f"{federation_url}?{signin_token_query(session)}", method="GET")  # noqa: S310 - checked above
        failure = ""
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                status, reason, body = response.status, response.reason, response.read()
        except urllib.error.HTTPError as e:
            status, reason, body = e.code, e.reason, b""
            e.close()
        except (urllib.error.URLError, OSError, ValueError) as e:
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


def _describe(cause: object) -> str:
    """A cause without its text, which may quote the request URL (``ValueError``s do)."""
    if isinstance(cause, str) and "Session=" not in cause:
        return cause
    if isinstance(cause, TimeoutError):
        return "timed out"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    return type(cause).__name__

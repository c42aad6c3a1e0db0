"""The values of the SSO authorization code flow: PKCE's challenge, the SSH test, and its one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from aws_vault.adapters.logging.structlog_sink import describe
from aws_vault.domain import events as ev
from aws_vault.domain.errors import SsoAuthorizationDeniedError, SsoCallbackTimeoutError, SsoSignInTimeoutError
from aws_vault.domain.sso import code_challenge, in_ssh_session

URL = "https://example.awsapps.com/start"


def test_the_s256_challenge_is_rfc_7636s() -> None:
    # RFC 7636 Appendix B.
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_an_ssh_session_is_told_by_either_variable() -> None:
    assert not in_ssh_session({})
    assert not in_ssh_session({"SSH_CONNECTION": "", "SSH_TTY": ""})
    assert in_ssh_session({"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"})
    assert in_ssh_session({"SSH_TTY": "/dev/pts/1"})


def test_a_denial_names_the_error_and_its_description() -> None:
    assert str(SsoAuthorizationDeniedError(URL, "access_denied", "User denied")) == (
        f"the SSO sign-in for {URL} was not authorized: access_denied: User denied"
    )
    assert str(SsoAuthorizationDeniedError(URL, "server_error")).endswith("was not authorized: server_error")


@given(st.text(), st.text())
def test_whatever_the_callback_says_the_error_is_one_bounded_line(error: str, description: str) -> None:
    message = str(SsoAuthorizationDeniedError(URL, error, description))
    assert message.isprintable() and len(message) < 500


def test_the_timeout_is_a_sign_in_timeout_that_says_what_to_do() -> None:
    e = SsoCallbackTimeoutError(URL, "5m0s")
    assert isinstance(e, SsoSignInTimeoutError) and e.start_url == URL
    assert "within 5m0s" in str(e) and "--device-code" in str(e) and "AWS_VAULT_SSO_TIMEOUT" in str(e)


def test_the_debug_log_describes_the_new_events() -> None:
    now = datetime(2024, 1, 2, tzinfo=UTC)
    redirect = "http://127.0.0.1:50123/oauth/callback"
    assert describe(ev.SsoAuthorizationCodeRequested(URL, redirect, True), now) == (
        f"Authorization code flow for {URL}: callback on {redirect}, browser opened"
    )
    assert describe(ev.SsoDeviceCodeFallback(URL, "no browser could be opened"), now) == (
        f"Signing in to {URL} with a device code instead: no browser could be opened"
    )

"""What the fuzzers share: their hypothesis settings, the one property, a hang guard and byte-level noise.

The property (issue 12): whatever the input, a call returns a result or raises an ``AwsVaultError`` whose
message is one non-empty line. Any other exception fails the fuzzer, and so does a call that runs longer
than ``HANG_SECONDS`` (a ``SIGALRM`` guard: hypothesis's ``deadline`` only reports a slow example after it
has finished, which a real hang never does).

Settings: every fuzzer passes ``fuzz(max_examples=...)``. With ``CI`` (or ``AWS_VAULT_FUZZ_CI``) set to a true
value the examples are derandomized (the same inputs on every run, no example database), so CI is
reproducible; locally each run draws new inputs and hypothesis replays earlier failures from its database.
``AWS_VAULT_FUZZ_SCALE=N`` multiplies every fuzzer's examples by N, for a longer hunt than the suite's ~1 minute.

Known bugs: a failure these fuzzers found that is reported but not fixed yet is listed in ``KNOWN_BUGS`` and
pinned by a ``strict`` xfail regression test holding its exact input. ``outcome`` tolerates exactly that
failure (the exception type and the ``aws_vault`` function that raised it), so the fuzzers keep looking for
new ones instead of stopping at the first; the fixed bug turns its regression test into an XPASS, which
fails the suite until the entry is removed here.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import string
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from aws_vault.entrypoints.cli.main import main
from aws_vault.errors import AwsVaultError

if TYPE_CHECKING:
    from aws_vault.entrypoints.container import Container

T = TypeVar("T")

FUZZ_CI = os.environ.get("AWS_VAULT_FUZZ_CI", os.environ.get("CI", "")).strip().lower() not in ("", "0", "false", "no")
SCALE = max(1, int(os.environ.get("AWS_VAULT_FUZZ_SCALE", "1") or "1"))
HANG_SECONDS = 20.0
"""Longer than any honest example takes on a loaded two-core machine; a hang is minutes."""
# Characters that end or bend a line somewhere (``str.splitlines``); the first four do so on a terminal.
LINE_BREAKERS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
TERMINAL_LINE_BREAKS = LINE_BREAKERS[:4]


def fuzz(max_examples: int, deadline_ms: int | None = 2000) -> settings:
    """The fuzzers' settings: ``max_examples`` each, derandomized under CI (see the module docstring).

    The deadline is generous: the machine is shared, and a flaky deadline is worse than none. Hangs are the
    ``no_hang`` guard's job.
    """
    extra: dict[str, Any] = {"derandomize": True, "database": None} if FUZZ_CI else {}
    return settings(
        max_examples=max_examples * SCALE,
        deadline=None if deadline_ms is None else timedelta(milliseconds=deadline_ms),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
        print_blob=True,
        **extra,
    )


class Hang(BaseException):
    """A fuzzed call ran longer than ``HANG_SECONDS``."""


@contextlib.contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Raise ``Hang`` in the main thread if the block runs longer than ``seconds``."""

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise Hang(f"no result after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_one_line(message: str, context: str = "") -> None:
    """``message`` is one non-empty line: nothing in it that a terminal or a log reader breaks a line at.

    That is LF, CR, VT and FF. Unicode's other separators (U+001C-U+001E, NEL, U+2028/9), which
    ``str.splitlines`` also splits at, are left alone: no terminal moves to a new line for them, and they
    reach a message only from names the user wrote into their own config.
    """
    where = f" ({context})" if context else ""
    assert message.strip(), f"an empty error message{where}"
    assert not multi_line(message), f"a multi-line error message{where}: {message!r}"


# --- known bugs --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownBug:
    """A reported product bug, tolerated by ``outcome`` until fixed; ``regression`` is its strict-xfail test.

    An exception that is not an ``AwsVaultError``, matched by its type and the ``aws_vault`` function that
    raised it.
    """

    exception: type[BaseException]
    raised_in: tuple[str, ...]  # "aws_vault.module:function": the innermost aws_vault frame of the traceback
    regression: str

    def matches(self, error: BaseException) -> bool:
        return isinstance(error, self.exception) and innermost_product_frame(error) in self.raised_in


def innermost_product_frame(error: BaseException) -> str:
    """``module:function`` of the last traceback frame inside the ``aws_vault`` package ("" if none)."""
    found = ""
    for frame, _line in traceback.walk_tb(error.__traceback__):
        module = str(frame.f_globals.get("__name__", ""))
        if module.startswith("aws_vault."):
            found = f"{module}:{frame.f_code.co_name}"
    return found


KNOWN_BUGS: tuple[KnownBug, ...] = ()
"""Bugs the fuzzers found that are reported and not fixed yet; each fixed one became a plain regression test
(edge-of-range times, impossible session-key expiries, deeply nested JSON, AWS_MAX_ATTEMPTS=², raw line
breaks in messages, check-config's n^2 time on deep chains)."""


def known_bug(error: BaseException) -> KnownBug | None:
    return next((bug for bug in KNOWN_BUGS if bug.matches(error)), None)


def multi_line(message: str) -> bool:
    return any(c in message for c in TERMINAL_LINE_BREAKS)


class Known:
    """``outcome``'s answer for a call that hit a known bug (see ``KNOWN_BUGS``)."""

    def __init__(self, bug: KnownBug) -> None:
        self.bug = bug


def outcome(call: Callable[[], T], context: str = "", typed: str = "") -> T | AwsVaultError | Known:
    """``call()``'s result, or the ``AwsVaultError`` it raised (checked to be one line), or ``Known``.

    ``typed`` is the user-written part of the input (config text, variable values). Any other exception
    propagates (the fuzzer fails with its traceback); so does ``Hang``.
    """
    with no_hang():
        try:
            return call()
        except AwsVaultError as e:
            assert_one_line(str(e), context or type(e).__name__)
            event(f"error: {type(e).__name__}")
            return e
        except Exception as e:
            bug = known_bug(e)
            if bug is None:
                raise
            event(f"known bug: {bug.regression}")
            return Known(bug)


# --- noise -------------------------------------------------------------------------------------------------------

# Byte sequences that are not UTF-8: a lone continuation byte, a truncated sequence, an overlong encoding, an
# encoded UTF-16 surrogate, bytes that never occur, a code point past U+10FFFF.
INVALID_UTF8 = (b"\x80", b"\xc3", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xff", b"\xfe", b"\xf4\x90\x80\x80")
# A few characters that stress parsers: NUL, the BOM, a right-to-left override, an escape, tabs.
ODD_CHARACTERS = "\x00\ufeff\u202e\x1b\t"

odd_texts = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(LINE_BREAKERS + ODD_CHARACTERS + "[]=:#;\"' ,"),
    ),
    max_size=40,
)
"""Short texts rich in delimiters, line breaks and control characters."""


@st.composite
def noisy_bytes(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with invalid UTF-8, control bytes or random bytes spliced in at random places."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        noise = draw(st.one_of(st.sampled_from(INVALID_UTF8), st.binary(min_size=1, max_size=8)))
        data[where:where] = noise
    return bytes(data)


@st.composite
def garbled(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few random edits: lines dropped, duplicated or cut, odd characters spliced in."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(("drop", "dup", "cut", "splice", "insert")))
        if edit == "drop":
            del lines[i]
        elif edit == "dup":
            lines.insert(i, lines[i])
        elif edit == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif edit == "splice":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(odd_texts) + lines[i][at:]
        else:
            lines.insert(i, draw(odd_texts))
    return "\n".join(lines)


# --- environments ------------------------------------------------------------------------------------------------

# Every AWS_* / AWS_VAULT_* variable aws-vault reads (grep of domain, application, adapters, entrypoints), by
# the kind of value it takes.
DURATION_VARIABLES = (
    "AWS_ASSUME_ROLE_TTL", "AWS_SESSION_TOKEN_TTL", "AWS_SESSION_TTL", "AWS_CHAINED_SESSION_TOKEN_TTL",
    "AWS_FEDERATION_TOKEN_TTL", "AWS_MIN_TTL", "AWS_VAULT_PROCESS_TIMEOUT", "AWS_VAULT_LOCK_TIMEOUT",
    "AWS_VAULT_SSO_TIMEOUT", "AWS_VAULT_KEY_MAX_AGE", "AWS_VAULT_CONNECT_TIMEOUT", "AWS_VAULT_READ_TIMEOUT",
    "AWS_VAULT_ROTATE_VERIFY_TIMEOUT",
)
BOOLEAN_VARIABLES = (
    "AWS_VAULT_CACHE_ROLES", "AWS_VAULT_STDOUT", "AWS_VAULT_DEVICE_CODE", "AWS_VAULT_DISABLE_HELP_MESSAGE",
    "AWS_SDK_LOAD_CONFIG", "AWS_EC2_METADATA_DISABLED", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)
URL_VARIABLES = (
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_SIGNIN", "AWS_VAULT_FEDERATION_URL",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
TEXT_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_MFA_SERIAL", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_SOURCE_IDENTITY", "AWS_SESSION_TAGS",
    "AWS_TRANSITIVE_TAGS", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_VAULT", "AWS_VAULT_PROMPT",
    "AWS_VAULT_KEYCTL_SCOPE", "AWS_VAULT_BACKEND", "AWS_VAULT_KEYCHAIN_NAME",
    "AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME", "AWS_VAULT_PASS_PASSWORD_STORE_DIR", "AWS_VAULT_PASS_PREFIX",
    "AWS_VAULT_PASS_CMD", "AWS_VAULT_KEYRING_SERVICE", "AWS_VAULT_CREDENTIAL_PROCESS_PROFILES",
    "AWS_VAULT_YKMAN_VERSION", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_VAULT_FILE_PASSPHRASE",
)
PATH_VARIABLES = (
    "AWS_CONFIG_FILE", "AWS_VAULT_FILE_DIR", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CREDENTIAL_FILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)  # fmt: skip
ALL_VARIABLES = DURATION_VARIABLES + BOOLEAN_VARIABLES + URL_VARIABLES + TEXT_VARIABLES + PATH_VARIABLES

durations = st.one_of(
    st.sampled_from(
        (
            "1h", "90m", "3600s", "1h30m", "15m", "0", "0s", "-1h", "+5m", "1.5h", ".5h", "1h-1m", "3600", "1e3s",
            "9999999999h", "2562047h47m16.854775807s", "2562048h", "1ns", "1µs", "1μs", "1us", "1 h", " 1h ",
            "\u0661h", "\u00b2h", "h", "-", "",
        )
    ),
    st.builds("{}{}".format, st.integers(-(10**30), 10**30), st.sampled_from(("ns", "us", "ms", "s", "m", "h", ""))),
    odd_texts,
)
booleans = st.one_of(
    st.sampled_from(("true", "false", "TRUE", "False", "1", "0", "t", "F", "yes", "no", " true", "", "2")), odd_texts
)
integers = st.one_of(
    st.sampled_from(("1", "2", "3", "0", "-1", "1.5", " 2 ", "\u00b2", "\u0661", "+1", "0x2", "99999999999999999999")),
    odd_texts,
)
LOCAL_URLS = (
    "http://127.0.0.1:9", "https://127.0.0.1:9/", "http://127.0.0.1:9/path?q=1#f", "http://[::1]:9", "http://[::1",
    "ftp://127.0.0.1:9", "http://127.0.0.1:notaport", "http://127.0.0.1:99999", "http://user:pw@127.0.0.1:9",
    " http://127.0.0.1:9", "http://127.0.0.1:9\n", "127.0.0.1:9", "not a url", "", "/relative", "http://",
)  # fmt: skip
"""URLs that never leave the machine (no DNS name): the only endpoint values a CLI fuzzer may use."""
urls = st.one_of(st.sampled_from(LOCAL_URLS), odd_texts.filter(lambda t: "//" not in t))
texts = st.one_of(
    st.sampled_from(
        (
            "", "default", "work", "us-east-1", "eu-west-1", "aws-global", "legacy", "regional", "standard",
            "adaptive", "legacy ", "arn:aws:iam::123456789012:role/r", "arn:aws:iam::123456789012:mfa/m",
            "a=1,b=2", "=x", ",", "file", "pass", "keyring", "secret-service", "zenity", "AKIAFUZZFUZZFUZZFUZZ",
            "user", "session", "process", "thread", "1", "2", "3", "x" * 5000,
        )
    ),
    odd_texts,
)  # fmt: skip
paths = st.one_of(st.sampled_from(("", "~", "~/x", "/nonexistent/dir/file", "relative", "/dev/null", "/")), odd_texts)

_VALUES: dict[str, st.SearchStrategy[str]] = {
    **{name: durations for name in DURATION_VARIABLES},
    **{name: booleans for name in BOOLEAN_VARIABLES},
    **{name: urls for name in URL_VARIABLES},
    **{name: texts for name in TEXT_VARIABLES},
    **{name: paths for name in PATH_VARIABLES},
    "AWS_MAX_ATTEMPTS": integers,
}


@st.composite
def environments(draw: st.DrawFn, names: tuple[str, ...] = ALL_VARIABLES, max_size: int = 8) -> dict[str, str]:
    """Some of ``names`` set to values of their kind, or to odd text (no NUL: an environment cannot hold one)."""
    chosen = draw(st.lists(st.sampled_from(names), max_size=max_size, unique=True))
    return {name: draw(_VALUES.get(name, texts)).replace("\x00", "") for name in chosen}


# --- config-like texts ------------------------------------------------------------------------------------------

ROLE_ARN = "arn:aws:iam::123456789012:role/fuzz"
config_names = st.one_of(
    st.text(string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=8),
    odd_texts,
    st.sampled_from(("default", "Default", "profile", "sso-session", " ", '""', "''", "a b", "ä", "x" * 300)),
)
config_keys = st.one_of(
    st.sampled_from(
        (
            "region", "source_profile", "role_arn", "mfa_serial", "include_profile", "duration_seconds",
            "session_tags", "transitive_session_tags", "sso_session", "sso_start_url", "sso_region",
            "sso_account_id", "sso_role_name", "role_session_name", "external_id", "source_identity",
            "sts_regional_endpoints", "sso_registration_scopes", "output", "s3", "cli_pager", "REGION",
            "Role_Arn", "aws_access_key_id", "aws_secret_access_key",
        )
    ),
    odd_texts,
)  # fmt: skip
config_values = st.one_of(
    st.sampled_from(
        (
            "", "us-east-1", ROLE_ARN, "arn:aws:iam::123456789012:mfa/fuzz", "GAHT12345678", "900", "43200", "-1",
            "99999999999999999999999", "1e3", "a=1,b=2", "novalue", "=x", ",", "legacy", "regional",
            "https://x.awsapps.com/start#/", "default", "x # comment", "x;not", "'quoted'", '"quoted"',
        )
    ),
    config_names,
    odd_texts,
)  # fmt: skip
_headers = st.one_of(
    st.builds("[profile {}]".format, config_names),
    st.builds("[sso-session {}]".format, config_names),
    st.sampled_from(
        (
            "[default]", "[ default ]", "[profile default]", "[Default]", "[DEFAULT]", "[profile]", "[profile ]",
            '[profile ""]', "[]", "[", "]", "[[profile a]]", "[profile a]]", "[profile a] # c", "[profile a",
            "[profile\ta]", "[profilea]", "[sso-session]", "[services x]", "[preview]", "[ profile a ]",
            "[profile 'a b']", "[profile a b]", "[plugins]",
        )
    ),
)  # fmt: skip


@st.composite
def _key_lines(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(("", "", " ", "  ", "\t", "    ")))
    delimiter = draw(st.sampled_from(("=", " = ", ":", " : ", "==", "=:", "")))
    return indent + draw(config_keys) + delimiter + draw(config_values)


_lines = st.one_of(
    _headers,
    _key_lines(),
    st.sampled_from(("", " ", "#", ";", "# comment", "; [profile x]", "\ufeff", "=", ":", "  = x", "[profile x]\r")),
    odd_texts,
)
structured_texts = st.lists(_lines, max_size=40).map("\n".join)
"""Texts assembled from config-like lines: headers (odd ones too), key lines, comments, noise."""



# --- the CLI in-process --------------------------------------------------------------------------------------------


def run_cli(argv: list[str], env: dict[str, str], container: Container | None = None) -> tuple[int, str, str]:
    """``main`` in-process: (exit status, stdout, stderr).

    argparse's ``--help`` ends with ``sys.exit(0)``: for the console script that is exit status 0, so a
    ``SystemExit`` with an int status counts as that status here.
    """
    out, err = io.StringIO(), io.StringIO()
    with no_hang(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv, env=env, container=container)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def assert_clean_exit(code: int, stderr: str, argv: list[str]) -> None:
    """Exit 0 or 1; stderr holds no traceback and at most one error, on one line."""
    assert code in (0, 1), f"{argv}: exit status {code}"
    assert "Traceback" not in stderr, f"{argv}: a traceback on stderr:\n{stderr}"
    errors = [line for line in stderr.split("\n") if line.startswith("aws-vault: error:")]
    assert len(errors) <= 1, f"{argv}: more than one error:\n{stderr}"
    for line in errors:
        assert_one_line(line, " ".join(argv))
    if errors:
        assert stderr.endswith(errors[0] + "\n"), f"{argv}: the error is not the last line:\n{stderr!r}"
    assert not stderr.replace("\n", "").strip() or errors or stderr.startswith("aws-vault: warning:"), (
        f"{argv}: unexpected stderr:\n{stderr}"
    )



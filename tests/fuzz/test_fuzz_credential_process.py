"""Fuzzing ``credential_process`` output: valid documents in every spelling, wrong types, huge numbers, bad
dates, random JSON, non-JSON and invalid UTF-8, through ``domain.credential_process.parse_output`` and the
pipeline's ``CredentialProcessSource`` (over a scripted ``ExternalCommands``).

Property: a valid document gives exactly its credentials; anything else is a one-line
``CredentialProcessError`` that never quotes the secret key or the session token.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aws_vault.application.sources import CredentialProcessSource
from aws_vault.domain.credential_process import GUARD_VARIABLE, CredentialProcessError, parse_output, running_profiles
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.plan import CredentialProcess
from aws_vault.errors import AwsVaultError
from tests.fakes.commands import FakeCommands
from tests.fuzz.support import TERMINAL_LINE_BREAKS, Known, fuzz, noisy_bytes, odd_texts, outcome

COMMAND = "fuzz-creds --profile x"
SECRET_ALPHABET = string.ascii_letters + string.digits + "/+="

# --- valid documents ---------------------------------------------------------------------------------------------

_key_ids = st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=24)
_secrets = st.text(SECRET_ALPHABET, min_size=16, max_size=60)
_moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.just(UTC)
)  # a day inside datetime's range: any zone offset keeps it there
_offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


def _spelled(name: str) -> st.SearchStrategy[str]:
    """A field name as Go's case-insensitive decoder accepts it."""
    return st.sampled_from((name, name.lower(), name.upper(), name[0].lower() + name[1:]))


@st.composite
def rfc3339(draw: st.DrawFn, moment: datetime) -> str:
    """``moment`` written in one of RFC 3339's forms: Z or an offset, 0 to 9 fraction digits."""
    local = moment.astimezone(draw(_offsets)) if draw(st.booleans()) else moment
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    digits = draw(st.integers(0, 9))
    if digits:
        text += "." + f"{local.microsecond:06d}{draw(st.text(string.digits, min_size=3, max_size=3))}"[:digits]
    offset = local.utcoffset() or timedelta(0)
    if not offset and draw(st.booleans()):
        return text + draw(st.sampled_from(("Z", "z")))
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return text + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _truncated(moment: datetime, written: str) -> datetime:
    """What a parser keeps of ``written``: fraction digits beyond the written ones are dropped."""
    fraction = written.partition(".")[2]
    digits = len(fraction) - len(fraction.lstrip(string.digits)) if fraction else 0
    kept = int(f"{moment.microsecond:06d}"[: min(digits, 6)].ljust(6, "0")) if digits else 0
    return moment.replace(microsecond=kept)


@st.composite
def valid_documents(draw: st.DrawFn) -> tuple[bytes, Credentials]:
    key_id, secret = draw(_key_ids), draw(_secrets)
    token = draw(st.one_of(st.just(""), _secrets))
    fields: dict[str, Any] = {
        draw(_spelled("Version")): draw(st.sampled_from((1, 1.0))),
        draw(_spelled("AccessKeyId")): key_id,
        draw(_spelled("SecretAccessKey")): secret,
    }
    expiration = None
    if token or draw(st.booleans()):
        fields[draw(_spelled("SessionToken"))] = token or draw(st.sampled_from(("", None)))
    if draw(st.booleans()):
        moment = draw(_moments)
        written = draw(rfc3339(moment))
        fields[draw(_spelled("Expiration"))] = written
        expiration = _truncated(moment, written)
    for name, value in draw(st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=3)).items():
        if name.lower() not in ("version", "accesskeyid", "secretaccesskey", "sessiontoken", "expiration"):
            fields[name] = value  # extra fields are ignored
    items = draw(st.permutations(list(fields.items())))
    indent = draw(st.sampled_from((None, 2, "\t")))
    data = json.dumps(dict(items), indent=indent, ensure_ascii=draw(st.booleans())).encode()
    data = draw(st.sampled_from((b"", b" ", b"\n"))) + data + draw(st.sampled_from((b"", b"\n", b"\r\n", b"  ")))
    return data, Credentials(key_id, secret, token, expiration)


@fuzz(max_examples=200)
@given(valid_documents())
def test_valid_documents_give_exactly_their_credentials(document: tuple[bytes, Credentials]) -> None:
    data, expected = document
    creds = outcome(lambda: parse_output(data, COMMAND))
    assert isinstance(creds, Credentials) and creds == expected, f"{data!r} gave {creds!r}"
    assert creds.secret_access_key == expected.secret_access_key
    assert creds.session_token == expected.session_token


# --- hostile output ----------------------------------------------------------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**18)  # beyond int64
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | odd_texts
    | _secrets,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_bad_dates = st.one_of(
    st.sampled_from(
        (
            "", "tomorrow", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00", "2024-01-01", "2024-01-01T00:00:00+25:00", "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890123Z", "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00-00:00", "2024-01-01T00:00:00zz",
            "2024-01-01T00:00:00 Z", " 2024-01-01T00:00:00Z ", "2024-01-01T00:00:00.\u0661Z", "Infinity",
        )
    ),
    st.builds(str, st.datetimes()),
    st.datetimes(timezones=st.timezones() | st.just(UTC)).map(datetime.isoformat),
    _json_values,
)  # fmt: skip


@st.composite
def hostile_documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for name in ("Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
        if draw(st.integers(0, 4)) == 0:
            continue  # missing
        if name == "Expiration":
            value = draw(_bad_dates)
        elif name == "Version":
            value = draw(st.one_of(st.sampled_from((1, 1.0, 2, 0, -1, "1", True, None, 10**400 // 10**380)), _json_values))
        elif draw(st.booleans()):
            value = draw(_secrets if name != "AccessKeyId" else _key_ids)
        else:
            value = draw(_json_values)
        doc[draw(_spelled(name))] = value
    doc.update(draw(st.dictionaries(st.text(max_size=8), _json_values, max_size=2)))
    return doc


def _json(doc: object) -> bytes:
    return json.dumps(doc, allow_nan=True).encode()


hostile_outputs = st.one_of(
    hostile_documents().map(_json),
    _json_values.map(_json),
    valid_documents().map(lambda d: d[0]).flatmap(noisy_bytes),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.sampled_from(
        (
            b"", b" ", b"null", b"[]", b"{}", b'"{}"', b"1", b"NaN", b"\xef\xbb\xbf{}", b"{" * 50, b"}" * 50,
            b'{"Version": 1e999}', b'{"Version": 1' + b"0" * 5000 + b"}",
            '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"}'.encode("utf-16"),
            b'{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"}\n{"Version":2}',
            b'{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","AccessKeyId":7}',
        )
    ),
)  # fmt: skip


_profile_names = st.text(st.characters(exclude_characters=TERMINAL_LINE_BREAKS), min_size=1, max_size=12)


def _secret_values(doc: object) -> list[str]:
    """The secret key and session token strings of a document (to check the error does not echo them)."""
    if not isinstance(doc, dict):
        return []
    # 16 characters or more: shorter ones may be words of the message itself ("credenti").
    return [v for k, v in doc.items() if str(k).lower() in ("secretaccesskey", "sessiontoken")
            and isinstance(v, str) and len(v) >= 16]  # fmt: skip


@fuzz(max_examples=400)
@given(hostile_outputs)
@example(b'{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"0001-01-01T00:00:00+00:01"}')
@example(b"[" * 100_000)
def test_hostile_output_gives_credentials_or_one_clean_line(data: bytes) -> None:
    creds = outcome(lambda: parse_output(data, COMMAND))
    if isinstance(creds, Known):
        return
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        doc = None
    if isinstance(creds, CredentialProcessError):
        # The message may show the Version value (repr), never the secret fields themselves.
        shown = repr({str(k).lower(): v for k, v in doc.items()}.get("version")) if isinstance(doc, dict) else ""
        for secret in _secret_values(doc):
            assert secret not in str(creds) or secret in shown, "the error quotes a secret from the output"
        return
    assert isinstance(creds, Credentials), f"parse_output raised {creds!r}"
    assert isinstance(doc, dict)
    fields = {str(k).lower(): v for k, v in doc.items()}
    assert creds.access_key_id == fields["accesskeyid"] and creds.secret_access_key == fields["secretaccesskey"]
    assert creds.access_key_id and creds.secret_access_key
    assert creds.session_token == (fields.get("sessiontoken") or "")
    assert creds.expiration is None or creds.expiration.tzinfo is not None


@fuzz(max_examples=100)
@given(st.one_of(hostile_outputs, valid_documents().map(lambda d: d[0])), _profile_names, odd_texts)
def test_the_pipeline_source_wraps_every_failure_in_one_line(data: bytes, profile: str, running: str) -> None:
    """The profile name is the config's (no line breaks there); the output is the hostile part."""
    commands = FakeCommands(outputs={COMMAND: data})
    source = CredentialProcessSource(commands, {GUARD_VARIABLE: running})
    creds = outcome(lambda: source(CredentialProcess(profile, COMMAND)))
    if profile in running_profiles({GUARD_VARIABLE: running}):
        assert isinstance(creds, CredentialProcessError) and "recurse" in str(creds)
        assert commands.calls == []
        return
    assert isinstance(creds, Credentials | CredentialProcessError | Known), f"the source raised {creds!r}"
    if isinstance(creds, CredentialProcessError):
        assert str(creds).startswith(str(AwsVaultError(f"profile {profile}: credential_process: ")))
    (call,) = commands.calls
    # The child reads back exactly the profiles running, then this one (a name may hold a comma).
    assert running_profiles(call.extra_env) == [*running_profiles({GUARD_VARIABLE: running}), profile]


# --- bugs found by fuzzing, fixed --------------------------------------------------------------------------------------------------


def test_regression_expiration_at_the_edge_of_datetime() -> None:
    data = b'{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"0001-01-01T00:00:00+00:01"}'
    with pytest.raises(CredentialProcessError):
        parse_output(data, COMMAND)


def test_regression_deeply_nested_json() -> None:
    with pytest.raises(CredentialProcessError):
        parse_output(b"[" * 100_000, COMMAND)

"""aws_vault.domain.encoding agrees with the stdlib base64 module (and Go's strictness) on every input."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_vault.domain.encoding import b64decode, b64encode, b64url_decode, b64url_encode


@given(st.binary(max_size=200))
def test_encodings_match_the_base64_module_and_round_trip(data: bytes) -> None:
    assert b64encode(data) == base64.b64encode(data).decode()
    assert b64url_encode(data) == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert b64decode(b64encode(data)) == data
    assert b64url_decode(b64url_encode(data)) == data
    assert b64url_decode(base64.urlsafe_b64encode(data)) == data  # padding accepted


@pytest.mark.parametrize("bad", ["a+b", "a/bc", "ab,c", "a", "abcde", "ab cd"])
def test_url_safe_decoding_is_strict(bad: str) -> None:
    with pytest.raises(ValueError):
        b64url_decode(bad)


@pytest.mark.parametrize("bad", ["abc", "ab-_", "%%%%"])
def test_standard_decoding_is_strict(bad: str) -> None:
    with pytest.raises(ValueError):
        b64decode(bad)

"""credential_process output parsing: the AWS spec, not aws-vault's stricter rule (aws-vault#1182)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aws_vault.domain.credential_process import CredentialProcessError, parse_output

CMD = "my-creds --profile x"


def test_long_term_keys_without_token_or_expiration_are_valid() -> None:
    creds = parse_output(b'{"Version": 1, "AccessKeyId": "AKIA1", "SecretAccessKey": "s3cr3t"}', CMD)
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token, creds.expiration) == (
        "AKIA1", "s3cr3t", "", None)


def test_temporary_credentials_with_expiration() -> None:
    out = b'{"Version":1,"AccessKeyId":"ASIA1","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-02T03:04:05Z"}'
    creds = parse_output(out, CMD)
    assert creds.session_token == "t"
    assert creds.expiration == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_field_names_match_case_insensitively_like_go() -> None:
    creds = parse_output(b'{"version":1,"accesskeyid":"AKIA1","SECRETACCESSKEY":"s"}', CMD)
    assert creds.access_key_id == "AKIA1"


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (b"Junk", 'invalid JSON format from command "my-creds --profile x": JSONDecodeError'),
        (b"[1, 2]", 'invalid JSON format from command "my-creds --profile x": not a JSON object'),
        (b'{"Version": 1}', 'JSON credential from command "my-creds --profile x" missing the following fields: '
                            "[AccessKeyId SecretAccessKey]"),
        (b"{}", 'JSON credential from command "my-creds --profile x" missing the following fields: '
                "[Version AccessKeyId SecretAccessKey]"),
        (b'{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}', "only 1 is supported"),
        (b'{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "tomorrow"}', "not an RFC 3339 time"),
        (b'{"Version": 1, "AccessKeyId": 5, "SecretAccessKey": "S"}', "non-string accesskeyid"),
    ],
)
def test_bad_output_is_a_clear_error_without_the_output(output: bytes, message: str) -> None:
    with pytest.raises(CredentialProcessError) as info:
        parse_output(output, CMD)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_errors_never_echo_a_secret() -> None:
    with pytest.raises(CredentialProcessError) as info:
        parse_output(b'{"Version": 1, "AccessKeyId": "AKIA1", "SecretAccessKey": "hunter2", "Expiration": "x"}', CMD)
    assert "hunter2" not in str(info.value)

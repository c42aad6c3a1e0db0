"""Stored JSON is byte-identical to what Go's encoding/json writes for the same item (reference §4.1)."""

from __future__ import annotations

from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.items import Item, envelope_from_json, envelope_to_json, go_json


def test_envelope_matches_go_json_marshal_byte_for_byte() -> None:
    # json.Marshal(keyring.Item{Key: "jöns<&>", Data: []byte("x"), Label: "aws-vault (jöns<&>)"}) in Go:
    go = (
        '{"Key":"jöns\\u003c\\u0026\\u003e","Data":"eA==","Label":"aws-vault (jöns\\u003c\\u0026\\u003e)",'
        '"Description":"","KeychainNotTrustApplication":false,"KeychainNotSynchronizable":false}'
    ).encode()
    item = Item("jöns<&>", b"x", "aws-vault (jöns<&>)")
    assert envelope_to_json(item) == go
    assert envelope_from_json(go, "k") == item


def test_credentials_json_has_go_field_names_and_order() -> None:
    assert master_to_json(Credentials("AKIA", "s/e+c")) == (
        b'{"AccessKeyID":"AKIA","SecretAccessKey":"s/e+c","SessionToken":"","Source":"",'
        b'"CanExpire":false,"Expires":"0001-01-01T00:00:00Z"}'
    )


def test_line_separators_are_escaped_as_go_does() -> None:
    assert go_json({"a": "\u2028\u2029"}) == b'{"a":"\\u2028\\u2029"}'

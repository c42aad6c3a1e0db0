"""The key and ARN patterns, matched with string operations, agree with aws-vault's regexes.

aws-vault (Go) classifies store keys and checks role ARNs with regular expressions (reference §3.1, §3.2);
we match them without compiling a regex on every lookup. Go's ``$`` is the end of the text and ``.``
matches no newline: ``re.fullmatch`` without DOTALL is the same.
"""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from aws_vault.domain.role_chain import is_role_arn
from aws_vault.domain.sessions import KeyKind, SessionKey, _is_current, _is_legacy, classify_key

CURRENT = re.compile(r"[^,]+,[^,]+,[^,]*,[0-9]+")
LEGACY = (
    re.compile(r"session,[A-Za-z0-9_-]*,[A-Za-z0-9_-]*,[0-9]{2,}"),
    re.compile(r"session:[^:]*:[^:]*:[0-9]*"),
    re.compile(r".+ session \([0-9]+\)"),
)
ROLE_ARN = re.compile(r"arn:[a-z0-9-]+:iam::[^:]*:role/.+")

# Pieces the patterns care about, so random keys often come close to matching.
PIECES = st.sampled_from(
    ["session", ",", ":", " session (", ")", "(", "0", "17", "٣", "abc", "A-_", "=", "\n", " ", "é", "arn",
     "aws", "iam", "role/", "x", "-", "/", "123456789012"]
)
KEYS = st.lists(PIECES, max_size=12).map("".join) | st.text(max_size=30)


def go_kind(key: str) -> str:
    if key.startswith("oidc:"):
        return KeyKind.OIDC_TOKEN
    if any(p.fullmatch(key) for p in LEGACY):
        return KeyKind.LEGACY_SESSION
    if CURRENT.fullmatch(key) and SessionKey.parse(key) is not None:
        return KeyKind.SESSION
    return KeyKind.CREDENTIAL


@given(KEYS)
@example("session,cHJvZA,,1700000000")
@example("session:prod:arn:1700000000")
@example("session:prod::")
@example("work session (1700000000)")
@example("work session (1700000000)\n")
@example("a\nb session (1)")
@example("x session (1) session (2)")
@example(" session (1)")
@example("sts.GetSessionToken,d29yaw,,1700000000")
@example("sts.GetSessionToken,d29yaw,,1700000000\n")
@example("sts.GetSessionToken,d29yaw,,١٧")
def test_classify_key_agrees_with_aws_vaults_regexes(key: str) -> None:
    # Each matcher on its own too: go_kind's SessionKey.parse uses _is_current, so this alone could miss it.
    assert _is_current(key) == bool(CURRENT.fullmatch(key))
    assert _is_legacy(key) == any(p.fullmatch(key) for p in LEGACY)
    assert classify_key(key) == go_kind(key)


@given(st.lists(PIECES, max_size=10).map("".join) | st.text(max_size=40))
@example("arn:aws:iam::123456789012:role/admin")
@example("arn:aws-us-gov:iam::123456789012:role/path/admin")
@example("arn:aws:iam:::role/x:y")
@example("arn:aws:iam::123456789012:role/")
@example("arn:aws:iam::123456789012:role/admin\n")
@example("arn:AWS:iam::123456789012:role/admin")
@example("arn::iam::123456789012:role/admin")
@example("arn:aws:iam:us-east-1:123456789012:role/admin")
@example("arn:aws:iam::123456789012:user/admin")
def test_is_role_arn_agrees_with_aws_vaults_regex(arn: str) -> None:
    assert is_role_arn(arn) == bool(ROLE_ARN.fullmatch(arn))

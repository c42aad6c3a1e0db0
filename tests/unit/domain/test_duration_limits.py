"""Durations are validated: none negative, and each STS call's within AWS's range (issue 12).

GetSessionToken takes 15m..36h, AssumeRole and AssumeRoleWithWebIdentity 15m..12h. The range is checked
on the duration actually sent, so a chained role capped at 1h is not an error. Every message is one line
naming the setting the value came from and the allowed range.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from aws_vault.domain.durations import DurationOutOfRangeError, parse_duration, parse_setting
from aws_vault.domain.errors import InvalidDurationError, InvalidProfileValueError, UsageError
from aws_vault.domain.plan import AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken, Plan, build_plan
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.domain.role_chain import ResolveOptions, resolve_profile

MFA = "arn:aws:iam::111111111111:mfa/user"
ROLE = "arn:aws:iam::222222222222:role/admin"
# user: stored keys and MFA. admin: a role on user. second: a role on admin (role chaining).
CONFIG = ConfigFile(
    "config",
    (
        Section("user", {"mfa_serial": MFA}),
        Section("admin", {"source_profile": "user", "role_arn": ROLE, "mfa_serial": MFA}),
        Section("second", {"source_profile": "admin", "role_arn": ROLE + "2", "mfa_serial": MFA}),
    ),
)
STORED = {"user"}


def plan(
    target: str,
    *,
    config: ConfigFile = CONFIG,
    env: dict[str, str] | None = None,
    stored: set[str] = STORED,
    **options: timedelta,
) -> Plan:
    profile = resolve_profile(config, target, env=env or {}, options=ResolveOptions(**options), stored=stored)
    return build_plan(profile, stored)


def refused(target: str, **kw: object) -> str:
    with pytest.raises(DurationOutOfRangeError) as caught:
        plan(target, **kw)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    assert isinstance(caught.value, InvalidDurationError | UsageError)
    return message


def with_seconds(value: str, *, role: bool = True, chained: bool = False) -> ConfigFile:
    if chained:
        return CONFIG._replace(profiles=(*CONFIG.profiles[:2], Section("second", {
            "source_profile": "admin", "role_arn": ROLE + "2", "duration_seconds": value})))
    values = {"duration_seconds": value, **({"role_arn": ROLE} if role else {})}
    return ConfigFile("config", (Section("solo", values),))


# --- negative durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        ({"duration": timedelta(hours=-1)}, "--duration"),
        ({"session_ttl": timedelta(minutes=-30)}, "--session-ttl"),
        ({"assume_role_ttl": timedelta(seconds=-1)}, "--assume-role-ttl"),
    ],
)
def test_negative_flags_are_refused(options: dict[str, timedelta], setting: str) -> None:
    with pytest.raises(DurationOutOfRangeError, match=f"^{setting}: -.* is out of range"):
        plan("user", **options)


@pytest.mark.parametrize(
    "variable",
    ["AWS_ASSUME_ROLE_TTL", "AWS_SESSION_TOKEN_TTL", "AWS_CHAINED_SESSION_TOKEN_TTL", "AWS_SESSION_TTL"],
)
def test_negative_variables_are_refused(variable: str) -> None:
    with pytest.raises(DurationOutOfRangeError) as caught:
        plan("user", env={variable: "-5m"})
    assert str(caught.value) == f"{variable}: -5m0s is out of range (a duration cannot be negative)"


def test_a_negative_duration_seconds_is_refused() -> None:
    with pytest.raises(DurationOutOfRangeError) as caught:
        plan("solo", config=with_seconds("-60"), stored={"solo"})
    assert str(caught.value) == "profile solo: duration_seconds: -60 is out of range (a duration cannot be negative)"


def test_go_parsing_still_reads_negatives_but_settings_do_not() -> None:
    assert parse_duration("-1h30m") == -timedelta(hours=1, minutes=30)
    assert parse_setting("1h30m", "--duration") == timedelta(hours=1, minutes=30)
    with pytest.raises(DurationOutOfRangeError, match=r"^--duration: -1h30m0s is out of range"):
        parse_setting("-1h30m", "--duration")
    with pytest.raises(InvalidDurationError, match="invalid duration"):
        parse_setting("90", "--duration")


# --- GetSessionToken: 15m..36h ---------------------------------------------------------------------------


def test_get_session_token_takes_up_to_36_hours() -> None:
    gst = plan("user", duration=timedelta(hours=36)).steps[1]
    assert isinstance(gst, GetSessionToken) and gst.duration == timedelta(hours=36)
    assert refused("user", duration=timedelta(hours=37)) == (
        "profile user: --duration: 37h0m0s is out of range for GetSessionToken (15m to 36h)"
    )


def test_get_session_token_needs_15_minutes() -> None:
    assert refused("user", session_ttl=timedelta(minutes=14)) == (
        "profile user: --session-ttl: 14m0s is out of range for GetSessionToken (15m to 36h)"
    )
    gst = plan("user", session_ttl=timedelta(minutes=15)).steps[1]
    assert gst.duration == timedelta(minutes=15)


def test_the_variable_that_set_the_session_is_named() -> None:
    assert refused("user", env={"AWS_SESSION_TOKEN_TTL": "40h"}) == (
        "profile user: AWS_SESSION_TOKEN_TTL: 40h0m0s is out of range for GetSessionToken (15m to 36h)"
    )
    # The chained session (user as admin's source) reads AWS_CHAINED_SESSION_TOKEN_TTL instead.
    assert refused("admin", env={"AWS_CHAINED_SESSION_TOKEN_TTL": "10m"}) == (
        "profile user: AWS_CHAINED_SESSION_TOKEN_TTL: 10m0s is out of range for GetSessionToken (15m to 36h)"
    )
    assert plan("user", env={"AWS_CHAINED_SESSION_TOKEN_TTL": "10m"}).steps[1].duration == timedelta(hours=1)


# --- AssumeRole: 15m..12h, after the role-chaining cap ---------------------------------------------------


def test_a_role_on_long_term_keys_takes_up_to_12_hours() -> None:
    role = plan("admin", duration=timedelta(hours=12)).steps[-1]
    assert isinstance(role, AssumeRole) and role.duration == timedelta(hours=12)
    assert refused("admin", duration=timedelta(hours=13)) == (
        "profile admin: --duration: 13h0m0s is out of range for AssumeRole (15m to 12h)"
    )
    assert refused("admin", assume_role_ttl=timedelta(minutes=5)) == (
        "profile admin: --assume-role-ttl: 5m0s is out of range for AssumeRole (15m to 12h)"
    )
    assert refused("admin", env={"AWS_ASSUME_ROLE_TTL": "24h"}) == (
        "profile admin: AWS_ASSUME_ROLE_TTL: 24h0m0s is out of range for AssumeRole (15m to 12h)"
    )


def test_capping_a_chained_role_is_not_an_error() -> None:
    # 20h: the chained GetSessionToken takes it, both roles are capped to 1h (the fork's rule, §2.6).
    steps = plan("second", duration=timedelta(hours=20)).steps
    assert [type(s) for s in steps[1:]] == [GetSessionToken, AssumeRole, AssumeRole]
    assert [s.duration for s in steps[1:]] == [timedelta(hours=20), timedelta(hours=1), timedelta(hours=1)]
    capped = plan("second", config=with_seconds("50000", chained=True))
    assert capped.steps[-1].duration == timedelta(hours=1)


def test_a_capped_role_still_needs_15_minutes() -> None:
    assert refused("second", config=with_seconds("899", chained=True)) == (
        "profile second: duration_seconds: 899 is out of range for AssumeRole (900 to 43200 seconds)"
    )


def test_duration_seconds_is_checked_in_seconds() -> None:
    assert plan("solo", config=with_seconds("43200"), stored={"solo"}).steps[-1].duration == timedelta(hours=12)
    assert refused("solo", config=with_seconds("43201"), stored={"solo"}) == (
        "profile solo: duration_seconds: 43201 is out of range for AssumeRole (900 to 43200 seconds)"
    )


@pytest.mark.parametrize("digits", [21, 5000])
def test_a_huge_duration_seconds_is_out_of_range_not_malformed(digits: int) -> None:
    value = "1" * digits
    with pytest.raises(DurationOutOfRangeError) as caught:
        resolve_profile(with_seconds(value), "solo", stored={"solo"})
    assert str(caught.value) == (
        f"profile solo: duration_seconds: {value} is out of range for AssumeRole (900 to 43200 seconds)"
    )


def test_a_malformed_duration_seconds_is_still_not_a_whole_number() -> None:
    with pytest.raises(InvalidProfileValueError, match=r"duration_seconds: not a whole number: '1h'"):
        resolve_profile(with_seconds("1h"), "solo")


def test_an_unused_duration_is_not_checked() -> None:
    # No role: duration_seconds (an AssumeRole setting) is never sent, so its range does not matter.
    assert [type(s) for s in plan("solo", config=with_seconds("50000", role=False), stored={"solo"}).steps][-1] is (
        GetSessionToken
    )
    # --duration 20h on a plain user is a valid GetSessionToken, though no role could take it.
    assert plan("user", duration=timedelta(hours=20)).steps[-1].duration == timedelta(hours=20)


def test_zero_means_the_default_as_in_aws_vault() -> None:
    assert plan("user", duration=timedelta(0)).steps[-1].duration == timedelta(hours=1)
    solo = resolve_profile(with_seconds("0"), "solo")
    assert solo.assume_role_duration == timedelta(hours=1) and solo.assume_role_duration_setting == ""


def test_web_identity_has_assume_role_s_range() -> None:
    config = ConfigFile(
        "config", (Section("web", {"role_arn": ROLE, "web_identity_token_file": "/t", "duration_seconds": "50000"}),)
    )
    with pytest.raises(DurationOutOfRangeError) as caught:
        plan("web", config=config, stored=set())
    assert str(caught.value) == (
        "profile web: duration_seconds: 50000 is out of range for AssumeRoleWithWebIdentity (900 to 43200 seconds)"
    )
    ok = config._replace(profiles=(Section("web", {"role_arn": ROLE, "web_identity_token_file": "/t"}),))
    assert isinstance(plan("web", config=ok, stored=set()).steps[0], AssumeRoleWithWebIdentity)


def test_a_later_source_is_not_read_once_an_earlier_one_is_set() -> None:
    # --duration wins, so a malformed AWS_ASSUME_ROLE_TTL behind it is never parsed (as before).
    role = plan("admin", duration=timedelta(hours=2), env={"AWS_ASSUME_ROLE_TTL": "bogus"}).steps[-1]
    assert isinstance(role, AssumeRole) and role.duration == timedelta(hours=2)
    # A zero variable is "not set" (aws-vault's zero time.Duration): duration_seconds still counts.
    solo = resolve_profile(with_seconds("1800"), "solo", env={"AWS_ASSUME_ROLE_TTL": "0s"})
    assert (solo.assume_role_duration, solo.assume_role_duration_setting) == (timedelta(seconds=1800), "duration_seconds")

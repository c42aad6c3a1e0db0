"""The servers' renewal policy: ahead of botocore's advisory window, never in a loop, never expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aws_vault.domain.refresh import (
    LONG_TERM_LIFETIME,
    REFRESH_LEAD,
    UPSTREAM_MIN_TTL,
    renewal_due,
    renewal_retry_at,
    served_expiry,
    still_servable,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
BOTOCORE_ADVISORY = timedelta(minutes=15)
lifetimes = st.timedeltas(min_value=timedelta(milliseconds=10), max_value=timedelta(hours=36))


def test_an_hour_long_session_is_renewed_twenty_minutes_before_it_expires() -> None:
    assert renewal_due(T0, T0 + timedelta(hours=1)) == T0 + timedelta(minutes=40)
    # ahead of botocore's advisory window, with room for a client's clock
    assert timedelta(hours=1) - timedelta(minutes=40) > BOTOCORE_ADVISORY
    assert UPSTREAM_MIN_TTL > REFRESH_LEAD


def test_short_lived_credentials_are_renewed_at_half_their_lifetime() -> None:
    assert renewal_due(T0, T0 + timedelta(seconds=6)) == T0 + timedelta(seconds=3)
    assert renewal_due(T0, T0 + timedelta(minutes=15)) == T0 + timedelta(minutes=7, seconds=30)


@given(lifetimes)
def test_renewal_is_due_after_at_least_half_the_lifetime_and_before_expiry(lifetime: timedelta) -> None:
    due = renewal_due(T0, T0 + lifetime)
    assert T0 + lifetime / 2 <= due < T0 + lifetime  # at most two fetches per lifetime: never a loop


@given(lifetimes, st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=40)))
def test_expired_credentials_are_never_servable(lifetime: timedelta, elapsed: timedelta) -> None:
    expires = T0 + lifetime
    now = T0 + elapsed
    if still_servable(now, T0, expires):
        assert now < expires
        assert expires - now >= min(timedelta(minutes=1), lifetime / 4)


@given(lifetimes)
def test_what_is_due_for_renewal_is_still_servable_while_the_renewal_runs(lifetime: timedelta) -> None:
    due = renewal_due(T0, T0 + lifetime)
    assert still_servable(due, T0, T0 + lifetime)


@given(lifetimes)
def test_a_failed_renewal_is_retried_soon_but_not_at_once(lifetime: timedelta) -> None:
    now = T0 + lifetime / 2
    retry = renewal_retry_at(now, T0, T0 + lifetime)
    assert now < retry <= now + timedelta(seconds=10)


def test_keys_that_never_expire_are_served_for_an_hour() -> None:
    assert served_expiry(T0, None) == T0 + LONG_TERM_LIFETIME
    assert served_expiry(T0, T0 + timedelta(minutes=5)) == T0 + timedelta(minutes=5)

"""When a credentials server renews the credentials it holds, and when it may still hand them out (issue 11).

SDK clients of the ECS and EC2 servers (botocore's ``RefreshableCredentials``) come back 15 minutes before
the ``Expiration`` they were given (the *advisory* window) and, from then on, on every call. So a server
renews what it holds ``REFRESH_LEAD`` before expiry: a client that comes back in its advisory window gets
credentials it will keep for a while, and never sees "Credentials were refreshed, but the refreshed
credentials are still expired" (aws-vault#331). A source that only issues shorter-lived credentials (a
``credential_process`` giving 6-second keys, a 15-minute role) is renewed when half the lifetime is left
instead: at most two fetches per lifetime, so such a source is never called in a loop.

All times are passed in (the domain reads no clock). ``fetched`` is when the server got the credentials:
a session the vault took from its cache may be older than that, which only makes the lifetime look shorter.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# botocore's advisory refresh window (15 min) plus a margin for the client's own clock and its request.
REFRESH_LEAD = timedelta(minutes=20)
# Short-lived credentials are renewed when 1/LEAD_DIVISOR of their lifetime is left.
LEAD_DIVISOR = 2
# What the vault must leave on a session it reuses for a server: more than REFRESH_LEAD, or a renewal due
# at once would get the same session back from the vault's cache.
UPSTREAM_MIN_TTL = REFRESH_LEAD + timedelta(minutes=1)
# While a renewal is under way (an MFA prompt, say) or after it failed, the credentials held still go out
# as long as this much is left: SERVE_FLOOR, or 1/SERVE_DIVISOR of the lifetime if that is less.
SERVE_FLOOR = timedelta(minutes=1)
SERVE_DIVISOR = 4
# After a failed renewal, while the credentials held are still servable, the next attempt waits this long
# (or a tenth of their lifetime if that is less): a failing source is not called on every request.
RENEWAL_RETRY = timedelta(seconds=10)
# Long-term keys never expire, but the ECS and EC2 protocols need an Expiration: they are served with
# this much, so clients come back now and then (and get the same keys, re-read from the store).
LONG_TERM_LIFETIME = timedelta(hours=1)


def served_expiry(fetched: datetime, expiration: datetime | None) -> datetime:
    """The ``Expiration`` the server gives out: the credentials' own, or one ``LONG_TERM_LIFETIME`` away."""
    return expiration if expiration is not None else fetched + LONG_TERM_LIFETIME


def renewal_due(fetched: datetime, expires: datetime) -> datetime:
    """When to renew credentials fetched at ``fetched`` that expire at ``expires`` (``expires > fetched``)."""
    lifetime = expires - fetched
    return expires - min(REFRESH_LEAD, lifetime // LEAD_DIVISOR)


def still_servable(now: datetime, fetched: datetime, expires: datetime) -> bool:
    """Whether credentials held past their renewal time may still be handed out at ``now``.

    Never once expired, and never so close to expiry that a client could receive them expired.
    """
    lifetime = expires - fetched
    return expires - now > min(SERVE_FLOOR, lifetime // SERVE_DIVISOR)


def renewal_retry_at(now: datetime, fetched: datetime, expires: datetime) -> datetime:
    """After a renewal failed at ``now``: when to try again while the credentials held still go out."""
    return now + min(RENEWAL_RETRY, (expires - fetched) // 10)

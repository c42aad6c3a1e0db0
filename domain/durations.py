"""Go-style durations (``time.ParseDuration`` / ``Duration.String``), as aws-vault's flags use them.

A unit is mandatory (``1h``, ``90m``, ``3600s``, ``1h30m``); a bare ``3600`` is an error
(reference §1.1). Values are ``timedelta`` with microsecond resolution.
"""

from __future__ import annotations

import re
from datetime import timedelta

from aws_vault.domain.errors import InvalidDurationError, UsageError
from aws_vault.domain.records import Record

_UNIT_US: dict[str, float] = {
    "ns": 0.001,
    "us": 1.0,
    "µs": 1.0,
    "μs": 1.0,
    "ms": 1_000.0,
    "s": 1_000_000.0,
    "m": 60_000_000.0,
    "h": 3_600_000_000.0,
}
_PART_PATTERN = r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)"  # compiled on first use: most runs parse none

ZERO = timedelta(0)
_MAX_US = (2**63 - 1) // 1000
MAX_GO_DURATION = timedelta(microseconds=_MAX_US)
"""Go's ``time.Duration`` is int64 nanoseconds (~2562047h): aws-vault cannot hold anything longer."""


def parse_duration(text: str, where: str = "") -> timedelta:
    """Parse ``text`` as Go's ``time.ParseDuration`` does; raise ``InvalidDurationError``."""
    s = text.strip()
    if not s:
        raise InvalidDurationError(text, where)
    sign = 1
    if s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return ZERO
    pos = 0
    total_us = 0.0
    while pos < len(s):
        m = re.compile(_PART_PATTERN).match(s, pos)  # re caches the compiled pattern
        if m is None:
            raise InvalidDurationError(text, where)
        total_us += float(m.group(1)) * _UNIT_US[m.group(2)]
        pos = m.end()
    if pos == 0 or total_us > _MAX_US:
        # Go's Duration is int64 nanoseconds (~2562047h); anything longer is an error there too.
        raise InvalidDurationError(text, where)
    return timedelta(microseconds=sign * round(total_us))


def _fraction(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def format_duration(d: timedelta) -> str:
    """Format ``d`` like Go's ``Duration.String`` (``1h0m0s``, ``59m3s``, ``1.5s``, ``250ms``, ``0s``)."""
    us = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    if us == 0:
        return "0s"
    sign = "-" if us < 0 else ""
    us = abs(us)
    if us < 1_000:
        return f"{sign}{us}µs"
    if us < 1_000_000:
        return f"{sign}{_fraction(us, 1_000)}ms"
    hours, rest = divmod(us, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    secs = _fraction(rest, 1_000_000)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


def truncate_to_seconds(d: timedelta) -> timedelta:
    """Go's ``Duration.Truncate(time.Second)``: towards zero."""
    total = d.total_seconds()
    return timedelta(seconds=int(total))


# --- limits ---------------------------------------------------------------------------------------------


class CallLimits(Record):
    """The ``DurationSeconds`` an STS call accepts (AWS's documented range)."""

    call: str
    low: timedelta
    high: timedelta


# AWS's ranges. AssumeRole's upper bound is the role's MaxSessionDuration (1h to 12h): 12h is the most
# any role accepts, so only a longer request is certainly wrong. Capping a chained role at 1h is not
# an error (reference §2.6, fork): the limit applies to the duration actually sent.
GET_SESSION_TOKEN_LIMITS = CallLimits("GetSessionToken", timedelta(minutes=15), timedelta(hours=36))
ASSUME_ROLE_LIMITS = CallLimits("AssumeRole", timedelta(minutes=15), timedelta(hours=12))
WEB_IDENTITY_LIMITS = CallLimits("AssumeRoleWithWebIdentity", timedelta(minutes=15), timedelta(hours=12))
# An IAM user's federation token (login); a root user's is capped at 1h by AWS itself.
FEDERATION_TOKEN_LIMITS = CallLimits("GetFederationToken", timedelta(minutes=15), timedelta(hours=36))

SECONDS_KEY = "duration_seconds"
"""The one setting written in whole seconds (a config key); every other is a Go duration."""


def _short(d: timedelta) -> str:
    """``15m``, ``12h``, ``1h30m``: Go's form without the zero units, for limits in messages."""
    text = format_duration(d)
    for zero in ("0s", "0m"):
        if len(text) > len(zero) and text.endswith(zero) and not text[-len(zero) - 1].isdigit():
            text = text[: -len(zero)]
    return text


def _shown(value: timedelta, setting: str) -> str:
    return str(int(value.total_seconds())) if setting == SECONDS_KEY else format_duration(value)


class DurationOutOfRangeError(InvalidDurationError):
    """A well-formed duration that its setting, or the STS call it is sent to, does not allow.

    One line naming the setting and the allowed range, e.g. ``profile admin: --duration: 20h0m0s is out
    of range for AssumeRole (15m to 12h)``.
    """

    def __init__(self, setting: str, value: str, allowed: str, profile: str = "") -> None:
        self.text = value
        self.where = setting
        self.allowed = allowed
        self.profile = profile
        prefix = f"profile {profile}: " if profile else ""
        UsageError.__init__(self, f"{prefix}{setting}: {value} is out of range {allowed}")


def not_negative(value: timedelta, setting: str, profile: str = "") -> timedelta:
    """``value``, or ``DurationOutOfRangeError`` when it is negative: no setting takes one.

    Go's ``time.ParseDuration`` accepts ``-1h`` and aws-vault passes it on to AWS; we stop it here.
    """
    if value < ZERO:
        raise DurationOutOfRangeError(setting, _shown(value, setting), "(a duration cannot be negative)", profile)
    return value


def parse_setting(text: str, where: str) -> timedelta:
    """A duration setting (flag or variable): a Go duration that is not negative."""
    return not_negative(parse_duration(text, where), where)


def out_of_range(limits: CallLimits, setting: str, value: str, profile: str = "") -> DurationOutOfRangeError:
    """The error for ``value`` sent to ``limits.call`` through ``setting``."""
    if setting == SECONDS_KEY:
        low, high = int(limits.low.total_seconds()), int(limits.high.total_seconds())
        allowed = f"for {limits.call} ({low} to {high} seconds)"
    else:
        allowed = f"for {limits.call} ({_short(limits.low)} to {_short(limits.high)})"
    return DurationOutOfRangeError(setting, value, allowed, profile)


def check_call_duration(value: timedelta, limits: CallLimits, setting: str, profile: str = "") -> timedelta:
    """``value`` if ``limits.call`` accepts it, else ``DurationOutOfRangeError`` naming ``setting``."""
    if not limits.low <= value <= limits.high:
        raise out_of_range(limits, setting or "duration", _shown(value, setting), profile)
    return value

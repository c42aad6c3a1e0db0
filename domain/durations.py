"""Go-style durations (``time.ParseDuration`` / ``Duration.String``), as aws-vault's flags use them.

A unit is mandatory (``1h``, ``90m``, ``3600s``, ``1h30m``); a bare ``3600`` is an error
(reference §1.1). Values are ``timedelta`` with microsecond resolution.
"""

from __future__ import annotations

import re
from datetime import timedelta

from aws_vault.domain.errors import InvalidDurationError

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

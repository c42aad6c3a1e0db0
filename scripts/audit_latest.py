"""Audit pinned packages against PyPI's advisory data for each project's latest release.

The fallback of scripts/audit-dependencies.sh for when pip-audit's service (PyPI's per-release JSON,
``<index>/<name>/<version>/json``) cannot be reached. The project JSON (``<index>/<name>/json``) carries a
``vulnerabilities`` list (PYSEC/GHSA ids, ``fixed_in``, ``withdrawn``) for the project's latest release
only, so a package pinned at that release is audited against it; any other package is reported as NOT
audited, never as clean. Withdrawn advisories are ignored; advisories that alias each other count once.

Usage: ``audit_latest.py REQUIREMENTS`` (``name==version`` lines, as ``pip freeze`` writes them).
Environment: ``AWS_VAULT_AUDIT_INDEX_URL`` (default https://pypi.org/pypi), ``AWS_VAULT_REQUIRE_AUDIT=1``.
Exit 1 on a known vulnerability, or when something was not audited and AWS_VAULT_REQUIRE_AUDIT=1; else 0.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

DEFAULT_INDEX_URL = "https://pypi.org/pypi"
WORKERS = 8
TIMEOUT_SECONDS = 20
ATTEMPTS = 3  # a couple of retries after the first try, on network errors and 5xx answers
RETRY_DELAY_SECONDS = 0.5  # times the attempt number


@dataclass(frozen=True)
class Pin:
    name: str
    version: str | None  # None: not pinned to a release (`name @ url`, a range)
    line: str


@dataclass
class Outcome:
    pin: Pin
    audited: bool = False
    vulnerabilities: list[str] = field(default_factory=list)  # "name version: ID (fixed in X)"
    not_latest: str | None = None  # the latest release, when the pin is another one
    failure: str | None = None  # why it could not be looked up
    reached: bool = True  # False: the index itself did not answer


class LookupFailed(Exception):
    def __init__(self, reason: str, *, reached: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reached = reached


def read_pins(text: str) -> list[Pin]:
    pins = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:
            pins.append(Pin(line, None, line))
            continue
        specs = list(req.specifier)
        pinned = (
            req.url is None
            and len(specs) == 1
            and specs[0].operator in ("==", "===")
            and not specs[0].version.endswith(".*")
        )
        pins.append(Pin(req.name, specs[0].version if pinned else None, line))
    return pins


def fetch_project(index_url: str, name: str) -> dict[str, Any]:
    url = f"{index_url.rstrip('/')}/{urllib.parse.quote(canonicalize_name(name))}/json"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    last: LookupFailed | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                body = answer.read()
        except urllib.error.HTTPError as e:
            if e.code < 500:  # 404: not on this index
                raise LookupFailed(f"HTTP {e.code}", reached=True) from None
            last = LookupFailed(f"{url}: HTTP {e.code}", reached=False)
        except (OSError, http.client.HTTPException) as e:  # refused, DNS, TLS, timeouts, cut answers
            reason = e.reason if isinstance(e, urllib.error.URLError) else e
            last = LookupFailed(f"{url}: {type(e).__name__}: {reason}", reached=False)
        else:
            try:
                data = json.loads(body)
                if not isinstance(data, dict) or not isinstance(data["info"]["version"], str):
                    raise ValueError("no info.version")
            except (ValueError, KeyError, TypeError):
                raise LookupFailed("not a project JSON answer", reached=True) from None
            if not isinstance(data.get("vulnerabilities"), list):  # a mirror without PyPI's advisory data
                raise LookupFailed("no vulnerability data in the answer", reached=True)
            return data
        if attempt < ATTEMPTS:
            time.sleep(RETRY_DELAY_SECONDS * attempt)
    assert last is not None
    raise last


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


@dataclass
class Vulnerability:
    ids: list[str]  # the advisories' own ids (PyPI lists a PYSEC advisory and its GHSA twin apart)
    names: set[str]  # ids and aliases (CVEs): advisories sharing one are the same vulnerability
    fixed_in: list[str]

    def describe(self, pin: Pin) -> str:
        fixed = ", ".join(self.fixed_in)
        return (
            f"{pin.name} {pin.version}: {' aka '.join(self.ids) or 'an advisory without an id'}"
            f" ({f'fixed in {fixed}' if fixed else 'no fixed release listed'})"
        )


def known_vulnerabilities(advisories: list[Any]) -> list[Vulnerability]:
    """The advisories that are not withdrawn, those naming the same vulnerability merged, in their order."""
    found: list[Vulnerability] = []
    for a in advisories:
        if not isinstance(a, dict) or a.get("withdrawn"):
            continue
        ident = str(a.get("id") or "")
        names = {ident, *(str(n) for n in a.get("aliases") or [])} - {""}
        new = Vulnerability([ident] if ident else [], names, [str(v) for v in a.get("fixed_in") or []])
        same = [v for v in found if v.names & names]
        at = found.index(same[0]) if same else len(found)
        for v in same:
            found.remove(v)
        merged, *rest = [*same, new]
        for v in rest:
            merged = Vulnerability(
                merged.ids + [i for i in v.ids if i not in merged.ids],
                merged.names | v.names,
                merged.fixed_in + [f for f in v.fixed_in if f not in merged.fixed_in],
            )
        found.insert(at, merged)
    return found


def audit(index_url: str, pin: Pin) -> Outcome:
    if pin.version is None:
        return Outcome(pin, failure="not pinned to a release")
    try:
        project = fetch_project(index_url, pin.name)
    except LookupFailed as e:
        return Outcome(pin, failure=e.reason, reached=e.reached)
    latest = project["info"]["version"]
    if not same_version(pin.version, latest):
        return Outcome(pin, not_latest=latest)
    found = known_vulnerabilities(project["vulnerabilities"])
    return Outcome(pin, audited=True, vulnerabilities=[v.describe(pin) for v in found])


def audit_all(index_url: str, pins: list[Pin]) -> list[Outcome] | str:
    """Each pin's outcome, or why the advisory data cannot be reached at all: the index does not answer the
    first lookup (asked alone, so a dead network fails once, not once per package), or answers none."""
    if not pins:
        return []
    first = audit(index_url, pins[0])
    if not first.reached:
        return first.failure or "no answer"
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = [first, *pool.map(lambda pin: audit(index_url, pin), pins[1:])]
    if not any(o.audited or o.not_latest for o in outcomes) and any(o.pin.version for o in outcomes):
        return next((o.failure for o in outcomes if o.failure and o.pin.version), "no answer")
    return outcomes


def summarize(outcomes: list[Outcome]) -> tuple[list[str], str]:
    vulnerabilities = [v for o in outcomes for v in o.vulnerabilities]
    audited = sum(o.audited for o in outcomes)
    vulnerable = sum(bool(o.vulnerabilities) for o in outcomes)
    verdict = (
        f"{len(vulnerabilities)} known vulnerabilit{'y' if len(vulnerabilities) == 1 else 'ies'} in "
        f"{vulnerable} package{'' if vulnerable == 1 else 's'}"
        if vulnerabilities
        else "no known vulnerabilities"
    )
    parts = [
        f"audit: {audited} of {len(outcomes)} packages audited against PyPI's advisory data for their latest "
        f"release: {verdict}"
    ]
    not_latest = [f"{o.pin.name} {o.pin.version} (latest {o.not_latest})" for o in outcomes if o.not_latest]
    if not_latest:
        parts.append(f"NOT audited (not their latest release): {', '.join(not_latest)}")
    failed = [f"{o.pin.line} ({o.failure})" for o in outcomes if o.failure]
    if failed:
        parts.append(f"NOT audited (no advisory data): {', '.join(failed)}")
    return vulnerabilities, "; ".join(parts)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} REQUIREMENTS", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        pins = read_pins(f.read())
    index_url = os.environ.get("AWS_VAULT_AUDIT_INDEX_URL") or DEFAULT_INDEX_URL
    require = os.environ.get("AWS_VAULT_REQUIRE_AUDIT", "0") == "1"
    outcomes = audit_all(index_url, pins)
    if isinstance(outcomes, str):
        print(
            f"audit: WARNING: PyPI's vulnerability data cannot be reached from here ({outcomes});"
            " the dependencies were NOT audited",
            file=sys.stderr,
        )
        return 1 if require else 0
    vulnerabilities, summary = summarize(outcomes)
    for line in vulnerabilities:
        print(line)
    print(summary)
    if vulnerabilities:
        return 1
    unaudited = sum(not o.audited for o in outcomes)
    if unaudited and require:
        print(f"audit: AWS_VAULT_REQUIRE_AUDIT=1 and {unaudited} packages were NOT audited", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

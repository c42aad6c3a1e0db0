#!/usr/bin/env bash
# pip-audit over what the venv holds (the project's dependencies and the test tools), pinned by `pip freeze`
# (which leaves out pip, setuptools and the source tree itself), against PyPI's vulnerability data
# (https://pypi.org/pypi/<name>/<version>/json). Exit 1 on a known vulnerability. Left alone, pip-audit
# reports each package it cannot look up as "skipped" and still says "No known vulnerabilities found";
# --strict and the probe below never let that pass as an audit. Where that per-release data cannot be
# reached (this project's CI), scripts/audit_latest.py checks each package that is at its latest release
# against the advisories PyPI's project JSON (https://pypi.org/pypi/<name>/json) lists for that release,
# and names the others as NOT audited. Anything not audited (everything, when PyPI cannot be reached at all)
# is said loudly and exits 0 so the rest of CI stands, unless AWS_VAULT_REQUIRE_AUDIT=1 makes it a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
"$PY" -m pip freeze --exclude-editable --disable-pip-version-check > "$requirements"

# The service answers for a pinned release (a mirror or a proxy may serve the package index but not this).
probe=$("$PY" - <<'PY'
import importlib.metadata
import urllib.request

url = f"https://pypi.org/pypi/pip-audit/{importlib.metadata.version('pip-audit')}/json"
try:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - a fixed https URL
        print("ok" if answer.status == 200 else f"{url}: HTTP {answer.status}")
except Exception as e:
    print(f"{url}: {type(e).__name__}: {e}")
PY
)
if [ "$probe" != ok ]; then
  echo "pip-audit: PyPI's per-release vulnerability data cannot be reached from here ($probe);" \
       "falling back to its advisory data for each package's latest release" >&2
  status=0
  "$PY" scripts/audit_latest.py "$requirements" || status=$?
  exit "$status"
fi
exec .venv/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r "$requirements"

#!/usr/bin/env bash
# Create .venv and install the project with the given extras (e.g. "demo" or "test"). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-}
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
spec="."
[ -n "$extras" ] && spec=".[$extras]"
# The machine's pip config names extra index folders that may not exist; pip warns once per package.
.venv/bin/pip install -q --disable-pip-version-check -e "$spec" 2>&1 | sed '/^WARNING: Location .* is ignored/d'

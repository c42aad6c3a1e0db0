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
# "compat" editable mode is a plain .pth path entry: setuptools' default import finder costs ~10 ms
# on every start, which every credential_process call would pay.
.venv/bin/pip install -q --disable-pip-version-check -e "$spec" --config-settings editable_mode=compat 2>&1 \
  | sed '/^WARNING: Location .* is ignored/d'
# Byte-compile as a regular pip install does (PYTHONDONTWRITEBYTECODE may be set on this machine).
.venv/bin/python -m compileall -q domain application adapters entrypoints

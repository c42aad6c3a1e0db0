#!/usr/bin/env bash
# Install everything and run every check: ruff, mypy, import-linter, and the whole pytest suite
# (unit, integration against a real moto server over HTTP, end-to-end in a real pty).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
bash scripts/setup-venv.sh test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff";          ruff check .
echo "== mypy";          mypy
echo "== import-linter"; lint-imports
echo "== pytest";        pytest "$@"

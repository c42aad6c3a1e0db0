#!/usr/bin/env bash
# Install everything and run every check: ruff, mypy, import-linter, bandit, the whole pytest suite
# (unit, integration against a real moto server over HTTP, end-to-end in a real pty, fuzz), pip-audit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
bash scripts/setup-venv.sh test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff";          ruff check .
echo "== mypy";          mypy
echo "== import-linter"; lint-imports
echo "== bandit";        bandit -q -r domain application adapters entrypoints package -c pyproject.toml
echo "== pytest";        pytest "$@"
# Last, as it needs PyPI's vulnerability data: pip-audit, or where that cannot be reached, a check of each
# package at its latest release against PyPI's advisories for it; every other package is named "NOT audited"
# (it never reports a pass it did not check); AWS_VAULT_REQUIRE_AUDIT=1 makes that a failure.
echo "== pip-audit";     bash scripts/audit-dependencies.sh

#!/usr/bin/env bash
# One command for a newcomer: install, start a local moto STS on loopback, and watch aws-vault
# store keys, ask STS for an MFA session, assume a role through the chain, and reuse the session.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh demo
exec .venv/bin/python scripts/demo.py

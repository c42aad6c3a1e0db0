#!/usr/bin/env bash
# Create .venv with the project's dependencies (plus the given extras, e.g. "demo" or "test") and the
# source tree linked in as the `aws_vault` package. Idempotent; re-run it after adding a file to package/.
#
# Why not `pip install -e`: the layer folders are mapped into `aws_vault` (package-dir), which
# setuptools' editable modes serve through an import hook (~10 ms on every start, paid by every
# credential_process call) or a per-file link tree (new files need a reinstall), and which mypy and
# import-linter cannot follow. Instead .dev/aws_vault holds one symlink per top-level entry (the layer
# folders and package/'s own files), and a .pth puts .dev on sys.path: a plain path entry, no hook, and
# `import domain` / `import entrypoints` still resolve to nothing of ours. Users get `pip install .`,
# which copies the same tree into site-packages (tests/integration/test_packaging.py checks the wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-}
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# The project's own dependency lists, read from pyproject.toml (one source of truth).
.venv/bin/python - "$extras" > .venv/requirements.txt <<'PY'
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = list(project["dependencies"])
for extra in filter(None, sys.argv[1].split(",")):
    wanted += project["optional-dependencies"][extra]
print("\n".join(wanted))
PY
# The machine's pip config names extra index folders that may not exist; pip warns once per package.
.venv/bin/pip install -q --disable-pip-version-check -r .venv/requirements.txt 2>&1 \
  | sed '/^WARNING: Location .* is ignored/d'
.venv/bin/pip uninstall -q -y aws-vault-py 2>/dev/null || true   # an earlier copy would shadow the links
# The link farm: .dev/aws_vault/<entry> -> the source.
rm -rf .dev && mkdir -p .dev/aws_vault
for entry in package/* package/.[!.]*; do
  [ -e "$entry" ] || continue
  case "$(basename "$entry")" in __pycache__) continue ;; esac
  ln -s "../../$entry" ".dev/aws_vault/$(basename "$entry")"
done
for layer in domain application adapters entrypoints; do ln -s "../../$layer" ".dev/aws_vault/$layer"; done
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$PWD/.dev" > "$site/aws_vault_dev.pth"
# The console script, as pip would write it for [project.scripts].
cat > .venv/bin/aws-vault <<SCRIPT
#!$PWD/.venv/bin/python
import sys
from aws_vault.entrypoints.cli import run
sys.exit(run())
SCRIPT
chmod +x .venv/bin/aws-vault
# Byte-compile as a regular pip install does (PYTHONDONTWRITEBYTECODE may be set on this machine).
.venv/bin/python -m compileall -q .dev

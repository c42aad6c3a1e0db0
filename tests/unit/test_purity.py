"""The core is pure: every import in domain/ and application/ is stdlib or our own (STYLE.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN = {"aws_vault.domain", "aws_vault.application"}
# domain/ must not do I/O either: no modules whose job is the outside world.
IMPURE_FOR_DOMAIN = {"os", "subprocess", "socket", "shutil", "pathlib", "io", "time", "urllib", "http", "tempfile"}


def _top(module: str) -> str:
    """The top-level name, or ``aws_vault.<layer>`` for our own modules."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "aws_vault" else parts[0]


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [_top(a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(_top(node.module))
    return names


@pytest.mark.parametrize("layer", ["domain", "application"])
def test_core_imports_only_stdlib_and_inner_layers(layer: str) -> None:
    allowed = set(sys.stdlib_module_names) | ({"aws_vault.domain"} if layer == "domain" else OWN)
    bad = {
        f"{p.relative_to(ROOT)}: {name}"
        for p in (ROOT / layer).rglob("*.py")
        for name in imports(p)
        if name not in allowed and name != "__future__"
    }
    assert not bad, sorted(bad)


def test_domain_does_no_io() -> None:
    bad = {
        f"{p.relative_to(ROOT)}: {name}"
        for p in (ROOT / "domain").rglob("*.py")
        for name in imports(p)
        if name in IMPURE_FOR_DOMAIN
    }
    assert not bad, sorted(bad)


def test_domain_reads_no_clock() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "domain").rglob("*.py")
        if any(call in p.read_text() for call in ("datetime.now(", "datetime.utcnow(", "time.time(", "date.today("))
    ]
    assert not offenders

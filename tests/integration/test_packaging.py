"""What ``pip install .`` gives a user: one import name, ``aws_vault``, holding every source package.

Builds the wheel, installs it into a fresh venv beside PyPI's ``entrypoints`` package (which a
generic top-level ``entrypoints`` of ours used to shadow), and runs the installed console script.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "application", "adapters", "entrypoints")


def _source_packages() -> set[str]:
    """Every folder with an ``__init__.py`` in package/ and the layer folders, as installed names."""
    found = {"aws_vault"}
    for init in (ROOT / "package").rglob("__init__.py"):
        rel = init.parent.relative_to(ROOT / "package")
        if rel.parts:
            found.add(".".join(("aws_vault", *rel.parts)))
    for layer in LAYERS:
        for init in (ROOT / layer).rglob("__init__.py"):
            found.add(".".join(("aws_vault", *init.parent.relative_to(ROOT).parts)))
    return found


def test_every_source_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert listed == _source_packages()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # From a copy: setuptools builds in the source tree, and a stale build/ there could leak into the wheel.
    source = tmp_path_factory.mktemp("source") / "tree"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".dev", ".git", "build", "__pycache__", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_has_one_top_level_name_and_every_module(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"aws_vault"}
    sources = {
        f"aws_vault/{p.relative_to(ROOT).as_posix()}"
        for layer in LAYERS
        for p in (ROOT / layer).rglob("*.py")
    } | {f"aws_vault/{p.relative_to(ROOT / 'package').as_posix()}" for p in (ROOT / "package").rglob("*.py")}
    assert sources <= set(names), sorted(sources - set(names))
    assert "aws_vault/py.typed" in names
    top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["aws_vault"]


def _fresh_venv(tmp_path: Path, wheel: Path, requirement: str) -> Path:
    """A new venv with ``requirement`` and the wheel (without its dependencies); its bin directory."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, requirement], check=True, capture_output=True, timeout=300)
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True, capture_output=True, timeout=300)
    return env_dir / "bin"


def test_installed_beside_pypi_entrypoints(wheel: Path, tmp_path: Path) -> None:
    env_dir = _fresh_venv(tmp_path, wheel, "entrypoints==0.4").parent
    python = env_dir / "bin" / "python"
    probe = (
        "import importlib.util as u, entrypoints, aws_vault\n"
        "assert hasattr(entrypoints, 'get_group_all'), entrypoints.__file__\n"
        "print(all(u.find_spec(n) is None for n in ('domain', 'application', 'adapters')))\n"
        "print(aws_vault.__version__)\n"
    )
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.split() == ["True", "0.1.0"]
    version = subprocess.run(
        [str(env_dir / "bin" / "aws-vault"), "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert (version.returncode, version.stdout) == (0, "0.1.0\n"), version.stderr


def test_the_testing_extra_works_from_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    """``aws_vault.testing`` with only hypothesis beside the wheel: strategies draw, the resolver resolves."""
    python = _fresh_venv(tmp_path, wheel, "hypothesis>=6.100") / "python"
    probe = (
        "from hypothesis import given, settings\n"
        "from aws_vault.domain.plan import build_plan\n"
        "from aws_vault.domain.role_chain import resolve_profile\n"
        "from aws_vault.testing import FakeSecretStore, profile_graphs\n"
        "seen = []\n"
        "@settings(max_examples=25, database=None)\n"
        "@given(profile_graphs())\n"
        "def check(graph):\n"
        "    profile = resolve_profile(graph.config, graph.target, stored=graph.stored)\n"
        "    seen.append(len(build_plan(profile, graph.stored).steps))\n"
        "check()\n"
        "print(len(seen), min(seen) >= 1, FakeSecretStore().keys())\n"
    )
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.split() == ["25", "True", "[]"]

"""The console script turns the cyclic GC off while the CLI loads, and back on for every command that is not
a credential_process lookup (servers and ``exec`` children's parents run for hours)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from aws_vault.entrypoints import cli
from aws_vault.entrypoints.cli import main


@pytest.fixture(autouse=True)
def gc_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def run_console(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[bool, int]:
    """``console.run()`` for ``argv``: whether the GC was on while the command ran, and the exit status."""
    seen: list[bool] = []

    def fake_main(args: list[str]) -> int:
        assert args == list(argv)
        seen.append(gc.isenabled())
        return 3

    def fake_exit(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(main, "main", fake_main)
    monkeypatch.setattr(main.os, "_exit", fake_exit)
    monkeypatch.setattr(sys, "argv", ["aws-vault", *argv])
    with pytest.raises(SystemExit) as ended:
        cli.run()
    return seen[0], int(ended.value.code or 0)


@pytest.mark.parametrize(
    "argv", [("list",), ("exec", "work", "--", "true"), ("serve",), ("export", "work"), ("exec", "--json", "-x", "p")]
)
def test_commands_run_with_the_gc_on(monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]) -> None:
    assert run_console(monkeypatch, *argv) == (True, 3)


@pytest.mark.parametrize("argv", [("export", "--format=json", "work"), ("exec", "--json", "work")])
def test_a_credential_process_lookup_runs_with_the_gc_off(monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]) -> None:
    assert run_console(monkeypatch, *argv) == (False, 3)

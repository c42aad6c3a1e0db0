"""The argparse-free reading of common command lines agrees with the full parser, value for value."""

from __future__ import annotations

import sys

import pytest

from aws_vault.entrypoints.cli.main import quick_args
from aws_vault.entrypoints.cli.parser import build_parser, split_command

QUICK = [
    ["export", "--format=json", "work"],
    ["export", "--format", "json", "work"],
    ["export", "work", "--format=json"],
    ["exec", "--json", "work"],
    ["exec", "-j", "work"],
    ["exec", "work", "--", "true"],
    ["exec", "work", "--", "aws", "s3", "ls", "--recursive", "--"],
    ["list"],
    ["ls"],
]
NOT_QUICK = [
    ["export", "work"],
    ["export", "--format=json", "--debug", "work"],
    ["exec", "--json", "--json", "work"],
    ["exec", "work"],
    ["exec", "-n", "work", "--", "true"],
    ["exec", "--", "true"],
    ["exec", "work", "true"],
    ["list", "--sessions"],
    ["add", "work"],
    [],
]


def parsed(argv: list[str]) -> dict[str, object]:
    head, tail = split_command(argv)
    args = build_parser().parse_args(head)
    if tail is not None:
        args.cmd = [*args.cmd, *tail]
    return vars(args)


@pytest.mark.parametrize("argv", QUICK, ids=" ".join)
def test_quick_reading_equals_the_parser(argv: list[str]) -> None:
    quick = quick_args(argv)
    assert quick is not None
    full = parsed(argv)
    for name, value in full.items():
        if value in (None, False) and not hasattr(quick, name):
            continue  # read with getattr(args, name, None) by the commands and Settings
        assert getattr(quick, name) == value, name
    assert set(vars(quick)) <= set(full)


@pytest.mark.parametrize("argv", NOT_QUICK, ids=lambda a: " ".join(a) or "empty")
def test_everything_else_goes_to_the_parser(argv: list[str]) -> None:
    assert quick_args(argv) is None


def test_the_quick_path_does_not_load_argparse() -> None:
    import subprocess

    probe = (
        "import sys\nfrom aws_vault.entrypoints.cli.main import quick_args\n"
        "assert quick_args(['exec', 'p', '--', 'true']) is not None\n"
        "print('argparse' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

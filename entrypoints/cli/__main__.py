"""``python -m aws_vault.entrypoints.cli``."""

from aws_vault.entrypoints.cli import run

run()

"""``python -m aws_vault.entrypoints.cli``."""

from aws_vault.entrypoints.cli.main import run

run()

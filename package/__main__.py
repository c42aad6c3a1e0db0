"""``python -m aws_vault``: the same entry as the ``aws-vault`` console script."""

from aws_vault.entrypoints.cli import run

run()

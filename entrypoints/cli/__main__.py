"""``python -m entrypoints.cli``."""

from entrypoints.cli.main import run

run()

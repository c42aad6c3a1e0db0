"""The ``aws-vault`` command line (``main.py``); ``run`` is the console script's entry.

``run`` lives here, in the package every CLI import loads anyway, and turns cyclic GC off before the
CLI's modules load: building their classes triggers some twenty generation-0 collections that find no
garbage, ~1 ms of a ~32 ms cached ``credential_process`` lookup (``benchmarks/cached_lookup.py``).
``main.run`` turns it back on for every command but such a lookup, which is short-lived and ends in
``os._exit``.
"""

from __future__ import annotations

import gc


def run() -> None:
    gc.disable()
    from aws_vault.entrypoints.cli.main import run as run_cli

    run_cli()

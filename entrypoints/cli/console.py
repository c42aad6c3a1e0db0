"""The ``aws-vault`` console script's entry: cyclic GC off before the CLI's imports.

Building the CLI's classes at start-up triggers some twenty generation-0 collections that find no
garbage; on a cached ``credential_process`` lookup (``benchmarks/cached_lookup.py``) they cost ~1 ms of
~32 ms. So the GC is off while the CLI loads; ``main.run`` turns it back on for every command but a
credential_process lookup, which is short-lived and ends in ``os._exit``.
"""

from __future__ import annotations

import gc


def run() -> None:
    gc.disable()
    from aws_vault.entrypoints.cli.main import run as run_cli

    run_cli()

"""aws-vault for Python: keep AWS keys in a secret store, hand out short-lived STS credentials.

The installed package's root. The repository's layer folders (``domain/``, ``application/``,
``adapters/``, ``entrypoints/``) install beneath it as ``aws_vault.domain`` and so on
(``package-dir`` in ``pyproject.toml``). The public API is re-exported here lazily, so
``import aws_vault.entrypoints.cli.main`` (every ``credential_process`` call) pays nothing for it.
"""

from __future__ import annotations

__version__ = "0.1.0"

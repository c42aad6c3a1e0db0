"""aws-vault for Python: keep AWS keys in a secret store, hand out short-lived STS credentials.

The installed package's root. The repository's layer folders (``domain/``, ``application/``,
``adapters/``, ``entrypoints/``) install beneath it as ``aws_vault.domain`` and so on
(``package-dir`` in ``pyproject.toml``). The public API:

- ``Vault`` (``Vault.from_env()``): credentials, refreshing boto3 sessions, events, plans;
- ``VaultCredentials``: what ``Vault.credentials()`` returns;
- ``aws_vault.events``: the domain events; ``aws_vault.errors``: ``AwsVaultError`` and its subclasses;
- ``aws_vault.testing`` (extra ``testing``): hypothesis strategies and fakes of the ports.

Names are loaded on first use, so ``import aws_vault.entrypoints.cli.main`` (every ``credential_process``
call) pays nothing for the API.
"""

from __future__ import annotations

# Not ``typing.TYPE_CHECKING``: importing ``typing`` here would build it while the cyclic GC still runs, some
# fifteen collections on every ``credential_process`` start; the CLI loads it once the GC is off
# (``entrypoints/cli/__init__.py``). Type checkers treat any ``TYPE_CHECKING`` as true.
TYPE_CHECKING = False

__version__ = "0.1.0"
__all__ = ["AwsVaultError", "Vault", "VaultCredentials", "__version__"]

if TYPE_CHECKING:
    from typing import Any

    from aws_vault.domain.errors import AwsVaultError
    from aws_vault.entrypoints.api import Vault, VaultCredentials


def __getattr__(name: str) -> Any:
    if name in ("Vault", "VaultCredentials"):
        from aws_vault.entrypoints import api

        return getattr(api, name)
    if name == "AwsVaultError":
        from aws_vault.domain.errors import AwsVaultError

        return AwsVaultError
    raise AttributeError(f"module 'aws_vault' has no attribute {name!r}")

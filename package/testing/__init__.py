"""Test support for tooling built on aws-vault: Hypothesis strategies and in-memory fakes of the ports.

* ``aws_vault.testing.strategies``: ``profile_graphs()`` draws ``~/.aws/config`` graphs (source chains,
  roles, MFA, ``include_profile``, ``[default]``, SSO) with stored keys and a target; ``config_documents()``
  and ``config_texts()`` draw the config file text that encodes such a graph. Needs ``hypothesis``
  (``pip install aws-vault-py[testing]``).
* ``aws_vault.testing.fakes``: ``FakeSecretStore``, ``FakeTokenService``, ``FakeMfaPrompt``, ``FakeClock`` and
  ``FakeConfigSource``, to run a plan through ``aws_vault.application.pipeline.CredentialPipeline`` offline.
  Standard library only.

Both are re-exported here. The strategies are imported on first use, so the fakes work without hypothesis.
This package sits outside the layers: nothing in domain, application, adapters or entrypoints imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_vault.testing.fakes import (
    ASSUME_ROLE,
    GET_SESSION_TOKEN,
    START,
    WEB_IDENTITY,
    AddProfileCall,
    FakeClock,
    FakeConfigSource,
    FakeMfaPrompt,
    FakeSecretStore,
    FakeTokenService,
    SecretStoreCall,
    StsCall,
)

if TYPE_CHECKING:
    from aws_vault.testing.strategies import (
        CONFIG_PATH,
        ConfigDocument,
        ProfileGraph,
        config_documents,
        config_texts,
        profile_graphs,
    )

__all__ = [
    "ASSUME_ROLE",
    "CONFIG_PATH",
    "GET_SESSION_TOKEN",
    "START",
    "WEB_IDENTITY",
    "AddProfileCall",
    "ConfigDocument",
    "FakeClock",
    "FakeConfigSource",
    "FakeMfaPrompt",
    "FakeSecretStore",
    "FakeTokenService",
    "ProfileGraph",
    "SecretStoreCall",
    "StsCall",
    "config_documents",
    "config_texts",
    "profile_graphs",
]

_STRATEGIES = frozenset({"CONFIG_PATH", "ConfigDocument", "ProfileGraph", "config_documents", "config_texts",
                         "profile_graphs"})


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES:
        from aws_vault.testing import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

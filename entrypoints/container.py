"""The composition root for the full path: dependency-injector providers over the one wiring.

Every provider comes from ``entrypoints.wiring``'s tables (``PORTS``, ``STORES``, ``PROMPTS``); nothing
here says again how a port is built. ``container.wiring()`` is the ``Wiring`` (the use cases) over
these providers, so an override reaches every use case::

    c = Container(settings=Settings.build(env), env=env)
    with c.token_service.override(fake_sts), c.clock.override(fake_clock):
        main(["exec", "work", "--", "true"], container=c)

Importing this module costs ~100 ms (dependency-injector pulls in asyncio): the light path
(``Wiring`` without a container) comes here only for a heavy port (STS, SSO, ``--debug``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dependency_injector import containers, providers

from aws_vault.entrypoints.settings import Settings
from aws_vault.entrypoints.wiring import PORTS, PROMPTS, STORES, Wiring, prompt_driver


class Container(containers.DynamicContainer):
    """One provider per port (``PORTS``), plus ``settings``, ``env``, ``sso_use_stdout``, ``sso_device_code``
    and ``wiring``.

    ``settings`` defaults to ``Settings.build(env)``: the ``AWS_VAULT_*`` variables count. Port
    providers are singletons; ``configure()`` replaces settings/env and forgets what was built.
    """

    def __init__(self, settings: Settings | None = None, env: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.env = providers.Object(os.environ if env is None else env)
        self.settings = (
            providers.Singleton(Settings.build, self.env) if settings is None else providers.Object(settings)
        )
        self.sso_use_stdout = providers.Object(False)  # exec/export/login --stdout (AWS_VAULT_STDOUT)
        self.sso_device_code = providers.Object(False)  # exec/export/login --device-code (AWS_VAULT_DEVICE_CODE)
        named: dict[str, Any] = {"settings": self.settings, "env": self.env}
        for name, spec in PORTS.items():
            deps = [named[d.removeprefix("~")] for d in spec.deps]
            if name == "secret_store":
                provider: Any = providers.Selector(
                    self.settings.provided.backend,
                    **{backend: providers.Singleton(make, *deps) for backend, make in STORES.items()},
                )
            elif name == "mfa_prompt":
                terminal = named["terminal"]
                provider = providers.Selector(
                    providers.Callable(prompt_driver, self.settings, self.env),
                    **{driver: providers.Singleton(make, self.env, terminal) for driver, make in PROMPTS.items()},
                )
            else:
                provider = providers.Singleton(spec.factory, *deps)
            setattr(self, name, provider)
            named[name] = provider
        self.wiring = providers.Singleton(
            Wiring,
            self.settings,
            self.env,
            providers.Dict({name: named[name].provider for name in PORTS}),
            sso_use_stdout=self.sso_use_stdout,
            sso_device_code=self.sso_device_code,
        )

    def configure(self, settings: Settings, env: Mapping[str, str]) -> None:
        """Use these settings and this environment from now on (forgets every port built before)."""
        self.settings.override(settings)
        self.env.override(env)
        self.reset_singletons()

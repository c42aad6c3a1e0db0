"""Settings from flags and environment variables, shared by the container and the fast path."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import NamedTuple

from domain.durations import parse_duration
from domain.errors import BackendUnavailableError, UsageError
from domain.sessions import DEFAULT_MIN_TTL

# aws-vault's auto-selection order (reference §4); the first available one is the default.
KNOWN_BACKENDS = ("wincred", "keychain", "secret-service", "kwallet", "keyctl", "pass", "file")


class BackendChoiceError(UsageError):
    """A ``--backend`` value aws-vault does not know: a parse error in kingpin (§1.1), so unlabeled."""


def available_backends() -> list[str]:
    """Backends usable on this machine, in aws-vault's order. Probing is cheap (no D-Bus calls)."""
    return ["file"]


def choose_backend(requested: str) -> str:
    available = available_backends()
    if not requested:
        return available[0]
    if requested not in KNOWN_BACKENDS:
        # kingpin's enum wording (§1.1)
        raise BackendChoiceError(f"enum value must be one of {','.join(available)}, got '{requested}', try --help")
    if requested not in available:
        raise BackendUnavailableError(requested)
    return requested


PROMPT_DRIVERS = ("terminal",)


def choose_prompt(requested: str) -> str:
    """The MFA prompt driver: ``--prompt``/``AWS_VAULT_PROMPT``, else ``terminal`` (reference §5)."""
    if not requested:
        return "terminal"
    if requested not in PROMPT_DRIVERS:
        # kingpin's wording for a bad --prompt value (§1.2)
        raise UsageError(f"--prompt value must be one of {','.join(PROMPT_DRIVERS)}, got '{requested}'")
    return requested


def expand_home(path: str, env: Mapping[str, str]) -> str:
    if path == "~" or path.startswith("~/"):
        home = env.get("HOME") or os.path.expanduser("~")
        return home + path[1:]
    return path


class Settings(NamedTuple):
    backend: str = "file"
    file_dir: str = "~/.awsvault/keys/"
    config_path: str = "~/.aws/config"
    prompt: str = "terminal"
    min_ttl: timedelta = DEFAULT_MIN_TTL
    debug: bool = False
    env: Mapping[str, str] = MappingProxyType({})

    @property
    def file_passphrase(self) -> str | None:
        """``AWS_VAULT_FILE_PASSPHRASE`` when set, even to empty (§4.1); else ``None`` (ask)."""
        return self.env.get("AWS_VAULT_FILE_PASSPHRASE")

    @classmethod
    def build(
        cls,
        env: Mapping[str, str],
        *,
        backend: str = "",
        file_dir: str = "",
        prompt: str = "",
        debug: bool = False,
    ) -> Settings:
        min_ttl = DEFAULT_MIN_TTL
        if env.get("AWS_MIN_TTL"):
            min_ttl = parse_duration(env["AWS_MIN_TTL"], where="AWS_MIN_TTL")
        config_path = env.get("AWS_CONFIG_FILE") or "~/.aws/config"
        return cls(
            backend=choose_backend(backend or env.get("AWS_VAULT_BACKEND", "")),
            file_dir=expand_home(file_dir or env.get("AWS_VAULT_FILE_DIR") or "~/.awsvault/keys/", env),
            config_path=expand_home(config_path, env),
            prompt=choose_prompt(prompt or env.get("AWS_VAULT_PROMPT", "")),
            min_ttl=min_ttl,
            debug=debug,
            env=env,
        )

"""``FakeConfigSource``: an in-memory ``ConfigSource`` that records ``add_profile`` calls."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_vault.application.ports import ConfigSource
from aws_vault.domain.errors import AwsVaultError
from aws_vault.domain.profiles import ConfigFile, Section


@dataclass(frozen=True)
class AddProfileCall:
    name: str
    values: dict[str, str] = field(default_factory=dict)


class FakeConfigSource(ConfigSource):
    """Holds a ``ConfigFile``; ``add_profile`` appends a section as the real adapter does.

    ``fail_with`` makes every call raise that error (e.g. a ``ConfigSyntaxError``).
    """

    def __init__(
        self,
        config: ConfigFile | None = None,
        *,
        path: str = "/fake/.aws/config",
        fail_with: AwsVaultError | None = None,
    ) -> None:
        self._path = path
        self.config = config if config is not None else ConfigFile(path=path)
        self.fail_with = fail_with
        self.calls: list[AddProfileCall] = []
        self.loads = 0

    @property
    def path(self) -> str:
        return self._path

    def load(self) -> ConfigFile:
        self.loads += 1
        if self.fail_with is not None:
            raise self.fail_with
        return self.config

    def add_profile(self, name: str, values: dict[str, str] | None = None) -> None:
        kept = {k: v for k, v in (values or {}).items() if v}
        self.calls.append(AddProfileCall(name, kept))
        if self.fail_with is not None:
            raise self.fail_with
        if self.config.section(name) is not None:
            return
        line = max((s.line for s in (*self.config.profiles, *self.config.sso_sessions)), default=0) + 1
        section = Section(name=name, values=kept, line=line)
        self.config = self.config._replace(profiles=(*self.config.profiles, section))

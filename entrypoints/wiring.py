"""The one wiring: how each port is built, and how the use cases are composed over the ports.

Written once, used twice:

- ``PORTS`` says, for every port, which factory builds it from which other ports. Factories import
  their adapter on call, so building a port costs only what that port needs. ``STORES`` and
  ``PROMPTS`` are the per-backend and per-driver tables behind ``secret_store`` and ``mfa_prompt``.
- ``Wiring`` composes the use cases (session cache, pipeline, sources, ...) over ports it builds on
  first use. Built bare (``Wiring(settings, env)``, the light path of the CLI and of ``Vault``), it
  builds cheap ports straight from ``PORTS``; the first *heavy* port (boto3, botocore, structlog)
  brings in the dependency-injector ``Container`` (``entrypoints.container``) and continues there,
  handing it the ports already built (the store already unlocked, the same bus and clock). A cached
  lookup thus never imports dependency-injector, boto3, botocore or structlog, and a miss carries on
  in the same run: nothing is looked up or read twice.
- The container builds its providers from the same tables and hands them to ``Wiring`` as the ports
  it uses, so overriding ``container.token_service`` (as the tests do) reaches every use case.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from aws_vault.entrypoints.settings import Settings, choose_prompt

if TYPE_CHECKING:
    from aws_vault.application.bus import EventBus
    from aws_vault.application.pipeline import CredentialPipeline
    from aws_vault.application.ports import (
        Clock,
        ConfigSource,
        Locks,
        MfaPrompt,
        SecretStore,
        Terminal,
        TokenService,
    )
    from aws_vault.application.session_cache import SessionCache
    from aws_vault.application.use_cases.clear_sessions import ClearSessions
    from aws_vault.application.use_cases.exec_profile import RunCommand
    from aws_vault.application.use_cases.explain_plan import ExplainPlan
    from aws_vault.application.use_cases.get_credentials import GetCredentials, ResolveProfile
    from aws_vault.application.use_cases.list_profiles import ListProfiles
    from aws_vault.application.use_cases.login import SignInToConsole
    from aws_vault.application.use_cases.manage_credentials import (
        AddCredentials,
        DeleteSessions,
        RemoveCredentials,
    )
    from aws_vault.application.use_cases.rotate import RotateKeys
    from aws_vault.entrypoints.container import Container


# --- secret stores, by backend (reference §4) -----------------------------------------------------


def file_passphrase(settings: Settings, terminal: Terminal) -> Callable[[], str]:
    """Where the file store's passphrase comes from: the env var if set (even empty), else the TTY."""
    fixed = settings.file_passphrase
    if fixed is not None:
        return lambda: fixed
    # aws-vault reads it from stdin and prints a newline on stdout, polluting `export` (§4.1);
    # we ask on the terminal instead.
    return lambda: terminal.ask(f'Enter passphrase to unlock "{settings.file_dir}": ', secret=True)


def _file(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.file_store import FileSecretStore

    return FileSecretStore(
        settings.file_dir, file_passphrase(settings, terminal), lock=lambda name: locks.hold(name), warn=_warn_on_stderr
    )


def _warn_on_stderr(message: str) -> None:
    sys.stderr.write(f"aws-vault: warning: {message}\n")


def _secret_service(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.secret_service_store import SecretServiceSecretStore

    return SecretServiceSecretStore(collection_name=settings.secret_service_collection)


def _kwallet(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.kwallet_store import KWalletSecretStore

    return KWalletSecretStore()


def _keychain(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.keychain_store import KeychainSecretStore

    return KeychainSecretStore(keychain_name=settings.keychain)


def _wincred(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.wincred_store import WinCredSecretStore

    return WinCredSecretStore()


def _keyctl(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore

    return KeyctlSecretStore(scope=settings.keyctl_scope)


def _pass(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.pass_store import PassSecretStore

    return PassSecretStore(settings.pass_cmd, settings.pass_dir, settings.pass_prefix, env)


def _keyring(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    from aws_vault.adapters.stores.keyring_store import KeyringSecretStore

    store: SecretStore = KeyringSecretStore(service=settings.keyring_service)
    return store


StoreFactory = Callable[[Settings, Mapping[str, str], "Terminal", "Locks"], "SecretStore"]
STORES: dict[str, StoreFactory] = {
    "file": _file,
    "secret-service": _secret_service,
    "kwallet": _kwallet,
    "keychain": _keychain,
    "wincred": _wincred,
    "keyctl": _keyctl,
    "pass": _pass,
    "keyring": _keyring,
}


# --- MFA prompt drivers (reference §5) ------------------------------------------------------------


def _terminal_prompt(env: Mapping[str, str], terminal: Terminal) -> MfaPrompt:
    from aws_vault.adapters.prompts.terminal import TerminalMfaPrompt

    return TerminalMfaPrompt(terminal)


def _gui(name: str) -> Callable[[Mapping[str, str], Terminal], MfaPrompt]:
    def build(env: Mapping[str, str], terminal: Terminal) -> MfaPrompt:
        from aws_vault.adapters.prompts import gui, ykman

        cls = {
            "kdialog": gui.KdialogMfaPrompt,
            "osascript": gui.OsascriptMfaPrompt,
            "zenity": gui.ZenityMfaPrompt,
            "ykman": ykman.YkmanMfaPrompt,
            "pass": ykman.PassOtpMfaPrompt,
        }[name]
        return cast("MfaPrompt", cls(env))

    return build


def _wincredui(env: Mapping[str, str], terminal: Terminal) -> MfaPrompt:
    from aws_vault.adapters.prompts.gui import WinCredUiMfaPrompt

    return WinCredUiMfaPrompt()


PromptFactory = Callable[[Mapping[str, str], "Terminal"], "MfaPrompt"]
PROMPTS: dict[str, PromptFactory] = {
    "terminal": _terminal_prompt,
    "kdialog": _gui("kdialog"),
    "osascript": _gui("osascript"),
    "zenity": _gui("zenity"),
    "ykman": _gui("ykman"),
    "pass": _gui("pass"),
    "wincredui": _wincredui,
}


def prompt_driver(settings: Settings, env: Mapping[str, str]) -> str:
    """The named driver, or aws-vault's auto choice (§5), made only when an MFA prompt is being built."""
    return choose_prompt(settings.prompt, env, stdout_is_tty=sys.stdout.isatty())


# --- every other port -----------------------------------------------------------------------------


def _clock() -> Clock:
    from aws_vault.adapters.clock import SystemClock

    return SystemClock()


def _bus() -> EventBus:
    from aws_vault.application.bus import EventBus

    return EventBus()


def _terminal() -> Terminal:
    from aws_vault.adapters.prompts.terminal import TtyTerminal

    return TtyTerminal()


def _config_source(settings: Settings) -> ConfigSource:
    from aws_vault.adapters.config.aws_config_source import AwsConfigSource

    return AwsConfigSource(settings.config_path)


def _token_service(env: Mapping[str, str]) -> TokenService:
    from aws_vault.adapters.sts.boto3_token_service import Boto3TokenService

    return Boto3TokenService(env=env)


def _process_runner() -> Any:
    from aws_vault.adapters.process_runner import OsProcessRunner

    return OsProcessRunner()


def _subprocess_runner() -> Any:
    # exec --ecs-server/--ec2-server: the server lives in this process, so the command runs as a
    # sub-process (signals forwarded, its exit status passed on) instead of replacing it (§2.9 step 7).
    from aws_vault.adapters.process_runner import OsProcessRunner

    return OsProcessRunner(use_execve=False)


def _commands(settings: Settings, env: Mapping[str, str]) -> Any:
    from aws_vault.adapters.commands import ShellCommands

    return ShellCommands(env=env, timeout=settings.process_timeout.total_seconds())


def _sso_oidc(env: Mapping[str, str]) -> Any:
    from aws_vault.adapters.sso.boto3_sso import Boto3SsoOidc

    return Boto3SsoOidc(env=env)


def _sso_portal(env: Mapping[str, str]) -> Any:
    from aws_vault.adapters.sso.boto3_sso import Boto3SsoPortal

    return Boto3SsoPortal(env=env)


def _callback_listener() -> Any:
    from aws_vault.adapters.sso.callback_listener import HttpCallbackListener

    return HttpCallbackListener()


def _browser(env: Mapping[str, str]) -> Any:
    from aws_vault.adapters.browser import WebBrowser

    return WebBrowser(env=env)


def _console() -> Any:
    from aws_vault.adapters.console import StderrConsole

    return StderrConsole()


def _federation_service(env: Mapping[str, str]) -> Any:
    from aws_vault.adapters.sts.boto3_federation_service import Boto3FederationService

    return Boto3FederationService(env=env)


def _access_keys(env: Mapping[str, str]) -> Any:
    from aws_vault.adapters.iam.boto3_access_keys import Boto3AccessKeys

    return Boto3AccessKeys(env=env)


def _console_signin() -> Any:
    from aws_vault.adapters.console_signin import UrllibConsoleSignin

    return UrllibConsoleSignin()


def _locks(settings: Settings, env: Mapping[str, str]) -> Locks:
    from aws_vault.adapters.locks import FileLocks, default_lock_dir

    what = {
        "session": "fetching these credentials (asking for an MFA code?)",
        "oidc": "signing in to SSO",
        "config": "editing the config file",
        "store": "writing to the secret store",
    }
    directory, within = default_lock_dir(env)
    return FileLocks(directory, settings.lock_timeout.total_seconds(), what, within=within)


def _reminders(env: Mapping[str, str]) -> Any:
    import os

    from aws_vault.adapters.locks import default_lock_dir
    from aws_vault.adapters.reminders import FileReminders

    locks_dir, within = default_lock_dir(env)
    return FileReminders(os.path.join(os.path.dirname(locks_dir), "reminders"), within=within)


def _debug_sink(clock: Clock) -> Any:
    from aws_vault.adapters.logging.structlog_sink import StructlogEventSink

    return StructlogEventSink(clock)


class Port:
    """How one port is built: ``factory(*deps)``, each dep the name of ``settings``, ``env`` or a port.

    A ``~`` before a port's name passes it deferred: built only when first used (the store's lock is
    needed by writers only, so a cached lookup never loads the lock adapter).
    """

    def __init__(self, factory: Callable[..., Any], *deps: str, heavy: bool = False) -> None:
        self.factory = factory
        self.deps = deps
        self.heavy = heavy  # imports boto3, botocore or structlog: built by the container


def _store(settings: Settings, env: Mapping[str, str], terminal: Terminal, locks: Locks) -> SecretStore:
    return STORES[settings.backend](settings, env, terminal, locks)


def config_profile_names(path: str) -> list[str]:
    """Profile names from the config file at ``path`` (shell completion)."""
    names: list[str] = _config_source(Settings(config_path=path)).load().profile_names()
    return names


def _mfa_prompt(settings: Settings, env: Mapping[str, str], terminal: Terminal) -> MfaPrompt:
    return PROMPTS[prompt_driver(settings, env)](env, terminal)


# In dependency order: a port's deps come before it.
PORTS: dict[str, Port] = {
    "clock": Port(_clock),
    "bus": Port(_bus),
    "terminal": Port(_terminal),
    "locks": Port(_locks, "settings", "env"),
    "secret_store": Port(_store, "settings", "env", "~terminal", "~locks"),
    "config_source": Port(_config_source, "settings"),
    "mfa_prompt": Port(_mfa_prompt, "settings", "env", "terminal"),
    "process_runner": Port(_process_runner),
    "subprocess_runner": Port(_subprocess_runner),
    "commands": Port(_commands, "settings", "env"),
    "browser": Port(_browser, "env"),
    "callback_listener": Port(_callback_listener),
    "console": Port(_console),
    "console_signin": Port(_console_signin),
    "reminders": Port(_reminders, "env"),
    "token_service": Port(_token_service, "env", heavy=True),
    "sso_oidc": Port(_sso_oidc, "env", heavy=True),
    "sso_portal": Port(_sso_portal, "env", heavy=True),
    "federation_service": Port(_federation_service, "env", heavy=True),
    "access_keys": Port(_access_keys, "env", heavy=True),
    "debug_sink": Port(_debug_sink, "clock", heavy=True),
}


class _Deferred:
    """Stands in for a port until one of its methods is called: then the port is built."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build

    def __getattr__(self, name: str) -> Any:
        return getattr(self._build(), name)


class Wiring:
    """The use cases over ports built on first use; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        env: Mapping[str, str],
        ports: Mapping[str, Callable[[], Any]] | None = None,
        *,
        sso_use_stdout: bool = False,
        sso_device_code: bool = False,
    ) -> None:
        self.settings = settings
        self.env = env
        self.sso_use_stdout = sso_use_stdout  # exec/export/login --stdout (AWS_VAULT_STDOUT)
        self.sso_device_code = sso_device_code  # exec/export/login --device-code (AWS_VAULT_DEVICE_CODE)
        self._given = dict(ports or {})  # name -> zero-argument provider (the container's, or overrides)
        self._built: dict[str, Any] = {}
        self._container: Container | None = None
        self._session_cache: SessionCache | None = None

    # -- ports --

    def port(self, name: str) -> Any:
        """The port ``name``, built on first use."""
        if name not in self._built:
            self._built[name] = self._build(name)
        return self._built[name]

    def _build(self, name: str) -> Any:
        given = self._given.get(name)
        if given is not None:
            return given()
        spec = PORTS[name]
        if spec.heavy or self._container is not None:
            return getattr(self.container(), name)()
        values = {"settings": self.settings, "env": self.env}
        return spec.factory(*(values[d] if d in values else self._dep(d) for d in spec.deps))

    def _dep(self, name: str) -> Any:
        return self.deferred(name[1:]) if name.startswith("~") else self.port(name)

    def deferred(self, name: str) -> Any:
        """The port ``name``, built only when a method of it is first called."""
        return self._built[name] if name in self._built else _Deferred(lambda: self.port(name))

    def container(self) -> Container:
        """The dependency-injector container for the full path, sharing every port built so far."""
        if self._container is None:
            from aws_vault.entrypoints.container import Container

            container = Container(settings=self.settings, env=self.env)
            for name, value in self._built.items():
                getattr(container, name).override(value)
            for name, given in self._given.items():
                if name not in self._built:
                    getattr(container, name).override(given)
            self._container = container
        return self._container

    @property
    def store(self) -> SecretStore:
        return cast("SecretStore", self.port("secret_store"))

    @property
    def clock(self) -> Clock:
        return cast("Clock", self.port("clock"))

    @property
    def bus(self) -> EventBus:
        return cast("EventBus", self.port("bus"))

    # -- composition --

    def session_cache(self) -> SessionCache:
        if self._session_cache is None:
            from aws_vault.application.session_cache import SessionCache

            self._session_cache = SessionCache(self.store, self.clock, self.bus, self.settings.min_ttl)
        return self._session_cache

    def sources(self) -> dict[type, Callable[[Any], Any]]:
        """The pipeline's sources by step type; each is built when a step first needs it."""
        from aws_vault.domain.plan import AssumeRoleWithWebIdentity, CredentialProcess, SsoRoleCredentials

        def web_identity(step: Any) -> Any:
            from aws_vault.application.sources import WebIdentitySource

            sts = self.deferred("token_service")
            return WebIdentitySource(sts=sts, commands=self.port("commands"), clock=self.clock)(step)

        def credential_process(step: Any) -> Any:
            from aws_vault.application.sources import CredentialProcessSource

            return CredentialProcessSource(commands=self.port("commands"), env=self.env)(step)

        def sso(step: Any) -> Any:
            from aws_vault.application.sso import SsoSource
            from aws_vault.domain.sso import in_ssh_session

            source = SsoSource(
                oidc=self.port("sso_oidc"),
                portal=self.port("sso_portal"),
                browser=self.port("browser"),
                console=self.port("console"),
                store=self.store,
                clock=self.clock,
                bus=self.bus,
                use_stdout=self.sso_use_stdout,
                listener=self.deferred("callback_listener"),
                device_code=self.sso_device_code or in_ssh_session(self.env),
                authorization_timeout=self.settings.sso_timeout,
                locks=self.deferred("locks"),
            )
            return source(step)

        return {AssumeRoleWithWebIdentity: web_identity, CredentialProcess: credential_process, SsoRoleCredentials: sso}

    def pipeline(self, mfa_token: str = "") -> CredentialPipeline:
        from aws_vault.application.pipeline import CredentialPipeline
        from aws_vault.domain.credential_process import running_profiles

        return CredentialPipeline(
            store=self.store,
            token_service=self.deferred("token_service"),
            mfa_prompt=self.deferred("mfa_prompt"),
            clock=self.clock,
            bus=self.bus,
            cache=self.session_cache(),
            mfa_token=mfa_token,
            sources=self.sources(),
            commands=self.deferred("commands"),
            locks=self.deferred("locks"),
            held_by_caller=running_profiles(self.env),
        )

    def resolve_profile(self) -> ResolveProfile:
        from aws_vault.application.use_cases.get_credentials import ResolveProfile

        return ResolveProfile(self.port("config_source"), self.store, self.env, cache_roles=self.settings.cache_roles)

    def get_credentials(
        self, mfa_token: str = "", *, min_ttl: timedelta | None = None, no_cache: bool = False
    ) -> GetCredentials:
        """``min_ttl``: reuse cached sessions only while this much remains (default ``AWS_MIN_TTL``);
        ``no_cache``: fresh sessions, neither read from nor written to the cache (``rotate``, §3.2)."""
        from aws_vault.application.use_cases.get_credentials import GetCredentials

        pipeline = self.pipeline(mfa_token)
        if no_cache:
            pipeline.cache = None
        elif min_ttl is not None and min_ttl != self.settings.min_ttl:
            from aws_vault.application.session_cache import SessionCache

            pipeline.cache = SessionCache(self.store, self.clock, self.bus, min_ttl)
        return GetCredentials(self.resolve_profile(), pipeline, self.bus)

    def rotate_keys(self, say: Callable[[str], None], mfa_token: str = "") -> RotateKeys:
        from aws_vault.application.use_cases.rotate import RotateKeys

        return RotateKeys(
            self.resolve_profile(),
            self.get_credentials(mfa_token, no_cache=True),
            self.store,
            self.port("access_keys"),
            self.session_cache(),
            self.clock,
            self.bus,
            say,
            verify_for=self.settings.rotate_verify_timeout,
        )

    def explain_plan(self) -> ExplainPlan:
        from aws_vault.application.use_cases.explain_plan import ExplainPlan

        return ExplainPlan(self.resolve_profile(), self.session_cache(), self.clock, self.env)

    def add_credentials(self) -> AddCredentials:
        from aws_vault.application.use_cases.manage_credentials import AddCredentials

        return AddCredentials(
            self.store, self.port("config_source"), self.session_cache(), self.bus, self.deferred("locks"), self.clock
        )

    def watch_key_age(self) -> None:
        """Warn on stderr (at most daily) when the long-term keys read are older than ``key_max_age``.

        The watcher loads only when long-term keys are actually read (a cache miss): a cached lookup pays
        nothing for it.
        """
        if not self.settings.key_max_age:
            return

        def on_event(event: Any) -> None:
            if getattr(event, "added", None) is None:
                return
            from aws_vault.application.key_age import KeyAgeWatch

            KeyAgeWatch(self.clock, self.port("console"), self.port("reminders"), self.settings.key_max_age)(event)

        self.bus.subscribe(on_event)

    def remove_credentials(self) -> RemoveCredentials:
        from aws_vault.application.use_cases.manage_credentials import RemoveCredentials

        return RemoveCredentials(self.store, self.session_cache(), self.bus)

    def delete_sessions(self) -> DeleteSessions:
        from aws_vault.application.use_cases.manage_credentials import DeleteSessions

        return DeleteSessions(self.session_cache(), self.bus)

    def clear_sessions(self) -> ClearSessions:
        from aws_vault.application.use_cases.clear_sessions import ClearSessions

        return ClearSessions(self.store, self.session_cache(), self.port("config_source"), self.env, self.bus)

    def list_profiles(self) -> ListProfiles:
        from aws_vault.application.use_cases.list_profiles import ListProfiles

        return ListProfiles(self.port("config_source"), self.store, self.session_cache())

    def run_command(self) -> RunCommand:
        from aws_vault.application.use_cases.exec_profile import RunCommand

        return RunCommand(self.port("process_runner"), self.bus)

    def sign_in_to_console(self) -> SignInToConsole:
        from aws_vault.application.use_cases.login import SignInToConsole

        return SignInToConsole(
            self.port("federation_service"), self.port("console_signin"), self.port("config_source"), self.env, self.bus
        )

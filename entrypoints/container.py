"""The composition root: the one place that builds adapters and wires them into use cases.

Tests override providers (``container.token_service.override(fake)``) instead of patching modules.
Importing this module costs ~100 ms (dependency-injector pulls in asyncio and friends), so the cached
credential lookup does not come through here: see ``aws_vault.entrypoints.cli.fast_path``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from aws_vault.adapters.browser import WebBrowser
from aws_vault.adapters.clock import SystemClock
from aws_vault.adapters.commands import ShellCommands
from aws_vault.adapters.config.aws_config_source import AwsConfigSource
from aws_vault.adapters.console import StderrConsole
from aws_vault.adapters.console_signin import UrllibConsoleSignin
from aws_vault.adapters.process_runner import OsProcessRunner
from aws_vault.adapters.prompts.gui import KdialogMfaPrompt, OsascriptMfaPrompt, WinCredUiMfaPrompt, ZenityMfaPrompt
from aws_vault.adapters.prompts.terminal import TerminalMfaPrompt, TtyTerminal
from aws_vault.adapters.prompts.ykman import PassOtpMfaPrompt, YkmanMfaPrompt
from aws_vault.adapters.sso.boto3_sso import Boto3SsoOidc, Boto3SsoPortal
from aws_vault.adapters.stores.file_store import FileSecretStore
from aws_vault.adapters.stores.keychain_store import KeychainSecretStore
from aws_vault.adapters.stores.keyctl_store import KeyctlSecretStore
from aws_vault.adapters.stores.kwallet_store import KWalletSecretStore
from aws_vault.adapters.stores.pass_store import PassSecretStore
from aws_vault.adapters.stores.secret_service_store import SecretServiceSecretStore
from aws_vault.adapters.stores.wincred_store import WinCredSecretStore
from aws_vault.adapters.sts.boto3_federation_service import Boto3FederationService
from aws_vault.adapters.sts.boto3_token_service import Boto3TokenService
from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.application.ports import Clock, Terminal
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.sources import CredentialProcessSource, WebIdentitySource
from aws_vault.application.sso import SsoSource
from aws_vault.application.use_cases.clear_sessions import ClearSessions
from aws_vault.application.use_cases.exec_profile import RunCommand
from aws_vault.application.use_cases.get_credentials import GetCredentials, ResolveProfile
from aws_vault.application.use_cases.list_profiles import ListProfiles
from aws_vault.application.use_cases.login import SignInToConsole
from aws_vault.application.use_cases.manage_credentials import AddCredentials, DeleteSessions, RemoveCredentials
from aws_vault.domain.plan import AssumeRoleWithWebIdentity, CredentialProcess, SsoRoleCredentials
from aws_vault.entrypoints.settings import Settings, choose_prompt

if TYPE_CHECKING:
    from aws_vault.adapters.logging.structlog_sink import StructlogEventSink


def file_passphrase(settings: Settings, terminal: Terminal) -> Callable[[], str]:
    """Where the file store's passphrase comes from: the env var if set (even empty), else the TTY."""
    fixed = settings.file_passphrase
    if fixed is not None:
        return lambda: fixed
    # aws-vault reads it from stdin and prints a newline on stdout, polluting `export` (§4.1);
    # we ask on the terminal instead.
    return lambda: terminal.ask(f'Enter passphrase to unlock "{settings.file_dir}": ', secret=True)


def config_profile_names(path: str) -> list[str]:
    """Profile names from the config file at ``path`` (shell completion)."""
    return AwsConfigSource(path).load().profile_names()


def prompt_driver(settings: Settings, env: Mapping[str, str]) -> str:
    """The named driver, or aws-vault's auto choice (§5), made only when an MFA prompt is being built."""
    return choose_prompt(settings.prompt, env, stdout_is_tty=sys.stdout.isatty())


def debug_sink(clock: Clock) -> StructlogEventSink:
    from aws_vault.adapters.logging.structlog_sink import StructlogEventSink

    return StructlogEventSink(clock)


class Container(containers.DeclarativeContainer):
    settings = providers.Object(Settings())
    env = providers.Object(os.environ)

    clock = providers.Singleton(SystemClock)
    bus = providers.Singleton(EventBus)
    terminal = providers.Singleton(TtyTerminal)
    debug_sink = providers.Singleton(debug_sink, clock)

    secret_store = providers.Selector(
        settings.provided.backend,
        file=providers.Singleton(
            FileSecretStore,
            directory=settings.provided.file_dir,
            passphrase=providers.Callable(file_passphrase, settings, terminal),
        ),
        **{
            "secret-service": providers.Singleton(
                SecretServiceSecretStore, collection_name=settings.provided.secret_service_collection
            )
        },
        kwallet=providers.Singleton(KWalletSecretStore),
        keychain=providers.Singleton(KeychainSecretStore, keychain_name=settings.provided.keychain),
        wincred=providers.Singleton(WinCredSecretStore),
        keyctl=providers.Singleton(KeyctlSecretStore, scope=settings.provided.keyctl_scope),
        # A bare `pass` is what the module's default means; an explicit value wins.
        **{
            "pass": providers.Singleton(
                PassSecretStore,
                pass_cmd=settings.provided.pass_cmd,
                store_dir=settings.provided.pass_dir,
                prefix=settings.provided.pass_prefix,
                env=env,
            )
        },
    )
    config_source = providers.Singleton(AwsConfigSource, path=settings.provided.config_path)
    token_service = providers.Singleton(Boto3TokenService)
    mfa_prompt = providers.Selector(
        providers.Callable(prompt_driver, settings, env),
        terminal=providers.Singleton(TerminalMfaPrompt, terminal=terminal),
        kdialog=providers.Singleton(KdialogMfaPrompt, env=env),
        osascript=providers.Singleton(OsascriptMfaPrompt, env=env),
        zenity=providers.Singleton(ZenityMfaPrompt, env=env),
        ykman=providers.Singleton(YkmanMfaPrompt, env=env),
        wincredui=providers.Singleton(WinCredUiMfaPrompt),
        **{"pass": providers.Singleton(PassOtpMfaPrompt, env=env)},
    )
    process_runner = providers.Singleton(OsProcessRunner)
    commands = providers.Singleton(
        ShellCommands, env=env, timeout=providers.Callable(lambda s: s.process_timeout.total_seconds(), settings)
    )

    web_identity_source = providers.Singleton(WebIdentitySource, sts=token_service, commands=commands, clock=clock)
    credential_process_source = providers.Singleton(CredentialProcessSource, commands=commands, env=env)
    sso_oidc = providers.Singleton(Boto3SsoOidc, env=env)
    sso_portal = providers.Singleton(Boto3SsoPortal, env=env)
    browser = providers.Singleton(WebBrowser, env=env)
    console = providers.Singleton(StderrConsole)
    sso_use_stdout = providers.Object(False)  # exec/export --stdout (AWS_VAULT_STDOUT); the CLI overrides it
    sso_source = providers.Factory(
        SsoSource,
        oidc=sso_oidc,
        portal=sso_portal,
        browser=browser,
        console=console,
        store=secret_store,
        clock=clock,
        bus=bus,
        use_stdout=sso_use_stdout,
    )
    sources = providers.Dict(
        {
            AssumeRoleWithWebIdentity: web_identity_source,
            CredentialProcess: credential_process_source,
            SsoRoleCredentials: sso_source,
        }
    )

    session_cache = providers.Singleton(
        SessionCache, store=secret_store, clock=clock, bus=bus, min_ttl=settings.provided.min_ttl
    )
    pipeline = providers.Factory(
        CredentialPipeline,
        store=secret_store,
        token_service=token_service,
        mfa_prompt=mfa_prompt,
        clock=clock,
        bus=bus,
        cache=session_cache,
        sources=sources,
        commands=commands,
    )
    resolve_profile = providers.Factory(ResolveProfile, config=config_source, store=secret_store, env=env)
    get_credentials = providers.Factory(GetCredentials, resolve=resolve_profile, pipeline=pipeline, bus=bus)
    add_credentials = providers.Factory(
        AddCredentials, store=secret_store, config=config_source, cache=session_cache, bus=bus
    )
    remove_credentials = providers.Factory(RemoveCredentials, store=secret_store, cache=session_cache, bus=bus)
    delete_sessions = providers.Factory(DeleteSessions, cache=session_cache, bus=bus)
    clear_sessions = providers.Factory(
        ClearSessions, store=secret_store, cache=session_cache, config=config_source, env=env, bus=bus
    )
    list_profiles = providers.Factory(ListProfiles, config=config_source, store=secret_store, cache=session_cache)
    run_command = providers.Factory(RunCommand, runner=process_runner, bus=bus)
    federation_service = providers.Singleton(Boto3FederationService, env=env)
    console_signin = providers.Singleton(UrllibConsoleSignin)
    sign_in_to_console = providers.Factory(
        SignInToConsole, federation=federation_service, signin=console_signin, config=config_source, env=env, bus=bus
    )

"""The composition root: the one place that builds adapters and wires them into use cases.

Tests override providers (``container.token_service.override(fake)``) instead of patching modules.
Importing this module costs ~100 ms (dependency-injector pulls in asyncio and friends), so the cached
credential lookup does not come through here: see ``entrypoints.cli.fast_path``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.commands import ShellCommands
from adapters.config.aws_config_source import AwsConfigSource
from adapters.process_runner import OsProcessRunner
from adapters.prompts.terminal import TerminalMfaPrompt, TtyTerminal
from adapters.stores.file_store import FileSecretStore
from adapters.sts.boto3_token_service import Boto3TokenService
from application.bus import EventBus
from application.pipeline import CredentialPipeline
from application.ports import Clock, Terminal
from application.session_cache import SessionCache
from application.sources import CredentialProcessSource, WebIdentitySource
from application.use_cases.exec_profile import RunCommand
from application.use_cases.get_credentials import GetCredentials, ResolveProfile
from application.use_cases.list_profiles import ListProfiles
from application.use_cases.manage_credentials import AddCredentials, DeleteSessions, RemoveCredentials
from domain.plan import AssumeRoleWithWebIdentity, CredentialProcess
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.logging.structlog_sink import StructlogEventSink


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


def debug_sink(clock: Clock) -> StructlogEventSink:
    from adapters.logging.structlog_sink import StructlogEventSink

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
    )
    config_source = providers.Singleton(AwsConfigSource, path=settings.provided.config_path)
    token_service = providers.Singleton(Boto3TokenService)
    mfa_prompt = providers.Selector(
        settings.provided.prompt,
        terminal=providers.Singleton(TerminalMfaPrompt, terminal=terminal),
    )
    process_runner = providers.Singleton(OsProcessRunner)
    commands = providers.Singleton(ShellCommands, env=env)

    web_identity_source = providers.Singleton(WebIdentitySource, sts=token_service, commands=commands, clock=clock)
    credential_process_source = providers.Singleton(CredentialProcessSource, commands=commands, env=env)
    sources = providers.Dict(
        {
            AssumeRoleWithWebIdentity: web_identity_source,
            CredentialProcess: credential_process_source,
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
    list_profiles = providers.Factory(ListProfiles, config=config_source, store=secret_store, cache=session_cache)
    run_command = providers.Factory(RunCommand, runner=process_runner)

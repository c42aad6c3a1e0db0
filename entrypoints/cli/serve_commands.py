"""``exec --ecs-server`` / ``--ec2-server`` and ``serve``: credentials over HTTP (issue 11, reference §6).

Both serve through the public ``Vault`` over the CLI's one wiring (``Vault(rt.wiring)``): the same store,
session cache, prompt driver and ``--debug`` log as every other command.

- ``exec`` with a server runs the command as a sub-process (the server lives in this process): the
  child gets the server's address and token and no key variables; its exit status is ours, every signal
  we receive is forwarded to it, and the server stops when it exits.
- ``serve`` runs until SIGINT, SIGTERM or SIGHUP: several profiles under ``/profiles/<name>`` (the first
  one also under ``/``), its token in a 0600 file without a trailing newline, for
  ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``.

Only the parser helpers are defined at import time; everything else loads when a server is asked for.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aws_vault.domain.errors import (
    AwsVaultError,
    ConfigError,
    UsageError,
)

if TYPE_CHECKING:
    from aws_vault.entrypoints.api import Vault
    from aws_vault.entrypoints.cli.main import Runtime
    from aws_vault.entrypoints.http.cache import CredentialCaches

# What the command must not inherit: a server of our own takes precedence only if nothing else is
# named (botocore tries the container variables before the instance metadata, and a relative URI
# before a full one; a token file before a token).
_SERVER_VARIABLES = (
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_EC2_METADATA_DISABLED",
)


# --- the parser (called by cli/parser.py) -------------------------------------------------------------


def add_exec_server_flags(ex: argparse.ArgumentParser) -> None:
    ex.add_argument("--ecs-server", dest="ecs_server", action="store_true",
                    help="Run an ECS credential server for the command; its AWS SDK reads "
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI")
    # v4's --server/-s ran the EC2 metadata server: the seed's version wins where v4 and v7 differ (v7 made
    # it an alias of --ecs-server, reference §1.3), so it stays an alias of --ec2-server here.
    ex.add_argument("-s", "--ec2-server", "--server", dest="ec2_server", action="store_true",
                    help="Run an EC2 instance metadata server (IMDSv2) for the command on a loopback port named "
                         "in AWS_EC2_METADATA_SERVICE_ENDPOINT (--server/-s: v4's name)")
    ex.add_argument("--ec2-link-local", action="store_true",
                    help="With --ec2-server: listen on 169.254.169.254:80, where SDKs look without configuration "
                         "(needs root and the address on a loopback device)")
    ex.add_argument("--lazy", action="store_true",
                    help="With a server, fetch credentials on the command's first request, not before it starts")


def add_serve_parser(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    sv = sub.add_parser(
        "serve", parents=[common], help="Serve credentials over HTTP to containers and IDEs",
        description="Serve credentials over HTTP with the ECS container credentials protocol until interrupted: "
                    "each profile at /profiles/<name>, the first one also at /, on 127.0.0.1. Clients use "
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (both printed "
                    "on start-up). Credentials are renewed before they expire; /healthz needs no token.")
    sv.add_argument("-d", "--duration", metavar="DURATION",
                    help="Duration of the temporary or assume-role session. Defaults to 1h")
    sv.add_argument("--region", default="", help="The AWS region")
    sv.add_argument("-t", "-m", "--mfa-token", dest="mfa_token", default="", metavar="TOKEN",
                    help="The MFA token to use for the first fetch")
    sv.add_argument("--port", type=int, default=0, help="Port on 127.0.0.1 (default: a free one)")
    sv.add_argument("--token-file", default="", metavar="PATH",
                    help="Write the token here (mode 0600, no newline); default: a new private temporary directory")
    sv.add_argument("--lazy", action="store_true", help="Fetch each profile's credentials on its first request")
    sv.add_argument("profiles", nargs="*", metavar="profile", help="Profiles to serve ($AWS_PROFILE)")


# --- shared -------------------------------------------------------------------------------------------


def _duration(value: str | None) -> timedelta | None:
    from aws_vault.domain.durations import parse_setting

    return parse_setting(value, where="--duration") if value else None  # as exec's flags: no negatives


def _prefixed(prefix: str, error: AwsVaultError) -> AwsVaultError:
    from aws_vault.entrypoints.cli.main import _prefixed as prefixed

    return prefixed(prefix, error)


def _fetch_error(profile: str, error: AwsVaultError) -> AwsVaultError:
    """The upstream error as ``exec`` words it."""
    from aws_vault.entrypoints.cli.main import credentials_failure

    cause = error.__cause__ if isinstance(error.__cause__, AwsVaultError) else error
    return credentials_failure(profile, cause)


def _check_profile(vault: Vault, caches: CredentialCaches, profile: str, lazy: bool) -> None:
    """Before serving: fetch (unless lazy), or at least resolve the profile, so mistakes show at once."""
    try:
        if lazy:
            vault.plan(profile)  # config and stored key names only: no AWS call, no prompt
        else:
            caches.get(profile)
    except AwsVaultError as e:  # UpstreamError too
        raise _fetch_error(profile, e) from e


def _help_message_allowed(rt: Runtime) -> bool:
    return not rt.settings.debug and sys.stdout.isatty() and rt.env.get("AWS_VAULT_DISABLE_HELP_MESSAGE") != "1"


def child_environment(
    parent: Mapping[str, str], profile: str, region: str, server: Mapping[str, str]
) -> dict[str, str]:
    """``exec``'s child environment (§2.9 step 5) with the server's variables instead of keys."""
    from aws_vault.application.use_cases import exec_profile

    return exec_profile.child_environment(
        parent, profile, None, region, server=server, drop=frozenset(_SERVER_VARIABLES)
    )


# --- exec --ecs-server / --ec2-server -----------------------------------------------------------------


def exec_with_server(rt: Runtime, profile: str) -> int:
    from aws_vault.application.use_cases.exec_profile import RunCommand
    from aws_vault.entrypoints.api import Vault
    from aws_vault.entrypoints.http.cache import vault_caches
    from aws_vault.entrypoints.http.ec2_metadata_server import LINK_LOCAL, Ec2MetadataApp
    from aws_vault.entrypoints.http.ecs_server import EcsApp, new_token
    from aws_vault.entrypoints.http.server import App, CredentialServer
    from aws_vault.entrypoints.settings import choose_prompt

    args, env = rt.args, rt.env
    ecs = bool(args.ecs_server)
    mode = "--ecs-server" if ecs else "--ec2-server"
    # aws-vault's flag checks and wording (§1.3 exec).
    if ecs and args.ec2_server:
        raise UsageError("Can't use --ec2-server with --ecs-server")
    if args.ec2_link_local and not args.ec2_server:
        raise UsageError("--ec2-link-local needs --ec2-server")
    if args.json:
        raise UsageError(f"Can't use {mode} with --json")
    if args.no_session:
        raise UsageError(f"Can't use {mode} with --no-session")
    if getattr(args, "session_ttl", None) or getattr(args, "assume_role_ttl", None):
        raise UsageError(f"Can't use --session-ttl or --assume-role-ttl with {mode}; use --duration")
    # Renewals ask in the background while the command has the terminal: a GUI driver when one is
    # installed. aws-vault refuses the terminal outright (§1.3); we keep it as the last resort (and
    # for --prompt=terminal), since mfa_process and the cached MFA session make most renewals silent.
    rt.settings = rt.settings._replace(
        prompt=choose_prompt(rt.settings.prompt, env, stdout_is_tty=sys.stdout.isatty(), avoid_terminal=True)
    )
    wiring = rt.wiring
    wiring.watch_key_age()
    vault = Vault(wiring)
    publish = wiring.bus.publish
    duration = _duration(args.duration)
    caches = vault_caches(vault, publish, duration=duration, region=args.region, mfa_token=args.mfa_token)
    _check_profile(vault, caches, profile, args.lazy)
    try:
        region = args.region or vault.region(profile)
    except ConfigError as e:
        raise _prefixed("Error loading config: ", e) from e

    app: App
    if ecs:
        token = new_token()
        app = EcsApp(caches, token, default_profile=profile)
        server = CredentialServer(app, publish, profiles=(profile,))
        variables = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
        notice = (
            "Starting a local ECS credential server; "
            "your app's AWS sdk must support AWS_CONTAINER_CREDENTIALS_FULL_URI."
        )
    else:
        app = Ec2MetadataApp(caches, profile, region)
        if args.ec2_link_local:
            server = CredentialServer(app, publish, LINK_LOCAL, 80, allow_address=LINK_LOCAL, profiles=(profile,))
            variables = {}
            notice = (
                f"Warning: Starting a local EC2 credential server on {LINK_LOCAL}:80; "
                "AWS credentials will be accessible to any process while it is running"
            )
        else:
            server = CredentialServer(app, publish, profiles=(profile,))
            variables = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": f"{server.url}/"}
            notice = (
                f"Starting a local EC2 instance metadata server (IMDSv2) on {server.address}; "
                "your app's AWS sdk must support AWS_EC2_METADATA_SERVICE_ENDPOINT."
            )
    if _help_message_allowed(rt):
        sys.stderr.write(notice + "\n")

    command = list(args.cmd) or [env.get("SHELL") or "/bin/sh"]
    child_env = child_environment(env, profile, region, variables)
    run = RunCommand(wiring.port("subprocess_runner"), wiring.bus)
    server.start()
    try:
        return int(run(command, child_env))
    finally:
        server.stop()


# --- serve --------------------------------------------------------------------------------------------


def write_token_file(path: str, token: str) -> None:
    """``token`` into ``path``, mode 0600, no trailing newline (botocore refuses a token with ``\\n`` and
    re-reads the file on every refresh), replaced atomically so a reader never sees half of it."""
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".aws-vault-token-")  # created 0600
    try:
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, token.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # no half-written token left behind
        raise


def cmd_serve(rt: Runtime) -> int:
    import shutil
    import signal
    import tempfile
    import threading

    from aws_vault.entrypoints.api import Vault
    from aws_vault.entrypoints.http.cache import vault_caches
    from aws_vault.entrypoints.http.ecs_server import EcsApp, new_token
    from aws_vault.entrypoints.http.server import CredentialServer

    args, env = rt.args, rt.env
    profiles = list(dict.fromkeys(args.profiles)) or [p for p in [env.get("AWS_PROFILE", "")] if p]
    if not profiles:
        raise UsageError("name at least one profile to serve (or set AWS_PROFILE), try --help")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: {args.port} is not a port number")
    wiring = rt.wiring
    vault = Vault(wiring)
    publish = wiring.bus.publish
    caches = vault_caches(
        vault, publish, duration=_duration(args.duration), region=args.region, mfa_token=args.mfa_token
    )
    token = new_token()
    app = EcsApp(caches, token, default_profile=profiles[0], profiles=profiles, health=True, kind="serve")
    server = CredentialServer(app, publish, "127.0.0.1", args.port, profiles=profiles)  # "port in use" here
    private_dir = ""
    try:
        for profile in profiles:
            _check_profile(vault, caches, profile, args.lazy)
        token_file = args.token_file
        if not token_file:
            private_dir = tempfile.mkdtemp(prefix="aws-vault-serve-")  # 0700
            token_file = os.path.join(private_dir, "token")
        try:
            write_token_file(token_file, token)
        except OSError as e:
            raise AwsVaultError(f"cannot write the token file {token_file}: {e.strerror or e}") from e

        stop = threading.Event()
        stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {sig: signal.signal(sig, lambda _s, _f: stop.set()) for sig in stopping}
        server.start()
        try:
            sys.stdout.write(
                f"AWS_CONTAINER_CREDENTIALS_FULL_URI={server.url}/\n"
                f"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={os.path.abspath(token_file)}\n"
            )
            sys.stdout.flush()
            lines = [f"aws-vault: serving {p} at {server.url}/profiles/{p}" for p in profiles]
            lines.append(f"aws-vault: {profiles[0]} also at {server.url}/; health check at {server.url}/healthz")
            sys.stderr.write("\n".join(lines) + "\n")
            sys.stderr.flush()
            while not stop.wait(1.0):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if not private_dir:
                with contextlib.suppress(OSError):
                    os.unlink(token_file)
    finally:
        server.stop()
        if private_dir:
            shutil.rmtree(private_dir, ignore_errors=True)
    return 0

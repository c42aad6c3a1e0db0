"""``aws-vault`` command line: parse, dispatch, and one error funnel.

``main(argv, env=None, container=None) -> int`` never raises for bad input: every ``AwsVaultError``
becomes ``aws-vault: error: <cmd>: <message>`` on stderr and exit status 1 (reference §1.1), with a
traceback only under ``--debug``. Heavy modules (the container, boto3, structlog) load on demand.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from aws_vault import __version__ as VERSION
from aws_vault.domain.durations import format_duration, parse_setting, truncate_to_seconds
from aws_vault.domain.errors import (
    AwsVaultError,
    BackendUnavailableError,
    ConfigError,
    CredentialsMissingError,
    NestedSessionError,
    ProfileNotFoundError,
    PromptError,
    UsageError,
    escape_controls,
)
from aws_vault.domain.role_chain import ResolveOptions
from aws_vault.entrypoints.cli import formats
from aws_vault.entrypoints.settings import BackendChoiceError, Settings, check_prompt, parse_go_bool

GLOBAL_FLAGS = (
    "backend",
    "prompt",
    "file_dir",
    "keychain",
    "secret_service_collection",
    "pass_dir",
    "pass_cmd",
    "pass_prefix",
    "keyctl_scope",
    "keyring_service",
    "debug",
)

if TYPE_CHECKING:
    import argparse

    from aws_vault.application.use_cases.get_credentials import CredentialsRequest, ResolvedCredentials
    from aws_vault.entrypoints.container import Container
    from aws_vault.entrypoints.wiring import Wiring


class _Prefixed(AwsVaultError):
    pass


def _prefixed(prefix: str, error: AwsVaultError) -> _Prefixed:
    wrapped = _Prefixed(f"{prefix}{error}")
    wrapped.__cause__ = error
    return wrapped


class Runtime:
    """What one invocation needs: the settings (read once), the streams, and the wiring (built on first use)."""

    def __init__(self, args: argparse.Namespace, env: Mapping[str, str], container: Container | None) -> None:
        self.args = args
        self.env = env
        flags = {name: getattr(args, name, None) for name in GLOBAL_FLAGS}
        self.settings = Settings.build(env, flags)
        check_prompt(self.settings.prompt, env)  # aws-vault validates --prompt before any command (§1.2)
        self.sso_stdout = _sso_stdout(args, env)
        self.sso_device_code = _sso_device_code(args, env)
        self._container = container
        self._wiring: Wiring | None = None

    @property
    def wiring(self) -> Wiring:
        """The one wiring: the injected container's (tests), else the light one (heavy ports on demand)."""
        if self._wiring is None:
            if self._container is not None:
                self._container.configure(self.settings, self.env)
                self._container.sso_use_stdout.override(self.sso_stdout)
                self._container.sso_device_code.override(self.sso_device_code)
                wiring = self._container.wiring()
            else:
                from aws_vault.entrypoints.wiring import Wiring

                wiring = Wiring(
                    self.settings, self.env, sso_use_stdout=self.sso_stdout, sso_device_code=self.sso_device_code
                )
            if self.settings.debug:
                sink = wiring.port("debug_sink")
                wiring.bus.subscribe(sink)
                sink.line(f"aws-vault {VERSION}")
            self._wiring = wiring
        return self._wiring

    def credentials(self, request: CredentialsRequest, mfa_token: str) -> ResolvedCredentials:
        return self.wiring.get_credentials(mfa_token)(request)


def _sso_stdout(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    """exec/export ``--stdout``, or the fork's ``AWS_VAULT_STDOUT``."""
    return _bool_option(args, env, "stdout", "AWS_VAULT_STDOUT")


def _sso_device_code(args: argparse.Namespace, env: Mapping[str, str]) -> bool:
    """exec/export/login ``--device-code``, or ``AWS_VAULT_DEVICE_CODE``: sign in to SSO with the device flow."""
    return _bool_option(args, env, "device_code", "AWS_VAULT_DEVICE_CODE")


def _bool_option(args: argparse.Namespace, env: Mapping[str, str], flag_name: str, variable: str) -> bool:
    """A boolean flag, else its variable read as Go's strconv.ParseBool does; ``False`` for a command
    without the flag."""
    flag = getattr(args, flag_name, None)
    if flag is None:
        return False
    value = env.get(variable, "")
    if flag or not value:
        return bool(flag)
    return parse_go_bool(value, variable)


def _duration(value: str | None, flag: str) -> timedelta | None:
    return parse_setting(value, where=f"--{flag}") if value else None


def _request(args: argparse.Namespace, profile: str) -> CredentialsRequest:
    from aws_vault.application.use_cases.get_credentials import CredentialsRequest

    options = ResolveOptions(
        region=args.region,
        duration=_duration(args.duration, "duration"),
        session_ttl=_duration(getattr(args, "session_ttl", None), "session-ttl"),
        assume_role_ttl=_duration(getattr(args, "assume_role_ttl", None), "assume-role-ttl"),
    )
    # login: the target's own GetSessionToken session cannot sign in to the console (§7 step 2).
    no_session_for = profile if args.command == "login" else ""
    return CredentialsRequest(
        profile=profile, options=options, no_session=args.no_session, no_session_for=no_session_for
    )


def credentials_failure(profile: str, error: AwsVaultError) -> AwsVaultError:
    """How ``exec``/``export`` (and the servers) word a failure to get ``profile``'s credentials (§1.1)."""
    if isinstance(error, ConfigError):
        return _load_config_errors(error)
    if isinstance(error, UsageError | ProfileNotFoundError):
        return error
    if isinstance(error, CredentialsMissingError):
        return _prefixed("Error getting temporary credentials: ", error)
    return _prefixed(f"Failed to get credentials for {profile}: ", error)


def _resolve_credentials(rt: Runtime, profile: str) -> ResolvedCredentials:
    request = _request(rt.args, profile)
    try:
        return rt.credentials(request, rt.args.mfa_token)
    except ConfigError:
        raise  # the callers add "Error loading config: "
    except AwsVaultError as e:
        worded = credentials_failure(profile, e)
        if worded is e:
            raise
        raise worded from e


def _load_config_errors(error: ConfigError) -> _Prefixed:
    return _prefixed("Error loading config: ", error)


def cmd_exec(rt: Runtime) -> int:
    args, env = rt.args, rt.env
    if env.get("AWS_VAULT"):
        raise NestedSessionError(
            "running in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force"
        )
    profile = args.profile or env.get("AWS_PROFILE", "")
    if not profile:
        raise UsageError("required argument 'profile' not provided, try --help")
    if any(getattr(args, flag, False) for flag in ("ecs_server", "ec2_server", "ec2_link_local")):
        from aws_vault.entrypoints.cli.serve_commands import exec_with_server

        return exec_with_server(rt, profile)
    rt.wiring.watch_key_age()
    try:
        resolved = _resolve_credentials(rt, profile)
    except ConfigError as e:
        raise _load_config_errors(e) from e
    if args.json:
        sys.stdout.write(formats.credential_process_json(resolved.credentials))
        return 0
    command = list(args.cmd)
    if not command:
        shell = env.get("SHELL") or "/bin/sh"
        command = [shell]
        if (
            not rt.settings.debug
            and sys.stdout.isatty()
            and env.get("AWS_VAULT_DISABLE_HELP_MESSAGE") != "1"
        ):
            sys.stderr.write(f"Starting subshell {shell}, use `exit` to exit the subshell\n")
    from aws_vault.application.use_cases.exec_profile import child_environment

    child_env = child_environment(env, profile, resolved.credentials, resolved.plan.region)
    return int(rt.wiring.run_command()(command, child_env))


def cmd_export(rt: Runtime) -> int:
    args, env = rt.args, rt.env
    if env.get("AWS_VAULT"):
        raise NestedSessionError(
            "in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force"
        )
    rt.wiring.watch_key_age()
    try:
        resolved = _resolve_credentials(rt, args.profile)
    except ConfigError as e:
        raise _load_config_errors(e) from e
    sys.stdout.write(formats.render_export(args.format, args.profile, resolved.credentials, resolved.plan.region))
    return 0


def cmd_add(rt: Runtime) -> int:
    from aws_vault.domain.credentials import Credentials

    args, env = rt.args, rt.env
    use_case = rt.wiring.add_credentials()
    use_case.check(args.profile, add_config=args.add_config)
    if args.env:
        key_id = env.get("AWS_ACCESS_KEY_ID", "")
        secret = env.get("AWS_SECRET_ACCESS_KEY", "")
        if not key_id:
            raise UsageError("Missing value for AWS_ACCESS_KEY_ID")
        if not secret:
            raise UsageError("Missing value for AWS_SECRET_ACCESS_KEY")
    else:
        terminal = rt.wiring.port("terminal")
        # The seed's wording (v4 USAGE): "Enter Access Key Id:" / "Enter Secret Key:".
        key_id = terminal.ask("Enter Access Key Id: ").strip()
        if not key_id:
            raise UsageError("Missing value for the access key id")
        secret = terminal.ask("Enter Secret Key: ", secret=True).strip()
        if not secret:
            raise UsageError("Missing value for the secret key")
    if not (_printable_ascii(key_id) and _printable_ascii(secret)):
        raise UsageError("access keys are printable ASCII; the values given are not")
    result = use_case(args.profile, Credentials(key_id, secret), add_config=args.add_config)
    print(f'Added credentials to profile "{args.profile}" in vault')
    if result.sessions_deleted:
        print(f"Deleted {result.sessions_deleted} existing sessions.")
    return 0


def cmd_remove(rt: Runtime) -> int:
    args = rt.args
    wiring = rt.wiring
    if not args.sessions_only:
        if not args.force:
            # The seed's prompt: yes is the default, only n/no cancels.
            try:
                answer = wiring.port("terminal").ask(f'Delete credentials for profile "{args.profile}"? (Y|n)')
            except PromptError as e:
                raise PromptError("no terminal to confirm on: use --force to remove without asking") from e
            if answer.strip().lower() in ("n", "no"):
                return 0
        wiring.remove_credentials()(args.profile)
        print("Deleted credentials.")
    count = wiring.delete_sessions()(args.profile)
    print(f"Deleted {count} sessions.")
    return 0


def _session_label(kind: str, expires_in: timedelta) -> str:
    return f"{kind}:{format_duration(truncate_to_seconds(expires_in))}"


def cmd_list(rt: Runtime) -> int:
    args = rt.args
    listing = rt.wiring.list_profiles()()
    if args.credentials:
        sys.stdout.write("".join(f"{n}\n" for n in listing.credential_names))
        return 0
    if args.profiles:
        sys.stdout.write("".join(f"{n}\n" for n in listing.profile_names))
        return 0
    now = rt.wiring.clock.now()
    if args.sessions:
        # OIDC token labels first, then the STS/SSO sessions (§1.3 list).
        labels = [*listing.oidc_tokens, *(_session_label(s.type, s.expires - now) for s in listing.sessions)]
        sys.stdout.write("".join(f"{label}\n" for label in labels))
        return 0
    rows = [["Profile", "Credentials", "Sessions"], ["=======", "===========", "========"]]
    for row in listing.rows:
        # The seed's table: the credentials a profile uses, and its sessions' expiry times; a profile
        # without sessions shows a blank there, as the seed does (its Profile/Credentials cells use "-").
        sessions = ", ".join(str(s.expiry) for s in row.sessions)
        rows.append([row.profile or "-", row.credentials or "-", sessions])
    if getattr(args, "show_age", False):
        from aws_vault.application.key_age import key_added

        added = key_added(rt.wiring.store, list(listing.credential_names))
        rows[0].append("Key age")
        rows[1].append("=======")
        for cells, row in zip(rows[2:], listing.rows, strict=True):
            when = added.get(row.credentials)
            cells.append("-" if when is None else f"{max((now - when).days, 0)}d")
    sys.stdout.write(formats.tabwriter(rows))
    return 0


def cmd_clear(rt: Runtime) -> int:
    # Sessions and OIDC tokens together make the count (§1.3 clear).
    count = rt.wiring.clear_sessions()(rt.args.profile)
    print(f"Cleared {count} sessions.")
    return 0


def cmd_login(rt: Runtime) -> int:
    """Open (or print) an AWS console sign-in URL (§7). No ``AWS_VAULT`` check: it works inside ``exec``."""
    from aws_vault.application.use_cases.login import ConsoleLoginRequest, environment_credentials
    from aws_vault.domain.errors import LoginError
    from aws_vault.domain.login import (
        console_ready,
        federation_duration,
        federation_url_from_env,
        redact_signin_token,
    )
    from aws_vault.domain.plan import sts_target

    args, env = rt.args, rt.env
    profile = args.profile or env.get("AWS_PROFILE", "")  # the fork's default
    flag, flag_name = _duration(args.duration, "duration"), "--duration"
    if not flag:  # unset or zero: the v4 flag, then the variable
        flag, flag_name = _duration(args.federation_token_ttl, "federation-token-ttl"), "--federation-token-ttl"
    duration, setting = federation_duration(flag, env.get("AWS_FEDERATION_TOKEN_TTL", ""), flag_name)
    sign_in = rt.wiring.sign_in_to_console()
    try:
        if profile:
            resolved = _resolve_credentials(rt, profile)
            config, creds, ready = resolved.profile, resolved.credentials, console_ready(resolved.plan)
        else:
            found = environment_credentials(env)
            if found is None:
                raise UsageError("argument 'profile' not provided, nor any AWS env vars found. Try --help")
            config, creds, ready = sign_in.environment_profile(_request(args, "").options), found, False
    except ConfigError as e:
        raise _load_config_errors(e) from e
    request = ConsoleLoginRequest(
        profile=config.name,
        credentials=creds,
        console_ready=ready,
        target=sts_target(config),
        region=config.region,
        path=args.path,
        federation_duration=duration,
        federation_duration_setting=setting,
        federation_url=federation_url_from_env(env),
    )
    url = sign_in(request)
    if rt.sso_stdout:  # --stdout or AWS_VAULT_STDOUT
        sys.stdout.write(f"{url}\n")
        return 0
    if not rt.wiring.port("browser").open(url):
        # aws-vault prints the whole URL here; its SigninToken is a bearer credential, so we hide it.
        raise LoginError(f"Failed to open {redact_signin_token(url)}: no browser could be started")
    return 0


def cmd_check_config(rt: Runtime) -> int:
    """Lint the AWS config file offline; exit 1 when there is at least one error."""
    import json

    from aws_vault.domain.check import ERROR, SYNTAX_ERROR, Finding, check_config
    from aws_vault.domain.errors import ConfigSyntaxError

    source = rt.wiring.port("config_source")
    try:
        findings = check_config(source.load())
    except ConfigSyntaxError as e:
        # The file does not parse: that is the one finding (the parser stops at the first bad line).
        reason = str(e).removeprefix(f"{e.path}:{e.line}: ")
        findings = [Finding(ERROR, e.path, e.line, "", "", reason, SYNTAX_ERROR)]
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    if rt.args.format == "json":
        document = {"findings": [f._asdict() for f in findings], "errors": errors, "warnings": warnings}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        lines = [
            f"{f.path}:{f.line}: {f.severity}: " + (f"[{f.profile}] " if f.profile else "") + f"{f.message} ({f.code})"
            for f in findings
        ]
        lines.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}" if findings else "no problems found")
        sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 1 if errors else 0


def cmd_rotate(rt: Runtime) -> int:
    """Replace the stored access key (§8, with the checks that keep a working key stored at every step)."""
    from aws_vault.application.use_cases.rotate import RotateRequest

    args = rt.args

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    try:
        rt.wiring.rotate_keys(say, args.mfa_token)(RotateRequest(args.profile, no_session=args.no_session))
    except ConfigError as e:
        raise _load_config_errors(e) from e
    return 0


def cmd_plan(rt: Runtime) -> int:
    """What getting the profile's credentials would do now: no AWS call, no prompt."""
    import json

    from aws_vault.application.use_cases.get_credentials import CredentialsRequest

    args, env = rt.args, rt.env
    profile = args.profile or env.get("AWS_PROFILE", "")
    if not profile:
        raise UsageError("required argument 'profile' not provided, try --help")
    try:
        plan = rt.wiring.explain_plan()(
            CredentialsRequest(profile, no_session=args.no_session), mfa_token_given=bool(args.mfa_token)
        )
    except ConfigError as e:
        raise _load_config_errors(e) from e
    if args.format == "json":
        sys.stdout.write(json.dumps(plan, indent=2) + "\n")
    else:
        sys.stdout.write(formats.render_plan_text(plan))
    return 0


def cmd_serve(rt: Runtime) -> int:
    from aws_vault.entrypoints.cli.serve_commands import cmd_serve as serve

    return serve(rt)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


COMMANDS = {
    "check-config": cmd_check_config,
    "plan": cmd_plan,
    "rotate": cmd_rotate,
    "exec": cmd_exec,
    "export": cmd_export,
    "add": cmd_add,
    "remove": cmd_remove,
    "rm": cmd_remove,
    "list": cmd_list,
    "ls": cmd_list,
    "clear": cmd_clear,
    "login": cmd_login,
    "serve": cmd_serve,
}


def credential_process_profile(argv: list[str]) -> str | None:
    """The profile when ``argv`` is exactly a credential_process lookup, else ``None``.

    ``export --format=json PROFILE`` and ``exec --json PROFILE`` (any order, nothing else on the line)
    are what SDKs run on every call; building the full parser costs ~10 ms (argparse, shutil, locale),
    so ``main`` answers these without it. Anything else goes through the parser.
    """
    if not argv or argv[0] not in ("export", "exec"):
        return None
    rest = list(argv[1:])
    if argv[0] == "export":
        if "--format=json" in rest:
            rest.remove("--format=json")
        elif "--format" in rest and rest[rest.index("--format") + 1 :][:1] == ["json"]:
            i = rest.index("--format")
            del rest[i : i + 2]
        else:
            return None
    else:
        flags = [a for a in rest if a in ("--json", "-j")]
        if len(flags) != 1:
            return None
        rest.remove(flags[0])
    if len(rest) != 1 or rest[0].startswith("-") or not rest[0]:
        return None
    return rest[0]


def quick_args(argv: list[str]) -> argparse.Namespace | None:
    """What the parser makes of the commonest command lines, without loading argparse (~5 ms with shutil,
    gettext and locale): the credential_process lookups, ``exec PROFILE -- CMD...`` and a bare ``list``.
    ``None`` for anything else. ``tests/unit/entrypoints/test_quick_args.py`` holds these to the parser.
    """
    from types import SimpleNamespace

    session = {
        "region": "", "duration": None, "no_session": False, "mfa_token": "", "stdout": False, "device_code": False,
    }  # fmt: skip
    profile = credential_process_profile(argv)
    if profile is not None:
        if argv[0] == "export":
            args = SimpleNamespace(command="export", profile=profile, format="json", **session)
        else:
            args = SimpleNamespace(command="exec", profile=profile, json=True, cmd=[], session_ttl=None,
                                   assume_role_ttl=None, **session)
    elif len(argv) >= 4 and argv[0] == "exec" and argv[2] == "--" and argv[1] and not argv[1].startswith("-"):
        args = SimpleNamespace(command="exec", profile=argv[1], json=False, cmd=argv[3:], session_ttl=None,
                               assume_role_ttl=None, **session)
    elif argv in (["list"], ["ls"]):
        args = SimpleNamespace(command=argv[0], profiles=False, sessions=False, credentials=False)
    else:
        return None
    return cast("argparse.Namespace", args)


def main(
    argv: list[str] | None = None, env: Mapping[str, str] | None = None, container: Container | None = None
) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ if env is None else env)
    if sys.stdout is None or sys.stdout.closed:  # `aws-vault ... >&-`
        sys.stderr.write("aws-vault: error: stdout is closed\n")
        return 1
    bad = next((a for a in argv if not _is_utf8(a)), None)
    if bad is not None:
        sys.stderr.write(f"aws-vault: error: argument {bad!r} is not valid UTF-8, try --help\n")
        return 1
    if argv and argv[0].startswith("--completion-"):
        return _completion(argv)
    quick = quick_args(argv)
    debug = quick is None and "--debug" in _split_command(argv)[0]
    command_name = ""
    try:
        if quick is not None:
            args = quick
        else:
            from aws_vault.entrypoints.cli.parser import (
                APP_HELP,
                ParseError,
                build_parser,
                help_long,
                parse_command_line,
            )

            parser = build_parser()
            try:
                args = parse_command_line(parser, argv)  # only exec takes a command after --
            except ParseError as e:
                sys.stderr.write(f"aws-vault: error: {escape_controls(str(e))}, try --help\n")
                return 1
            except SystemExit as e:  # argparse's --help has printed the help: a status, not an exit, for callers
                return e.code if isinstance(e.code, int) else 0
            if args.version:
                print(VERSION)
                return 0
            if args.help_long:
                sys.stdout.write(help_long(parser))
                return 0
            if (args.command or "") in ("", "help"):
                topic = getattr(args, "topic", [])
                if topic:
                    return main([*topic, "--help"], env)
                sys.stdout.write(parser.format_help() if args.command else f"{APP_HELP}\n\n{parser.format_help()}")
                return 0 if args.command else 1
        command_name = args.command
        rt = Runtime(args, env, container)
        return COMMANDS[command_name](rt)
    except AwsVaultError as e:
        if debug:
            import traceback

            traceback.print_exc()
        # kingpin prints errors raised before a command's action without the command's name.
        unlabeled = isinstance(e, BackendUnavailableError | BackendChoiceError) or type(e).__name__ == "ParseError"
        label = f"{command_name}: " if command_name and not unlabeled else ""
        sys.stderr.write(f"aws-vault: error: {label}{escape_controls(str(e))}\n")
        return 1
    except OSError as e:  # stdout closed or full, a broken pipe: still one line, still exit 1
        label = f"{command_name}: " if command_name else ""
        with contextlib.suppress(OSError):
            sys.stderr.write(f"aws-vault: error: {label}cannot write output: {e.strerror or e}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130


def _split_command(argv: list[str]) -> tuple[list[str], list[str] | None]:
    from aws_vault.entrypoints.cli.parser import split_command

    return split_command(argv)


def _printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _is_utf8(text: str) -> bool:
    """Undecodable bytes reach Python as lone surrogates (PEP 383)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _completion(argv: list[str]) -> int:
    """Hidden kingpin-style flags: ``--completion-script-<shell>`` and ``--completion-bash <words>``."""
    from aws_vault.entrypoints.cli import completion

    flag, words = argv[0], argv[1:]
    if flag == "--completion-bash":
        sys.stdout.write(completion.complete(words))
        return 0
    shell = flag.removeprefix("--completion-script-")
    if shell not in completion.SCRIPTS:
        sys.stderr.write(f"aws-vault: error: unknown flag {escape_controls(flag)}, try --help\n")
        return 1
    sys.stdout.write(completion.SCRIPTS[shell])
    return 0


def run() -> None:
    """The ``aws-vault`` console script (and ``python -m aws_vault``)."""
    import gc

    argv = sys.argv[1:]
    if credential_process_profile(argv) is None:
        gc.enable()  # the console script turned it off while the CLI loaded (cli/__init__.py)
        sys.exit(main(argv))
    # A credential_process lookup: a short-lived process that SDKs start on every call. Cyclic GC only
    # costs time here, and so does interpreter teardown (~2 ms) once the output is flushed.
    gc.disable()
    code = main(argv)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError as e:
            if code == 0:
                code = 1
                with contextlib.suppress(OSError):
                    sys.stderr.write(f"aws-vault: error: {argv[0]}: cannot write output: {e.strerror or e}\n")
                    sys.stderr.flush()
        except AttributeError:  # a stream is None (started without one)
            pass
    os._exit(code)

"""The command line, shaped like aws-vault's kingpin app (reference §1.1–1.3).

Global flags work before or after the sub-command; ``--`` ends flag parsing and everything after it
is the command to run; v4 flags (``--session-ttl``, ``--assume-role-ttl``, ``-m``) are aliases.
Parse errors become ``aws-vault: error: <message>, try --help`` with exit status 1.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from aws_vault.domain.errors import UsageError
from aws_vault.entrypoints.cli import serve_commands

APP_HELP = "A vault for securely storing and accessing AWS credentials in development environments."


class ParseError(UsageError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ParseError(message)

    def format_help(self) -> str:
        text = super().format_help()
        if "{available_backends}" in text:  # probed only when help is shown
            import os

            from aws_vault.entrypoints.settings import available_backends, available_prompts

            text = text.replace("{available_backends}", " ".join(available_backends(os.environ)))
            text = text.replace("{available_prompts}", " ".join(available_prompts(os.environ)))
        return text


def _globals(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    g = parser.add_argument_group("global flags")
    g.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if suppress else False,
                   help="Show debugging output")
    g.add_argument("--backend", default=default, metavar="BACKEND",
                   help="Secret backend to use [{available_backends}] ($AWS_VAULT_BACKEND)")
    g.add_argument("--prompt", default=default, metavar="PROMPT",
                   help="Prompt driver to use [{available_prompts}] ($AWS_VAULT_PROMPT)")
    g.add_argument("--file-dir", default=default, metavar="DIR",
                   help="Directory for the \"file\" password store ($AWS_VAULT_FILE_DIR)")
    g.add_argument("--keychain", default=default, metavar="NAME",
                   help="Name of macOS keychain to use, if it doesn't exist it will be created "
                        "($AWS_VAULT_KEYCHAIN_NAME)")
    g.add_argument("--secret-service-collection", default=default, metavar="NAME",
                   help="Name of secret-service collection to use, if it doesn't exist it will be created "
                        "($AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME)")
    g.add_argument("--pass-dir", default=default, metavar="DIR",
                   help="Pass password store directory ($AWS_VAULT_PASS_PASSWORD_STORE_DIR)")
    g.add_argument("--pass-cmd", default=default, metavar="CMD",
                   help="Name of the pass executable ($AWS_VAULT_PASS_CMD)")
    g.add_argument("--pass-prefix", default=default, metavar="PREFIX",
                   help="Prefix to prepend to the item path stored in pass ($AWS_VAULT_PASS_PREFIX)")
    g.add_argument("--keyctl-scope", default=default, metavar="SCOPE",
                   help="Key ring scope for keyctl: user (default), session, process, thread "
                        "($AWS_VAULT_KEYCTL_SCOPE)")
    g.add_argument("--keyring-service", default=default, metavar="NAME",
                   help="Service name for the \"keyring\" backend, which stores items through python-keyring "
                        "($AWS_VAULT_KEYRING_SERVICE)")
    g.add_argument("--help-long", action="store_true", default=argparse.SUPPRESS if suppress else False,
                   help="Show help for every command")


def _session_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--duration", metavar="DURATION",
                   help="Duration of the temporary or assume-role session. Defaults to 1h")
    p.add_argument("-n", "--no-session", action="store_true",
                   help="Skip creating STS session with GetSessionToken")
    p.add_argument("--region", default="", help="The AWS region")
    p.add_argument("-t", "-m", "--mfa-token", dest="mfa_token", default="", metavar="TOKEN",
                   help="The MFA token to use")


def _sso_stdout_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stdout", action="store_true",
                   help="Print the SSO link to the terminal without automatically opening the browser "
                        "($AWS_VAULT_STDOUT)")


def _sso_device_code_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device-code", action="store_true",
                   help="Sign in to SSO with a device code instead of the browser's redirect to 127.0.0.1 "
                        "($AWS_VAULT_DEVICE_CODE)")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    _globals(common, suppress=True)
    parser = _Parser(prog="aws-vault", description=APP_HELP)
    _globals(parser, suppress=False)
    parser.add_argument("--version", action="store_true", help="Show application version.")
    sub = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)

    add = sub.add_parser("add", parents=[common], help="Adds credentials to the secure keystore",
                         description="Adds credentials to the secure keystore")
    add.add_argument("profile", help="Name of the profile")
    add.add_argument("--env", action="store_true", help="Read the credentials from the environment")
    add.add_argument("--add-config", action=argparse.BooleanOptionalAction, default=True,
                     help="Add a profile to ~/.aws/config if one doesn't exist")

    rm = sub.add_parser("remove", aliases=["rm"], parents=[common], help="Removes credentials",
                        description="Removes credentials, including sessions")
    rm.add_argument("profile", help="Name of the profile")
    rm.add_argument("-s", "--sessions-only", action="store_true", help="Only remove sessions, leave credentials")
    rm.add_argument("-f", "--force", action="store_true", help="Force-remove the profile without a prompt")

    ls = sub.add_parser("list", aliases=["ls"], parents=[common],
                        help="List profiles, along with their credentials and sessions",
                        description="List profiles, along with their credentials and sessions")
    ls.add_argument("--profiles", action="store_true", help="Show only the profile names")
    ls.add_argument("--sessions", action="store_true", help="Show only the session names")
    ls.add_argument("--credentials", action="store_true", help="Show only the credential names")
    ls.add_argument("--show-age", action="store_true",
                    help="Add a column with the age of each profile's stored key (recorded by add and rotate)")

    ex = sub.add_parser("exec", parents=[common], help="Executes a command with AWS credentials in the environment",
                        description="Executes a command with AWS credentials in the environment")
    _session_flags(ex)
    ex.add_argument("--session-ttl", metavar="DURATION",
                    help="v4 alias: expiration time for the GetSessionToken session ($AWS_SESSION_TTL)")
    ex.add_argument("--assume-role-ttl", metavar="DURATION",
                    help="v4 alias: expiration time for the assumed role ($AWS_ASSUME_ROLE_TTL)")
    ex.add_argument("-j", "--json", action="store_true", help="Output credentials in JSON for credential_process")
    _sso_stdout_flag(ex)
    _sso_device_code_flag(ex)
    serve_commands.add_exec_server_flags(ex)  # --ecs-server/--server, --ec2-server, --ec2-link-local, --lazy
    ex.add_argument("profile", nargs="?", default=None, help="Name of the profile ($AWS_PROFILE)")
    ex.add_argument("cmd", nargs="*", help="Command to execute, defaults to $SHELL")

    exp = sub.add_parser("export", parents=[common], help="Export AWS credentials",
                         description="Export AWS credentials")
    _session_flags(exp)
    exp.add_argument("--format", default="env", choices=["env", "export-env", "json", "ini"],
                     help="Format to output credentials")
    _sso_stdout_flag(exp)
    _sso_device_code_flag(exp)
    exp.add_argument("profile", help="Name of the profile")

    ro = sub.add_parser("rotate", parents=[common], help="Rotates credentials",
                        description="Rotate the IAM access key stored for a profile (or for its source_profile): "
                                    "create a new key, check that it works, store it, then delete the old one.")
    ro.add_argument("-n", "--no-session", action="store_true",
                    help="Use master credentials for the IAM calls, no session or role")
    ro.add_argument("-t", "-m", "--mfa-token", dest="mfa_token", default="", metavar="TOKEN",
                    help="The MFA token to use (v4's rotate --mfa-token)")
    ro.add_argument("profile", help="Name of the profile")

    lg = sub.add_parser("login", parents=[common], help="Generate a login link for the AWS Console",
                        description="Generate a login link for the AWS Console")
    _session_flags(lg)
    lg.add_argument("-f", "--federation-token-ttl", metavar="DURATION",
                    help="v4 alias: expiration time for the console session ($AWS_FEDERATION_TOKEN_TTL)")
    lg.add_argument("--assume-role-ttl", metavar="DURATION",
                    help="v4 alias: expiration time for the assumed role ($AWS_ASSUME_ROLE_TTL)")
    lg.add_argument("--path", default="", help="The AWS service you would like access, e.g. ec2/home")
    lg.add_argument("-s", "--stdout", action="store_true",
                    help="Print login URL to stdout instead of opening in default browser ($AWS_VAULT_STDOUT)")
    _sso_device_code_flag(lg)
    lg.add_argument("profile", nargs="?", default=None,
                    help="Name of the profile ($AWS_PROFILE). If none given, credentials will be sourced from "
                         "env vars")

    cl = sub.add_parser("clear", parents=[common], help="Clear temporary credentials from the secure keystore",
                        description="Clear temporary credentials from the secure keystore")
    cl.add_argument("profile", nargs="?", default="", help="Name of the profile")

    cc = sub.add_parser("check-config", parents=[common],
                        help="Check ~/.aws/config for mistakes, offline",
                        description="Check the AWS config file ($AWS_CONFIG_FILE or ~/.aws/config) for mistakes: "
                                    "source_profile/include_profile loops and missing targets, malformed ARNs, "
                                    "unknown keys, durations AWS refuses or caps, MFA serials that prompt twice. "
                                    "Makes no AWS calls and does not open the secret store. Exit status 1 when "
                                    "there is an error.")
    cc.add_argument("--format", default="text", choices=["text", "json"], help="Output format")

    pl = sub.add_parser("plan", parents=[common],
                        help="Show what getting a profile's credentials would do, offline",
                        description="Show the resolved role chain, the credential source, each STS step with "
                                    "its duration, region and endpoint, which step the session cache would answer "
                                    "from now, and which MFA codes would be asked for. Makes no AWS call and "
                                    "never prompts.")
    pl.add_argument("--format", default="text", choices=["text", "json"], help="Output format")
    pl.add_argument("-n", "--no-session", action="store_true", help="As exec --no-session")
    pl.add_argument("-t", "-m", "--mfa-token", dest="mfa_token", default="", metavar="TOKEN",
                    help="As exec --mfa-token (the code is not used, only its presence)")
    pl.add_argument("profile", nargs="?", default=None, help="Name of the profile ($AWS_PROFILE)")

    serve_commands.add_serve_parser(sub, common)

    hp = sub.add_parser("help", parents=[common], help="Show help")
    hp.add_argument("topic", nargs="*")
    return parser


def split_command(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """Split at the first ``--``: flags and positionals before it, the command after it."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, None


def parse_command_line(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``argv`` parsed; ``--`` ends the options. Raises ``ParseError``, or ``UsageError`` when only
    ``exec`` could take what follows ``--``.

    ``exec``'s command follows ``--`` (``exec p -- ls -la``, ``exec -- ls`` with the default profile);
    for every other command the words after ``--`` are positional arguments that may look like
    options (``add --env -- NAME``, ``add -- -dash``), as with any getopt-style tool.
    """
    head, tail = split_command(argv)
    if tail is None:
        return parser.parse_args(head)
    whole_error: ParseError | None = None
    try:
        args = parser.parse_args(argv)
        if args.command != "exec":
            return args
    except ParseError as e:
        whole_error = e
    try:
        args = parser.parse_args(head)
    except ParseError:
        if whole_error is not None:
            raise whole_error from None
        raise
    if args.command != "exec":
        if whole_error is not None:
            raise whole_error
        raise UsageError(f"unexpected arguments after --: {' '.join(tail)}")
    args.cmd = [*args.cmd, *tail]
    return args


def help_long(parser: argparse.ArgumentParser) -> str:
    out = [parser.format_help()]
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        choices = getattr(action, "choices", None) or {}
        seen: set[int] = set()
        for sub in choices.values():
            if id(sub) in seen:
                continue
            seen.add(id(sub))
            out.append("\n" + sub.format_help())
    return "".join(out)

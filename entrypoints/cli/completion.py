"""Shell completion for bash, zsh and fish, the way kingpin does it for aws-vault (reference §1.1).

``aws-vault --completion-script-bash`` (``-zsh``, ``-fish``) prints a script to source; that script
calls ``aws-vault --completion-bash <words typed so far>`` which prints the candidates: commands,
the command's flags, values of enum flags, and profile names from the AWS config file.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

SCRIPTS = {
    "bash": """_aws_vault_bash_autocomplete() {
    local cur opts
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    opts=$("${COMP_WORDS[0]}" --completion-bash "${COMP_WORDS[@]:1:$((COMP_CWORD - 1))}" 2>/dev/null)
    COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
    return 0
}
complete -F _aws_vault_bash_autocomplete -o default aws-vault
""",
    "zsh": """#compdef aws-vault
_aws_vault() {
    local -a opts
    opts=("${(@f)$(${words[1]} --completion-bash ${words[2,CURRENT-1]} 2>/dev/null)}")
    compadd -a opts
}
if (( $+functions[compdef] )); then compdef _aws_vault aws-vault; fi
""",
    "fish": """function __aws_vault_complete
    set -l words (commandline -opc)
    aws-vault --completion-bash $words[2..-1] 2>/dev/null
end
complete -c aws-vault -f -a '(__aws_vault_complete)'
""",
}

# Values for flags that take one of a fixed set (the rest complete to nothing).
_FORMATS = ["env", "export-env", "json", "ini"]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [
        opt
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for opt in action.option_strings
        if opt.startswith("--") and opt != "--help"
    ]


def _takes_value(parser: argparse.ArgumentParser, flag: str) -> bool:
    for action in parser._actions:
        if flag in action.option_strings:
            return action.nargs != 0
    return False


def _choices(parser: argparse.ArgumentParser, flag: str) -> list[str]:
    for action in parser._actions:
        if flag in action.option_strings and action.choices is not None:
            return [str(c) for c in action.choices]
    return []


def candidates(words: list[str], env: Mapping[str, str], profile_names: list[str]) -> list[str]:
    """What may come next after ``words`` (the arguments typed so far, without the program name)."""
    from aws_vault.entrypoints.cli.parser import build_parser
    from aws_vault.entrypoints.settings import PROMPT_DRIVERS, available_backends

    parser = build_parser()
    commands = _subparsers(parser)
    command = next((w for w in words if w in commands), "")
    last = words[-1] if words else ""
    values = {
        "--backend": available_backends(env),
        "--prompt": list(PROMPT_DRIVERS),
        "--format": _FORMATS,
        "--keyctl-scope": ["user", "session", "process", "thread"],
    }
    current = commands[command] if command else parser
    choices = _choices(current, last)
    if choices:  # the command's own enum (export --format env|…, check-config --format text|json)
        return choices
    if last in values:
        return values[last]
    if last.startswith("-") and "=" not in last and _takes_value(current, last):
        return []
    if not command:
        return [name for name in commands if name not in ("rm", "ls")] + _flags(parser)
    options = _flags(current)
    positionals = [w for w in words[words.index(command) + 1 :] if not w.startswith("-")]
    if command in ("exec", "export", "add", "remove", "rm", "clear", "login", "rotate", "serve") and not positionals:
        return profile_names + options
    return options


def complete(words: list[str], env: Mapping[str, str] | None = None) -> str:
    environ = dict(os.environ if env is None else env)
    names: list[str] = []
    try:
        from aws_vault.entrypoints.settings import expand_home

        from_config = _profile_names(expand_home(environ.get("AWS_CONFIG_FILE") or "~/.aws/config", environ))
        names = from_config
    except Exception:
        names = []
    return "".join(f"{c}\n" for c in candidates(words, environ, names))


def _profile_names(path: str) -> list[str]:
    # The config adapter is an adapter: the CLI may not import it, so read names through the wiring.
    from aws_vault.entrypoints.wiring import config_profile_names

    return config_profile_names(path)

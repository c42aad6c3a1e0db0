"""Shell completion through real bash, zsh and fish, calling the installed CLI for candidates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aws_vault.entrypoints.cli.completion import candidates

BIN = Path(sys.executable).parent


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text("[profile work]\nregion = eu-west-1\n\n[profile work-admin]\nsource_profile = work\n")
    return {
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(config),
    }


def run(argv: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_profiles_after_exec(shell_env: dict[str, str]) -> None:
    script = (
        "source <(aws-vault --completion-script-bash)\n"
        'COMP_WORDS=(aws-vault exec wo); COMP_CWORD=2; _aws_vault_bash_autocomplete; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    assert run(["bash", "-c", script], shell_env) == ["work", "work-admin"]


def test_bash_completes_commands_and_flag_values(shell_env: dict[str, str]) -> None:
    script = (
        "source <(aws-vault --completion-script-bash)\n"
        'COMP_WORDS=(aws-vault ex); COMP_CWORD=1; _aws_vault_bash_autocomplete; printf "%s\\n" "${COMPREPLY[@]}"\n'
        'COMP_WORDS=(aws-vault export --format j); COMP_CWORD=3; _aws_vault_bash_autocomplete;'
        ' printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    assert run(["bash", "-c", script], shell_env) == ["exec", "export", "json"]


def test_zsh_completes_profiles(shell_env: dict[str, str]) -> None:
    # compadd only works inside the completion system; a stand-in prints what it is given.
    script = (
        "source <(aws-vault --completion-script-zsh)\n"
        "compadd() { print -l -- ${(P)2} }\n"
        "words=(aws-vault exec wo); CURRENT=3; _aws_vault\n"
    )
    assert run(["zsh", "-f", "-c", script], shell_env)[:2] == ["work", "work-admin"]


def test_fish_completes_profiles_and_flags(shell_env: dict[str, str]) -> None:
    out = run(["fish", "--no-config", "-c", "aws-vault --completion-script-fish | source; complete -C 'aws-vault exec '"],
              shell_env)
    assert out[:2] == ["work", "work-admin"]
    assert "--no-session" in out and "--duration" in out


def test_flags_that_take_values_complete_nothing_but_their_values() -> None:
    assert candidates(["exec", "--region"], {}, ["work"]) == []
    assert "terminal" in candidates(["exec", "--prompt"], {}, ["work"])
    assert candidates(["exec", "work"], {}, ["work"])[0].startswith("--")
    assert "work" not in candidates(["exec", "work"], {}, ["work"])

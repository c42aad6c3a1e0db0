"""Fuzzing the command line in-process: ``aws_vault.entrypoints.cli.main.main(argv, env=...)`` with random
config files, random environment variables and random command lines, on the real ``file`` backend in a
temporary directory. Fewer examples than the other fuzzers: each runs several whole commands.

Nothing leaves the machine and nothing waits for a person: every AWS endpoint is ``http://127.0.0.1:9``
(connection refused), a fuzzed endpoint is a loopback URL or not a URL at all, the MFA prompt drivers on
``PATH`` are stand-ins that fail, the config's ``*_process`` and ``endpoint_url`` keys are defused, and the
command lines never run ``exec`` without ``--json``, ``serve``, a browser, or a terminal prompt. ``--debug``
is left out: it prints tracebacks on purpose.

Property: exit status 0 or 1; stderr holds no traceback and at most one ``aws-vault: error:`` line, the last.
"""

from __future__ import annotations

import os
import re
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from aws_vault.adapters.config.aws_config_source import parse_config_text
from aws_vault.entrypoints.settings import EXTRA_BACKENDS, KNOWN_BACKENDS
from aws_vault.errors import AwsVaultError
from aws_vault.testing.strategies import config_texts
from tests.fuzz.support import (
    URL_VARIABLES,
    assert_clean_exit,
    durations,
    environments,
    fuzz,
    garbled,
    known_bug,
    odd_texts,
    run_cli,
    structured_texts,
)

DEAD_ENDPOINT = "http://127.0.0.1:9"
PROMPT_PROGRAMS = ("kdialog", "osascript", "ykman", "zenity", "pass")
GOOD_KEYS = {"AWS_ACCESS_KEY_ID": "AKIAFUZZFUZZFUZZFUZZ", "AWS_SECRET_ACCESS_KEY": "fuzz/Secret+Key0123456789abcdefghijklmno"}


@pytest.fixture(scope="module")
def prompt_bin() -> Iterator[Path]:
    """A directory of stand-ins for the MFA prompt programs: each fails at once (exit status 1)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in PROMPT_PROGRAMS:
            path = Path(tmp) / name
            path.write_text("#!/bin/sh\nexit 1\n")
            path.chmod(0o755)
        yield Path(tmp)


def defused(text: str) -> str:
    """The config with ``credential_process``/``mfa_process``/``web_identity_token_process`` and
    ``endpoint_url`` renamed (any case): nothing runs, and every endpoint stays the dead one."""
    return re.sub("endpoint", "endp0int", re.sub("process", "pr0cess", text, flags=re.IGNORECASE), flags=re.IGNORECASE)


def safe(env: dict[str, str]) -> dict[str, str]:
    """Fuzzed variables minus the values that would reach out: a real keyring backend, the terminal prompt,
    real AWS (``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` or an empty endpoint), endless retries."""
    out = dict(env)
    if out.get("AWS_VAULT_BACKEND", "file") != "file" and out["AWS_VAULT_BACKEND"] in (*KNOWN_BACKENDS, *EXTRA_BACKENDS):
        del out["AWS_VAULT_BACKEND"]
    if out.get("AWS_VAULT_PROMPT") == "terminal":
        del out["AWS_VAULT_PROMPT"]
    if out.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        del out["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
    for name in URL_VARIABLES:
        if name in out and not out[name]:
            del out[name]
    attempts = out.get("AWS_MAX_ATTEMPTS", "").strip()
    if attempts.isdigit() and attempts.isascii() and int(attempts) > 3:
        del out["AWS_MAX_ATTEMPTS"]
    for fixed in ("HOME", "AWS_CONFIG_FILE", "AWS_VAULT_FILE_DIR", "AWS_VAULT_FILE_PASSPHRASE", "PATH"):
        out.pop(fixed, None)
    return out


# --- command lines -----------------------------------------------------------------------------------------------

_MFA = ["--mfa-token", "123456"]


def _positional(text: str) -> str:
    """A value argparse takes as a positional, never as a flag (exec's flags must stay as written)."""
    return "x" + text if text.startswith("-") or text == "" else text


@st.composite
def command_lines(draw: st.DrawFn, profiles: list[str]) -> list[str]:
    p = _positional(draw(st.one_of(st.sampled_from(profiles), odd_texts, st.just("no-such-profile"))))
    d = _positional(draw(durations))

    def optional(*args: str) -> list[str]:
        return list(args) if draw(st.booleans()) else []

    kind = draw(st.sampled_from(("list", "plan", "check", "export", "quick", "exec", "login", "clear", "remove",
                                 "add", "rotate", "completion", "random")))  # fmt: skip
    if kind == "list":
        return ["list", *draw(st.lists(st.sampled_from(("--sessions", "--profiles", "--credentials", "--show-age")),
                                       max_size=2, unique=True))]  # fmt: skip
    if kind == "plan":
        return ["plan", p, *optional("--format", draw(st.sampled_from(("text", "json", "xml")))), *optional("-n")]
    if kind == "check":
        return ["check-config", *optional("--format", draw(st.sampled_from(("text", "json"))))]
    if kind == "export":
        fmt = optional("--format", draw(st.sampled_from(("env", "export-env", "json", "ini", "yaml"))))
        return ["export", "--stdout", *_MFA, p, *fmt, *optional("--no-session"), *optional("--duration", d),
                *optional("--region", _positional(draw(odd_texts)))]  # fmt: skip
    if kind == "quick":  # the credential_process fast path (no --mfa-token: the stand-in prompt fails)
        return draw(st.sampled_from((["export", "--format=json", p], ["exec", "--json", p], ["exec", "-j", p])))
    if kind == "exec":
        return ["exec", "--json", "--stdout", *_MFA, p, *optional("--duration", d), *optional("--no-session")]
    if kind == "login":
        return ["login", "--stdout", *_MFA, p, *optional("--duration", d), *optional("--path", draw(odd_texts))]
    if kind == "clear":
        return ["clear", *optional(p)]
    if kind == "remove":
        return ["remove", "--force", *optional("--sessions-only"), p]
    if kind == "add":
        return ["add", "--env", p, *optional("--no-add-config")]
    if kind == "rotate":
        return ["rotate", *optional("--no-session"), *_MFA, p]
    if kind == "completion":
        return ["--completion-bash", *draw(st.lists(st.sampled_from(("exec", "export", "--", p, "")), max_size=3))]
    # Random words, never a command that could run something, wait for a person or start a server.
    first = draw(st.one_of(st.sampled_from(("help", "--help", "--version", "--help-long", "nope", "", "list",
                                            "plan", "check-config", "clear")), odd_texts))  # fmt: skip
    if first in ("exec", "serve", "login", "add", "remove", "rm", "rotate") or first.startswith("--completion"):
        first = "nope"
    rest = draw(st.lists(st.one_of(odd_texts, st.sampled_from(("--format", "json", "--backend", "nope", "--prompt",
                                                                "zenity", p, "--region", "--", "-x"))), max_size=4))  # fmt: skip
    return [first, *rest]


_config_texts = st.one_of(
    structured_texts,
    config_texts(cycles=True, missing_sources=True, malformed=True, max_profiles=5),
    config_texts(cycles=True, missing_sources=True, malformed=True, max_profiles=5).flatmap(garbled),
    st.text(string.printable, max_size=200),
)


@fuzz(max_examples=150, deadline_ms=None)
@given(data=st.data(), text=_config_texts, env=environments(max_size=6), store_keys=st.booleans())
def test_the_cli_exits_cleanly(prompt_bin: Path, data: st.DataObject, text: str, env: dict[str, str],
                               store_keys: bool) -> None:  # fmt: skip
    text = defused(text)
    try:
        profiles = [s.name for s in parse_config_text(text, "c").profiles] or ["default"]
    except AwsVaultError:
        profiles = ["default"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        (root / "config").write_text(text)
        base = {
            "HOME": str(root / "home"),
            "PATH": f"{prompt_bin}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "AWS_CONFIG_FILE": str(root / "config"),
            "AWS_VAULT_BACKEND": "file",
            "AWS_VAULT_FILE_DIR": str(root / "keys"),
            "AWS_VAULT_FILE_PASSPHRASE": "fuzz-passphrase",
            "BROWSER": "false",
            **{name: DEAD_ENDPOINT for name in URL_VARIABLES if name.startswith("AWS_ENDPOINT_URL")},
            "AWS_MAX_ATTEMPTS": "1",
        }
        if store_keys:  # keys for the first profile (or a source), so commands get past "credentials missing"
            run_cli(["add", "--env", "--no-add-config", profiles[0]], {**base, **GOOD_KEYS})
        full = {**base, **safe(env)}
        for argv in data.draw(st.lists(command_lines(profiles), min_size=1, max_size=4), label="command lines"):
            command_env = {**GOOD_KEYS, **full} if argv[:1] == ["add"] and data.draw(st.booleans()) else full
            try:
                code, _out, err = run_cli(argv, command_env)
            except Exception as e:  # main must never raise: only known bugs are let through (support.KNOWN_BUGS)
                if known_bug(e) is None:
                    raise
                continue
            event(f"{argv[0] if argv else ''} -> {code}")
            assert_clean_exit(code, err, argv)


@pytest.mark.parametrize(
    ("argv", "variables"),
    [
        (["list", "a\nb"], {}),
        (["export", "a\rb"], {}),
        (["plan", "--no-session"], {"AWS_PROFILE": "a\nb"}),
        (["list"], {"AWS_MIN_TTL": "1\nh"}),
        (["list"], {"AWS_VAULT_KEYCTL_SCOPE": "a\x0bb"}),
    ],
)
def test_input_with_line_breaks_gives_a_one_line_error(tmp_path: Path, argv: list[str], variables: dict[str, str]) -> None:
    """A line break the user typed is shown escaped (found by the CLI fuzzer; main.one_line does it)."""
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_VAULT_BACKEND": "file",
           "AWS_VAULT_FILE_DIR": str(tmp_path / "keys"), "AWS_VAULT_FILE_PASSPHRASE": "x", **variables}  # fmt: skip
    code, _out, err = run_cli(argv, env)
    assert code == 1
    assert_clean_exit(code, err, argv)

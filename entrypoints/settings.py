"""Settings from flags and environment variables, shared by the container and the fast path.

Backend selection follows aws-vault (reference §4): the first *available* backend in its order is the
default, ``--backend``/``AWS_VAULT_BACKEND`` names one, and a named backend is the only one probed.
Backends of our own (``EXTRA_BACKENDS``: ``keyring``, through python-keyring) are taken only when named.
Probes are cheap checks (platform, environment, a program on ``PATH``): no D-Bus call at start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import MappingProxyType

from aws_vault.domain.durations import parse_duration
from aws_vault.domain.errors import BackendUnavailableError, UsageError
from aws_vault.domain.records import Record
from aws_vault.domain.sessions import DEFAULT_MIN_TTL

# aws-vault's auto-selection order (reference §4); the first available one is the default.
KNOWN_BACKENDS = ("wincred", "keychain", "secret-service", "kwallet", "keyctl", "pass", "file")
# Not aws-vault's: chosen only by name, never by the auto-selection above.
EXTRA_BACKENDS = ("keyring",)
KEYCTL_SCOPES = ("user", "session", "process", "thread")


class BackendChoiceError(UsageError):
    """A ``--backend`` value aws-vault does not know: a parse error in kingpin (§1.1), so unlabeled."""


def _session_bus(env: Mapping[str, str]) -> bool:
    """A D-Bus session bus address that could answer (a ``unix:path=`` socket must exist)."""
    address = env.get("DBUS_SESSION_BUS_ADDRESS", "")
    if not address:
        return False
    for part in address.split(";"):
        transport, _, params = part.partition(":")
        if transport != "unix":
            return True
        for param in params.split(","):
            key, _, value = param.partition("=")
            if key == "path":
                return os.path.exists(value)
        return True
    return False


def _on_path(program: str, env: Mapping[str, str]) -> bool:
    if os.sep in program:
        return os.access(program, os.X_OK)
    for directory in env.get("PATH", os.defpath).split(os.pathsep):
        if directory and os.access(os.path.join(directory, program), os.X_OK):
            return True
    return False


def _importable(module: str) -> bool:
    """Whether ``module`` could be imported, without importing it (keyring's backend discovery is slow)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None


_LINUX = sys.platform.startswith("linux")
PROBES: dict[str, Callable[[Mapping[str, str]], bool]] = {
    "wincred": lambda env: sys.platform == "win32",
    "keychain": lambda env: sys.platform == "darwin",
    "secret-service": lambda env: _LINUX and _session_bus(env),
    "kwallet": lambda env: _LINUX and env.get("DISABLE_KWALLET") != "1" and _session_bus(env),
    "keyctl": lambda env: _LINUX,
    "pass": lambda env: sys.platform != "win32" and _on_path(env.get("AWS_VAULT_PASS_CMD") or "pass", env),
    "file": lambda env: True,
    "keyring": lambda env: _importable("keyring"),
}


def available_backends(env: Mapping[str, str]) -> list[str]:
    """Backends usable on this machine: aws-vault's, in its order, then ours (named only, never the default)."""
    return [name for name in (*KNOWN_BACKENDS, *EXTRA_BACKENDS) if PROBES[name](env)]


def choose_backend(requested: str, env: Mapping[str, str]) -> str:
    if not requested:
        return next(name for name in KNOWN_BACKENDS if PROBES[name](env))
    if requested not in KNOWN_BACKENDS and requested not in EXTRA_BACKENDS:
        # kingpin's enum wording (§1.1): the enum lists the backends available here.
        available = ",".join(available_backends(env))
        raise BackendChoiceError(f"enum value must be one of {available}, got '{requested}', try --help")
    if not PROBES[requested](env):
        raise BackendUnavailableError(requested)
    return requested


# MFA prompt drivers, sorted as aws-vault's prompt.Available() sorts them (reference §5). `pass` is v6's
# `pass otp` driver: v7 made --prompt=pass a fatal error; we keep it, but never auto-select it.
PROMPT_DRIVERS = ("kdialog", "osascript", "pass", "terminal", "wincredui", "ykman", "zenity")
AUTO_PROMPT_DRIVERS = ("kdialog", "osascript", "terminal", "wincredui", "ykman", "zenity")
PROMPT_PROBES: dict[str, Callable[[Mapping[str, str]], bool]] = {
    "kdialog": lambda env: _on_path("kdialog", env),
    "osascript": lambda env: _on_path("osascript", env),
    "pass": lambda env: _on_path("pass", env),
    "terminal": lambda env: True,
    "wincredui": lambda env: sys.platform == "win32",
    "ykman": lambda env: _on_path("ykman", env),
    "zenity": lambda env: _on_path("zenity", env),
}


def available_prompts(env: Mapping[str, str]) -> list[str]:
    """Prompt drivers usable here (their program is on ``PATH``), in aws-vault's (alphabetical) order."""
    return [name for name in PROMPT_DRIVERS if PROMPT_PROBES[name](env)]


def check_prompt(requested: str, env: Mapping[str, str]) -> str:
    """``requested`` if it is empty (auto) or an available driver; only that driver is probed."""
    if requested and (requested not in PROMPT_DRIVERS or not PROMPT_PROBES[requested](env)):
        # aws-vault's app.Validate wording for --prompt (§1.2): it lists the drivers available here.
        available = ",".join(available_prompts(env))
        raise UsageError(f"--prompt value must be one of {available}, got '{requested}'")
    return requested


def choose_prompt(requested: str, env: Mapping[str, str], *, stdout_is_tty: bool, avoid_terminal: bool = False) -> str:
    """The MFA prompt driver: ``--prompt``/``AWS_VAULT_PROMPT``, else aws-vault's auto choice (§5).

    Auto: ``terminal`` when stdout is a TTY and no background server will ask later (``avoid_terminal``);
    otherwise the first available non-terminal driver in alphabetical order, falling back to ``terminal``.
    ``exec --ecs-server``/``--ec2-server`` pass ``avoid_terminal`` and refuse a ``terminal`` result (§1.3).
    """
    if requested:
        return check_prompt(requested, env)
    if stdout_is_tty and not avoid_terminal:
        return "terminal"
    gui = (name for name in AUTO_PROMPT_DRIVERS if name != "terminal" and PROMPT_PROBES[name](env))
    return next(gui, "terminal")


def parse_go_bool(value: str, where: str) -> bool:
    """Go's ``strconv.ParseBool`` (how the fork reads ``AWS_VAULT_STDOUT``); anything else is an error."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise UsageError(f'{where}: expected true or false, got "{value}"')


def _positive(env: Mapping[str, str], name: str) -> timedelta:
    """A Go duration from ``env[name]`` that must be longer than zero."""
    value = parse_duration(env[name], where=name)
    if value <= timedelta(0):
        raise UsageError(f"{name} must be longer than 0s, got {env[name]!r}")
    return value


def expand_home(path: str, env: Mapping[str, str]) -> str:
    if path == "~" or path.startswith("~/"):
        home = env.get("HOME") or os.path.expanduser("~")
        return home + path[1:]
    return path


class Settings(Record):
    backend: str = "file"
    file_dir: str = "~/.awsvault/keys/"
    config_path: str = "~/.aws/config"
    prompt: str = ""  # "" = auto, resolved by choose_prompt only when a prompt may be needed
    min_ttl: timedelta = DEFAULT_MIN_TTL
    debug: bool = False
    keychain: str = "aws-vault"
    secret_service_collection: str = "awsvault"
    pass_dir: str = ""
    pass_cmd: str = "pass"
    pass_prefix: str = ""
    keyctl_scope: str = "user"
    keyring_service: str = "aws-vault"  # the python-keyring service name of the "keyring" backend
    process_timeout: timedelta = timedelta(minutes=2)
    rotate_verify_timeout: timedelta = timedelta(seconds=60)  # how long rotate waits for a new key to work
    lock_timeout: timedelta = timedelta(minutes=5)  # waiting for another process's fetch (and its MFA prompt)
    sso_timeout: timedelta = timedelta(minutes=5)  # waiting for the browser in the SSO authorization code flow
    key_max_age: timedelta = timedelta(days=90)  # warn about older long-term keys; 0: never
    cache_roles: bool = True  # cache every AssumeRole, not only those sent with MFA (aws-vault: MFA only)
    env: Mapping[str, str] = MappingProxyType({})
    _hidden = frozenset({"env"})  # the environment may hold secrets

    @property
    def file_passphrase(self) -> str | None:
        """``AWS_VAULT_FILE_PASSPHRASE`` when set, even to empty (§4.1); else ``None`` (ask)."""
        return self.env.get("AWS_VAULT_FILE_PASSPHRASE")

    @classmethod
    def build(cls, env: Mapping[str, str], flags: Mapping[str, str | bool | None] | None = None) -> Settings:
        """Flags win over their environment variables (kingpin ``Envar`` defaults, §1.1)."""
        flags = flags or {}

        def pick(flag: str, var: str, default: str = "") -> str:
            value = flags.get(flag)
            return str(value) if value else env.get(var, "") or default

        process_timeout = timedelta(minutes=2)  # credential_process, mfa_process, web identity commands
        if env.get("AWS_VAULT_PROCESS_TIMEOUT"):
            process_timeout = _positive(env, "AWS_VAULT_PROCESS_TIMEOUT")
        rotate_verify_timeout = timedelta(seconds=60)
        if env.get("AWS_VAULT_ROTATE_VERIFY_TIMEOUT"):
            rotate_verify_timeout = _positive(env, "AWS_VAULT_ROTATE_VERIFY_TIMEOUT")
        lock_timeout = timedelta(minutes=5)
        if env.get("AWS_VAULT_LOCK_TIMEOUT"):
            lock_timeout = _positive(env, "AWS_VAULT_LOCK_TIMEOUT")
        sso_timeout = timedelta(minutes=5)
        if env.get("AWS_VAULT_SSO_TIMEOUT"):
            sso_timeout = _positive(env, "AWS_VAULT_SSO_TIMEOUT")
        cache_roles = parse_go_bool(env["AWS_VAULT_CACHE_ROLES"], "AWS_VAULT_CACHE_ROLES") if env.get(
            "AWS_VAULT_CACHE_ROLES"
        ) else True
        key_max_age = timedelta(days=90)
        if env.get("AWS_VAULT_KEY_MAX_AGE"):
            raw = env["AWS_VAULT_KEY_MAX_AGE"].strip()
            key_max_age = timedelta(0) if raw == "0" else parse_duration(raw, where="AWS_VAULT_KEY_MAX_AGE")
            if key_max_age < timedelta(0):
                raise UsageError(f"AWS_VAULT_KEY_MAX_AGE must not be negative, got {raw!r}")
        min_ttl = DEFAULT_MIN_TTL
        if env.get("AWS_MIN_TTL"):
            min_ttl = parse_duration(env["AWS_MIN_TTL"], where="AWS_MIN_TTL")
            if min_ttl < timedelta(0):
                raise UsageError(f"AWS_MIN_TTL must not be negative, got {env['AWS_MIN_TTL']!r}")
        scope = pick("keyctl_scope", "AWS_VAULT_KEYCTL_SCOPE", "user")
        if scope not in KEYCTL_SCOPES:
            raise UsageError(f"--keyctl-scope value must be one of {','.join(KEYCTL_SCOPES)}, got '{scope}'")
        pass_cmd = pick("pass_cmd", "AWS_VAULT_PASS_CMD", "pass")
        prompt = pick("prompt", "AWS_VAULT_PROMPT")
        if prompt and prompt not in PROMPT_DRIVERS:
            check_prompt(prompt, env)  # an unknown name fails here; availability is probed by the CLI only
        probe_env = {**env, "AWS_VAULT_PASS_CMD": pass_cmd}
        return cls(
            backend=choose_backend(pick("backend", "AWS_VAULT_BACKEND"), probe_env),
            file_dir=expand_home(pick("file_dir", "AWS_VAULT_FILE_DIR", "~/.awsvault/keys/"), env),
            config_path=expand_home(env.get("AWS_CONFIG_FILE") or "~/.aws/config", env),
            prompt=prompt,
            min_ttl=min_ttl,
            debug=bool(flags.get("debug")),
            keychain=pick("keychain", "AWS_VAULT_KEYCHAIN_NAME", "aws-vault"),
            secret_service_collection=pick(
                "secret_service_collection", "AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME", "awsvault"
            ),
            pass_dir=expand_home(pick("pass_dir", "AWS_VAULT_PASS_PASSWORD_STORE_DIR"), env),
            pass_cmd=pass_cmd,
            pass_prefix=pick("pass_prefix", "AWS_VAULT_PASS_PREFIX"),
            keyctl_scope=scope,
            keyring_service=pick("keyring_service", "AWS_VAULT_KEYRING_SERVICE", "aws-vault"),
            process_timeout=process_timeout,
            lock_timeout=lock_timeout,
            rotate_verify_timeout=rotate_verify_timeout,
            sso_timeout=sso_timeout,
            key_max_age=key_max_age,
            cache_roles=cache_roles,
            env=env,
        )

"""``~/.aws/config`` read and appended to, by a small hand-written INI parser (stdlib only).

The parser accepts what botocore's ``configloader`` and aws-vault's go-ini loader both accept and
settles their disagreements explicitly (reference §2.1); each choice is commented where it is made.
``load`` runs on every ``credential_process`` call, so this module imports nothing beyond ``os`` at
import time and parses in one pass.
"""

from __future__ import annotations

import os

from aws_vault.application.ports import ConfigSource
from aws_vault.domain.errors import ConfigError, ConfigSyntaxError
from aws_vault.domain.profiles import ConfigFile, Section

_PROFILE = "profile"
_SSO_SESSION = "sso-session"
# Section kinds: the key of a parsed section is (kind, name).
_DEFAULT, _NAMED_PROFILE, _SSO = "default", "profile", "sso"


def _section_name(rest: str) -> str:
    """The name after ``profile``/``sso-session``: trimmed, one pair of surrounding quotes removed.

    botocore splits the header with ``shlex`` (so ``[profile "a b"]`` is ``a b``); go-ini keeps the text
    after the prefix as it is (so ``[profile a b]`` is ``a b``, which botocore ignores). We take both:
    quotes are stripped, unquoted inner whitespace is kept (reference §2.1).
    """
    name = rest.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        name = name[1:-1]
    return name


def _section_key(header: str) -> tuple[str, str] | None:
    """``(kind, name)`` for a header we read, ``None`` for one we ignore."""
    if header == "default":
        return _DEFAULT, "default"
    for prefix, kind in ((_PROFILE, _NAMED_PROFILE), (_SSO_SESSION, _SSO)):
        # The prefix must be a whole word: ``[profilefoo]`` is ignored, as botocore's shlex split does.
        if header.startswith(prefix) and len(header) > len(prefix) and header[len(prefix)].isspace():
            name = _section_name(header[len(prefix) :])
            return (kind, name) if name else None
    # go-ini's [DEFAULT], [services x], [preview], [Default], … are not profiles (reference §2.1).
    return None


def _strip_inline_comment(value: str) -> str:
    """Cut ``value`` at a ``#`` or ``;`` that follows whitespace.

    The maintained fork's rule (go-ini ``SpaceBeforeInlineComment``, reference §2.1): upstream cut at any
    ``#``, breaking ``sso_start_url = https://x/start#/``; botocore never cuts (it would keep
    ``moon-1 # comment`` as the region).
    """
    if "#" not in value and ";" not in value:
        return value
    for i in range(1, len(value)):
        if value[i] in "#;" and value[i - 1].isspace():
            return value[:i].rstrip()
    return value


def parse_config_text(text: str, path: str) -> ConfigFile:
    """Parse the text of an AWS config file; raise ``ConfigSyntaxError`` naming the first bad line."""
    sections: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
    current: dict[str, str] | None = None  # None before the first header
    nested_indent = -1  # indentation of a key whose empty value opens a nested block, else -1
    if text.startswith("\ufeff"):  # go-ini skips a UTF-8 byte-order mark; so do we
        text = text[1:]
    for lineno, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        indent = len(raw) - len(raw.lstrip())
        if nested_indent >= 0:
            if indent > nested_indent:
                # "Allow nested values" (go-ini) / botocore's one level of sub-settings: ``s3 =`` followed
                # by indented ``key = value`` lines. They are service settings, never profile keys
                # (reference §2.1), so they are checked for shape and dropped.
                if "=" not in line and ":" not in line:
                    raise ConfigSyntaxError(path, lineno, "expected 'key = value' in an indented sub-setting")
                continue
            nested_indent = -1
        if line[0] == "[":
            close = line.rfind("]")
            if close < 0:
                raise ConfigSyntaxError(path, lineno, "unterminated section header (missing ']')")
            # Text after the last ']' is ignored, as both go-ini and configparser do.
            header = line[1:close].strip()
            if not header:
                raise ConfigSyntaxError(path, lineno, "empty section name '[]'")
            key = _section_key(header)
            if key is None:
                current = {}  # an ignored section: its keys are checked, then dropped
            elif key in sections:
                # A repeated section merges into the first, later keys winning. configparser (strict)
                # would refuse the file and go-ini merges; we merge (reference §2.1).
                current = sections[key][1]
            else:
                current = {}
                sections[key] = (lineno, current)
            continue
        eq, colon = line.find("="), line.find(":")
        # Both loaders accept '=' and ':' as the delimiter; the first one on the line counts.
        delim = eq if colon < 0 or 0 <= eq < colon else colon
        if delim < 0:
            raise ConfigSyntaxError(path, lineno, "expected 'key = value', a '[section]' header or a comment")
        if not line[:delim].strip():
            raise ConfigSyntaxError(path, lineno, "missing key name before the delimiter")
        if current is None:
            raise ConfigSyntaxError(path, lineno, "'key = value' line before any section header")
        # Key names are case-insensitive (go-ini option, configparser lower-cases them; reference §2.1).
        name = line[:delim].rstrip().lower()
        value = _strip_inline_comment(line[delim + 1 :].lstrip())
        current[name] = value
        if not value:
            nested_indent = indent
    return _build(path, sections)


def _build(path: str, sections: dict[tuple[str, str], tuple[int, dict[str, str]]]) -> ConfigFile:
    # ``[profile default]`` is the default profile only when there is no ``[default]``: botocore reads it,
    # aws-vault never does (issue #642); with both present ``[default]`` wins (reference §2.1).
    has_default = (_DEFAULT, "default") in sections
    profiles: list[Section] = []
    sso_sessions: list[Section] = []
    for (kind, name), (line, values) in sections.items():
        if kind == _SSO:
            sso_sessions.append(Section(name=name, values=values, line=line))
        elif not (kind == _NAMED_PROFILE and name == "default" and has_default):
            profiles.append(Section(name=name, values=values, line=line))
    return ConfigFile(path=path, profiles=tuple(profiles), sso_sessions=tuple(sso_sessions))


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ConfigSyntaxError(path, line, "not valid UTF-8") from None


def _check_writable(name: str, values: dict[str, str]) -> None:
    """Refuse what cannot round-trip through the file: newlines, or keys that would parse differently."""
    if not name.strip() or any(c in name for c in "\r\n"):
        raise ConfigError(f"cannot add profile {name!r} to the config: invalid profile name")
    for key, value in values.items():
        if (
            not key.strip()
            or key != key.strip()
            or any(c in key for c in "=:[#;\r\n")
            or any(c in value for c in "\r\n")
        ):
            raise ConfigError(f"cannot add profile {name}: invalid config key {key!r} or its value")


def _header(name: str) -> str:
    return "[default]" if name == "default" else f"[profile {name}]"


class AwsConfigSource(ConfigSource):
    """The AWS CLI config file at ``path`` (``~`` expanded)."""

    def __init__(self, path: str) -> None:
        self._path = os.path.expanduser(path)

    @property
    def path(self) -> str:
        return self._path

    def _read(self) -> bytes | None:
        """The file's bytes, ``None`` when it does not exist. Never creates anything.

        aws-vault creates the directory and an empty file on every load (reference §2.1); reading here has
        no side effects, and ``add_profile`` creates them when it first writes.
        """
        try:
            with open(self._path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise ConfigError(f"{self._path}: cannot read the AWS config file: {e.strerror or e}") from None

    def load(self) -> ConfigFile:
        data = self._read()
        if not data:
            return ConfigFile(path=self._path)
        return parse_config_text(_decode(data, self._path), self._path)

    def check_profile_name(self, name: str) -> None:
        _check_writable(name, {})
        parsed = parse_config_text(_header(name) + "\n", self._path).profiles
        if [p.name for p in parsed] != [name]:
            # e.g. leading/trailing spaces or quotes: the section would read back as another name.
            raise ConfigError(f"cannot add profile {name!r} to the config: the name would not read back as itself")

    def add_profile(self, name: str, values: dict[str, str] | None = None) -> None:
        values = {k: v for k, v in (values or {}).items() if v}
        original = self._read() or b""
        if original and parse_config_text(_decode(original, self._path), self._path).section(name):
            return
        self.check_profile_name(name)
        _check_writable(name, values)
        # aws-vault rewrites the whole file through go-ini; appending keeps every existing byte, which is
        # what TestAddProfileToExistingNestedConfig checks (reference §9.1), and writes go-ini's
        # ``key=value`` form (reference §2.1).
        header = _header(name)
        block = "\n".join([header, *(f"{k}={v}" for k, v in values.items())]) + "\n"
        prefix = b""
        if original:
            prefix = b"\n" if original.endswith(b"\n") else b"\n\n"
        self._write(original + prefix + block.encode("utf-8"))

    def _write(self, data: bytes) -> None:
        """Replace the file atomically (temp file in the same directory, then ``os.replace``)."""
        # Only writers pay for these imports.
        import re

        from aws_vault.adapters.atomic_write import remove_stale_temps, temp_name, write_atomically
        from aws_vault.adapters.fs import make_private_dirs

        # Write through a symlink (dotfile managers link ~/.aws/config) rather than replacing the link.
        target = os.path.realpath(self._path)
        directory = os.path.dirname(target) or "."
        try:
            if not os.path.isdir(directory):
                make_private_dirs(directory)  # ~/.aws and any parent we create: 0700, whatever the umask
            try:
                mode = os.stat(target).st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o600  # aws-vault creates the config file 0600 in a 0700 directory
            # Temp files of writers killed mid-write: ``.config.<pid>-<16 hex>.tmp`` (formerly
            # ``.config.<12 hex>.tmp``); a live writer's are spared (atomic_write.is_stale).
            remove_stale_temps(directory, re.compile(r"\.config\.(?:(?P<pid>[0-9]{1,10})-)?[0-9a-f]{12,16}\.tmp"))
            write_atomically(target, data, mode, temp_name(".config.", ".tmp"))
        except OSError as e:
            raise ConfigError(f"{self._path}: cannot write the AWS config file: {e.strerror or e}") from None

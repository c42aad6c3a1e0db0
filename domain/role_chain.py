"""Resolving a profile and its ``source_profile`` chain (reference §2.3–2.5).

Precedence for every field: CLI flag, then environment, then the profile's own section, then its
``include_profile`` chain, then ``[default]`` (aws-vault inherits *every* unset key from ``[default]``).
Unlike aws-vault, a ``source_profile`` loop is an error naming the loop (aws-vault#1211 recurses
forever), and a source that exists nowhere is an error instead of a silent copy of ``[default]``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any, cast

from aws_vault.domain.durations import (
    ASSUME_ROLE_LIMITS,
    MAX_GO_DURATION,
    SECONDS_KEY,
    DurationOutOfRangeError,
    not_negative,
    out_of_range,
    parse_setting,
)
from aws_vault.domain.errors import (
    IncludeLoopError,
    InvalidProfileValueError,
    MissingSourceProfileError,
    RoleChainLoopError,
)
from aws_vault.domain.profiles import (
    DEFAULT_ASSUME_ROLE_DURATION,
    DEFAULT_CHAINED_SESSION_TOKEN_DURATION,
    DEFAULT_SESSION_TOKEN_DURATION,
    ConfigFile,
    ProfileConfig,
    Section,
)
from aws_vault.domain.records import Record

_PARTITION = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def is_role_arn(arn: str) -> bool:
    """``^arn:[a-z0-9-]+:iam::[^:]*:role/.+$`` (Go's anchors; string operations: no regex compiled on every
    lookup)."""
    parts = arn.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and bool(parts[1])
        and _PARTITION.issuperset(parts[1])
        and parts[2] == "iam"
        and not parts[3]
        and len(parts[5]) > len("role/")
        and parts[5].startswith("role/")
        and "\n" not in parts[5]
    )

_Setting = tuple[timedelta, str]  # a duration and the setting it came from ("" for the default)
_Found = _Setting | None  # a source of a duration: None when it is not set


class ResolveOptions(Record):
    """What the command line contributes (highest precedence)."""

    region: str = ""
    duration: timedelta | None = None  # v7 --duration
    session_ttl: timedelta | None = None  # v4 --session-ttl (alias for the GetSessionToken durations)
    assume_role_ttl: timedelta | None = None  # v4 --assume-role-ttl


# Fields copied from a section while still empty, in aws-vault's order (§2.3 step 3).
_STRING_FIELDS = (
    ("mfa_serial", "mfa_serial"),
    ("role_arn", "role_arn"),
    ("external_id", "external_id"),
    ("region", "region"),
    ("role_session_name", "role_session_name"),
    ("source_profile_name", "source_profile"),
    ("sso_account_id", "sso_account_id"),
    ("sso_role_name", "sso_role_name"),
    ("web_identity_token_file", "web_identity_token_file"),
    ("web_identity_token_process", "web_identity_token_process"),
    ("sts_regional_endpoints", "sts_regional_endpoints"),
    ("source_identity", "source_identity"),
    ("credential_process", "credential_process"),
    ("mfa_process", "mfa_process"),
    ("endpoint_url", "endpoint_url"),
)
# Section key -> the field it sets on an include walk; the ones that are not ``ProfileConfig`` fields start with
# "_" (as ``_env_overrides`` puts the tags).
_WALKED_FIELDS = {
    **{key: attr for attr, key in _STRING_FIELDS},
    "duration_seconds": "_duration_seconds",
    "session_tags": "_session_tags",
    "transitive_session_tags": "_transitive_tags",
}
# What ``_Resolver._sso`` takes from an [sso-session] section; once a profile on the walk has set
# ``sso_session``, the profiles after it add only their inline ``sso_start_url`` and ``sso_region``.
_SSO_SESSION_FIELDS = frozenset({"sso_session", "sso_start_url", "sso_region", "sso_registration_scopes"})

_Step = tuple[str, bool]  # a name on an include walk, and whether [default] was visited before it


class _Walk:
    """What the include walk from one step onwards sets, the first value set of each field winning.

    ``values``: the fields as that walk sets them on its own (``_WALKED_FIELDS``); ``inline_sso``: the first
    inline ``sso_start_url`` and ``sso_region`` on it, all that it adds after an ``sso_session`` is set.
    ``length``: how many names it visits. Never changed once made: walks share these mappings.
    """

    __slots__ = ("inline_sso", "length", "values")  # a plain class: one is made per step walked

    def __init__(self, values: Mapping[str, str], inline_sso: Mapping[str, str], length: int) -> None:
        self.values = values
        self.inline_sso = inline_sso
        self.length = length


_WALK_END = _Walk({}, {}, 0)


def parse_session_tags(text: str, profile: str, key: str = "session_tags") -> tuple[tuple[str, str], ...]:
    """``k1=v1,k2=v2`` with whitespace trimmed; anything else is an error (§2.2)."""
    tags: list[tuple[str, str]] = []
    for part in text.split(","):
        k, sep, v = part.partition("=")
        if not sep or not k.strip():
            raise InvalidProfileValueError(
                profile,
                key,
                "session tags string must be <key1>=<value1>,[<key2>=<value2>[,...]]",
            )
        tags.append((k.strip(), v.strip()))
    return tuple(tags)


def parse_transitive_tags(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def _env_duration(env: Mapping[str, str], *names: str) -> _Found:
    """The first set variable's duration and its name; ``None`` when none is set, or it is zero."""
    for name in names:
        value = env.get(name, "")
        if value:
            # aws-vault silently ignores a bad TTL variable; a typo that changes a session's
            # lifetime deserves an error instead.
            parsed = parse_setting(value, where=name)
            # A zero duration means "not set", as in aws-vault (its zero time.Duration picks the next source, §2.5).
            return (parsed, name) if parsed else None
    return None


def _flag(value: timedelta | None, flag: str) -> _Found:
    return (not_negative(value, flag), flag) if value else None


def _seconds(profile: str, text: str) -> _Found:
    """``duration_seconds``: a whole, non-negative number of seconds that a Go duration can hold."""
    if not text:
        return None
    try:
        seconds = int(text)
    except ValueError as e:
        if text.strip().lstrip("+-").isdigit():  # more digits than int() converts (4300)
            raise out_of_range(ASSUME_ROLE_LIMITS, SECONDS_KEY, text, profile) from e
        raise InvalidProfileValueError(profile, SECONDS_KEY, f"not a whole number: {text!r}") from e
    if seconds < 0:
        raise DurationOutOfRangeError(SECONDS_KEY, text, "(a duration cannot be negative)", profile)
    if seconds > MAX_GO_DURATION.total_seconds():
        # Go would overflow its int64 nanoseconds silently; no STS call accepts anything near it.
        raise out_of_range(ASSUME_ROLE_LIMITS, SECONDS_KEY, text, profile)
    return (timedelta(seconds=seconds), SECONDS_KEY) if seconds else None


class _Resolver:
    def __init__(
        self,
        config: ConfigFile,
        env: Mapping[str, str],
        options: ResolveOptions,
        active: str,
        stored: Collection[str],
    ) -> None:
        self.config = config
        self.env = env
        self.options = options
        self.active = active
        self.stored = stored
        self._walks: dict[_Step, _Walk] = {}  # each walk from a step, done once: see ``_walk``

    def resolve(self, name: str) -> ProfileConfig:
        """``name`` and its ``source_profile`` chain, walked with a loop: chains may be thousands deep."""
        chain: list[ProfileConfig] = []
        position: dict[str, int] = {}  # profile name -> its place in ``chain``: loop checks in O(1)
        current = name
        while True:
            profile = self._own(current)
            position[current] = len(chain)
            chain.append(profile)
            source_name = profile.source_profile_name
            if not source_name:
                break
            if source_name in position:
                loop = tuple(p.name for p in chain[position[source_name] :])
                raise RoleChainLoopError((*loop, source_name))
            if self.config.section(source_name) is None and source_name not in self.stored:
                raise MissingSourceProfileError(current, source_name)
            current = source_name
        # Link from the bottom up, so each profile gets its source fully resolved.
        source: ProfileConfig | None = None
        for profile in reversed(chain):
            if source is not None:
                if not profile.mfa_process and source.mfa_process:
                    # The maintained fork inherits mfa_process from the source profile (§2.3 step 5).
                    profile = profile._replace(mfa_process=source.mfa_process, source=source)
                else:
                    profile = profile._replace(source=source)
            source = profile
        assert source is not None
        return source

    def _own(self, name: str) -> ProfileConfig:
        """``name`` resolved on its own: flags, env, its section, its include chain, ``[default]``."""
        overrides: dict[str, str] = {}
        self._env_overrides(name, overrides)
        fields = {**self._walk(name).values, **overrides}  # the first value set wins: flags and env come first
        duration_seconds = fields.pop("_duration_seconds", "")
        tags_text = fields.pop("_session_tags", "")
        transitive_text = fields.pop("_transitive_tags", "")
        if fields.get("source_profile_name") == name:
            fields["source_profile_name"] = ""
        role_arn = fields.get("role_arn", "")
        if role_arn and not is_role_arn(role_arn):
            # aws-vault sends it and STS answers a ValidationError; say which key is wrong instead.
            raise InvalidProfileValueError(name, "role_arn", f"not an IAM role ARN: {role_arn!r}")

        (assume, assume_from), (session, session_from), (chained, chained_from) = self._durations(
            name, duration_seconds
        )
        return ProfileConfig(
            name=name,
            has_section=self.config.section(name) is not None,
            session_tags=parse_session_tags(tags_text, name) if tags_text else (),
            transitive_session_tags=parse_transitive_tags(transitive_text),
            assume_role_duration=assume,
            session_token_duration=session,
            chained_session_token_duration=chained,
            assume_role_duration_setting=assume_from,
            session_token_duration_setting=session_from,
            chained_session_token_duration_setting=chained_from,
            **cast("dict[str, Any]", {k: v for k, v in fields.items() if not k.startswith("_")}),
        )

    def _walk(self, name: str) -> _Walk:
        """The include walk from ``name`` (§2.3 step 3): each name's section, then its ``include_profile``, or
        else ``[default]`` once (also for a name without a section); a name visited twice is a loop.

        Every field is "first set wins", so the walk from a step is its own section laid over the walk from the
        next step (``_over``), and which step comes next depends only on the name and whether ``[default]`` was
        visited before it. So each walk from a step is done once per resolver and kept: ``check-config``
        resolves every profile with one resolver, and walks an include chain n deep in n steps, not n^2. A
        loop is raised before anything is kept. Walked with loops: include chains may be thousands deep.
        """
        path: list[_Step] = []  # steps walked now, whose walks onwards are not known yet
        visited: set[str] = set()
        step: _Step | None = (name, False)
        walk = _WALK_END
        while step is not None:
            current, default_seen = step
            if current in visited:
                raise IncludeLoopError(current)
            if step in self._walks:
                walk = self._walks[step]
                again = self._visited_again(path, walk)
                if again:
                    raise IncludeLoopError(again)
                break
            visited.add(current)
            path.append(step)
            default_seen = default_seen or current == "default"
            section = self.config.section(current)
            include = section.get("include_profile") if section is not None else ""
            if include:
                step = (include, default_seen)
            elif not default_seen:
                step = ("default", False)  # the fall-through, once
            else:
                step = None
        for earlier in reversed(path):
            walk = self._walks[earlier] = self._over(self.config.section(earlier[0]), walk)
        return walk

    def _visited_again(self, path: list[_Step], walk: _Walk) -> str:
        """The first name on ``path`` that ``walk``, the kept walk it leads into, visits again; ``""`` if none.

        Only ``[default]``'s walk can come back to ``path``: coming back to a name at the step it had on
        ``path`` would take ``walk`` back to its own first step, and a kept walk visits no name twice. So the
        names that come back are those visited before ``[default]`` and again after it, at the step
        ``(name, True)``. A walk's steps are kept all at once, so the first walk to reach ``[default]`` keeps
        all of ``[default]``'s walk, and every later walk stops at ``[default]`` or before: ``walk`` ends in
        all of ``[default]``'s walk, and the kept steps ``(name, True)`` are the names it visits after it.
        """
        again = [
            (rest.length, current)  # the longer the rest after a name, the sooner the walk reaches it
            for current, _ in path
            if (rest := self._walks.get((current, True))) is not None
        ]
        return max(again)[1] if again else ""

    def _over(self, section: Section | None, below: _Walk) -> _Walk:
        """The walk from ``section``'s step: its values set first, then ``below``'s, the walk from the next."""
        if section is None:  # visited, and sets nothing
            return _Walk(below.values, below.inline_sso, below.length + 1)
        own = {_WALKED_FIELDS[key]: value for key, value in section.values.items() if value and key in _WALKED_FIELDS}
        session, url, region = section.get("sso_session"), section.get("sso_start_url"), section.get("sso_region")
        self._sso(session, url, region, own)
        rest, inline = below.values, below.inline_sso
        if session:
            # Once sso_session is set, no [sso-session] section below is read: only inline values follow.
            rest = {k: v for k, v in rest.items() if k not in _SSO_SESSION_FIELDS} | dict(inline)
        if url or region:
            inline = {**inline, **{k: v for k, v in (("sso_start_url", url), ("sso_region", region)) if v}}
        return _Walk({**rest, **own} if own else rest, inline, below.length + 1)

    def _env_overrides(self, name: str, fields: dict[str, str]) -> None:
        env = self.env
        region = self.options.region or env.get("AWS_REGION", "") or env.get("AWS_DEFAULT_REGION", "")
        candidates = {
            "region": region,
            "sts_regional_endpoints": env.get("AWS_STS_REGIONAL_ENDPOINTS", ""),
            "endpoint_url": env.get("AWS_ENDPOINT_URL_STS", "") or env.get("AWS_ENDPOINT_URL", ""),
            "mfa_serial": env.get("AWS_MFA_SERIAL", ""),
        }
        if name == self.active:
            candidates.update(
                role_arn=env.get("AWS_ROLE_ARN", ""),
                role_session_name=env.get("AWS_ROLE_SESSION_NAME", ""),
                source_identity=env.get("AWS_SOURCE_IDENTITY", ""),
                _session_tags=env.get("AWS_SESSION_TAGS", ""),
                _transitive_tags=env.get("AWS_TRANSITIVE_TAGS", ""),
            )
        fields.update({k: v for k, v in candidates.items() if v})

    def _sso(self, session_name: str, inline_url: str, inline_region: str, fields: dict[str, str]) -> None:
        if not fields.get("sso_session") and session_name:
            fields["sso_session"] = session_name
            sso = self.config.sso_session(session_name)
            if sso is not None:
                for key in ("sso_start_url", "sso_region", "sso_registration_scopes"):
                    if not fields.get(key) and sso.get(key):
                        fields[key] = sso.get(key)
        # The [sso-session] URL wins over an inline URL in the same profile (fork, §2.3).
        if not fields.get("sso_start_url") and inline_url:
            fields["sso_start_url"] = inline_url
        if not fields.get("sso_region") and inline_region:
            fields["sso_region"] = inline_region

    def _durations(self, name: str, duration_seconds: str) -> tuple[_Setting, _Setting, _Setting]:
        """The three durations with the settings they came from (§2.5); ``""`` names the default.

        The first source set wins, and later ones are not read (``or``), as before. Negative values are
        refused here; each STS call's range is checked by ``build_plan`` on the duration actually sent
        (a chained role's is capped at 1h first).
        """
        opts, env = self.options, self.env
        assume = (
            _flag(opts.duration, "--duration")
            or _flag(opts.assume_role_ttl, "--assume-role-ttl")
            or _env_duration(env, "AWS_ASSUME_ROLE_TTL")
            or _seconds(name, duration_seconds)
        )
        session = (
            _flag(opts.duration, "--duration")
            or _flag(opts.session_ttl, "--session-ttl")
            or _env_duration(env, "AWS_SESSION_TOKEN_TTL", "AWS_SESSION_TTL")
        )
        chained = (
            _flag(opts.duration, "--duration")
            or _flag(opts.session_ttl, "--session-ttl")
            or _env_duration(env, "AWS_CHAINED_SESSION_TOKEN_TTL", "AWS_SESSION_TTL")
        )
        return (
            assume or (DEFAULT_ASSUME_ROLE_DURATION, ""),
            session or (DEFAULT_SESSION_TOKEN_DURATION, ""),
            chained or (DEFAULT_CHAINED_SESSION_TOKEN_DURATION, ""),
        )


def resolve_profile(
    config: ConfigFile,
    name: str,
    *,
    env: Mapping[str, str] | None = None,
    options: ResolveOptions | None = None,
    stored: Collection[str] = (),
) -> ProfileConfig:
    """Resolve ``name`` and its whole source chain; raise on loops and missing sources."""
    resolver = _Resolver(config, env or {}, options or ResolveOptions(), name, stored)
    return resolver.resolve(name)

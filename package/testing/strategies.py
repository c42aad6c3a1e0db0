"""Hypothesis strategies for AWS configs: profile graphs, and the ``~/.aws/config`` text that encodes them.

Use them to property-test your own handling of profiles against our real resolver
(``aws_vault.domain.role_chain.resolve_profile``, ``aws_vault.domain.plan.build_plan``), offline:

* ``profile_graphs()`` draws a ``ProfileGraph``: a ``ConfigFile`` with ``source_profile`` chains, roles, MFA
  serials, ``include_profile``, a ``[default]`` that the other profiles inherit from, ``[sso-session]``
  sections with SSO profiles, regions and durations. It also holds the names that have stored keys and a
  target profile. With the default knobs, every profile of the graph resolves *and* plans: every chain
  ends in stored keys or a complete SSO profile.
* ``config_documents()`` draws a ``ConfigDocument``: a config file's text, together with the graph that
  ``parse_config_text`` reads from it (with the section line numbers). ``config_texts()`` draws the text alone.

Every strategy takes the same keyword knobs:

``cycles``
    ``source_profile`` may point anywhere, so loops can occur (``RoleChainLoopError``).
``missing_sources``
    Some sources name a profile that has neither a section nor stored keys (``MissingSourceProfileError``).
``max_profiles``
    The maximum number of profile sections, ``[default]`` included (at least 1).
``shared_mfa``
    Every profile uses one MFA serial (set on the profile or inherited from ``[default]``).
``sso``
    Whether SSO profiles and ``[sso-session]`` sections are drawn.
``malformed``
    Values may be invalid: bad role ARNs, durations and session tags, empty values, incomplete SSO settings.

Only with ``cycles``, ``missing_sources`` and ``malformed`` all off is every profile guaranteed to resolve.
``include_profile`` never loops: ``IncludeLoopError`` is not generated.

This module needs ``hypothesis`` (the ``testing`` extra). Never import it from the layer packages
(domain, application, adapters, entrypoints).
"""

from __future__ import annotations

import operator
import string
from typing import NamedTuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from aws_vault.domain.profiles import ConfigFile, Section

__all__ = [
    "CONFIG_PATH",
    "ConfigDocument",
    "ProfileGraph",
    "config_documents",
    "config_texts",
    "profile_graphs",
]

CONFIG_PATH = "/fake/.aws/config"


class ProfileGraph(NamedTuple):
    """A config file, the names whose long-term keys are stored, and the profile to resolve.

    ``stored`` may name profiles that have no config section ("keys only"). ``target`` is a profile with a
    section (``[default]`` included), or now and then a keys-only name.
    """

    config: ConfigFile
    stored: frozenset[str]
    target: str


class ConfigDocument(NamedTuple):
    """A ``~/.aws/config`` text and the graph it encodes: ``parse_config_text(text, graph.config.path)``
    equals ``graph.config``."""

    text: str
    graph: ProfileGraph


class _Knobs(NamedTuple):
    cycles: bool
    missing_sources: bool
    max_profiles: int
    shared_mfa: bool
    sso: bool
    malformed: bool


# --- values ----------------------------------------------------------------------------------------------------

_NAME_REST = string.ascii_lowercase + string.digits + "-_."
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1")

_names = st.builds(operator.add, st.sampled_from(string.ascii_lowercase), st.text(_NAME_REST, max_size=10)).filter(
    lambda name: name != "default"
)
_regions = st.sampled_from(_REGIONS)
_accounts = st.sampled_from(("111111111111", "222222222222", "123456789012")) | st.text(
    string.digits, min_size=12, max_size=12
)
_role_names = st.text(string.ascii_letters + string.digits + "+=,.@_-", min_size=1, max_size=16)
_role_arns = st.builds(
    "arn:{}:iam::{}:role/{}{}".format,
    st.sampled_from(("aws", "aws-cn", "aws-us-gov")),
    _accounts,
    st.sampled_from(("", "team/", "service-role/", "a/b/")),
    _role_names,
)
_mfa_serials = st.builds(
    "arn:aws:iam::{}:mfa/{}".format, _accounts, st.sampled_from(("alice", "bob", "ci-user"))
) | st.just("GAHT12345678")  # a hardware token's serial number
_durations = st.integers(min_value=900, max_value=43200).map(str)
_session_names = st.text(string.ascii_letters + string.digits + "=,.@_-", min_size=2, max_size=16)
# "#/" is kept: the fork cuts an inline comment only after whitespace (reference §2.1).
_start_urls = st.builds(
    "https://{}.awsapps.com/start{}".format,
    st.sampled_from(("d-1234567890", "my-org", "acme")),
    st.sampled_from(("", "/", "#/")),
)
_sso_role_names = st.sampled_from(("AdministratorAccess", "ReadOnlyAccess")) | _role_names
# Keys outside aws-vault's set that real files carry; "" opens a block of nested sub-settings.
_EXTRAS = (("output", "json"), ("output", "text"), ("cli_pager", ""), ("s3", ""))
# Malformed values: none holds whitespace, '#', ';' or a line break, so each survives the text round trip.
_BAD_VALUES = {
    "duration_seconds": ("1h", "-60", "abc", "99999999999999999999999", "1e3", ""),
    "role_arn": ("arn:aws:iam::123456789012:user/alice", "not-an-arn", "arn:aws:iam::1:role/", ""),
    "session_tags": ("novalue", "=x", "a=1,,b=2", "team=blue,env=dev"),
    "transitive_session_tags": ("team,env", ","),
    "mfa_serial": ("",),
    "region": ("",),
    "source_profile": ("",),
    "sso_session": ("no-such-session",),
}


def _one_in(draw: st.DrawFn, n: int) -> bool:
    return draw(st.integers(min_value=1, max_value=n)) == 1


# --- graphs ----------------------------------------------------------------------------------------------------


def _walk(config: ConfigFile, name: str) -> tuple[str, bool] | None:
    """``name``'s effective source and whether it carries SSO settings; ``None`` on an include loop.

    The lookup of reference §2.3: the profile's section, its ``include_profile`` chain, then ``[default]``;
    the first non-empty value wins, and a profile naming itself as its source has none.
    """
    source, sso_ish = "", False
    visited: list[str] = []
    current: str | None = name
    while current is not None:
        if current in visited:
            return None
        visited.append(current)
        section = config.section(current)
        if section is None:
            current = None if current == "default" or "default" in visited else "default"
            continue
        source = source or section.get("source_profile")
        sso_ish = sso_ish or bool(section.get("sso_session") or section.get("sso_start_url"))
        include = section.get("include_profile")
        if include:
            current = include
        elif current != "default" and "default" not in visited:
            current = "default"
        else:
            current = None
    return ("" if source == name else source), sso_ish


def _sso_session_values(draw: st.DrawFn, knobs: _Knobs) -> dict[str, str]:
    values = {"sso_start_url": draw(_start_urls), "sso_region": draw(_regions)}
    if _one_in(draw, 3):
        values["sso_registration_scopes"] = "sso:account:access"
    if knobs.malformed and _one_in(draw, 3):
        del values[draw(st.sampled_from(("sso_start_url", "sso_region")))]
    return values


def _sso_profile_values(draw: st.DrawFn, knobs: _Knobs, sessions: list[str]) -> dict[str, str]:
    values = {"sso_account_id": draw(_accounts), "sso_role_name": draw(_sso_role_names)}
    if draw(st.booleans()) and sessions:
        values["sso_session"] = draw(st.sampled_from(sessions))
    else:
        values.update(sso_start_url=draw(_start_urls), sso_region=draw(_regions))
    if knobs.malformed and _one_in(draw, 3):
        del values[draw(st.sampled_from(sorted(values)))]
    return values


def _role_values(draw: st.DrawFn) -> dict[str, str]:
    values: dict[str, str] = {}
    if draw(st.booleans()):
        values["role_arn"] = draw(_role_arns)
    if draw(st.booleans()):
        values["region"] = draw(_regions)
    if _one_in(draw, 4):
        values["duration_seconds"] = draw(_durations)
    if _one_in(draw, 8):
        values["role_session_name"] = draw(_session_names)
    if _one_in(draw, 8):
        values["external_id"] = draw(_session_names)
    return values


@st.composite
def _graphs(draw: st.DrawFn, knobs: _Knobs) -> ProfileGraph:
    has_default = draw(st.booleans())
    named_count = draw(st.integers(min_value=0 if has_default else 1, max_value=knobs.max_profiles - has_default))
    # With one shared serial, a keys-only profile has an MFA serial only through [default].
    keys_only_count = draw(st.integers(0, 2)) if has_default or not knobs.shared_mfa else 0
    ghost_count = draw(st.integers(1, 2)) if knobs.missing_sources else 0
    total = named_count + keys_only_count + ghost_count
    pool = draw(st.lists(_names, min_size=total, max_size=total, unique=True))
    named = pool[:named_count]  # in "generation order": acyclic sources point to earlier names only
    keys_only = pool[named_count : named_count + keys_only_count]  # stored keys, no section
    ghosts = pool[named_count + keys_only_count :]  # no section, no keys
    sections = ["default", *named] if has_default else list(named)

    sessions = draw(st.lists(_names, max_size=2, unique=True)) if knobs.sso else []
    sso_sections = [Section(name, _sso_session_values(draw, knobs)) for name in sessions]
    shared = draw(_mfa_serials) if knobs.shared_mfa else ""
    serials = [draw(_mfa_serials), draw(_mfa_serials)]

    def mfa(values: dict[str, str], inherited: bool) -> None:
        if shared:
            if not inherited or draw(st.booleans()):
                values["mfa_serial"] = shared
        elif _one_in(draw, 3):
            values["mfa_serial"] = draw(st.sampled_from(serials))

    values_of: dict[str, dict[str, str]] = {}
    default_source = ""
    if has_default:
        values = values_of["default"] = {}
        if draw(st.booleans()):
            values["region"] = draw(_regions)
        mfa(values, inherited=False)
        if _one_in(draw, 4):
            values["duration_seconds"] = draw(_durations)
        # Every profile without a source of its own (or an included one) inherits [default]'s (§2.3). To keep
        # the graph acyclic that source must be a root: the first named profile (which then gets no source of
        # its own) or a keys-only name.
        candidates = [*sections, *keys_only, *ghosts] if knobs.cycles else [*named[:1], *keys_only, *ghosts]
        if candidates and _one_in(draw, 3):
            default_source = values["source_profile"] = draw(st.sampled_from(candidates))

    for i, name in enumerate(named):
        values = values_of[name] = {}
        if knobs.sso and _one_in(draw, 4):
            values.update(_sso_profile_values(draw, knobs, sessions))
        else:
            if knobs.cycles:
                candidates = [*sections, *keys_only, *ghosts]
            elif name == default_source:
                candidates = []
            else:
                # Earlier profiles, keys-only names, [default] (itself a root or sourcing a root), and the profile
                # itself: a profile naming itself as its source has none (§2.3).
                candidates = [*named[:i], *keys_only, *ghosts, name]
                if has_default and i > 0:
                    candidates.append("default")
            if candidates and not _one_in(draw, 4):
                values["source_profile"] = draw(st.sampled_from(candidates))
            values.update(_role_values(draw))
        mfa(values, inherited=has_default)
        if i > 0 and _one_in(draw, 4):
            values["include_profile"] = draw(st.sampled_from([*named[:i], *(["default"] if has_default else [])]))

    if knobs.cycles and len(sections) >= 2 and draw(st.booleans()):
        # Random sources close loops only now and then: plant one (a profile naming itself has no source).
        ring = draw(st.lists(st.sampled_from(sections), min_size=2, max_size=4, unique=True))
        for name, source in zip(ring, [*ring[1:], ring[0]], strict=True):
            values_of[name]["source_profile"] = source

    for values in values_of.values():
        if _one_in(draw, 6):
            key, value = draw(st.sampled_from(_EXTRAS))
            values[key] = value
        if knobs.malformed and _one_in(draw, 3):
            key = draw(st.sampled_from(sorted(_BAD_VALUES)))
            values[key] = draw(st.sampled_from(_BAD_VALUES[key]))

    order = draw(st.permutations(sections))  # file order is independent of generation order
    config = ConfigFile(
        CONFIG_PATH, tuple(Section(name, values_of[name]) for name in order), tuple(sso_sections)
    )
    # Stored keys: every keys-only name, every root that is not an SSO profile, and a few more (stored keys
    # win over a source profile, §2.6).
    stored = set(keys_only)
    for name in sections:
        walked = _walk(config, name)
        if walked is not None and not walked[0] and not walked[1]:
            stored.add(name)
    stored |= draw(st.sets(st.sampled_from(sections), max_size=2))
    if keys_only and _one_in(draw, 6):
        target = draw(st.sampled_from(keys_only))
    elif draw(st.booleans()):
        depths = {name: _depth(config, name) for name in sections}
        target = draw(st.sampled_from([name for name in sections if depths[name] == max(depths.values())]))
    else:
        target = draw(st.sampled_from(sections))
    return ProfileGraph(config, frozenset(stored), target)


def _depth(config: ConfigFile, name: str) -> int:
    """How many profiles resolving ``name`` visits; a loop counts as more than any chain."""
    seen = [name]
    while True:
        walked = _walk(config, seen[-1])
        if walked is None or walked[0] in seen:
            return len(config.profiles) + 3
        if not walked[0]:
            return len(seen)
        seen.append(walked[0])


def profile_graphs(
    *,
    cycles: bool = False,
    missing_sources: bool = False,
    max_profiles: int = 8,
    shared_mfa: bool = False,
    sso: bool = True,
    malformed: bool = False,
) -> st.SearchStrategy[ProfileGraph]:
    """Config graphs with stored keys and a target; see the module docstring for the knobs."""
    return _graphs(_knobs(cycles, missing_sources, max_profiles, shared_mfa, sso, malformed))


def _knobs(
    cycles: bool, missing_sources: bool, max_profiles: int, shared_mfa: bool, sso: bool, malformed: bool
) -> _Knobs:
    if max_profiles < 1:
        raise InvalidArgument(f"max_profiles={max_profiles!r} must be at least 1")
    return _Knobs(cycles, missing_sources, max_profiles, shared_mfa, sso, malformed)


# --- text ------------------------------------------------------------------------------------------------------

_comment_texts = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=16)
# Sections both loaders ignore (reference §2.1), each with keys that must not leak into the result.
_IGNORED_SECTIONS = (
    ("[preview]", ("cloudfront = true",)),
    ("[services local]", ("s3 =", "  endpoint_url = http://localhost:4566")),
    ("[Default]", ("region = ignored-1",)),
    ("[profilex]", ("region = ignored-2",)),
    ("[profile ]", ("region = ignored-3",)),
    ('[profile ""]', ("region = ignored-4",)),
    ("[sso-session]", ("sso_region = ignored-5",)),
    ("[plugins]", ("cli_legacy_plugin_path = /opt/plugins",)),
)
# With a [default] present, aws-vault never reads [profile default] (issue #642).
_SHADOWED_DEFAULT = ("[profile default]", ("region = ignored-6",))


class _Chunk(NamedTuple):
    """A header and its lines; ``section`` is ``(kind, name)`` for a first occurrence, else ``None``."""

    section: tuple[str, str] | None
    lines: list[str]


def _header(draw: st.DrawFn, kind: str, name: str) -> str:
    if kind == "default":
        inner = draw(st.sampled_from(("default", " default ", "default ")))
    else:
        prefix = "profile" if kind == "profile" else "sso-session"
        quoted = draw(st.sampled_from((name, f'"{name}"', f"'{name}'")))
        inner = prefix + draw(st.sampled_from((" ", "  ", "\t"))) + quoted + draw(st.sampled_from(("", " ")))
        if _one_in(draw, 4):
            inner = " " + inner
    # Text after the last ']' is ignored, so a header comment must not hold one.
    return f"[{inner}]" + draw(st.sampled_from(("", "", "", " # a comment", " ; another", "  ")))


def _comment(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(("", " ", "  "))) + draw(st.sampled_from("#;")) + draw(_comment_texts)


def _key_line(draw: st.DrawFn, indent: str, key: str, value: str) -> str:
    name = draw(st.sampled_from((key, key.upper(), key.title())))  # key names are case-insensitive
    line = indent + name + draw(st.sampled_from(("", " ", "  ", "\t"))) + draw(st.sampled_from("==:"))
    line += draw(st.sampled_from(("", " ", "\t"))) + value
    if value and _one_in(draw, 6):
        # An inline comment needs whitespace before it (the fork's SpaceBeforeInlineComment, §2.1); after an
        # empty value it would be read as the value.
        line += draw(st.sampled_from((" ", "\t", "  "))) + draw(st.sampled_from("#;")) + draw(_comment_texts)
    elif _one_in(draw, 6):
        line += draw(st.sampled_from((" ", "\t")))
    return line


def _body(draw: st.DrawFn, values: dict[str, str]) -> list[str]:
    """Key lines in any order, with comments, blank lines, overridden duplicates and nested sub-settings.

    One indentation for the whole body: a line indented deeper than a key with an empty value is a nested
    sub-setting of that key, which the parser drops.
    """
    indent = draw(st.sampled_from(("", "", " ", "  ", "\t")))
    lines: list[str] = []
    for key, value in draw(st.permutations(list(values.items()))):
        if _one_in(draw, 8):
            lines.append(_comment(draw))
        if _one_in(draw, 10):
            lines.append(_key_line(draw, indent, key, "overridden"))  # a repeated key: the last one wins
        lines.append(_key_line(draw, indent, key, value))
        if not value and draw(st.booleans()):
            lines += [indent + "  max_concurrent_requests = 10", indent + "  max_queue_size: 1000"]
        if _one_in(draw, 8):
            lines.append("")
    return lines


@st.composite
def _documents(draw: st.DrawFn, knobs: _Knobs) -> ConfigDocument:
    graph = draw(_graphs(knobs))
    config = graph.config
    chunks: list[_Chunk] = []
    continuations: list[tuple[_Chunk, _Chunk]] = []  # (first occurrence, later block of the same section)
    for section in config.profiles:
        kind = "default" if section.name == "default" else "profile"
        items = list(section.values.items())
        split = draw(st.integers(1, len(items) - 1)) if len(items) >= 2 and _one_in(draw, 5) else len(items)
        first = _Chunk((kind, section.name), [_header(draw, kind, section.name), *_body(draw, dict(items[:split]))])
        chunks.append(first)
        if split < len(items):
            # A repeated section merges into the first one (reference §2.1).
            later = _Chunk(None, [_header(draw, kind, section.name), *_body(draw, dict(items[split:]))])
            continuations.append((first, later))
    last = -1
    for section in config.sso_sessions:  # anywhere, in order
        last = draw(st.integers(last + 1, len(chunks)))
        lines = [_header(draw, "sso", section.name), *_body(draw, dict(section.values))]
        chunks.insert(last, _Chunk(("sso", section.name), lines))
    ignored = [*_IGNORED_SECTIONS, *([_SHADOWED_DEFAULT] if config.section("default") else [])]
    for header, body in draw(st.lists(st.sampled_from(ignored), max_size=2)):
        chunks.insert(draw(st.integers(0, len(chunks))), _Chunk(None, [header, *body]))
    for first, later in continuations:
        chunks.insert(draw(st.integers(chunks.index(first) + 1, len(chunks))), later)

    lines = [_comment(draw) for _ in range(draw(st.integers(0, 2)))]
    header_lines: dict[tuple[str, str], int] = {}
    for chunk in chunks:
        lines += [""] * draw(st.integers(0, 2))
        if chunk.section is not None:
            header_lines[chunk.section] = len(lines) + 1
        lines += chunk.lines
    newline = draw(st.sampled_from(("\n", "\r\n")))
    bom = "\ufeff" if _one_in(draw, 8) else ""
    text = bom + newline.join(lines) + (newline if draw(st.booleans()) else "")

    def kind_of(name: str) -> str:
        return "default" if name == "default" else "profile"

    parsed = ConfigFile(
        config.path,
        tuple(Section(s.name, dict(s.values), header_lines[kind_of(s.name), s.name]) for s in config.profiles),
        tuple(Section(s.name, dict(s.values), header_lines["sso", s.name]) for s in config.sso_sessions),
    )
    return ConfigDocument(text, graph._replace(config=parsed))


def config_documents(
    *,
    cycles: bool = False,
    missing_sources: bool = False,
    max_profiles: int = 8,
    shared_mfa: bool = False,
    sso: bool = True,
    malformed: bool = False,
) -> st.SearchStrategy[ConfigDocument]:
    """A config file's text and the graph it encodes; the knobs are ``profile_graphs``'s.

    The text varies what the parser must take in its stride: headers spaced, quoted and commented, key names
    in any case, ``=`` or ``:`` with any spacing, comments (full-line and inline), blank lines, CRLF, a BOM,
    repeated keys and repeated sections, nested sub-settings, and sections both loaders ignore.
    """
    return _documents(_knobs(cycles, missing_sources, max_profiles, shared_mfa, sso, malformed))


def config_texts(
    *,
    cycles: bool = False,
    missing_sources: bool = False,
    max_profiles: int = 8,
    shared_mfa: bool = False,
    sso: bool = True,
    malformed: bool = False,
) -> st.SearchStrategy[str]:
    """The text of ``config_documents``: a ``~/.aws/config`` that parses without error."""
    return config_documents(
        cycles=cycles,
        missing_sources=missing_sources,
        max_profiles=max_profiles,
        shared_mfa=shared_mfa,
        sso=sso,
        malformed=malformed,
    ).map(operator.attrgetter("text"))

"""Recognise a bare ``credential_process`` lookup without building the argparse parser.

``aws-vault export --format=json PROFILE`` and ``aws-vault exec --json PROFILE`` (any order, nothing
else on the line) are what SDKs run on every call. Building the full parser costs ~10 ms (argparse,
shutil, locale); anything this matcher does not recognise goes through the full parser.
"""

from __future__ import annotations


def credential_process_profile(argv: list[str]) -> str | None:
    """The profile when ``argv`` is exactly a credential_process lookup, else ``None``."""
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

"""The console script's entry, and the cached ``credential_process`` lookup without argparse.

``aws-vault export --format=json PROFILE`` and ``aws-vault exec --json PROFILE`` (any order, nothing
else on the line) are what SDKs run on every call. Building the full parser costs ~10 ms (argparse,
shutil, locale); anything this matcher does not recognise goes through the full parser.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


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


def serve_cached(profile: str, env: Mapping[str, str]) -> bool:
    """Print a cached session as credential_process JSON; ``False`` means take the full path."""
    from aws_vault.application.use_cases.get_credentials import CredentialsRequest
    from aws_vault.domain.errors import AwsVaultError
    from aws_vault.entrypoints.cli.fast_path import cached_credentials
    from aws_vault.entrypoints.cli.formats import credential_process_json
    from aws_vault.entrypoints.settings import Settings, parse_go_bool

    try:
        if env.get("AWS_VAULT_STDOUT"):
            parse_go_bool(env["AWS_VAULT_STDOUT"], "AWS_VAULT_STDOUT")  # a bad value: the full path reports it
        found = cached_credentials(Settings.build(env), CredentialsRequest(profile), "")
    except AwsVaultError:
        return False  # the full path reports it, with the command's label
    if found is None:
        return False
    sys.stdout.write(credential_process_json(found.credentials))
    return True


def run() -> None:
    """``aws-vault``: a cached credential_process lookup never loads the full CLI (``main.py``)."""
    argv, env = sys.argv[1:], os.environ
    lookup = not env.get("AWS_VAULT") and credential_process_profile(argv) is not None
    served = False
    code = 0
    if lookup:
        # A short-lived process that exits via os._exit: cyclic garbage collection only costs time here.
        import gc

        gc.disable()
    if lookup and sys.stdout is not None:
        profile = credential_process_profile(argv)
        assert profile is not None
        try:
            served = serve_cached(profile, env)
            sys.stdout.flush()
        except OSError as e:  # stdout full or gone: one line, as the full path says it
            served, code = True, 1
            _say(f"aws-vault: error: {argv[0]}: cannot write output: {e.strerror or e}")
    if not served:
        from aws_vault.entrypoints.cli.main import main

        code = main(argv, try_cached=False)
    if lookup:
        # SDKs run this on every call: skip interpreter teardown (~2 ms) once output is flushed.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                try:
                    stream.flush()
                except OSError as e:
                    if code == 0:
                        code = 1
                        _say(f"aws-vault: error: {argv[0]}: cannot write output: {e.strerror or e}")
        os._exit(code)
    sys.exit(code)


def _say(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, AttributeError):
        pass

"""Parsing ``credential_process`` output by the AWS spec (version 1), not aws-vault's stricter rule.

AWS requires ``Version`` (1), ``AccessKeyId`` and ``SecretAccessKey``; ``SessionToken`` and
``Expiration`` are optional (long-term keys). aws-vault demands all four and so rejects valid
processes (aws-vault#1182). Field names match case-insensitively, as Go's decoder does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aws_vault.domain.credentials import Credentials, parse_rfc3339
from aws_vault.domain.errors import AwsVaultError


class CredentialProcessError(AwsVaultError):
    """A credential_process failed or printed something that is not credentials."""


REQUIRED = ("Version", "AccessKeyId", "SecretAccessKey")

# Profiles whose credential_process is running in an ancestor aws-vault process. aws-vault re-enters itself
# forever when a profile's credential_process calls `aws-vault export` on the same profile (aws-vault#1176).
GUARD_VARIABLE = "AWS_VAULT_CREDENTIAL_PROCESS_PROFILES"


def running_profiles(env: Mapping[str, str]) -> list[str]:
    """Profiles whose ``credential_process`` an aws-vault process that started us is running.

    The value is a JSON list, as a profile name may hold a comma; the comma-separated form earlier
    versions wrote is read too.
    """
    value = env.get(GUARD_VARIABLE, "")
    if value.startswith("["):
        try:
            names = json.loads(value)
        except (ValueError, RecursionError):
            names = None
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return [n for n in names if n]
    return [p for p in value.split(",") if p]


def guard_value(running: list[str], profile: str) -> str:
    """The guard variable's value for a credential_process started for ``profile``."""
    return json.dumps([*running, profile], separators=(",", ":"))


def parse_output(stdout: bytes, command: str) -> Credentials:
    try:
        doc = json.loads(stdout)
    except (ValueError, RecursionError, UnicodeDecodeError) as e:
        # aws-vault's wording (Appendix A); the reason never quotes the output, which may hold secrets.
        raise CredentialProcessError(f'invalid JSON format from command "{command}": {type(e).__name__}') from None
    if not isinstance(doc, dict):
        raise CredentialProcessError(f'invalid JSON format from command "{command}": not a JSON object')
    fields = {str(k).lower(): v for k, v in doc.items()}
    missing = [name for name in REQUIRED if fields.get(name.lower()) in (None, "")]
    if missing:
        raise CredentialProcessError(
            f'JSON credential from command "{command}" missing the following fields: [{" ".join(missing)}]'
        )
    if fields["version"] != 1:
        raise CredentialProcessError(
            f'command "{command}" printed credential_process Version {fields["version"]!r}; only 1 is supported'
        )
    for name in ("accesskeyid", "secretaccesskey", "sessiontoken"):
        if fields.get(name) is not None and not isinstance(fields[name], str):
            raise CredentialProcessError(f'command "{command}" printed a non-string {name}')
    expiration = None
    if fields.get("expiration"):
        try:
            expiration = parse_rfc3339(str(fields["expiration"]))
        except ValueError:
            raise CredentialProcessError(
                f'command "{command}" printed an Expiration that is not an RFC 3339 time'
            ) from None
    return Credentials(fields["accesskeyid"], fields["secretaccesskey"], fields.get("sessiontoken") or "", expiration)

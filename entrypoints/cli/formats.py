"""Output formats: ``export --format``, ``exec --json`` and the ``list`` table (reference §1.5)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_vault.domain.credentials import Credentials, rfc3339_utc


def credential_process_json(creds: Credentials) -> str:
    """AWS ``credential_process`` v1 document, 2-space indent, aws-vault's key order (§1.5.2)."""
    doc: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    }
    if creds.session_token:
        doc["SessionToken"] = creds.session_token
    if creds.expiration is not None:
        doc["Expiration"] = rfc3339_utc(creds.expiration)
    return json.dumps(doc, indent=2) + "\n"


def env_lines(creds: Credentials, region: str) -> list[tuple[str, str]]:
    pairs = [("AWS_ACCESS_KEY_ID", creds.access_key_id), ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key)]
    if creds.session_token:
        pairs.append(("AWS_SESSION_TOKEN", creds.session_token))
    if creds.expiration is not None:
        pairs.append(("AWS_CREDENTIAL_EXPIRATION", rfc3339_utc(creds.expiration)))
    if region:
        pairs += [("AWS_REGION", region), ("AWS_DEFAULT_REGION", region)]
    return pairs


def _ini_value(value: str) -> str:
    # go-ini quoting rules (§1.5.2): back-quote values with # or ;, double-quote padded values.
    if "#" in value or ";" in value:
        return f"`{value}`"
    if value != value.strip():
        return f'"{value}"'
    return value


def render_export(fmt: str, profile: str, creds: Credentials, region: str) -> str:
    if fmt == "json":
        return credential_process_json(creds)
    if fmt in ("env", "export-env"):
        prefix = "export " if fmt == "export-env" else ""
        return "".join(f"{prefix}{k}={v}\n" for k, v in env_lines(creds, region))
    lines = [f"[{profile}]"]
    fields = [
        ("aws_access_key_id", creds.access_key_id),
        ("aws_secret_access_key", creds.secret_access_key),
        ("aws_session_token", creds.session_token),
        ("aws_credential_expiration", rfc3339_utc(creds.expiration) if creds.expiration else ""),
        ("region", region),
    ]
    lines += [f"{k}={_ini_value(v)}" for k, v in fields if v]
    return "\n".join(lines) + "\n"


def tabwriter(rows: Sequence[Sequence[str]], min_width: int = 25, padding: int = 2) -> str:
    """Go ``text/tabwriter`` with every cell tab-terminated: all columns padded, trailing spaces (§1.5.1)."""
    if not rows:
        return ""
    widths = [
        max(min_width, max(len(r[i]) for r in rows) + padding) for i in range(len(rows[0]))
    ]
    return "".join("".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + "\n" for r in rows)


def _step_line(step: dict[str, Any]) -> str:
    call, profile = step["call"], step["profile"]
    if call == "UseStoredKeys":
        head = f"stored keys of {profile}"
    elif call == "AssumeRole" or call == "AssumeRoleWithWebIdentity":
        head = f"{call} {step['role_arn']} (profile {profile})"
    elif call == "SsoRoleCredentials":
        head = f"SSO {step['account_id']}/{step['role_name']} via {step['start_url']} (profile {profile})"
    elif call == "CredentialProcess":
        head = f"credential_process for {profile}"
    else:
        head = f"{call} for {profile}"
    details = [step[k] for k in ("duration", "region", "endpoint") if step.get(k)]
    if step.get("mfa_serial"):
        details.append(f"MFA {step['mfa_serial']}")
    if step.get("cached_for"):
        state = f"cached, {step['cached_for']} left" if step["served_from_cache"] else "cached"
    else:
        state = "runs" if step["runs"] else "not needed"
    return f"{head}  [{', '.join(details)}]  {state}" if details else f"{head}  {state}"


def render_plan_text(plan: dict[str, Any]) -> str:
    """``aws-vault plan``: the steps as a tree from the profile down to its source, then a summary."""
    lines = [f"{plan['profile']}" + (f" (region {plan['region']})" if plan["region"] else "")]
    for depth, step in enumerate(reversed(plan["steps"])):
        lines.append("   " * depth + "└─ " + _step_line(step))
    lines.append("chain: " + " <- ".join(plan["chain"]))
    lines.append("calls now: " + (", ".join(plan["calls"]) or "none, served from the cache"))
    codes = [f"{m['serial']} ({m['via']})" for m in plan["mfa"]]
    lines.append("MFA codes now: " + (", ".join(codes) or "none"))
    return "\n".join(lines) + "\n"

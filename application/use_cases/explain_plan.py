"""``plan``: what getting a profile's credentials would do right now, as JSON-able data.

The resolved chain, the source, each STS step with its duration, region and endpoint, which step the
session cache would answer from, and which MFA serials would be asked for. It reads the config and
the store's key names only: it never calls AWS, never prompts and never decrypts an item.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from aws_vault.application.ports import Clock
from aws_vault.application.session_cache import SessionCache
from aws_vault.application.use_cases.get_credentials import CredentialsRequest, ResolveProfile
from aws_vault.domain.durations import format_duration, truncate_to_seconds
from aws_vault.domain.endpoints import endpoint_url
from aws_vault.domain.plan import (
    AssumeRole,
    AssumeRoleWithWebIdentity,
    CredentialProcess,
    GetSessionToken,
    SsoRoleCredentials,
    Step,
    StsTarget,
    UseStoredKeys,
)

_SOURCES: dict[type, str] = {
    UseStoredKeys: "stored keys",
    SsoRoleCredentials: "sso",
    AssumeRoleWithWebIdentity: "web identity",
    CredentialProcess: "credential_process",
}


def _duration(value: timedelta) -> dict[str, Any]:
    return {"duration": format_duration(value), "duration_seconds": int(value.total_seconds())}


def _target(target: StsTarget, env: Mapping[str, str]) -> dict[str, Any]:
    return {"region": target.region, "endpoint": endpoint_url(target, env)}


def describe_step(step: Step, env: Mapping[str, str]) -> dict[str, Any]:
    """One step as data: the call it makes and its parameters (never a secret)."""
    out: dict[str, Any] = {"call": type(step).__name__, "profile": step.profile}
    if isinstance(step, GetSessionToken):
        out |= _duration(step.duration) | _target(step.target, env) | {"mfa_serial": step.mfa_serial}
    elif isinstance(step, AssumeRole):
        out |= {"role_arn": step.role_arn} | _duration(step.duration) | _target(step.target, env)
        out |= {"mfa_serial": step.mfa_serial}
        if step.external_id:
            out["external_id"] = step.external_id
        if step.session_name:
            out["session_name"] = step.session_name
    elif isinstance(step, AssumeRoleWithWebIdentity):
        out |= {"role_arn": step.role_arn} | _duration(step.duration) | _target(step.target, env)
        out["token"] = {"file": step.token_file} if step.token_file else {"process": step.token_process}
    elif isinstance(step, SsoRoleCredentials):
        out |= {
            "start_url": step.start_url,
            "sso_region": step.sso_region,
            "account_id": step.account_id,
            "role_name": step.role_name,
        }
    elif isinstance(step, CredentialProcess):
        out["command"] = step.command
    return out


class ExplainPlan:
    def __init__(
        self, resolve: ResolveProfile, cache: SessionCache, clock: Clock, env: Mapping[str, str]
    ) -> None:
        self.resolve = resolve
        self.cache = cache
        self.clock = clock
        self.env = env

    def __call__(self, request: CredentialsRequest, *, mfa_token_given: bool = False) -> dict[str, Any]:
        profile, plan = self.resolve(request)
        now = self.clock.now()
        keys = self.cache.store.keys()  # once: a deep chain must not list the store per step
        cached: dict[int, datetime] = {}
        for index, step in enumerate(plan.steps):
            spec = step.cache
            expires = self.cache.fresh_until(spec, keys) if spec is not None else None
            if expires is not None:
                cached[index] = expires
        # The pipeline walks down from the target and stops at the first fresh cached step (§3.2).
        served_from = max(cached, default=None)
        steps: list[dict[str, Any]] = []
        mfa: list[dict[str, str]] = []
        asked: set[str] = set()  # serials already in ``mfa``: one look-up per step, not a scan
        for index, step in enumerate(plan.steps):
            described = describe_step(step, self.env)
            described["cacheable"] = step.cache is not None
            described["runs"] = served_from is None or index > served_from
            described["served_from_cache"] = index == served_from
            if index in cached:
                described["cached_until"] = cached[index].isoformat()
                described["cached_for"] = format_duration(truncate_to_seconds(cached[index] - now))
            serial = getattr(step, "mfa_serial", "")
            if described["runs"] and serial and serial not in asked:
                via = "flag" if mfa_token_given else "mfa_process" if getattr(step, "mfa_process", "") else "prompt"
                mfa.append({"serial": serial, "via": via, "profile": step.profile})
                asked.add(serial)
            steps.append(described)
        return {
            "profile": plan.profile,
            "region": plan.region,
            "chain": [p.name for p in profile.chain],
            "source": {"type": _SOURCES.get(type(plan.steps[0]), type(plan.steps[0]).__name__),
                       "profile": plan.steps[0].profile},
            "steps": steps,
            "served_from_cache": served_from is not None,
            "calls": [s["call"] for s in steps if s["runs"] and s["call"] != "UseStoredKeys"],
            "mfa": mfa,
            "notes": list(plan.notes),
        }

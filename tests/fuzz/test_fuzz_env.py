"""Fuzzing the environment: every ``AWS_*``/``AWS_VAULT_*`` variable aws-vault reads, with random values,
through each reader: ``Settings.build``, the resolver and planner, the STS/SSO/IAM endpoint choice, the
network limits of the botocore adapters, login's variables and ``exec``'s child environment.

Property: a result or a one-line ``AwsVaultError``; where the answer is known, the result is checked too
(valid values are taken, the child environment carries exactly the credentials).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aws_vault.adapters.botocore_calls import NetworkLimits
from aws_vault.adapters.sso.boto3_sso import choose_sso_endpoint
from aws_vault.application.use_cases.exec_profile import child_environment
from aws_vault.application.use_cases.login import environment_credentials
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.durations import parse_duration
from aws_vault.domain.endpoints import choose_endpoint
from aws_vault.domain.login import federation_duration, federation_url_from_env
from aws_vault.domain.plan import Plan, SsoTarget, StsTarget, build_plan
from aws_vault.domain.profiles import ConfigFile, ProfileConfig, Section
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.entrypoints.api import Vault
from aws_vault.entrypoints.settings import Settings
from aws_vault.errors import AwsVaultError, UsageError
from tests.fuzz.support import (
    ALL_VARIABLES,
    DURATION_VARIABLES,
    Known,
    assert_one_line,
    environments,
    fuzz,
    odd_texts,
    outcome,
)

MFA = "arn:aws:iam::123456789012:mfa/fuzz"
CONFIG = ConfigFile(
    "/fuzz/.aws/config",
    (
        Section("default", {"region": "us-east-1"}),
        Section("work", {"mfa_serial": MFA}),
        Section("role", {"source_profile": "work", "role_arn": "arn:aws:iam::123456789012:role/r", "mfa_serial": MFA}),
        Section("chain", {"source_profile": "role", "role_arn": "arn:aws:iam::123456789012:role/c"}),
        Section("sso", {"sso_start_url": "https://x.awsapps.com/start", "sso_region": "eu-west-1",
                        "sso_account_id": "111111111111", "sso_role_name": "Admin"}),
        Section("proc", {"credential_process": "true"}),
    ),
)  # fmt: skip
_flags = st.fixed_dictionaries(
    {},
    optional={
        "backend": st.sampled_from(("", "file", "nope")) | odd_texts,
        "prompt": st.sampled_from(("", "zenity", "terminal", "nope")) | odd_texts,
        "file_dir": odd_texts,
        "keyctl_scope": st.sampled_from(("user", "session", "bogus")),
        "debug": st.booleans(),
    },
)


@fuzz(max_examples=300)
@given(environments(), _flags)
@example({"AWS_MIN_TTL": "\n"}, {})
@example({"AWS_VAULT_KEY_MAX_AGE": "\u00b2h"}, {})
def test_settings_build_or_refuse_in_one_line(env: dict[str, str], flags: dict[str, object]) -> None:
    typed = "".join(env.values()) + "".join(str(v) for v in flags.values())
    settings = outcome(lambda: Settings.build(env, flags), typed=typed)  # type: ignore[arg-type]
    if not isinstance(settings, Settings):
        assert isinstance(settings, AwsVaultError | Known)
        return
    assert settings.min_ttl >= timedelta(0) and settings.key_max_age >= timedelta(0)
    assert settings.sso_timeout > timedelta(0)
    if not flags.get("backend") and env.get("AWS_VAULT_BACKEND") == "file":
        assert settings.backend == "file"
    for name in ("AWS_MIN_TTL", "AWS_VAULT_PROCESS_TIMEOUT", "AWS_VAULT_LOCK_TIMEOUT"):
        if env.get(name) and env[name].strip() not in ("", "0"):
            expected = parse_duration(env[name])
            got = {"AWS_MIN_TTL": settings.min_ttl, "AWS_VAULT_PROCESS_TIMEOUT": settings.process_timeout,
                   "AWS_VAULT_LOCK_TIMEOUT": settings.lock_timeout}[name]  # fmt: skip
            assert got == expected, f"{name}={env[name]!r} gave {got}"


@fuzz(max_examples=300)
@given(environments(), st.sampled_from(("work", "role", "chain", "sso", "proc", "default", "nope")),
       st.booleans())  # fmt: skip
@example({"AWS_SESSION_TTL": "-1h"}, "work", False)
@example({"AWS_ROLE_ARN": "arn:aws:iam::1:user/x"}, "work", False)
def test_profiles_resolve_and_plan_under_any_environment(env: dict[str, str], name: str, no_session: bool) -> None:
    stored = {"work", "default"}
    typed = "".join(env.values())
    profile = outcome(lambda: resolve_profile(CONFIG, name, env=env, stored=stored), typed=typed)
    if not isinstance(profile, ProfileConfig):
        return
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""
    if region:
        assert profile.region == region
    plan = outcome(lambda: build_plan(profile, stored, no_session=no_session, cache_roles=True), typed=typed)
    assert isinstance(plan, Plan | AwsVaultError | Known)
    for target in (StsTarget(profile.region, profile.sts_regional_endpoints, profile.endpoint_url),):
        endpoint = outcome(lambda t=target: choose_endpoint(t, env), typed=typed)  # type: ignore[misc]
        assert isinstance(endpoint, tuple | AwsVaultError | Known)


@fuzz(max_examples=300)
@given(environments(), odd_texts, st.sampled_from(("sso", "sso-oidc")))
@example({"AWS_MAX_ATTEMPTS": "\u00b2"}, "", "sso")
def test_adapter_environment_readers(env: dict[str, str], region: str, service: str) -> None:
    typed = "".join(env.values())
    limits = outcome(lambda: NetworkLimits.from_env(env), typed=typed)
    if isinstance(limits, NetworkLimits):
        assert limits.max_attempts >= 1 and limits.connect_timeout > 0 and limits.read_timeout > 0
        assert limits.retry_mode in ("legacy", "standard", "adaptive")
    url = outcome(lambda: choose_sso_endpoint(service, SsoTarget(region, ""), env), typed=typed + region)
    assert url is None or isinstance(url, str | AwsVaultError | Known)


@fuzz(max_examples=300)
@given(environments(), st.text(max_size=10), st.one_of(st.none(), st.just(timedelta(hours=2))))
def test_login_and_exec_environment(env: dict[str, str], profile: str, flag: timedelta | None) -> None:
    typed = "".join(env.values())
    duration = outcome(lambda: federation_duration(flag, env.get("AWS_FEDERATION_TOKEN_TTL", "")), typed=typed)
    if flag is not None:
        assert duration == (flag, "--duration")
    outcome(lambda: federation_url_from_env(env), typed=typed)
    found = outcome(lambda: environment_credentials(env), typed=typed)
    if isinstance(found, Credentials):
        assert found.access_key_id in (env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_ACCESS_KEY"))
    creds = Credentials("ASIAFUZZ", "fuzz-secret", "fuzz-token", None)
    child = outcome(lambda: child_environment(env, profile, creds, "eu-west-1"), typed=typed + profile)
    assert isinstance(child, dict)
    assert child["AWS_ACCESS_KEY_ID"] == "ASIAFUZZ" and child["AWS_SECRET_ACCESS_KEY"] == "fuzz-secret"
    assert child["AWS_SESSION_TOKEN"] == "fuzz-token" and child["AWS_VAULT"] == profile
    for gone in ("AWS_PROFILE", "AWS_SECURITY_TOKEN", "AWS_VAULT_FILE_PASSPHRASE", "AWS_CREDENTIAL_EXPIRATION"):
        assert gone not in child


def test_the_fuzzed_variables_are_the_ones_aws_vault_reads() -> None:
    """Every ``"AWS_..."`` literal in the product is fuzzed (so a new variable gets fuzzed too)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    read: set[str] = set()
    for layer in ("domain", "application", "adapters", "entrypoints"):
        for path in (root / layer).rglob("*.py"):
            read |= set(re.findall(r"""["'](AWS_[A-Z0-9_]+)["']""", path.read_text()))
    # AWS_VAULT alone is the nesting marker and is fuzzed; these are only ever written, never read.
    written_only = {"AWS_VAULT_PASSPHRASE"} & read
    missing = sorted(read - set(ALL_VARIABLES) - written_only)
    assert not missing, f"variables read but not fuzzed: {missing}"
    assert set(DURATION_VARIABLES) <= read


# --- bugs found by fuzzing, fixed --------------------------------------------------------------------------------------------------


def test_regression_superscript_max_attempts() -> None:
    with pytest.raises(UsageError):
        NetworkLimits.from_env({"AWS_MAX_ATTEMPTS": "\u00b2"})


@pytest.mark.parametrize(
    "variable", ["AWS_MIN_TTL", "AWS_VAULT_CACHE_ROLES", "AWS_VAULT_PROMPT", "AWS_VAULT_KEYCTL_SCOPE", "AWS_VAULT_BACKEND"]
)
def test_regression_values_quoted_raw_in_messages(variable: str) -> None:
    with pytest.raises(AwsVaultError) as info:
        Vault.from_env({variable: "1\nx"})
    assert_one_line(str(info.value), variable)

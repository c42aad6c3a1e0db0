"""``aws-vault plan``: the installed CLI explains a profile's credentials without calling AWS or prompting."""

from __future__ import annotations

import json

from tests.e2e.conftest import MFA_CODE, WORK_MFA, Vault
from tests.e2e.test_core_loop import HEAVY, imported


def test_plan_text_before_and_after_the_session_is_cached(vault: Vault) -> None:
    vault.add("work")
    cold = vault.ok("plan", "work-admin_role").stdout
    assert cold.splitlines()[0] == "work-admin_role (region us-east-1)"
    assert "└─ AssumeRole arn:aws:iam::123456789012:role/admin_role (profile work-admin_role)" in cold
    assert f"└─ GetSessionToken for work  [8h0m0s, eu-west-1, {vault.moto.url}, MFA {WORK_MFA}]  runs" in cold
    assert "calls now: GetSessionToken, AssumeRole" in cold
    assert f"MFA codes now: {WORK_MFA} (prompt)" in cold
    assert vault.moto.requests() == []

    vault.ok("exec", "work-admin_role", "--mfa-token", MFA_CODE, "--", "true")
    before = len(vault.moto.requests())
    warm = vault.ok("plan", "work-admin_role").stdout
    assert "cached, 59m" in warm and "calls now: none, served from the cache" in warm
    assert "MFA codes now: none" in warm
    assert len(vault.moto.requests()) == before


def test_plan_json_is_the_library_plan(vault: Vault) -> None:
    vault.add("work")
    plan = json.loads(vault.ok("plan", "--format=json", "--mfa-token", MFA_CODE, "work-read_only_role").stdout)
    assert plan["chain"] == ["work-read_only_role", "work"]
    assert plan["mfa"] == [{"serial": WORK_MFA, "via": "flag", "profile": "work"}]
    assert [s["call"] for s in plan["steps"]] == ["UseStoredKeys", "GetSessionToken", "AssumeRole"]


def test_plan_imports_no_sdk_and_reports_bad_input_in_one_line(vault: Vault) -> None:
    vault.add("work")
    done = vault.run("plan", "work-admin_role", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode == 0 and imported(done.stderr) & HEAVY == set()
    missing = vault.run("plan", "nope")
    assert missing.returncode == 1
    assert missing.stderr == (
        "aws-vault: error: plan: profile 'nope' not found in ~/.aws/config and no stored credentials exist for it\n"
    )

"""How an internal-tooling team property-tests its own code against aws-vault's real resolver, offline.

Our (imaginary) tool is an *account picker*: for every profile in ``~/.aws/config`` it shows the AWS account
whose credentials the profile ends up with. The property we want: for every profile aws-vault can resolve,
the account we show is the account of the role (or SSO account) that actually mints the final credentials.

Run it with ``pytest examples/property_test_my_tooling.py`` (needs ``aws-vault-py[testing]`` and pytest).
Nothing here touches the network, the keyring or the real ``~/.aws/config``.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings

from aws_vault.application.bus import EventBus
from aws_vault.application.pipeline import CredentialPipeline
from aws_vault.domain.credentials import Credentials, master_to_json
from aws_vault.domain.items import credential_item
from aws_vault.domain.plan import AssumeRole, SsoRoleCredentials, build_plan
from aws_vault.domain.profiles import ConfigFile
from aws_vault.domain.role_chain import resolve_profile
from aws_vault.testing.fakes import ASSUME_ROLE, FakeClock, FakeMfaPrompt, FakeSecretStore, FakeTokenService
from aws_vault.testing.strategies import ProfileGraph, profile_graphs

# --- our code under test (in real life: `from our_tooling.accounts import pick_account`) ----------------------


def pick_account(config: ConfigFile, profile: str, stored: frozenset[str]) -> str | None:
    """The account ``profile``'s credentials belong to; ``None`` for long-term keys (their account is unknown).

    Our first version read ``role_arn`` straight from the profile's section. ``profile_graphs()`` found where
    that goes wrong: a role inherited through ``include_profile``, stored keys that cut a source chain short,
    and an SSO profile whose credentials come from IAM Identity Center whatever its ``role_arn`` says. So we
    ask aws-vault for its plan instead of re-implementing its rules.
    """
    plan = build_plan(resolve_profile(config, profile, stored=stored), stored)
    last = plan.steps[-1]  # the step that produces the credentials a command gets
    if isinstance(last, AssumeRole):
        return last.role_arn.split(":")[4]  # arn:<partition>:iam::<account>:role/<name>
    if isinstance(last, SsoRoleCredentials):
        return last.account_id
    return None  # stored keys, or a session token made from them


# --- the property ------------------------------------------------------------------------------------------


def run_aws_vault(graph: ProfileGraph, profile: str) -> tuple[Credentials, FakeTokenService, dict[str, str]]:
    """What ``aws-vault exec <profile>`` would hand a command: the real plan, run over in-memory fakes."""
    stored = graph.stored
    plan = build_plan(resolve_profile(graph.config, profile, stored=stored), stored)
    store = FakeSecretStore()
    for name in stored:  # one fake long-term key per profile with stored keys
        store.set(credential_item(name, master_to_json(Credentials(f"AKIA{name.upper()}", "not-a-secret"))))
    clock = FakeClock()
    sts = FakeTokenService(clock=clock)  # mints ASIAFAKE0001, ASIAFAKE0002, ... and records each call
    sso_accounts: dict[str, str] = {}  # key id -> the account the fake SSO portal issued it for

    def fake_sso(step: SsoRoleCredentials) -> Credentials:
        key_id = f"ASIASSO{len(sso_accounts):04d}"
        sso_accounts[key_id] = step.account_id
        return Credentials(key_id, "sso-secret", "sso-token", clock.now() + timedelta(hours=1))

    pipeline = CredentialPipeline(
        store,
        sts,
        FakeMfaPrompt(*["123456"] * len(plan.mfa_serials)),  # fails the test if asked once more than that
        clock,
        EventBus(),
        cache=None,
        sources={SsoRoleCredentials: fake_sso},
    )
    return pipeline.run(plan), sts, sso_accounts


@settings(max_examples=50, deadline=None)
@given(profile_graphs())  # the default knobs: every profile in the graph resolves and plans
def test_account_picker_names_the_account_of_the_final_credentials(graph: ProfileGraph) -> None:
    for section in graph.config.profiles:
        picked = pick_account(graph.config, section.name, graph.stored)
        creds, sts, sso_accounts = run_aws_vault(graph, section.name)
        # Which call minted the credentials the command gets? The fake STS numbers its keys by call.
        if creds.access_key_id.startswith("ASIAFAKE"):
            call = sts.calls[int(creds.access_key_id.removeprefix("ASIAFAKE")) - 1]
            actual = call.role_arn.split(":")[4] if call.op == ASSUME_ROLE else None
        else:
            actual = sso_accounts.get(creds.access_key_id)  # None: long-term keys from the store
        assert picked == actual, f"profile {section.name}: picked {picked}, credentials are for {actual}"

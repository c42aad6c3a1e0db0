"""``rotate`` with faults injected by an HTTP proxy in front of moto, one per step: the stored key always
works, and the message names whatever is left in IAM."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from tests.e2e.conftest import Vault
from tests.fault_proxy import Action, FaultProxy, sts_error

DENIED = sts_error(403, "AccessDenied", "not allowed by the test's proxy")
BAD_TOKEN = sts_error(403, "InvalidClientTokenId", "The security token included in the request is invalid.")


class StepFaults(FaultProxy):
    """Refuses every request for one IAM/STS action (``fail``), once ``after`` has been seen (if set)."""

    def __init__(self, target: str, fail: str, reply: Action, after: str = "") -> None:
        super().__init__(target)
        self.fail, self.reply, self.after = fail, reply, after
        self.armed = not after

    def _next(self, method: str, path: str, action: str) -> Action:
        chosen: Action = self.reply if self.armed and action == self.fail else "pass"
        if action == self.after:
            self.armed = True
        super()._next(method, path, action)  # records what it saw
        return chosen


def _keys(vault: Vault, user: str) -> list[str]:
    return [k["AccessKeyId"] for k in vault.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]


def _stored(vault: Vault) -> dict[str, str]:
    return json.loads(vault.ok("export", "--format=json", "--no-session", "work").stdout)  # type: ignore[no-any-return]


def _works(vault: Vault, creds: dict[str, str]) -> bool:
    sts = boto3.client("sts", endpoint_url=vault.moto.url, region_name="us-east-1",
                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"])
    try:
        sts.get_caller_identity()
        return True
    except Exception:
        return False


@pytest.fixture
def setup(vault: Vault) -> Iterator[tuple[Vault, str, dict[str, str]]]:
    key_id = vault.add("work")
    user = next(u["UserName"] for u in vault.iam.list_users()["Users"] if key_id in _keys(vault, u["UserName"]))
    yield vault, user, _stored(vault)


def _rotate(vault: Vault, proxy: FaultProxy) -> tuple[int, str]:
    env = {"AWS_ENDPOINT_URL": proxy.url, "AWS_MAX_ATTEMPTS": "1", "AWS_VAULT_ROTATE_VERIFY_TIMEOUT": "3s"}
    done = vault.run("rotate", "--no-session", "work", env=env)
    return done.returncode, done.stderr


def test_create_refused_changes_nothing(setup: tuple[Vault, str, dict[str, str]]) -> None:
    vault, user, old = setup
    # aws-vault's documented minimal policy: no iam:ListAccessKeys, which rotate then does without.
    actions = ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:GetUser", "sts:GetCallerIdentity"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    vault.iam.put_user_policy(UserName=user, PolicyName="rotate", PolicyDocument=json.dumps(policy))
    with vault.moto.auth_enforced(), StepFaults(vault.moto.url, "CreateAccessKey", DENIED) as proxy:
        code, err = _rotate(vault, proxy)
        assert _works(vault, old)
    assert code == 1 and err.count("\n") == 1 and "CreateAccessKey: AccessDenied" in err
    assert _stored(vault) == old and _keys(vault, user) == [old["AccessKeyId"]]


def test_a_new_key_that_never_verifies_is_deleted_again(setup: tuple[Vault, str, dict[str, str]]) -> None:
    vault, user, old = setup
    with StepFaults(vault.moto.url, "GetCallerIdentity", BAD_TOKEN, after="CreateAccessKey") as proxy:
        code, err = _rotate(vault, proxy)
    assert code == 1 and err.count("\n") == 1
    assert "the new key never worked" in err and "it was deleted again, and your stored key is unchanged" in err
    assert _stored(vault) == old and _keys(vault, user) == [old["AccessKeyId"]]
    assert _works(vault, old)


def test_delete_of_the_old_key_refused_names_it(setup: tuple[Vault, str, dict[str, str]]) -> None:
    vault, user, old = setup
    with StepFaults(vault.moto.url, "DeleteAccessKey", DENIED) as proxy:
        code, err = _rotate(vault, proxy)
    new = _stored(vault)
    assert code == 1 and err.count("\n") == 1
    assert new["AccessKeyId"] != old["AccessKeyId"] and _works(vault, new)
    assert f"the old key {old['AccessKeyId']} is still active in IAM" in err
    assert f"aws iam delete-access-key --access-key-id {old['AccessKeyId']} --user-name {user}" in err
    assert sorted(_keys(vault, user)) == sorted([old["AccessKeyId"], new["AccessKeyId"]])

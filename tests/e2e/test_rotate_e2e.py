"""``aws-vault rotate`` against moto's IAM over HTTP, with moto checking every request's key."""

from __future__ import annotations

import json

import boto3

from tests.e2e.conftest import MFA_CODE, Vault

ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def user_of(vault: Vault, key_id: str) -> str:
    """The moto IAM user that owns ``key_id``."""
    for user in vault.iam.list_users()["Users"]:
        keys = vault.iam.list_access_keys(UserName=user["UserName"])["AccessKeyMetadata"]
        if any(k["AccessKeyId"] == key_id for k in keys):
            return str(user["UserName"])
    raise AssertionError(f"no user has {key_id}")


def _stored(vault: Vault, profile: str) -> dict[str, str]:
    out = vault.ok("export", "--format=json", "--no-session", profile).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def _signs(vault: Vault, key_id: str, secret: str) -> bool:
    sts = boto3.client("sts", endpoint_url=vault.moto.url, region_name="us-east-1",
                       aws_access_key_id=key_id, aws_secret_access_key=secret)
    try:
        sts.get_caller_identity()
        return True
    except Exception:
        return False


def test_rotate_no_session_replaces_the_key_and_drops_sessions(vault: Vault) -> None:
    old_id = vault.add("work")
    user = user_of(vault, old_id)
    vault.iam.put_user_policy(UserName=user, PolicyName="admin", PolicyDocument=ADMIN)
    old_secret = _stored(vault, "work")["SecretAccessKey"]
    vault.cache_session("work")
    assert vault.session_files()

    with vault.moto.auth_enforced():
        done = vault.run("rotate", "--no-session", "work")
        assert done.returncode == 0, done.stderr
        new = _stored(vault, "work")
        assert new["AccessKeyId"] != old_id
        assert _signs(vault, new["AccessKeyId"], new["SecretAccessKey"])
        assert not _signs(vault, old_id, old_secret)

    keys = [k["AccessKeyId"] for k in vault.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]
    assert keys == [new["AccessKeyId"]]
    assert vault.session_files() == []
    assert done.stdout.splitlines() == [
        "Rotating credentials stored for profile 'work' using master credentials (takes 10-20 seconds)",
        "Creating a new access key",
        f"Created new access key ****************{new['AccessKeyId'][-4:]}",
        "Deleted 1 sessions for work",
        f"Deleting old access key ****************{old_id[-4:]}",
        f"Deleted old access key ****************{old_id[-4:]}",
        "Finished rotating access key",
    ]


def test_rotate_through_an_mfa_session(vault: Vault) -> None:
    old_id = vault.add("work")
    user = user_of(vault, old_id)
    vault.iam.put_user_policy(UserName=user, PolicyName="admin", PolicyDocument=ADMIN)
    done = vault.run("rotate", "--mfa-token", MFA_CODE, "work")
    assert done.returncode == 0, done.stderr
    assert "using a session from profile 'work'" in done.stdout.splitlines()[0]
    new_id = _stored(vault, "work")["AccessKeyId"]
    assert [k["AccessKeyId"] for k in vault.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]] == [new_id]
    assert vault.session_files() == []  # the fresh session used for IAM was not cached


def test_a_user_with_two_keys_is_told_before_anything_changes(vault: Vault) -> None:
    old_id = vault.add("work")
    user = user_of(vault, old_id)
    other = vault.iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    done = vault.run("rotate", "--no-session", "work")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and f"({other})" in done.stderr and "nothing was changed" in done.stderr
    assert _stored(vault, "work")["AccessKeyId"] == old_id

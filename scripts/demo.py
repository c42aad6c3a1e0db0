"""The embedded demo: aws-vault against a local moto STS/IAM on loopback, no AWS account needed.

It creates an IAM user in moto, stores its keys with ``aws-vault add --env`` in a throwaway encrypted
file store, then runs ``aws-vault exec`` on a role-chained profile with an MFA code, twice, to show
the second run reusing the cached MFA session. Everything lives in a temp dir that is removed after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.moto_server import start_moto_server  # noqa: E402 - the same local moto the tests use

VENV_BIN = Path(sys.executable).parent
AWS_VAULT = str(VENV_BIN / "aws-vault")
MFA = "arn:aws:iam::123456789012:mfa/demo-user"
CONFIG = f"""[profile demo]
region = us-east-1
mfa_serial = {MFA}

[profile demo-admin]
region = us-east-1
source_profile = demo
role_arn = arn:aws:iam::123456789012:role/demo-admin
mfa_serial = {MFA}
"""
WHOAMI = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


def show(cmd: list[str], env: dict[str, str], note: str = "") -> subprocess.CompletedProcess[str]:
    shown = " ".join(c if " " not in c else repr(c) for c in cmd).replace(AWS_VAULT, "aws-vault")
    print(f"\n$ {shown}" + (f"    # {note}" if note else ""))
    done = subprocess.run(cmd, env=env, text=True, capture_output=True, stdin=subprocess.DEVNULL, check=False)
    sys.stdout.write(done.stdout)
    sys.stdout.write("".join(f"  {line}\n" for line in done.stderr.splitlines()))
    if done.returncode != 0:
        raise SystemExit(f"demo: command failed with exit status {done.returncode}")
    return done


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="aws-vault-demo-"))
    moto = start_moto_server()
    url = moto.url
    try:
        import boto3

        iam = boto3.client(
            "iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        iam.create_user(UserName="demo-user")
        key = iam.create_access_key(UserName="demo-user")["AccessKey"]
        (workdir / "config").write_text(CONFIG)
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env = {
            **base,
            "AWS_CONFIG_FILE": str(workdir / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-credentials"),
            "AWS_VAULT_BACKEND": "file",
            "AWS_VAULT_FILE_DIR": str(workdir / "keys"),
            "AWS_VAULT_FILE_PASSPHRASE": "demo-passphrase",
            "AWS_ENDPOINT_URL": url,  # every AWS call (ours and the child's) goes to the local moto
        }
        print(f"aws-vault demo: local moto STS/IAM at {url}; throwaway store in {workdir}")
        print(f"\n~/.aws/config used:\n{CONFIG}")
        add_env = {**env, "AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        show([AWS_VAULT, "add", "--env", "demo"], add_env, "keys go into the encrypted file store")
        show([AWS_VAULT, "list"], env)
        python = str(VENV_BIN / "python")
        show(
            [AWS_VAULT, "exec", "--debug", "demo-admin", "--mfa-token", "123456", "--", python, "-c", WHOAMI],
            env,
            "GetSessionToken with MFA, then AssumeRole",
        )
        show(
            [AWS_VAULT, "exec", "--debug", "demo-admin", "--", python, "-c", WHOAMI],
            env,
            "no MFA code needed: the session is cached",
        )
        show([AWS_VAULT, "list"], env, "the cached session shows up")
        done = show([AWS_VAULT, "export", "--format=json", "demo"], env, "what credential_process gets")
        assert '"SessionToken"' in done.stdout
        print("\naws-vault demo: OK")
    finally:
        moto.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

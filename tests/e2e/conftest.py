"""End-to-end fixtures: the installed ``aws-vault`` against a real moto server, one throwaway vault a test.

Every run gets a clean environment: no inherited ``AWS_*`` variables, ``HOME`` in a temp dir, the
``file`` backend in a temp dir with its passphrase in ``AWS_VAULT_FILE_PASSPHRASE``, an isolated
``AWS_CONFIG_FILE`` (the seed's example config), a shared-credentials path that does not exist, and
``AWS_ENDPOINT_URL`` pointing every AWS call (ours and the child's) at moto.

``Vault.run`` uses a subprocess with stdin from ``/dev/null`` in a new session, so the CLI has no
controlling terminal: a prompt it should not show fails instead of hanging. ``Vault.spawn`` gives it a
real pty (pexpect) for the prompt paths; ``child.transcript`` holds everything the terminal showed.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pexpect
import pytest

from tests.moto_server import MotoServer

VENV_BIN = Path(sys.prefix) / "bin"
AWS_VAULT = str(VENV_BIN / "aws-vault")
PYTHON = sys.executable
ACCOUNT = "123456789012"
PASSPHRASE = "e2e-passphrase"
MFA_CODE = "123456"
HOME_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/home-account"
WORK_MFA = f"arn:aws:iam::{ACCOUNT}:mfa/work-account"

# seed-usage.md "Example ~/.aws/config", IAM_ACCOUNTID filled in; the role profiles get a region so
# that the SDK in the child can sign its calls (aws-vault does not inherit region from source_profile).
SEED_CONFIG = f"""[profile home]
region = us-east-1
mfa_serial = {HOME_MFA}

[profile work]
region = eu-west-1
mfa_serial = {WORK_MFA}

[profile work-read_only_role]
role_arn = arn:aws:iam::{ACCOUNT}:role/read_only_role
source_profile = work
mfa_serial = {WORK_MFA}
region = us-east-1

[profile work-admin_role]
role_arn = arn:aws:iam::{ACCOUNT}:role/admin_role
source_profile = work
mfa_serial = {WORK_MFA}
region = us-east-1
"""

# A child that reports what aws-vault gave it, on one line the tests can find in a pty transcript.
ENV_REPORT = (
    "import json, os, sys; print('CHILD ' + json.dumps({'argv': sys.argv[1:], 'env': "
    "{k: v for k, v in os.environ.items() if k.startswith('AWS_')}}))"
)
WHOAMI = "import boto3; print('ARN ' + boto3.client('sts').get_caller_identity()['Arn'])"

_user_ids = itertools.count(1)


def child_report(output: str) -> dict[str, Any]:
    """The ``ENV_REPORT`` line in a command's output (stdout or a pty transcript)."""
    found = re.search(r"^CHILD (\{.*\})\r?$", output, re.MULTILINE)
    assert found, f"the child's report is missing from:\n{output}"
    report: dict[str, Any] = json.loads(found.group(1))
    return report


def error_lines(stderr: str) -> list[str]:
    """The non-blank lines of stderr."""
    return [line for line in stderr.splitlines() if line.strip()]


@dataclass
class Vault:
    """One isolated aws-vault installation: its env, config file, file-backend dir and a bin dir."""

    root: Path
    moto: MotoServer
    iam: Any
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        (self.root / "home").mkdir()
        self.bin_dir.mkdir()
        self.config.write_text(SEED_CONFIG)
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env = {
            **base,
            "HOME": str(self.root / "home"),
            "AWS_CONFIG_FILE": str(self.config),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.root / "no-such-credentials-file"),
            "AWS_VAULT_BACKEND": "file",
            "AWS_VAULT_FILE_DIR": str(self.key_dir),
            "AWS_VAULT_FILE_PASSPHRASE": PASSPHRASE,
            "AWS_ENDPOINT_URL": self.moto.url,
        }

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def key_dir(self) -> Path:
        return self.root / "keys"

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    def environ(self, overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """The vault's env with ``overrides`` applied; a ``None`` value removes the variable."""
        env = dict(self.env)
        for key, value in (overrides or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(
        self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``aws-vault *args`` with no terminal: stdin is /dev/null unless ``input`` is given."""
        return self.run_argv([AWS_VAULT, *args], input=input, env=env)

    def run_argv(
        self, argv: list[str], input: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            env=self.environ(env),
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
        )

    def ok(self, *args: str, env: Mapping[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
        """``run`` that must succeed."""
        done = self.run(*args, env=env)
        assert done.returncode == 0, f"aws-vault {' '.join(args)} failed ({done.returncode}):\n{done.stderr}"
        return done

    def spawn(self, *args: str, env: Mapping[str, str | None] | None = None) -> pexpect.spawn:
        """``aws-vault *args`` on a real pty; ``child.transcript`` collects what the terminal showed."""
        child = pexpect.spawn(AWS_VAULT, list(args), env=self.environ(env), encoding="utf-8", timeout=15)
        child.transcript = io.StringIO()
        child.logfile_read = child.transcript
        return child

    def iam_key(self) -> dict[str, str]:
        """A fresh IAM user in moto and its access key (``AccessKeyId``, ``SecretAccessKey``)."""
        user = f"e2e-user-{os.getpid()}-{next(_user_ids)}"
        self.iam.create_user(UserName=user)
        key: dict[str, str] = self.iam.create_access_key(UserName=user)["AccessKey"]
        return key

    def add(self, profile: str, key_id: str | None = None, secret: str = "e2e-secret") -> str:
        """``aws-vault add --env <profile>``: a real IAM key unless ``key_id`` is given; returns the key id."""
        if key_id is None:
            key = self.iam_key()
            key_id, secret = key["AccessKeyId"], key["SecretAccessKey"]
        self.ok("add", "--env", profile, env={"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret})
        return key_id

    def cache_session(self, profile: str) -> None:
        """Get (and cache) ``profile``'s session with ``--mfa-token``, no prompt."""
        self.ok("exec", profile, "--mfa-token", MFA_CODE, "--", "true")

    def stored(self) -> dict[str, bytes]:
        """The file backend's items: file name -> bytes (to compare before/after a command)."""
        if not self.key_dir.exists():
            return {}
        return {p.name: p.read_bytes() for p in sorted(self.key_dir.iterdir())}

    def session_files(self) -> list[str]:
        return [name for name in self.stored() if name.startswith("sts.")]

    def script(self, name: str, text: str) -> Path:
        """An executable file in the vault's bin dir."""
        path = self.bin_dir / name
        path.write_text(text)
        path.chmod(0o755)
        return path


@pytest.fixture(scope="session")
def iam(moto: MotoServer) -> Any:
    return boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def vault(tmp_path: Path, moto_requests: MotoServer, iam: Any) -> Vault:
    """A fresh vault with the seed config and an empty store; moto's recording is emptied first."""
    return Vault(tmp_path, moto_requests, iam)


@pytest.fixture
def sts_calls(vault: Vault) -> Any:
    """The STS requests moto received since the test started, minus the children's GetCallerIdentity."""

    def calls() -> list[dict[str, str]]:
        return [r for r in vault.moto.requests() if r.get("Action") != "GetCallerIdentity"]

    return calls

"""``aws-vault check-config`` through the installed console script: text and JSON, exit codes, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

AWS_VAULT = str(Path(sys.prefix) / "bin" / "aws-vault")
MFA = "arn:aws:iam::123456789012:mfa/me"

CLEAN = f"""\
[default]
region = eu-west-1
output = json

[profile user]
mfa_serial = {MFA}

[profile admin]
source_profile = user
role_arn = arn:aws:iam::123456789012:role/admin
mfa_serial = {MFA}
"""

BROKEN = """\
[profile a]
source_profile = b
regoin = eu-west-1

[profile b]
source_profile = a
"""


def run(tmp_path: Path, config: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "aws-config"
    path.write_text(config)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(path),
        # A closed port: any AWS call would fail (or hang on retries) instead of succeeding.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_VAULT_BACKEND": "file",
        "AWS_VAULT_FILE_DIR": str(tmp_path / "no-store"),
    }
    return subprocess.run(
        [AWS_VAULT, "check-config", *args], env=env, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def config_path(tmp_path: Path) -> str:
    return str(tmp_path / "aws-config")


def test_a_clean_config_passes_fast_without_aws_or_the_store(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run(tmp_path, CLEAN)
    elapsed = time.monotonic() - started
    assert (done.returncode, done.stdout, done.stderr) == (0, "no problems found\n", "")
    assert elapsed < 10  # no connection attempts, no retries against the closed endpoint
    assert not (tmp_path / "no-store").exists()  # the secret store was never opened


def test_text_output_lists_findings_and_exits_1_on_errors(tmp_path: Path, config_path: str) -> None:
    done = run(tmp_path, BROKEN)
    assert done.returncode == 1
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        f"{config_path}:1: warning: [a] unknown key 'regoin'; did you mean region? (unknown-key)",
        f"{config_path}:1: error: [a] source_profile loop: a -> b -> a (source-loop)",
        "1 error, 1 warning",
    ]


def test_warnings_alone_exit_0(tmp_path: Path, config_path: str) -> None:
    done = run(tmp_path, "[profile a]\noutptu = json\n")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        f"{config_path}:1: warning: [a] unknown key 'outptu'; did you mean output? (unknown-key)",
        "0 errors, 1 warning",
    ]


def test_json_output(tmp_path: Path, config_path: str) -> None:
    done = run(tmp_path, BROKEN, "--format", "json")
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert (document["errors"], document["warnings"]) == (1, 1)
    assert document["findings"][1] == {
        "severity": "error",
        "path": config_path,
        "line": 1,
        "profile": "a",
        "key": "source_profile",
        "message": "source_profile loop: a -> b -> a",
        "code": "source-loop",
    }
    assert [f["code"] for f in document["findings"]] == ["unknown-key", "source-loop"]


def test_json_output_of_a_clean_config(tmp_path: Path) -> None:
    done = run(tmp_path, CLEAN, "--format=json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"findings": [], "errors": 0, "warnings": 0}


def test_a_syntax_error_is_one_finding(tmp_path: Path, config_path: str) -> None:
    done = run(tmp_path, "[profile a]\nregion = eu-west-1\n[profile b\n")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{config_path}:3: error: unterminated section header (missing ']') (syntax-error)",
        "1 error, 0 warnings",
    ]


def test_bad_format_is_a_usage_error(tmp_path: Path) -> None:
    done = run(tmp_path, CLEAN, "--format", "yaml")
    assert done.returncode == 1
    assert done.stderr.startswith("aws-vault: error: argument --format: invalid choice: 'yaml'")


def test_check_config_is_in_help(tmp_path: Path) -> None:
    done = subprocess.run([AWS_VAULT, "--help"], env={"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "check-config" in done.stdout

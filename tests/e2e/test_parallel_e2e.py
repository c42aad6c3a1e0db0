"""Many aws-vault processes at once, as SDKs start them: one STS call and one MFA code for all of them.

Real processes against moto over HTTP; the single-flight lock is a ``flock`` under ``$HOME/.cache``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import AWS_VAULT, MFA_CODE, Vault

ROLE_CONFIG = """
[profile plain]
region = us-east-1

[profile mfa-role]
region = us-east-1
source_profile = plain
role_arn = arn:aws:iam::123456789012:role/parallel
mfa_serial = arn:aws:iam::123456789012:mfa/parallel
mfa_process = {mfa_process}

[profile sdk]
region = us-east-1
credential_process = {aws_vault} export --format=json plain
"""


def _setup(vault: Vault, mfa_process: str) -> None:
    vault.config.write_text(ROLE_CONFIG.format(mfa_process=mfa_process, aws_vault=AWS_VAULT))
    vault.add("plain")


def _sts(vault: Vault) -> list[str]:
    return [r["Action"] for r in vault.moto.requests() if r.get("Action") != "GetCallerIdentity"]


def _start(vault: Vault, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv, env=vault.environ(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )


def _counter_script(vault: Vault, first_sleep: float = 0.0) -> tuple[Path, Path]:
    """An mfa_process that counts its runs (and sleeps on its first run when asked)."""
    runs = vault.root / "mfa-runs"
    script = vault.script("mfa", f"""#!/bin/sh
echo run >> {runs}
if [ ! -e {runs}.slept ] && [ "{first_sleep}" != "0.0" ]; then touch {runs}.slept; sleep {first_sleep}; fi
echo {MFA_CODE}
""")
    return script, runs


@pytest.mark.parametrize("count", [10, 20])
def test_parallel_cold_exports_make_one_sts_call(vault: Vault, count: int) -> None:
    _setup(vault, "true")
    procs = [_start(vault, [AWS_VAULT, "export", "--format=json", "plain"]) for _ in range(count)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * count, [e for _, e in outs if e]
    keys = {json.loads(out)["AccessKeyId"] for out, _ in outs}
    assert len(keys) == 1
    assert _sts(vault) == ["GetSessionToken"]


def test_parallel_botocore_credential_process_clients(vault: Vault) -> None:
    _setup(vault, "true")
    client = "import boto3; print(boto3.Session(profile_name='sdk').get_credentials().get_frozen_credentials().access_key)"
    procs = [_start(vault, [sys.executable, "-c", client]) for _ in range(10)]
    outs = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, [e[-500:] for _, e in outs if e]
    assert len({out.strip() for out, _ in outs}) == 1
    assert _sts(vault) == ["GetSessionToken"]


def test_parallel_mfa_role_asks_once(vault: Vault) -> None:
    script, runs = _counter_script(vault)
    _setup(vault, str(script))
    procs = [_start(vault, [AWS_VAULT, "export", "--format=json", "mfa-role"]) for _ in range(10)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, [e for _, e in outs if e]
    assert len({json.loads(out)["AccessKeyId"] for out, _ in outs}) == 1
    assert runs.read_text().count("run") == 1
    assert _sts(vault) == ["AssumeRole"]  # with MFA, from plain's stored key


def test_a_holder_killed_mid_fetch_does_not_block_the_others(vault: Vault) -> None:
    script, runs = _counter_script(vault, first_sleep=30.0)
    _setup(vault, str(script))
    holder = _start(vault, [AWS_VAULT, "export", "--format=json", "mfa-role"])
    deadline = time.monotonic() + 20
    while not runs.exists() and time.monotonic() < deadline:  # the holder is inside its MFA prompt
        time.sleep(0.05)
    assert runs.exists()
    waiters = [_start(vault, [AWS_VAULT, "export", "--format=json", "mfa-role"]) for _ in range(3)]
    time.sleep(0.5)
    assert all(w.poll() is None for w in waiters)  # they wait for the holder
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    outs = [w.communicate(timeout=30) for w in waiters]
    assert [w.returncode for w in waiters] == [0, 0, 0], [e for _, e in outs]
    assert time.monotonic() - started < 10
    assert len({json.loads(out)["AccessKeyId"] for out, _ in outs}) == 1
    assert runs.read_text().count("run") == 2  # the killed holder's run, and one more for everyone else


def test_a_holder_that_hangs_is_waited_for_a_bounded_time(vault: Vault) -> None:
    script, runs = _counter_script(vault, first_sleep=30.0)
    _setup(vault, str(script))
    holder = _start(vault, [AWS_VAULT, "export", "--format=json", "mfa-role"])
    deadline = time.monotonic() + 20
    while not runs.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        started = time.monotonic()
        done = vault.run("export", "--format=json", "mfa-role", env={"AWS_VAULT_LOCK_TIMEOUT": "1s"})
        assert time.monotonic() - started < 10
        assert done.returncode == 1
        assert done.stderr == (
            "aws-vault: error: export: Failed to get credentials for mfa-role: another aws-vault process has been "
            "fetching these credentials (asking for an MFA code?) for 1s; gave up waiting "
            "(AWS_VAULT_LOCK_TIMEOUT sets the wait)\n"
        )
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()


def test_parallel_adds_lose_no_item_and_no_config_section(vault: Vault) -> None:
    vault.config.write_text("")
    procs = [
        _start(vault, [AWS_VAULT, "add", "--env", f"q{i}"],
               env={"AWS_ACCESS_KEY_ID": f"AKIAQ{i:02d}", "AWS_SECRET_ACCESS_KEY": f"secret-{i}"})
        for i in range(20)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 20, [e for _, e in outs if e]
    assert sorted(vault.ok("list", "--credentials").stdout.split()) == sorted(f"q{i}" for i in range(20))
    sections = [line for line in vault.config.read_text().splitlines() if line.startswith("[profile ")]
    assert sorted(sections) == sorted(f"[profile q{i}]" for i in range(20))


def test_parallel_first_adds_with_different_passphrases_cannot_split_the_store(vault: Vault) -> None:
    procs = [
        _start(vault, [AWS_VAULT, "add", "--env", f"p{i}"],
               env={"AWS_ACCESS_KEY_ID": f"AKIAP{i:02d}", "AWS_SECRET_ACCESS_KEY": f"secret-{i}",
                    "AWS_VAULT_FILE_PASSPHRASE": f"passphrase-{i}"})
        for i in range(10)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    winners = [i for i, p in enumerate(procs) if p.returncode == 0]
    assert len(winners) == 1, outs
    for i, (proc, (_, err)) in enumerate(zip(procs, outs, strict=True)):
        if i not in winners:
            assert proc.returncode == 1 and err.count("\n") == 1 and "passphrase" in err.lower(), err
    (winner,) = winners
    listed = vault.ok("list", "--credentials", env={"AWS_VAULT_FILE_PASSPHRASE": f"passphrase-{winner}"})
    assert listed.stdout == f"p{winner}\n"
    assert len(list(vault.key_dir.iterdir())) == 1

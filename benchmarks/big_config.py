"""Benchmark: ``list``, ``plan`` and ``check-config`` on very large configs, against botocore parsing the same file.

Generates, in a temporary directory (HOME too: the user's real config and vault are never touched):
  (a) a config of 10 000 profiles: plain ones, roles with a ``source_profile``, roles sourced from
      other roles, and profiles that ``include_profile`` another;
  (b) a config holding one ``source_profile`` chain 5 000 profiles deep (roles all the way down to a
      profile whose keys are in the vault);
  (c) a config holding one ``include_profile`` chain 5 000 profiles deep (each profile includes the next).
The vault is the ``file`` backend (``AWS_VAULT_FILE_PASSPHRASE``) with a few stored keys.

Measured in one run, as whole processes, medians of ``--runs`` starts each (interleaved rounds):
  * ``aws-vault list`` and ``aws-vault list --profiles`` on (a)
  * a cached ``aws-vault export --format=json`` of a role in (a) (warmed by one AssumeRole against a local
    moto server on loopback; the measured runs make no call), as every ``credential_process`` call does
  * botocore loading (a): ``botocore.session.Session().full_config`` with ``AWS_CONFIG_FILE`` set
  * ``aws-vault plan --format json <deepest profile>`` on (b) (offline: no AWS call, no decryption)
  * ``aws-vault check-config`` on (b) (offline, without the store: every profile of the chain checked)
  * botocore loading (b), for scale
  * ``aws-vault check-config`` on (c), and botocore loading (c)

Target: list and the cached export not slower than botocore's parse of the same file; the 5 000-deep plan
under 2 s; check-config on either 5 000-deep chain within a small multiple of botocore's parse of that file
(it is linear in the chain).
Run:  .venv/bin/python benchmarks/big_config.py [--runs 5] [--profiles 10000] [--depth 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.moto_server import start_moto_server

BIN = Path(sys.executable).parent
AWS_VAULT = str(BIN / "aws-vault")
PASSPHRASE = "bench-passphrase"
BOTOCORE_PARSE = "import botocore.session; botocore.session.Session().full_config"


def big_config(count: int) -> str:
    """``count`` profiles: a quarter plain users, the rest roles on users, roles on roles, includes."""
    users = max(1, count // 4)
    lines: list[str] = ["[default]", "region = us-east-1", ""]
    for i in range(count):
        if i < users:
            lines += [f"[profile user-{i}]", f"region = eu-west-{1 + i % 3}"]
            if i % 2:
                lines.append(f"mfa_serial = arn:aws:iam::{100000000000 + i}:mfa/user-{i}")
        elif i % 3 == 0:
            lines += [
                f"[profile role-{i}]",
                f"source_profile = user-{i % users}",
                f"role_arn = arn:aws:iam::{200000000000 + i}:role/role-{i}",
            ]
        elif i % 3 == 1:
            # A role sourced from another role (a short chain), never from itself.
            lines += [
                f"[profile chained-{i}]",
                f"source_profile = {f'role-{i - 1}' if i - 1 >= users else 'user-0'}",
                f"role_arn = arn:aws:iam::{300000000000 + i}:role/chained-{i}",
                "duration_seconds = 3600",
            ]
        else:
            lines += [f"[profile incl-{i}]", f"include_profile = user-{i % users}", "output = json"]
        lines.append("")
    return "\n".join(lines)


def deep_chain(depth: int) -> str:
    """``link-0`` has stored keys; ``link-i`` assumes a role with ``link-(i-1)``'s credentials."""
    lines = ["[profile link-0]", "region = us-east-1", ""]
    for i in range(1, depth):
        lines += [
            f"[profile link-{i}]",
            f"source_profile = link-{i - 1}",
            f"role_arn = arn:aws:iam::{400000000000 + i}:role/link-{i}",
            "",
        ]
    return "\n".join(lines)


def include_chain(depth: int) -> str:
    """``incl-i`` includes ``incl-(i+1)``; the last one sets what every profile of the chain inherits."""
    lines: list[str] = []
    for i in range(depth - 1):
        lines += [f"[profile incl-{i}]", f"include_profile = incl-{i + 1}", ""]
    last = [f"[profile incl-{depth - 1}]", "region = us-east-1", "mfa_serial = arn:aws:iam::400000000000:mfa/bench"]
    return "\n".join([*lines, *last, ""])


def environment(home: Path, config: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    return {
        **keep,
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_VAULT_BACKEND": "file",
        "AWS_VAULT_FILE_DIR": str(home / "keys"),
        "AWS_VAULT_FILE_PASSPHRASE": PASSPHRASE,
        "AWS_VAULT_DISABLE_HELP_MESSAGE": "1",
    }


def add_keys(env: dict[str, str], profile: str) -> None:
    subprocess.run(
        [AWS_VAULT, "add", "--env", profile],
        env={**env, "AWS_ACCESS_KEY_ID": "AKIABENCHMARK0000000", "AWS_SECRET_ACCESS_KEY": "bench-secret"},
        check=True,
        capture_output=True,
    )


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--depth", type=int, default=5_000)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aws-vault-big-config-") as tmp:
        home = Path(tmp) / "home"
        (home / ".aws").mkdir(parents=True)
        big, chain = Path(tmp) / "big-config", Path(tmp) / "deep-config"
        includes = Path(tmp) / "include-config"
        big.write_text(big_config(opts.profiles))
        chain.write_text(deep_chain(opts.depth))
        includes.write_text(include_chain(opts.depth))
        big_env, chain_env = environment(home, big), environment(home, chain)
        include_env = environment(home, includes)
        for profile in ("user-0", "user-1", "user-2"):
            add_keys(big_env, profile)
        add_keys(chain_env, "link-0")
        # A role on user-2 (no MFA): one AssumeRole through moto caches it; the runs below read the cache.
        text = big.read_text()
        role = next(f"role-{i}" for i in range(opts.profiles) if f"role-{i}]\nsource_profile = user-2\n" in text)
        moto = start_moto_server()
        big_env["AWS_ENDPOINT_URL"] = moto.url
        timed([AWS_VAULT, "export", "--format=json", role], big_env)
        warmed = len(moto.requests())

        deepest = f"link-{opts.depth - 1}"
        cases: dict[str, tuple[list[str], dict[str, str]]] = {
            "list": ([AWS_VAULT, "list"], big_env),
            "list --profiles": ([AWS_VAULT, "list", "--profiles"], big_env),
            "export": ([AWS_VAULT, "export", "--format=json", role], big_env),
            "botocore (a)": ([sys.executable, "-c", BOTOCORE_PARSE], big_env),
            "plan": ([AWS_VAULT, "plan", "--format", "json", deepest], chain_env),
            "check-config": ([AWS_VAULT, "check-config"], chain_env),
            "botocore (b)": ([sys.executable, "-c", BOTOCORE_PARSE], chain_env),
            "check-config (c)": ([AWS_VAULT, "check-config"], include_env),
            "botocore (c)": ([sys.executable, "-c", BOTOCORE_PARSE], include_env),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(opts.runs):
            for name, (argv, env) in cases.items():
                times[name].append(timed(argv, env))
        median = {name: statistics.median(values) for name, values in times.items()}
        if len(moto.requests()) != warmed:
            raise SystemExit("the cached export called STS: it was not a cached lookup")
        moto.stop()

    n, depth = f"{opts.profiles:,}".replace(",", " "), f"{opts.depth:,}".replace(",", " ")
    boto = median["botocore (a)"]
    print(f"medians of {opts.runs} runs")
    print(f"list on {n} profiles: {median['list']:.2f} s ({median['list'] / boto:.2f} x botocore's parse)")
    print(
        f"list --profiles on {n} profiles: {median['list --profiles']:.2f} s "
        f"({median['list --profiles'] / boto:.2f} x botocore's parse)"
    )
    print(
        f"cached export --format=json of {role} among {n} profiles: {median['export']:.2f} s "
        f"({median['export'] / boto:.2f} x botocore's parse)"
    )
    print(f"botocore parse of {n} profiles: {boto:.2f} s")
    print(
        f"{depth}-deep chain plan: {median['plan']:.2f} s (target < 2 s; "
        f"botocore parses that file in {median['botocore (b)']:.2f} s)"
    )
    print(
        f"{depth}-deep chain check-config: {median['check-config']:.2f} s "
        f"({median['check-config'] / median['botocore (b)']:.2f} x botocore's parse of that file)"
    )
    print(
        f"{depth}-deep include_profile chain check-config: {median['check-config (c)']:.2f} s "
        f"({median['check-config (c)'] / median['botocore (c)']:.2f} x botocore's parse of that file)"
    )


if __name__ == "__main__":
    main()

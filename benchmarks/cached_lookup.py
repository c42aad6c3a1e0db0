"""Benchmark: what every SDK call through ``credential_process`` pays when a session is cached.

Measured in one run, medians of N process starts each, in interleaved rounds:
  * baseline        ``python -c pass`` (the same interpreter)
  * aws-vault       ``aws-vault export --format=json bench-role`` with a fresh cached AssumeRole session
  * botocore way    the same role resolved by botocore from its JSON file cache (as the AWS CLI does)
  * aws-vault exec  ``aws-vault exec bench-role -- true`` on the same cached session
  * aws-vault list  on the seed's example profiles plus the bench ones

aws-vault runs from the *installed* package, as users run it: the wheel is built and installed into a
throwaway venv (its dependencies come from this venv through a path entry). The dev venv's own
``aws-vault`` (the source linked in by a .pth, no import hook) is measured beside it.

Targets: cached export <= 3.5x ``python -c pass``, cached exec <= 4x, list <= 4x, and the cached
export at least 4x faster than botocore.
Run:  .venv/bin/python benchmarks/cached_lookup.py [--runs 21] [--backend file|keyctl|pass|secret-service|all]
STS is a local moto server on loopback; pass uses a throwaway GnuPG key and store, secret-service a private
gnome-keyring on its own D-Bus, keyctl a private session keyring: nothing outside the run is touched.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.moto_server import start_moto_server  # noqa: E402

BIN = Path(sys.executable).parent
MFA = "arn:aws:iam::123456789012:mfa/bench"
ROLE = "arn:aws:iam::123456789012:role/bench"
CONFIG = f"""[profile home]
region = us-east-1
mfa_serial = arn:aws:iam::123456789012:mfa/home-account

[profile work]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/work-account

[profile work-read_only_role]
role_arn = arn:aws:iam::123456789012:role/read_only_role
source_profile = work
mfa_serial = arn:aws:iam::123456789012:mfa/work-account

[profile work-admin_role]
role_arn = arn:aws:iam::123456789012:role/admin_role
source_profile = work
mfa_serial = arn:aws:iam::123456789012:mfa/work-account

[profile bench-user]
region = us-east-1

[profile bench-role]
region = us-east-1
source_profile = bench-user
role_arn = {ROLE}
mfa_serial = {MFA}
"""
# What any reader of aws-vault's file store cannot avoid on a cached lookup: the console script's `re`, json,
# datetime, the cryptography primitives that decrypt the session (PBKDF2 with SHA-256, AES key unwrap,
# AES-GCM), and the one PBKDF2 derivation the item's header asks for (8192 iterations, aws-vault's p2c).
FILE_BACKEND_FLOOR = (
    "import re, json, datetime\n"
    "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
    "from cryptography.hazmat.primitives.keywrap import aes_key_unwrap\n"
    "from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC\n"
    "from cryptography.hazmat.primitives.hashes import SHA256\n"
    "PBKDF2HMAC(SHA256(), 16, bytes(31), 8192).derive(b'passphrase')\n"
)
BOTOCORE_LOOKUP = """
import sys
import botocore.session
from botocore.credentials import JSONFileCache
s = botocore.session.Session(profile="bench-role")
provider = s.get_component("credential_provider").get_provider("assume-role")
provider.cache = JSONFileCache(sys.argv[1])
provider._prompter = lambda _prompt: "123456"
print(s.get_credentials().get_frozen_credentials().access_key)
"""


def medians_ms(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall time of each command; rounds are interleaved so drift on the machine hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, check=False)
            times[name].append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"benchmark: {cmd} failed: {done.stderr.decode()[-500:]}")
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


BACKENDS = ("file", "keyctl", "pass", "secret-service")


@contextlib.contextmanager
def backend_env(backend: str, work: Path) -> Iterator[dict[str, str]]:
    """Variables that point the backend at throwaway storage for this run."""
    if backend == "pass":
        gnupg, store = work / "gnupg", work / "password-store"
        gnupg.mkdir(mode=0o700)
        env = {**os.environ, "GNUPGHOME": str(gnupg)}
        subprocess.run(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
                        "aws-vault-bench <bench@example.invalid>", "default", "default", "never"],
                       env=env, check=True, capture_output=True)
        subprocess.run(["pass", "init", "bench@example.invalid"], env={**env, "PASSWORD_STORE_DIR": str(store)},
                       check=True, capture_output=True)
        try:
            yield {"GNUPGHOME": str(gnupg), "AWS_VAULT_PASS_PASSWORD_STORE_DIR": str(store)}
        finally:
            subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False)
    elif backend == "secret-service":
        from tests.keyring_daemon import start_keyring_daemon

        daemon = start_keyring_daemon(reuse=False)
        try:
            yield {"DBUS_SESSION_BUS_ADDRESS": daemon.address}
        finally:
            daemon.stop()
    elif backend == "keyctl":
        yield {"AWS_VAULT_KEYCTL_SCOPE": "session"}  # the run is inside `keyctl session -`
    else:
        yield {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--backend", default="all", choices=[*BACKENDS, "all"])
    opts = parser.parse_args()
    backends = BACKENDS if opts.backend == "all" else (opts.backend,)
    if "keyctl" in backends and not os.environ.get("AWS_VAULT_BENCH_IN_KEYCTL_SESSION"):
        # A private session keyring, so the user's own keyring is never touched.
        os.environ["AWS_VAULT_BENCH_IN_KEYCTL_SESSION"] = "1"
        os.execvp("keyctl", ["keyctl", "session", "-", sys.executable, *sys.argv])
    for backend in backends:
        run_backend(backend, opts.runs)


def installed_venv(work: Path) -> Path:
    """A venv holding the built wheel (``pip install --no-deps``); dependencies from this venv's site-packages."""
    import sysconfig
    import venv

    wheels = work / "wheel"
    source = work / "source"  # a copy: setuptools builds in the tree, and a stale build/ there could leak in
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".dev", ".git", "build", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                    "-w", str(wheels), str(source)], check=True, capture_output=True)
    target = work / "installed"
    venv.create(target, with_pip=False)
    site = next(target.glob("lib/python*/site-packages"))
    (site / "bench-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = wheels.glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"), "install", "-q",
                    "--no-deps", "--disable-pip-version-check", str(wheel)], check=True, capture_output=True)
    return target / "bin"


def run_backend(backend: str, runs: int) -> None:
    opts = argparse.Namespace(backend=backend, runs=runs)
    work = Path(tempfile.mkdtemp(prefix="aws-vault-bench-"))
    moto = start_moto_server()
    stack = contextlib.ExitStack()
    try:
        extra = stack.enter_context(backend_env(backend, work))
        import boto3

        iam = boto3.client("iam", endpoint_url=moto.url, region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="x")
        iam.create_user(UserName="bench")
        key = iam.create_access_key(UserName="bench")["AccessKey"]
        (work / "config").write_text(CONFIG)
        (work / "credentials").write_text(
            f"[bench-user]\naws_access_key_id = {key['AccessKeyId']}\n"
            f"aws_secret_access_key = {key['SecretAccessKey']}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            HOME=str(work),
            AWS_CONFIG_FILE=str(work / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(work / "credentials"),
            AWS_VAULT_BACKEND=opts.backend,
            AWS_VAULT_FILE_DIR=str(work / "keys"),
            AWS_VAULT_FILE_PASSPHRASE="bench",
            AWS_ENDPOINT_URL=moto.url,
            **extra,
        )
        installed = installed_venv(work)
        vault = str(installed / "aws-vault")
        python_bin = str(installed / "python")
        subprocess.run([vault, "add", "--env", "bench-user"], check=True, stdout=subprocess.DEVNULL,
                       env={**env, "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]})
        # Warm both caches: one real AssumeRole (with MFA) each, through moto.
        subprocess.run([vault, "export", "--format=json", "--mfa-token", "123456", "bench-role"],
                       check=True, stdout=subprocess.DEVNULL, env=env)
        cache_dir = str(work / "botocore-cache")
        botocore_cmd = [sys.executable, "-c", BOTOCORE_LOOKUP, cache_dir]
        subprocess.run(botocore_cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        before = len(moto.requests())

        commands = {
            "python": [python_bin, "-c", "pass"],
            "cached": [vault, "export", "--format=json", "bench-role"],
            "exec_json": [vault, "exec", "--json", "bench-role"],
            "exec": [vault, "exec", "bench-role", "--", "true"],
            "botocore": botocore_cmd,
            "listing": [vault, "list"],
            "dev": [str(BIN / "aws-vault"), "export", "--format=json", "bench-role"],
        }
        if opts.backend == "file":
            commands["floor"] = [python_bin, "-c", FILE_BACKEND_FLOOR]
        m = medians_ms(commands, env, opts.runs)
        python, cached, exec_json, botocore, listing = (
            m["python"], m["cached"], m["exec_json"], m["botocore"], m["listing"]
        )
        exec_true, dev = m["exec"], m["dev"]
        floor = m.get("floor", 0.0)
        calls = len(moto.requests()) - before
        if calls:
            raise SystemExit(f"benchmark: the measured calls reached STS {calls} times; nothing was cached")

        print(f"backend: {opts.backend}; medians of {opts.runs} runs each; no STS call during measurement")
        print(f"  python -c pass                      {python:7.1f} ms")
        print(f"  aws-vault export --format=json      {cached:7.1f} ms   {cached / python:4.2f}x python"
              "  (target <= 3.5x)")
        print(f"  aws-vault exec --json               {exec_json:7.1f} ms   {exec_json / python:4.2f}x python")
        print(f"  aws-vault exec bench-role -- true   {exec_true:7.1f} ms   {exec_true / python:4.2f}x python"
              "  (target <= 4x)")
        print(f"  botocore JSON-file-cache lookup     {botocore:7.1f} ms   {botocore / cached:4.2f}x"
              " slower than aws-vault  (target >= 4x)")
        print(f"  aws-vault list                      {listing:7.1f} ms   {listing / python:4.2f}x python"
              "  (target <= 4x)")
        print(f"  dev venv export (source via .pth)   {dev:7.1f} ms   {dev / cached:4.2f}x the installed package")
        if floor:
            print(f"  file-store floor                    {floor:7.1f} ms   {floor / python:4.2f}x python"
                  f"  (imports + one PBKDF2 the format needs; aws-vault adds {cached - floor:.1f} ms)")
    finally:
        stack.close()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

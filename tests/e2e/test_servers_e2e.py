"""``exec --ecs-server``, ``exec --ec2-server`` and ``serve`` through the installed CLI, against moto.

The clients are real: boto3/botocore and the AWS CLI v1 in the command aws-vault runs (or next to
``serve``), over real loopback sockets; the 169.254.169.254 mode runs in a network namespace the test
makes, so nothing here touches the host's network.
"""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import AWS_VAULT, MFA_CODE, PYTHON, VENV_BIN, Vault, child_report

pytestmark = pytest.mark.e2e

AWS_CLI = str(VENV_BIN / "aws")
ACCOUNT = "123456789012"

# The child's report: how botocore got credentials, who STS says it is, and what it was given.
WHOAMI_CHILD = (
    "import boto3, json, os\n"
    "s = boto3.Session()\n"
    "c = s.get_credentials()\n"
    "arn = s.client('sts').get_caller_identity()['Arn']\n"
    "env = {k: v for k, v in os.environ.items() if k.startswith('AWS_')}\n"
    "print('CHILD ' + json.dumps({'method': c.method, 'key': c.get_frozen_credentials().access_key, "
    "'arn': arn, 'env': env}))\n"
)

KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def add_profiles(vault: Vault, text: str) -> None:
    vault.config.write_text(vault.config.read_text() + "\n" + text)


def counter_script(vault: Vault, name: str = "mfa") -> tuple[Path, Path]:
    """An mfa_process that counts its runs."""
    runs = vault.root / f"{name}-runs"
    script = vault.script(name, f"#!/bin/sh\necho run >> {runs}\necho {MFA_CODE}\n")
    return script, runs


def runs(path: Path) -> int:
    return path.read_text().count("run") if path.exists() else 0


def sts_actions(vault: Vault) -> list[str]:
    return [r["Action"] for r in vault.moto.requests() if r.get("Action") != "GetCallerIdentity"]


def start(vault: Vault, *args: str, env: dict[str, str | None] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [AWS_VAULT, *args], env=vault.environ(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


# --- exec --ecs-server --------------------------------------------------------------------------------


def test_exec_ecs_server_gives_botocore_the_roles_credentials_and_no_keys(vault: Vault) -> None:
    long_term = vault.add("work")
    done = vault.ok("exec", "--ecs-server", "work-admin_role", "--mfa-token", MFA_CODE, "--", PYTHON, "-c", WHOAMI_CHILD)
    report = child_report(done.stdout)
    assert report["method"] == "container-role"
    assert "assumed-role/admin_role/" in report["arn"]
    assert report["key"] != long_term
    env = report["env"]
    assert not any(name in env for name in KEY_VARIABLES)
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
    assert len(env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) >= 22  # >= 128 bits, base64url
    assert env["AWS_VAULT"] == "work-admin_role" and env["AWS_REGION"] == "us-east-1"
    assert "AWS_VAULT_FILE_PASSPHRASE" not in env
    assert sts_actions(vault) == ["GetSessionToken", "AssumeRole"]


def test_exec_server_alias_is_v4s_ec2_server(vault: Vault) -> None:
    vault.add("home")
    report = child_report(vault.ok("exec", "--server", "home", "-t", MFA_CODE, "--", PYTHON, "-c", WHOAMI_CHILD).stdout)
    assert report["method"] == "iam-role"


def test_the_aws_cli_is_a_client_of_the_ecs_server(vault: Vault) -> None:
    vault.add("work")
    done = vault.ok("exec", "--ecs-server", "work-read_only_role", "-t", MFA_CODE, "--",
                    AWS_CLI, "sts", "get-caller-identity", "--output", "json")
    assert "assumed-role/read_only_role/" in json.loads(done.stdout)["Arn"]


CHECKS_CHILD = r"""
import http.client, json, os, urllib.parse
url = urllib.parse.urlsplit(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
def get(headers, host=None, path="/"):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    c.putrequest("GET", path, skip_host=True)
    c.putheader("Host", host or url.netloc)
    for k, v in headers.items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    return [r.status, r.read().decode()]
listening = []
for line in open("/proc/net/tcp").readlines()[1:]:
    local, state = line.split()[1], line.split()[3]
    if int(local.split(":")[1], 16) == url.port and state == "0A":
        listening.append(local.split(":")[0])
print("CHILD " + json.dumps({
    "ok": get({"Authorization": token}),
    "none": get({}),
    "wrong": get({"Authorization": token[:-1] + ("A" if token[-1] != "A" else "B")}),
    "host": get({"Authorization": token}, host="rebound.attacker.example:%d" % url.port),
    "listening": listening, "port": url.port,
}))
"""


def test_the_ecs_server_refuses_strangers_and_listens_on_loopback_only(vault: Vault) -> None:
    vault.add("home")
    report = child_report(vault.ok("exec", "--ecs-server", "home", "-t", MFA_CODE, "--", PYTHON, "-c", CHECKS_CHILD).stdout)
    status, body = report["ok"]
    secret = json.loads(body)["SecretAccessKey"]
    assert status == 200
    assert report["none"][0] == 401 and report["wrong"][0] == 401 and report["host"][0] == 403
    for name in ("none", "wrong", "host"):
        assert secret not in report[name][1] and "ASIA" not in report[name][1]
    assert report["listening"] == ["0100007F"]  # 127.0.0.1, nothing on 0.0.0.0


def test_the_childs_exit_status_and_signals_pass_through_and_the_server_stops_with_it(vault: Vault) -> None:
    vault.add("home")
    vault.cache_session("home")
    assert vault.run("exec", "--ecs-server", "home", "--", "sh", "-c", "exit 7").returncode == 7
    assert vault.run("exec", "--ec2-server", "home", "--", "sh", "-c", "kill -TERM $$").returncode == 128 + 15
    child = (
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
        "print(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = start(vault, "exec", "--ecs-server", "home", "--", PYTHON, "-c", child)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    port = int(url.rsplit(":", 1)[1])
    socket.create_connection(("127.0.0.1", port), timeout=2).close()  # the server runs while the child does
    proc.send_signal(signal.SIGTERM)  # to aws-vault, which forwards it
    assert proc.wait(timeout=15) == 42
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_flag_combinations_aws_vault_refuses(vault: Vault) -> None:
    vault.add("home")
    for args, message in [
        (["--ecs-server", "--ec2-server"], "Can't use --ec2-server with --ecs-server"),
        (["--ecs-server", "--no-session"], "Can't use --ecs-server with --no-session"),
        (["--ec2-server", "--json"], "Can't use --ec2-server with --json"),
        (["--ec2-link-local"], "--ec2-link-local needs --ec2-server"),
        (["--ecs-server", "--ec2-link-local"], "--ec2-link-local needs --ec2-server"),
    ]:
        done = vault.run("exec", *args, "home", "--", "true")
        assert done.returncode == 1
        assert done.stderr == f"aws-vault: error: exec: {message}\n"


# --- single flight and refresh ---------------------------------------------------------------------------

FIFTY_CHILD = r"""
import json, os, threading, urllib.request
url, token = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
barrier = threading.Barrier(50)
keys, errors = [], []
def client():
    barrier.wait()
    try:
        req = urllib.request.Request(url, headers={"Authorization": token})
        keys.append(json.loads(urllib.request.urlopen(req, timeout=30).read())["AccessKeyId"])
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=client) for _ in range(50)]
for t in threads: t.start()
for t in threads: t.join()
print("CHILD " + json.dumps({"keys": sorted(set(keys)), "count": len(keys), "errors": errors}))
"""


def test_fifty_concurrent_requests_on_a_cold_cache_make_one_sts_call_and_one_mfa_run(vault: Vault) -> None:
    script, counter = counter_script(vault)
    vault.config.write_text(vault.config.read_text().replace(
        "[profile home]\nregion = us-east-1\n", f"[profile home]\nregion = us-east-1\nmfa_process = {script}\n"
    ))
    vault.add("home")
    done = vault.ok("exec", "--ecs-server", "--lazy", "home", "--", PYTHON, "-c", FIFTY_CHILD)
    report = child_report(done.stdout)
    assert report["errors"] == [] and report["count"] == 50
    assert len(report["keys"]) == 1
    assert sts_actions(vault) == ["GetSessionToken"]
    assert runs(counter) == 1


SHORT_LIVED_SOURCE = """#!/bin/sh
echo run >> {runs}
n=$(date +%s%N)
cat <<EOF
{{"Version": 1, "AccessKeyId": "ASIA$n", "SecretAccessKey": "s-$n", "SessionToken": "t-$n",
 "Expiration": "$(date -u -d '+6 seconds' +%Y-%m-%dT%H:%M:%SZ)"}}
EOF
"""

POLLING_CHILD = r"""
import json, os, time, urllib.request
from datetime import datetime, timezone
import boto3
url, token = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
sts = boto3.Session().client("sts")  # one client: botocore refreshes its credentials through the server
keys, expired, errors, calls = set(), [], [], 0
deadline = time.time() + float(os.environ["POLL_SECONDS"])
while time.time() < deadline:
    req = urllib.request.Request(url, headers={"Authorization": token})
    doc = json.loads(urllib.request.urlopen(req, timeout=10).read())
    expires = datetime.strptime(doc["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    if expires <= datetime.now(timezone.utc):
        expired.append(doc["Expiration"])
    keys.add(doc["AccessKeyId"])
    try:
        sts.get_caller_identity()
        calls += 1
    except Exception as e:
        errors.append(repr(e))
    time.sleep(0.2)
print("CHILD " + json.dumps({"keys": len(keys), "expired": expired, "errors": errors, "calls": calls}))
"""


def test_a_client_polling_across_expiries_of_short_lived_credentials_keeps_working(vault: Vault) -> None:
    counter = vault.root / "source-runs"
    script = vault.script("short-lived", SHORT_LIVED_SOURCE.format(runs=counter))
    add_profiles(vault, f"[profile short]\nregion = us-east-1\ncredential_process = {script}\n")
    seconds = 14
    done = vault.ok("exec", "--ecs-server", "short", "--", PYTHON, "-c", POLLING_CHILD,
                    env={"POLL_SECONDS": str(seconds)})
    report = child_report(done.stdout)
    assert report["expired"] == [] and report["errors"] == []
    assert report["calls"] > 30
    assert report["keys"] >= 3  # renewed across several expiries
    # renewed at about half of each ~6 s lifetime: a handful of runs, not one per request
    assert runs(counter) <= seconds / 2.5 + 3, runs(counter)


# --- exec --ec2-server ---------------------------------------------------------------------------------


def test_exec_ec2_server_serves_botocore_over_imdsv2_only(vault: Vault) -> None:
    vault.add("work")
    done = vault.ok("exec", "--ec2-server", "work-admin_role", "-t", MFA_CODE, "--", PYTHON, "-c", WHOAMI_CHILD,
                    env={"AWS_EC2_METADATA_V1_DISABLED": "true"})
    report = child_report(done.stdout)
    assert report["method"] == "iam-role"
    assert "assumed-role/admin_role/" in report["arn"]
    env = report["env"]
    assert env["AWS_EC2_METADATA_SERVICE_ENDPOINT"].startswith("http://127.0.0.1:")
    assert not any(name in env for name in KEY_VARIABLES)
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in env


def test_the_aws_cli_is_a_client_of_the_ec2_server(vault: Vault) -> None:
    vault.add("work")
    done = vault.ok("exec", "--ec2-server", "work-read_only_role", "-t", MFA_CODE, "--",
                    AWS_CLI, "sts", "get-caller-identity", "--output", "json",
                    env={"AWS_EC2_METADATA_V1_DISABLED": "true"})
    assert "assumed-role/read_only_role/" in json.loads(done.stdout)["Arn"]


def test_debug_logs_every_request_and_no_secret(vault: Vault) -> None:
    vault.add("home")
    done = vault.ok("--debug", "exec", "--ec2-server", "home", "-t", MFA_CODE, "--", PYTHON, "-c", WHOAMI_CHILD,
                    env={"AWS_EC2_METADATA_V1_DISABLED": "true"})
    report = child_report(done.stdout)
    log = done.stderr
    assert "ec2 server listening on http://127.0.0.1:" in log
    assert "http: 127.0.0.1: 200 PUT /latest/api/token (" in log
    assert "http: 127.0.0.1: 200 GET /latest/meta-data/iam/security-credentials/local-credentials (" in log
    assert "profile home: fetched credentials ****************" in log
    exported = json.loads(vault.ok("export", "--format=json", "home").stdout)
    assert exported["AccessKeyId"] == report["key"]
    for secret in (exported["SecretAccessKey"], exported["SessionToken"], exported["AccessKeyId"]):
        assert secret not in log


def _unshare_works() -> str:
    try:
        done = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unshare cannot run here: {e}"
    if done.returncode != 0:
        return f"this kernel or sandbox forbids network namespaces (unshare -n: {done.stderr.strip()})"
    if subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, check=False).returncode:
        return "no ip(8) to set up the namespace's loopback device"
    return ""


LINK_LOCAL_CHILD = r"""
import boto3, http.client, json, os
c = boto3.Session().get_credentials()
conn = http.client.HTTPConnection("169.254.169.254", 80, timeout=5)
conn.putrequest("PUT", "/latest/api/token", skip_host=True)
conn.putheader("Host", "rebound.attacker.example")
conn.putheader("X-aws-ec2-metadata-token-ttl-seconds", "60")
conn.endheaders()
foreign = conn.getresponse().status
print("CHILD " + json.dumps({"method": c.method, "key": c.get_frozen_credentials().access_key, "foreign": foreign,
      "endpoint": os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT")}))
"""


def test_the_classic_169_254_169_254_mode_in_a_network_namespace(vault: Vault) -> None:
    reason = _unshare_works()
    if reason:
        pytest.skip(reason)
    vault.add("home")
    vault.cache_session("home")  # moto is on the host's loopback: inside the namespace, the cache answers
    expected = json.loads(vault.ok("export", "--format=json", "home").stdout)["AccessKeyId"]
    setup = "ip link set lo up && ip addr add 169.254.169.254/32 dev lo && exec \"$@\""
    done = vault.run_argv(
        ["unshare", "-n", "sh", "-c", setup, "sh",
         AWS_VAULT, "exec", "--ec2-server", "--ec2-link-local", "home", "--", PYTHON, "-c", LINK_LOCAL_CHILD],
        env={"AWS_EC2_METADATA_V1_DISABLED": "true"},
    )
    assert done.returncode == 0, done.stderr
    report = child_report(done.stdout)
    assert report == {"method": "iam-role", "key": expected, "foreign": 403, "endpoint": None}


def test_link_local_mode_without_the_address_is_one_clear_error(vault: Vault) -> None:
    reason = _unshare_works()
    if reason:
        pytest.skip(reason)
    vault.add("home")
    vault.cache_session("home")
    done = vault.run_argv(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                           AWS_VAULT, "exec", "--ec2-server", "--ec2-link-local", "home", "--", "true"])
    assert done.returncode == 1
    assert done.stderr == (
        "aws-vault: error: exec: cannot listen on 169.254.169.254:80: 169.254.169.254 is not an address of this "
        "host (as root: ip addr add 169.254.169.254/32 dev lo)\n"
    )


# --- serve -------------------------------------------------------------------------------------------------

SERVE_CONFIG = f"""
[profile plain]
region = us-east-1

[profile plain-role]
region = us-east-1
source_profile = plain
role_arn = arn:aws:iam::{ACCOUNT}:role/served
"""


def _serve(vault: Vault, *args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = start(vault, "serve", *args)
    assert proc.stdout is not None
    lines: dict[str, str] = {}
    for _ in range(2):
        line = proc.stdout.readline()
        if not line:
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"serve exited ({proc.returncode}): {err}")
        name, _, value = line.strip().partition("=")
        lines[name] = value
    return proc, lines


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=15)
    return proc.returncode, err


def _client(vault: Vault, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in vault.env.items() if not k.startswith("AWS_VAULT")}
    return subprocess.run(argv, env={**base, **env}, capture_output=True, text=True, timeout=60, check=False)


def test_serve_several_profiles_to_botocore_and_the_aws_cli_with_a_token_file(vault: Vault) -> None:
    vault.config.write_text(SERVE_CONFIG)
    vault.add("plain")
    proc, printed = _serve(vault, "plain", "plain-role")
    try:
        base = printed["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        token_file = Path(printed["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"])
        assert base.startswith("http://127.0.0.1:") and base.endswith("/")
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text()
        assert "\n" not in token and len(token) == 40
        env = {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file), "AWS_DEFAULT_REGION": "us-east-1"}
        role = _client(vault, [PYTHON, "-c", WHOAMI_CHILD],
                       {**env, "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{base}profiles/plain-role"})
        assert role.returncode == 0, role.stderr
        report = child_report(role.stdout)
        assert report["method"] == "container-role" and "assumed-role/served/" in report["arn"]
        cli = _client(vault, [AWS_CLI, "sts", "get-caller-identity", "--output", "json"],
                      {**env, "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{base}profiles/plain"})
        assert cli.returncode == 0, cli.stderr
        default = _client(vault, [PYTHON, "-c", WHOAMI_CHILD], {**env, "AWS_CONTAINER_CREDENTIALS_FULL_URI": base})
        assert child_report(default.stdout)["key"] != report["key"]  # "/" is plain, the first profile
        import urllib.request

        with urllib.request.urlopen(f"{base}healthz", timeout=5) as health:  # no token needed
            assert health.status == 200
    finally:
        code, err = _stop(proc)
    assert code == 0, err
    assert not token_file.exists()
    assert sts_actions(vault) == ["GetSessionToken", "AssumeRole"]


def test_serve_on_a_port_in_use_is_one_line(vault: Vault) -> None:
    vault.config.write_text(SERVE_CONFIG)
    vault.add("plain")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = vault.run("serve", "--port", str(port), "plain")
    assert done.returncode == 1
    assert done.stderr == (
        f"aws-vault: error: serve: cannot listen on 127.0.0.1:{port}: the port is already in use "
        "(choose another with --port)\n"
    )


def test_serve_writes_the_token_where_asked_and_refuses_unknown_profiles(vault: Vault, tmp_path: Path) -> None:
    vault.config.write_text(SERVE_CONFIG)
    vault.add("plain")
    token_file = tmp_path / "shared" / "token"
    token_file.parent.mkdir()
    proc, printed = _serve(vault, "--lazy", "--token-file", str(token_file), "plain")
    try:
        assert printed["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] == str(token_file)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert sts_actions(vault) == []  # --lazy: nothing fetched yet
    finally:
        code, err = _stop(proc)
    assert code == 0, err
    done = vault.run("serve", "nowhere")
    assert done.returncode == 1 and "nowhere" in done.stderr and done.stderr.count("\n") == 1

"""Benchmark: requests per second and p99 latency of ``aws-vault exec --ecs-server`` on cached credentials.

Measured in one run with ``wrk`` (Debian package ``wrk``), in interleaved rounds:
  * ecs-server  the server ``aws-vault exec --ecs-server bench`` starts for its command (the installed CLI
                from this venv, file backend, STS on a local moto server), after one request has filled
                its cache: every measured request is answered from memory, with the token and Host checks
  * static      a stdlib ``http.server`` (ThreadingHTTPServer, HTTP/1.1 keep-alive, TCP_NODELAY) in its
                own process, answering every GET with a static JSON document of the same size

Targets on a 2-core machine: ecs-server >= 0.8x the static baseline's req/s, p99 <= 5 ms.
Run:  .venv/bin/python benchmarks/server_throughput.py [--rounds 3] [--seconds 5] [--connections 4]
The last line reads: ``ecs-server: <N> req/s (<ratio>x the static baseline), p99 <ms> ms``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.moto_server import start_moto_server  # noqa: E402

BIN = Path(sys.executable).parent

# The command aws-vault runs: report the server's address and token, then wait for stdin to close.
CHILD = textwrap.dedent("""
    import json, os, sys
    print(json.dumps({k: os.environ[k] for k in
          ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN")}), flush=True)
    sys.stdin.read()
""")

STATIC_SERVER = textwrap.dedent("""
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    BODY = open(sys.argv[1], "rb").read()
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
        def log_message(self, *args):
            pass
    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128
        def handle_error(self, request, client_address):
            pass  # wrk resets its connections at the end of a run
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
""")

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> tuple[float, float, int]:
    """req/s, p99 in ms, and the count of non-2xx answers."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s", "--latency"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    assert p99, out
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * _UNITS[p99.group(2)], int(bad.group(1)) if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    opts = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk; see scripts/install-system-packages.sh)")

    moto = start_moto_server()
    work = Path(tempfile.mkdtemp(prefix="aws-vault-bench-"))
    processes: list[subprocess.Popen[str]] = []
    try:
        (work / "config").write_text("[profile bench]\nregion = us-east-1\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            HOME=str(work), AWS_CONFIG_FILE=str(work / "config"), AWS_VAULT_BACKEND="file",
            AWS_VAULT_FILE_DIR=str(work / "keys"), AWS_VAULT_FILE_PASSPHRASE="bench", AWS_ENDPOINT_URL=moto.url,
            AWS_SHARED_CREDENTIALS_FILE=str(work / "none"),
        )
        aws_vault = str(BIN / "aws-vault")
        subprocess.run([aws_vault, "add", "--env", "bench"], env={**env, "AWS_ACCESS_KEY_ID": "AKIABENCH",
                       "AWS_SECRET_ACCESS_KEY": "bench-secret"}, check=True, capture_output=True)
        ecs = subprocess.Popen([aws_vault, "exec", "--ecs-server", "bench", "--", sys.executable, "-c", CHILD],
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        processes.append(ecs)
        assert ecs.stdout is not None
        given = json.loads(ecs.stdout.readline())
        url, token = given["AWS_CONTAINER_CREDENTIALS_FULL_URI"] + "/", given["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        request = urllib.request.Request(url, headers={"Authorization": token})
        body = urllib.request.urlopen(request, timeout=10).read()  # fills the cache
        (work / "static.json").write_bytes(b"x" * len(body))
        static = subprocess.Popen([sys.executable, "-c", STATIC_SERVER, str(work / "static.json")],
                                  stdout=subprocess.PIPE, text=True)
        processes.append(static)
        assert static.stdout is not None
        static_url = f"http://127.0.0.1:{int(static.stdout.readline())}/"

        targets = {
            "ecs-server": (url, {"Authorization": token}),
            "static": (static_url, {}),
        }
        for target, headers in targets.values():  # warm-up
            wrk(target, 1, opts.connections, headers)
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in targets}
        for _ in range(opts.rounds):
            for name, (target, headers) in targets.items():
                results[name].append(wrk(target, opts.seconds, opts.connections, headers))
                time.sleep(0.5)
        print(f"wrk -t1 -c{opts.connections} -d{opts.seconds}s, {opts.rounds} interleaved rounds, "
              f"body {len(body)} bytes, {os.cpu_count()} CPUs")
        summary = {}
        for name, runs in results.items():
            rps = statistics.median(r[0] for r in runs)
            p99 = statistics.median(r[1] for r in runs)
            bad = sum(r[2] for r in runs)
            summary[name] = (rps, p99)
            rounds = ", ".join(f"{r[0]:.0f}" for r in runs)
            print(f"  {name:<10} {rps:8.0f} req/s (rounds: {rounds}), p99 {p99:.2f} ms, non-2xx {bad}")
            if bad:
                print(f"  warning: {name} answered {bad} requests with an error")
        rps, p99 = summary["ecs-server"]
        ratio = rps / summary["static"][0]
        print(f"ecs-server: {rps:.0f} req/s ({ratio:.2f}x the static baseline), p99 {p99:.2f} ms")
        return 0
    finally:
        for proc in processes:
            if proc.stdin is not None:
                proc.stdin.close()
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

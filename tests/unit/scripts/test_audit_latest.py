"""scripts/audit_latest.py, the dependency audit's fallback, against a fake PyPI JSON API on 127.0.0.1.

The script runs as CI runs it (a subprocess with a requirements file), with AWS_VAULT_AUDIT_INDEX_URL
pointing at the fake index and no proxy variables, so every request stays on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.local_http import LocalHttpServer
from tests.moto_server import free_port

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "audit_latest.py"


def advisory(
    ident: str, fixed_in: list[str], withdrawn: str | None = None, aliases: list[str] | None = None
) -> dict[str, object]:
    return {
        "id": ident,
        "aliases": aliases or [],
        "fixed_in": fixed_in,
        "withdrawn": withdrawn,
        "details": "",
        "summary": None,
        "source": "osv",
    }


def project(latest: str, vulnerabilities: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {
        "info": {"name": "x", "version": latest},
        "releases": {},
        "urls": [],
        "vulnerabilities": vulnerabilities or [],
    }


class FakeIndex(LocalHttpServer):
    """``/<name>/json`` answers ``projects[name]``: a dict (JSON), or an int (that HTTP status); others 404.
    ``fail_first[name]`` answers 503 that many times first."""

    def __init__(self, projects: dict[str, object], fail_first: dict[str, int] | None = None) -> None:
        self.projects = projects
        self.fail_first = dict(fail_first or {})
        self.paths: list[str] = []
        self._lock = threading.Lock()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        name = h.path.strip("/").removesuffix("/json")
        with self._lock:
            self.paths.append(h.path)
            if self.fail_first.get(name, 0) > 0:
                self.fail_first[name] -= 1
                answer: object = 503
            else:
                answer = self.projects.get(name, 404)
        if isinstance(answer, int):
            h.send_response(answer)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        body = json.dumps(answer).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


def run(
    tmp_path: Path, index_url: str, requirements: str, *, require: bool = False
) -> subprocess.CompletedProcess[str]:
    req = tmp_path / "requirements.txt"
    req.write_text(requirements)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "AWS_VAULT_REQUIRE_AUDIT"}
    env["AWS_VAULT_AUDIT_INDEX_URL"] = index_url
    if require:
        env["AWS_VAULT_REQUIRE_AUDIT"] = "1"
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(req)], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_vulnerability_of_a_package_at_its_latest_release_fails_and_withdrawn_ones_are_ignored(
    tmp_path: Path,
) -> None:
    index = FakeIndex(
        {
            "pycrypto": project(
                "2.6.1",
                [advisory("PYSEC-2017-94", []), advisory("PYSEC-2099-1", ["2.7"], withdrawn="2024-01-01T00:00:00Z")],
            ),
            "flask": project("3.1.3", [advisory("GHSA-aaaa-bbbb-cccc", ["3.1.3"], withdrawn="2025-05-05T00:00:00")]),
            "boto3": project("1.44.18"),
        }
    )
    with index:
        result = run(tmp_path, index.base_url, "boto3==1.44.18\nFlask==3.1.3\npycrypto==2.6.1\n")
    assert result.returncode == 1, result
    assert "pycrypto 2.6.1: PYSEC-2017-94 (no fixed release listed)" in result.stdout
    assert "PYSEC-2099-1" not in result.stdout + result.stderr
    assert "GHSA-aaaa-bbbb-cccc" not in result.stdout + result.stderr
    assert (
        "audit: 3 of 3 packages audited against PyPI's advisory data for their latest release: "
        "1 known vulnerability in 1 package\n"
    ) in result.stdout
    assert "NOT audited" not in result.stdout
    # canonical names in the URLs (Flask -> flask), every one asked of the loopback index
    assert sorted(index.paths) == ["/boto3/json", "/flask/json", "/pycrypto/json"]


def test_a_fixed_release_is_named(tmp_path: Path) -> None:
    with FakeIndex({"rsa": project("4.7.2", [advisory("PYSEC-2020-100", ["4.7", "4.8"])])}) as index:
        result = run(tmp_path, index.base_url, "rsa==4.7.2\n")
    assert result.returncode == 1
    assert "rsa 4.7.2: PYSEC-2020-100 (fixed in 4.7, 4.8)\n" in result.stdout


def test_every_package_at_its_latest_release_and_clean_passes(tmp_path: Path) -> None:
    # 1.0 == 1.0.0: versions compare as versions, not strings; keyrings.alt is asked as keyrings-alt
    with FakeIndex({"tiny": project("1.0.0"), "keyrings-alt": project("5.0.2")}) as index:
        result = run(tmp_path, index.base_url, "keyrings.alt==5.0.2\ntiny==1.0\n", require=True)
    assert result.returncode == 0, result
    assert result.stdout == (
        "audit: 2 of 2 packages audited against PyPI's advisory data for their latest release: "
        "no known vulnerabilities\n"
    )


@pytest.mark.parametrize("require", [False, True])
def test_a_package_not_at_its_latest_release_is_named_not_audited(tmp_path: Path, require: bool) -> None:
    # its advisories are for the latest release, so they say nothing about 0.19 either way
    index = FakeIndex({"docutils": project("0.23.1", [advisory("PYSEC-2099-2", ["0.24"])]), "six": project("1.17.0")})
    with index:
        result = run(tmp_path, index.base_url, "docutils==0.19\nsix==1.17.0\n", require=require)
    assert result.returncode == (1 if require else 0), result
    assert "PYSEC-2099-2" not in result.stdout
    assert result.stdout == (
        "audit: 1 of 2 packages audited against PyPI's advisory data for their latest release: "
        "no known vulnerabilities; NOT audited (not their latest release): docutils 0.19 (latest 0.23.1)\n"
    )


def test_a_vulnerability_fails_even_beside_packages_not_audited(tmp_path: Path) -> None:
    index = FakeIndex({"old": project("2.0"), "bad": project("1.0", [advisory("GHSA-xxxx-yyyy-zzzz", ["1.1"])])})
    with index:
        result = run(tmp_path, index.base_url, "bad==1.0\nold==1.0\n")
    assert result.returncode == 1
    assert "bad 1.0: GHSA-xxxx-yyyy-zzzz (fixed in 1.1)" in result.stdout
    assert "NOT audited (not their latest release): old 1.0 (latest 2.0)" in result.stdout


def test_what_cannot_be_looked_up_is_named_not_audited_never_clean(tmp_path: Path) -> None:
    # a private package (404), a mirror's answer without advisory data, a direct URL: none of them audited
    index = FakeIndex({"ok": project("1.0"), "bare": {"info": {"version": "1.0"}}})
    with index:
        result = run(tmp_path, index.base_url, "ok==1.0\nprivate==1.0\nbare==1.0\nlocal @ file:///tmp/local\n")
        required = run(tmp_path, index.base_url, "ok==1.0\nprivate==1.0\n", require=True)
    assert result.returncode == 0, result
    assert result.stdout == (
        "audit: 1 of 4 packages audited against PyPI's advisory data for their latest release: "
        "no known vulnerabilities; NOT audited (no advisory data): private==1.0 (HTTP 404), "
        "bare==1.0 (no vulnerability data in the answer), local @ file:///tmp/local (not pinned to a release)\n"
    )
    assert required.returncode == 1


def test_a_server_error_is_retried(tmp_path: Path) -> None:
    with FakeIndex({"flaky": project("1.0")}, fail_first={"flaky": 2}) as index:
        result = run(tmp_path, index.base_url, "flaky==1.0\n")
    assert result.returncode == 0, result
    assert "audit: 1 of 1 packages audited" in result.stdout
    assert index.paths == ["/flaky/json"] * 3


@pytest.mark.parametrize("require", [False, True])
def test_an_unreachable_index_audits_nothing(tmp_path: Path, require: bool) -> None:
    port = free_port()  # a loopback port nothing listens on
    result = run(tmp_path, f"http://127.0.0.1:{port}", "boto3==1.44.18\nsix==1.17.0\n", require=require)
    assert result.returncode == (1 if require else 0), result
    assert result.stdout == ""
    assert "cannot be reached from here" in result.stderr
    assert "the dependencies were NOT audited" in result.stderr


@pytest.mark.parametrize("status", [503, 403])
def test_an_index_that_answers_no_advisory_data_audits_nothing(tmp_path: Path, status: int) -> None:
    # a proxy failing every request (retried, then given up on) or refusing every one
    with FakeIndex({"a": status, "b": status}) as index:
        result = run(tmp_path, index.base_url, "a==1.0\nb==1.0\n")
    assert result.returncode == 0, result
    assert f"HTTP {status}" in result.stderr
    assert "the dependencies were NOT audited" in result.stderr
    assert result.stdout == ""


def test_advisories_naming_the_same_vulnerability_count_once(tmp_path: Path) -> None:
    # as PyPI lists pycrypto's: each PYSEC advisory and its GHSA twin, aliases of each other
    twins = [
        advisory("PYSEC-2017-94", [], aliases=["CVE-2013-7459", "GHSA-cq27-v7xp-c356"]),
        advisory("PYSEC-2018-97", ["3.0"], aliases=["CVE-2018-6594", "GHSA-6528-wvf6-f6qg"]),
        advisory("GHSA-6528-wvf6-f6qg", ["3.1"], aliases=["CVE-2018-6594", "PYSEC-2018-97"]),
        advisory("GHSA-cq27-v7xp-c356", [], aliases=["CVE-2013-7459", "PYSEC-2017-94"]),
        advisory("GHSA-gone-gone-gone", [], withdrawn="2024-01-01T00:00:00Z", aliases=["CVE-2013-7459"]),
    ]
    with FakeIndex({"pycrypto": project("2.6.1", twins)}) as index:
        result = run(tmp_path, index.base_url, "pycrypto==2.6.1\n")
    assert result.returncode == 1, result
    assert result.stdout == (
        "pycrypto 2.6.1: PYSEC-2017-94 aka GHSA-cq27-v7xp-c356 (no fixed release listed)\n"
        "pycrypto 2.6.1: PYSEC-2018-97 aka GHSA-6528-wvf6-f6qg (fixed in 3.0, 3.1)\n"
        "audit: 1 of 1 packages audited against PyPI's advisory data for their latest release: "
        "2 known vulnerabilities in 1 package\n"
    )

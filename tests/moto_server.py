"""A real moto server over HTTP, with its request recorder (reference test-components.md §5).

``start_moto_server()`` runs ``moto.server`` in a subprocess on a free 127.0.0.1 port, or reuses the one
named by ``CC_MOTO_URL`` (the CI recipe starts it with recording on). ``MotoServer.requests()`` returns
what moto received, one flat dict per signed request: the form fields (``Action``, ``TokenCode``,
``Tags.member.1.Key``...) plus ``region``, ``service`` and ``access_key_id`` from the SigV4 scope,
``host`` and ``security_token`` (the ``X-Amz-Security-Token`` header).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def parse_recording(text: str, service: str | None = "sts") -> list[dict[str, str]]:
    """The recorder's JSON lines as flat dicts; only requests signed for ``service`` (all, unsigned too, when ``None``)."""
    parsed = []
    for line in text.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items()}
        scope = _SCOPE.search(headers.get("authorization", ""))
        if service is not None and (scope is None or scope.group(3) != service):
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        fields = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        fields.update(  # unsigned requests (e.g. AssumeRoleWithWebIdentity) have no scope
            access_key_id=scope.group(1) if scope else "",
            region=scope.group(2) if scope else "",
            service=scope.group(3) if scope else "",
            host=headers.get("host", ""),
            security_token=headers.get("x-amz-security-token", ""),
        )
        parsed.append(fields)
    return parsed


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen[bytes] | None = None
    workdir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def _post(self, path: str, data: bytes = b"", content_type: str = "text/plain") -> bytes:
        req = urllib.request.Request(
            self.url + path, data=data, method="POST", headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body: bytes = resp.read()
            return body

    def reset(self) -> None:
        """Forget the requests recorded so far."""
        self._post("/moto-api/recorder/reset-recording")

    def recording(self) -> str:
        with urllib.request.urlopen(self.url + "/moto-api/recorder/download-recording", timeout=10) as r:
            text: str = r.read().decode()
            return text

    def requests(self, service: str | None = "sts") -> list[dict[str, str]]:
        """Requests recorded since the last ``reset()``, oldest first (see the module docstring)."""
        return parse_recording(self.recording(), service)

    def reset_state(self) -> None:
        """Wipe moto's model (users, roles, sessions)."""
        self._post("/moto-api/reset")

    def set_auth(self, free_actions: str) -> None:
        """``"inf"``: any key works (the default); ``"N"``: N more free actions, then keys are checked.

        The body must be text/plain: a form content type reaches moto empty (test-components.md §5).
        """
        self._post("/moto-api/reset-auth", free_actions.encode())

    @contextlib.contextmanager
    def auth_enforced(self, free_actions: int = 0) -> Iterator[MotoServer]:
        """Check credentials inside the block; the setting is global, so it is always switched back off."""
        self.set_auth(str(free_actions))
        try:
            yield self
        finally:
            self.set_auth("inf")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/moto-api/data.json", timeout=1) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _spawn(workdir: Path, timeout: float) -> MotoServer | None:
    port = free_port()
    env = {
        **os.environ,
        "MOTO_ENABLE_RECORDING": "1",
        "MOTO_RECORDER_FILEPATH": str(workdir / "recording.jsonl"),
    }
    log = (workdir / "moto.log").open("ab")
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    server = MotoServer(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers(server.url):
            return server
        if process.poll() is not None:
            return None  # most likely the port was taken meanwhile; the caller retries
        time.sleep(0.05)
    server.stop()
    return None


def start_moto_server(timeout: float = 20.0, attempts: int = 3) -> MotoServer:
    """A ready server with an empty recording (the readiness probe is recorded too, so it is reset)."""
    existing = os.environ.get("CC_MOTO_URL")
    if existing:
        server = MotoServer(existing.rstrip("/"))
    else:
        workdir = tempfile.TemporaryDirectory(prefix="moto-")
        for _ in range(attempts):
            spawned = _spawn(Path(workdir.name), timeout)
            if spawned is not None:
                server = spawned
                server.workdir = workdir
                break
        else:
            log = (Path(workdir.name) / "moto.log").read_text(errors="replace")[-2000:]
            workdir.cleanup()
            raise RuntimeError(f"moto server did not start:\n{log}")
    server.reset()
    return server

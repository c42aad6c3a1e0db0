"""The ECS and EC2 credential servers in-process, over real loopback sockets, with botocore as the client.

The vault is ``Vault.from_env`` over the port fakes (store, STS, config), so these tests say exactly how
many STS calls a server makes; ``tests/e2e/test_servers_e2e.py`` runs the installed CLI against moto.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.credentials import ContainerProvider, InstanceMetadataProvider
from botocore.utils import InstanceMetadataFetcher

from aws_vault import Vault
from aws_vault.adapters.clock import SystemClock
from aws_vault.adapters.logging.structlog_sink import describe
from aws_vault.application.bus import EventBus
from aws_vault.domain.credentials import Credentials, master_to_json, parse_rfc3339
from aws_vault.domain.errors import StsRequestError
from aws_vault.domain.events import Event, HttpRequestRefused, HttpRequestServed
from aws_vault.domain.items import credential_item
from aws_vault.domain.profiles import ConfigFile, Section
from aws_vault.entrypoints.http.cache import CredentialCaches, vault_caches
from aws_vault.entrypoints.http.ec2_metadata_server import Ec2MetadataApp
from aws_vault.entrypoints.http.ecs_server import EcsApp, new_token
from aws_vault.entrypoints.http.server import CredentialServer, ServerStartError
from tests.fakes.clock import FakeClock
from tests.fakes.config_source import FakeConfigSource
from tests.fakes.secret_store import FakeSecretStore
from tests.fakes.token_service import FakeTokenService

pytestmark = pytest.mark.integration

MFA = "arn:aws:iam::123456789012:mfa/work"
ROLE = "arn:aws:iam::123456789012:role/extra"
CONFIG = ConfigFile(
    "/fake/config",
    (
        Section("work", {"region": "eu-west-1", "mfa_serial": MFA}),
        Section("admin", {"role_arn": "arn:aws:iam::123456789012:role/admin", "source_profile": "work",
                          "mfa_serial": MFA, "region": "us-west-2"}),
        Section("plain", {"region": "eu-central-1"}),
    ),
)


class World:
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.store = FakeSecretStore()
        self.sts = FakeTokenService(clock=clock)
        self.bus = EventBus()
        self.events: list[Event] = []
        self.bus.subscribe(self.events.append)
        self.asked: list[str] = []
        for name in ("work", "plain"):
            self.store.set(credential_item(name, master_to_json(Credentials(f"AKIA{name.upper()}", f"{name}-secret"))))
        self.vault = Vault.from_env(
            {"HOME": "/nonexistent", "AWS_VAULT_BACKEND": "file"},
            mfa_prompt=self.prompt,
            secret_store=self.store,
            token_service=self.sts,
            clock=clock,
            config_source=FakeConfigSource(CONFIG),
            bus=self.bus,
        )
        self.caches: CredentialCaches = vault_caches(self.vault, self.bus.publish)
        self.servers: list[CredentialServer] = []

    def prompt(self, serial: str) -> str:
        self.asked.append(serial)
        return "123456"

    def ecs(self, **kwargs: Any) -> tuple[CredentialServer, str]:
        token = new_token()
        kwargs.setdefault("default_profile", "admin")
        server = CredentialServer(EcsApp(self.caches, token, **kwargs), self.bus.publish).start()
        self.servers.append(server)
        return server, token

    def ec2(self, profile: str = "admin", region: str = "us-west-2") -> CredentialServer:
        server = CredentialServer(Ec2MetadataApp(self.caches, profile, region), self.bus.publish).start()
        self.servers.append(server)
        return server


@pytest.fixture
def world() -> Iterator[World]:
    w = World(SystemClock())
    yield w
    for server in w.servers:
        server.stop()


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Events about a request are published just after its answer is sent: wait for them."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def raw(
    server: CredentialServer, path: str = "/", headers: dict[str, str] | None = None, *,
    host: str | None = None, method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", server.address if host is None else host)
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


# --- ECS ----------------------------------------------------------------------------------------------


def test_botocore_gets_the_role_credentials_from_the_ecs_server(world: World) -> None:
    server, token = world.ecs()
    provider = ContainerProvider(
        environ={"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
    )
    creds = provider.load()
    frozen = creds.get_frozen_credentials()
    assert creds.method == "container-role"
    assert frozen.access_key == "ASIAFAKE0002"  # GetSessionToken (work, MFA), then AssumeRole (admin)
    assert frozen.secret_key == "fake-secret-2" and frozen.token == "fake-token-2"
    assert world.sts.ops == ["GetSessionToken", "AssumeRole"] and world.asked == [MFA]


def test_the_ecs_answer_has_aws_vaults_shape(world: World) -> None:
    server, token = world.ecs()
    status, headers, body = raw(server, "/", {"Authorization": token})
    assert status == 200 and headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert body.endswith(b"\n")
    doc = json.loads(body)
    assert list(doc) == ["AccessKeyId", "Expiration", "SecretAccessKey", "Token"]
    assert parse_rfc3339(doc["Expiration"]) > datetime.now(UTC) + timedelta(minutes=50)
    status, headers, head = raw(server, "/", {"Authorization": token}, method="HEAD")
    assert status == 200 and head == b"" and int(headers["content-length"]) == len(body)


def test_the_role_arn_route_assumes_that_role_with_the_profiles_credentials(world: World) -> None:
    server, token = world.ecs()
    status, _, body = raw(server, f"/role-arn/{ROLE}", {"Authorization": token})
    assert status == 200, body
    assert json.loads(body)["AccessKeyId"] == "ASIAFAKE0003"
    last = world.sts.calls[-1]
    assert (last.op, last.role_arn, last.source_key_id) == ("AssumeRole", ROLE, "ASIAFAKE0002")
    assert last.mfa_serial == "" and last.duration == timedelta(hours=1)
    raw(server, f"/role-arn/{ROLE}", {"Authorization": token})
    assert len(world.sts.calls) == 3  # held in memory
    assert raw(server, "/role-arn/not-an-arn", {"Authorization": token})[0] == 400


@pytest.mark.parametrize(
    ("headers", "host", "status", "reason"),
    [
        ({}, None, 401, "no token"),
        ({"Authorization": "wrong"}, None, 401, "wrong token"),
        ({"Authorization": "Bearer {token}"}, None, 401, "wrong token"),
        ({"Authorization": "{token}x"}, None, 401, "wrong token"),
        ({"Authorization": "{token}"}, "attacker.example:{port}", 403, "foreign Host header"),
        ({"Authorization": "{token}"}, "127.0.0.1", 403, "foreign Host header"),
        ({"Authorization": "{token}"}, "127.0.0.1:1", 403, "foreign Host header"),
        ({"Authorization": "{token}"}, "", 403, "foreign Host header"),
    ],
)
def test_the_ecs_server_refuses_strangers_without_a_credential_in_the_body(
    world: World, headers: dict[str, str], host: str | None, status: int, reason: str
) -> None:
    server, token = world.ecs()
    headers = {k: v.format(token=token) for k, v in headers.items()}
    host = host.format(port=server.port) if host is not None else None
    got, response_headers, body = raw(server, "/", headers, host=host)
    assert got == status
    assert response_headers["content-type"] == "application/json"
    assert set(json.loads(body)) == {"Message"}
    assert world.sts.calls == []  # refused before any fetch
    eventually(lambda: any(isinstance(e, HttpRequestRefused) for e in world.events))
    refused = [e for e in world.events if isinstance(e, HttpRequestRefused)]
    assert [(e.status, e.reason) for e in refused] == [(status, reason)]
    assert token not in repr(world.events)


def test_refusals_carry_no_credential_even_when_credentials_are_cached(world: World) -> None:
    server, token = world.ecs()
    secret = json.loads(raw(server, "/", {"Authorization": token})[2])["SecretAccessKey"]
    for headers, host in [({}, None), ({"Authorization": "nope"}, None), ({"Authorization": token}, "evil:1")]:
        status, _, body = raw(server, "/", headers, host=host)
        assert status in (401, 403) and secret.encode() not in body and b"ASIA" not in body


def test_localhost_names_the_server_too(world: World) -> None:
    server, token = world.ecs()
    assert raw(server, "/", {"Authorization": token}, host=f"localhost:{server.port}")[0] == 200


def test_other_methods_and_routes(world: World) -> None:
    server, token = world.ecs()
    assert raw(server, "/", {"Authorization": token}, method="POST")[0] == 405
    assert raw(server, "/nope", {"Authorization": token})[0] == 404
    assert raw(server, "/healthz", {})[0] == 401  # exec's server has no health route


def test_serve_routes_profiles_by_name_and_has_an_open_health_check(world: World) -> None:
    server, token = world.ecs(default_profile="plain", profiles=["plain", "admin"], health=True, kind="serve")
    auth = {"Authorization": token}
    assert raw(server, "/healthz", {}) == (200, raw(server, "/healthz", {})[1], b'{"Status":"ok"}\n')
    plain = json.loads(raw(server, "/profiles/plain", auth)[2])
    admin = json.loads(raw(server, "/profiles/admin", auth)[2])
    root = json.loads(raw(server, "/", auth)[2])
    assert root == plain and admin["AccessKeyId"] != plain["AccessKeyId"]
    assert raw(server, f"/profiles/admin/role-arn/{ROLE}", auth)[0] == 200
    assert raw(server, "/profiles/work", auth)[0] == 404  # not served
    assert raw(server, "/healthz", {}, host="evil:80")[0] == 403


def test_an_upstream_failure_is_a_clean_500_that_botocore_shows_and_is_retried(world: World) -> None:
    world.sts.fail_with = StsRequestError("GetSessionToken", "AccessDenied", "MultiFactorAuthentication failed")
    server, token = world.ecs()
    status, headers, body = raw(server, "/", {"Authorization": token})
    assert status == 500 and headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "Message": "GetSessionToken: AccessDenied: MultiFactorAuthentication failed"
    }
    calls = len(world.sts.calls)
    raw(server, "/", {"Authorization": token})
    assert len(world.sts.calls) == calls + 1  # not cached
    world.sts.fail_with = None
    assert raw(server, "/", {"Authorization": token})[0] == 200

    world.sts.fail_with = StsRequestError("AssumeRole", "AccessDenied", "not allowed")
    provider = ContainerProvider(
        environ={"AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{server.url}/role-arn/{ROLE}",
                 "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
    )
    provider._fetcher.SLEEP_TIME = 0  # botocore retries a non-200 three times, a second apart
    with pytest.raises(Exception, match="AssumeRole: AccessDenied: not allowed"):
        provider.load()


def test_fifty_concurrent_botocore_clients_on_a_cold_cache_make_one_fetch_and_one_prompt(world: World) -> None:
    server, token = world.ecs()
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
    barrier = threading.Barrier(50)

    def client() -> str:
        barrier.wait()
        key: str = ContainerProvider(environ=environ).load().get_frozen_credentials().access_key
        return key

    with ThreadPoolExecutor(50) as pool:
        keys = list(pool.map(lambda _: client(), range(50)))
    assert set(keys) == {"ASIAFAKE0002"}
    assert world.sts.ops == ["GetSessionToken", "AssumeRole"]
    assert world.asked == [MFA]


def test_the_server_listens_on_loopback_only(world: World) -> None:
    server, _ = world.ecs()
    assert server.host == "127.0.0.1"
    assert _listening_address(server.port) == ("0100007F", server.port)
    with pytest.raises(ServerStartError, match="loopback only"):
        CredentialServer(EcsApp(world.caches, "t"), world.bus.publish, "0.0.0.0")


def _listening_address(port: int) -> tuple[str, int]:
    """The local address of the LISTEN socket on ``port``, from /proc/net/tcp (hex, as the kernel shows it)."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":
                return address, port
    raise AssertionError(f"nothing listens on port {port}")


def test_a_port_in_use_is_one_clear_error(world: World) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerStartError) as caught:
            CredentialServer(EcsApp(world.caches, "t"), world.bus.publish, "127.0.0.1", port)
    assert str(caught.value) == (
        f"cannot listen on 127.0.0.1:{port}: the port is already in use (choose another with --port)"
    )


def test_every_request_is_an_event_and_the_debug_lines_carry_no_secret(world: World) -> None:
    server, token = world.ecs()
    body = raw(server, "/", {"Authorization": token})[2]
    raw(server, "/", {"Authorization": "nope"})
    eventually(lambda: any(isinstance(e, HttpRequestRefused) for e in world.events))
    served = [e for e in world.events if isinstance(e, HttpRequestServed)]
    assert [(e.method, e.route, e.status) for e in served] == [("GET", "/", 200)]
    lines = [describe(e, datetime.now(UTC)) for e in world.events]
    text = "\n".join(lines)
    assert "http: 127.0.0.1: 200 GET / (" in text
    assert "http: 127.0.0.1: 401 GET / refused: wrong token" in text
    assert "renewing in 39m59s" in text or "renewing in 40m" in text
    doc = json.loads(body)
    for secret in (token, doc["SecretAccessKey"], doc["Token"], doc["AccessKeyId"], "nope"):
        assert secret not in text and secret not in repr(world.events)


def test_stop_closes_the_listener_and_open_keep_alive_connections(world: World) -> None:
    server, token = world.ecs()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("GET", "/", headers={"Authorization": token})
    assert conn.getresponse().read()
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1).close()
    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("GET", "/", headers={"Authorization": token})
        conn.getresponse().read()


# --- refresh with a fake clock --------------------------------------------------------------------------


def test_a_client_polling_across_expiry_never_receives_expired_credentials() -> None:
    clock = FakeClock()
    w = World(clock)
    server, token = w.ecs(default_profile="plain")  # GetSessionToken, no MFA: 1h sessions
    seen: list[str] = []
    try:
        for _ in range(3 * 60):  # every minute for three hours
            status, _, body = raw(server, "/", {"Authorization": token})
            assert status == 200
            doc = json.loads(body)
            expires = parse_rfc3339(doc["Expiration"])
            # never expired, and never inside botocore's 15-minute advisory window
            assert expires - clock.now() > timedelta(minutes=15), (clock.now(), expires)
            seen.append(doc["AccessKeyId"])
            w.caches.settle()
            clock.advance(timedelta(minutes=1))
    finally:
        server.stop()
    # renewed every 40 minutes, not once a request
    assert len(set(seen)) == len(w.sts.calls) == 5
    assert w.sts.ops == ["GetSessionToken"] * 5


# --- EC2 (IMDSv2) ----------------------------------------------------------------------------------------


def _token(server: CredentialServer, ttl: str = "21600", **kwargs: Any) -> tuple[int, bytes]:
    status, _, body = raw(server, "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": ttl},
                          method="PUT", **kwargs)
    return status, body


def test_botocore_gets_credentials_over_imdsv2_only(world: World) -> None:
    server = world.ec2()
    fetcher = InstanceMetadataFetcher(
        timeout=2, num_attempts=1, base_url=server.url + "/", config={"ec2_metadata_v1_disabled": True}
    )
    creds = InstanceMetadataProvider(iam_role_fetcher=fetcher).load()
    assert creds.method == "iam-role"
    assert creds.get_frozen_credentials().access_key == "ASIAFAKE0002"
    eventually(lambda: sum(isinstance(e, HttpRequestServed) for e in world.events) >= 3)
    requests = [(e.method, e.route, e.status) for e in world.events if isinstance(e, HttpRequestServed)]
    assert requests[0] == ("PUT", "/latest/api/token", 200)
    assert ("GET", "/latest/meta-data/iam/security-credentials/local-credentials", 200) in requests


def test_imds_routes(world: World) -> None:
    server = world.ec2()
    token = _token(server)[1].decode()
    h = {"X-aws-ec2-metadata-token": token}
    assert raw(server, "/latest/meta-data/iam/security-credentials/", h)[2] == b"local-credentials"
    assert raw(server, "/latest/meta-data/iam/security-credentials", h)[2] == b"local-credentials"
    status, _, body = raw(server, "/latest/meta-data/iam/security-credentials/local-credentials", h)
    doc = json.loads(body)
    assert status == 200 and doc["Code"] == "Success" and doc["Type"] == "AWS-HMAC"
    assert {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "LastUpdated"} <= set(doc)
    assert raw(server, "/latest/meta-data/iam/security-credentials/other", h)[0] == 404
    assert json.loads(raw(server, "/latest/meta-data/iam/info", h)[2])["Code"] == "Success"
    assert raw(server, "/latest/meta-data/placement/region", h)[2] == b"us-west-2"
    assert raw(server, "/latest/meta-data/placement/availability-zone", h)[2] == b"us-west-2a"
    assert json.loads(raw(server, "/latest/dynamic/instance-identity/document", h)[2])["region"] == "us-west-2"
    assert raw(server, "/latest/meta-data/instance-id", h)[2] == b"aws-vault"


def test_imds_token_rules(world: World) -> None:
    server = world.ec2()
    for ttl in ("0", "21601", "", "abc", "-5"):
        assert _token(server, ttl)[0] == 400, ttl
    assert _token(server, "1")[0] == 200
    path = "/latest/meta-data/iam/security-credentials/local-credentials"
    assert raw(server, path)[0] == 401  # no token: IMDSv1 is off
    good = _token(server)[1].decode()
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert raw(server, path, {"X-aws-ec2-metadata-token": forged})[0] == 401
    assert raw(server, path, {"X-aws-ec2-metadata-token": "garbage!"})[0] == 401
    short = _token(server, "1")[1].decode()
    assert raw(server, path, {"X-aws-ec2-metadata-token": short})[0] == 200
    time.sleep(1.1)
    status, _, body = raw(server, path, {"X-aws-ec2-metadata-token": short})
    assert status == 401 and b"ASIA" not in body  # expired
    assert raw(server, "/latest/api/token", method="GET")[0] == 405


def test_imds_refuses_foreign_hosts_and_forwarded_requests(world: World) -> None:
    server = world.ec2()
    token = _token(server)[1].decode()
    path = "/latest/meta-data/iam/security-credentials/local-credentials"
    assert _token(server, host="169.254.169.254")[0] == 403  # not the address the child was given
    assert raw(server, path, {"X-aws-ec2-metadata-token": token}, host="evil.example")[0] == 403
    assert raw(server, path, {"X-aws-ec2-metadata-token": token, "X-Forwarded-For": "10.0.0.1"})[0] == 403
    eventually(lambda: sum(isinstance(e, HttpRequestRefused) for e in world.events) == 3)
    refused = [e.reason for e in world.events if isinstance(e, HttpRequestRefused)]
    assert refused == ["foreign Host header", "foreign Host header", "X-Forwarded-For"]
    assert world.sts.calls == []


def test_an_mfa_prompt_for_one_profile_blocks_no_answer_for_a_cached_one(world: World) -> None:
    answer = threading.Event()
    asked = threading.Event()

    def slow_prompt(serial: str) -> str:
        asked.set()
        assert answer.wait(10)
        return "123456"

    world.prompt = slow_prompt  # type: ignore[method-assign]
    world.vault = Vault.from_env(
        {"HOME": "/nonexistent", "AWS_VAULT_BACKEND": "file"}, mfa_prompt=slow_prompt, secret_store=world.store,
        token_service=world.sts, clock=world.clock, config_source=FakeConfigSource(CONFIG), bus=world.bus,
    )
    world.caches = vault_caches(world.vault, world.bus.publish)
    server, token = world.ecs(default_profile="plain", profiles=["plain", "admin"], kind="serve")
    auth = {"Authorization": token}
    assert raw(server, "/profiles/plain", auth)[0] == 200  # cached from now on
    with ThreadPoolExecutor(1) as pool:
        prompting = pool.submit(raw, server, "/profiles/admin", auth)
        assert asked.wait(5)  # the admin fetch waits for its MFA code
        started = time.monotonic()
        for _ in range(20):
            assert raw(server, "/profiles/plain", auth)[0] == 200
        assert time.monotonic() - started < 2
        assert not prompting.done()
        answer.set()
        assert prompting.result(timeout=10)[0] == 200


def _exchange(server: CredentialServer, data: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET / HTTP/2.0\r\nHost: {host}\r\n", b"400"),
        (b"GET /\r\n", b"400"),
        (b"GET / HTTP/1.1 extra\r\nHost: {host}\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: {host}\r\nHost: evil\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: {host}\r\nno colon here\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: {host}\r\nX-A: 1\r\n  folded\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: {host}\r\nX-Long: " + b"a" * 70000 + b"\r\n", b"431"),
        (b"GET / HTTP/1.1\r\nHost: {host}\r\n" + b"X-Many: 1\r\n" * 101, b"431"),
        (b"GET / HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 99999999\r\n", b"400"),
    ],
)
def test_malformed_requests_are_refused_without_a_credential(world: World, head: bytes, status: bytes) -> None:
    server, token = world.ecs()
    world.caches.get("admin")  # credentials are held: nothing must leak
    data = head.replace(b"{host}", server.address.encode()) + f"Authorization: {token}\r\n\r\n".encode()
    answer = _exchange(server, data)
    assert answer.split(b" ", 2)[1] == status, answer[:200]
    assert b"ASIA" not in answer and b"fake-secret" not in answer


def test_keep_alive_for_http_1_1_and_close_for_http_1_0(world: World) -> None:
    server, token = world.ecs()
    request = f"GET / HTTP/1.1\r\nHost: {server.address}\r\nAuthorization: {token}\r\n\r\n".encode()
    two = _exchange(server, request * 2)  # pipelined on one connection
    assert two.count(b"HTTP/1.1 200 OK") == 2
    old = _exchange(server, request.replace(b"HTTP/1.1", b"HTTP/1.0") * 2)
    assert old.count(b"HTTP/1.1 200 OK") == 1 and b"Connection: close" in old
    closing = _exchange(server, request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n") * 2)
    assert closing.count(b"200 OK") == 1

"""Backend selection and flag/env precedence (reference §1.2, §4)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from aws_vault.domain.errors import BackendUnavailableError, UsageError
from aws_vault.entrypoints import settings as s


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Replace every probe with one that records its call; availability comes from env AVAILABLE."""
    seen: dict[str, list[str]] = {"calls": []}

    def probe(name: str):  # type: ignore[no-untyped-def]
        def check(env: Mapping[str, str]) -> bool:
            seen["calls"].append(name)
            return name in env.get("AVAILABLE", "").split()

        return check

    monkeypatch.setattr(s, "PROBES", {name: probe(name) for name in (*s.KNOWN_BACKENDS, *s.EXTRA_BACKENDS)})
    yield seen


def test_default_is_the_first_available_in_aws_vault_order(probes: dict[str, list[str]]) -> None:
    assert s.choose_backend("", {"AVAILABLE": "file pass keyctl secret-service"}) == "secret-service"
    assert probes["calls"] == ["wincred", "keychain", "secret-service"]


def test_a_named_backend_is_the_only_one_probed(probes: dict[str, list[str]]) -> None:
    assert s.choose_backend("pass", {"AVAILABLE": "pass file"}) == "pass"
    assert probes["calls"] == ["pass"]


def test_a_known_but_unavailable_backend_is_aws_vaults_error(probes: dict[str, list[str]]) -> None:
    with pytest.raises(BackendUnavailableError, match=r"^Specified keyring backend not available, try --help$"):
        s.choose_backend("kwallet", {"AVAILABLE": "file"})


def test_an_unknown_backend_lists_what_is_available(probes: dict[str, list[str]]) -> None:
    with pytest.raises(UsageError, match=r"^enum value must be one of keyctl,file, got 'nope', try --help$"):
        s.choose_backend("nope", {"AVAILABLE": "keyctl file"})


def test_flags_win_over_environment_variables() -> None:
    env = {
        "AWS_VAULT_BACKEND": "file",
        "AWS_VAULT_FILE_DIR": "/env/keys",
        "AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME": "EnvCollection",
        "AWS_VAULT_PASS_PREFIX": "env-prefix",
        "AWS_VAULT_KEYCTL_SCOPE": "session",
        "HOME": "/home/me",
    }
    from_env = s.Settings.build(env)
    assert (from_env.file_dir, from_env.secret_service_collection, from_env.pass_prefix, from_env.keyctl_scope) == (
        "/env/keys", "EnvCollection", "env-prefix", "session")
    flagged = s.Settings.build(env, {"file_dir": "~/flag-keys", "secret_service_collection": "Flag",
                                     "pass_prefix": "flag-prefix", "keyctl_scope": "process"})
    assert (flagged.file_dir, flagged.secret_service_collection, flagged.pass_prefix, flagged.keyctl_scope) == (
        "/home/me/flag-keys", "Flag", "flag-prefix", "process")


def test_defaults_match_aws_vault() -> None:
    settings = s.Settings.build({"AWS_VAULT_BACKEND": "file", "HOME": "/home/me"})
    assert settings.file_dir == "/home/me/.awsvault/keys/"
    assert settings.config_path == "/home/me/.aws/config"
    assert (settings.keychain, settings.secret_service_collection, settings.pass_cmd) == ("aws-vault", "awsvault", "pass")
    assert settings.keyctl_scope == "user"


def test_bad_keyctl_scope_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--keyctl-scope value must be one of user,session,process,thread"):
        s.Settings.build({"AWS_VAULT_BACKEND": "file", "AWS_VAULT_KEYCTL_SCOPE": "galaxy"})


def test_session_bus_probe_checks_the_socket(tmp_path: object) -> None:
    assert not s._session_bus({})
    assert not s._session_bus({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"})
    assert s._session_bus({"DBUS_SESSION_BUS_ADDRESS": "unix:abstract=/tmp/dbus-x,guid=1"})


def test_settings_repr_never_shows_the_environment() -> None:
    env = {"AWS_VAULT_BACKEND": "file", "AWS_VAULT_FILE_PASSPHRASE": "hunter2", "AWS_SECRET_ACCESS_KEY": "s3cr3t"}
    text = repr(s.Settings.build(env))
    assert "hunter2" not in text and "s3cr3t" not in text and "backend='file'" in text


def test_kwallet_needs_a_session_bus_on_linux_and_no_disable_flag() -> None:
    probe = s.PROBES["kwallet"]
    bus = {"DBUS_SESSION_BUS_ADDRESS": "unix:abstract=/tmp/dbus-x"}
    assert probe(bus) is s._LINUX
    assert probe({**bus, "DISABLE_KWALLET": "0"}) is s._LINUX
    assert probe({**bus, "DISABLE_KWALLET": "1"}) is False
    assert probe({}) is False


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("True", True), ("f", False), ("FALSE", False)])
def test_go_parse_bool(value: str, expected: bool) -> None:
    assert s.parse_go_bool(value, "X") is expected


@pytest.mark.parametrize("value", ["TrUe", "yes", "on", ""])
def test_go_parse_bool_refuses_what_go_refuses(value: str) -> None:
    with pytest.raises(UsageError, match=f'^X: expected true or false, got "{value}"$'):
        s.parse_go_bool(value, "X")

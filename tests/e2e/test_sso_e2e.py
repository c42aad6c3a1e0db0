"""SSO profiles end to end: the installed ``aws-vault`` against ``tests/fake_sso_server.py`` over HTTP.

The config has an ``[sso-session]`` and two profiles that use it; ``AWS_ENDPOINT_URL_SSO`` and
``AWS_ENDPOINT_URL_SSO_OIDC`` point botocore's clients (and the authorize page) at the fake, and
``BROWSER`` is ``tests/sso_browser.py``: it records the URL it is given, prints to stdout as real launchers
do (which must not reach our stdout) and, on the authorize page, signs in like a user clicking Allow, then
calls aws-vault's callback listener on 127.0.0.1 (``SSO_BROWSER_MODE`` varies that).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_vault.adapters.stores.file_store import FileSecretStore
from aws_vault.domain.sso import oidc_key
from tests.e2e.conftest import PASSPHRASE, PYTHON, Vault, error_lines
from tests.fake_federation_server import FakeFederationServer
from tests.fake_sso_server import FakeSsoServer

pytestmark = pytest.mark.e2e

START = "https://example.awsapps.com/start"
SSO_CONFIG = f"""
[sso-session corp]
sso_start_url = {START}
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile ops]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Ops
region = eu-west-1

[profile half]
sso_session = corp
sso_role_name = Admin
"""
OPENING = "Opening the SSO authorization page in your default browser (use Ctrl-C to abort)"
OPEN_YOURSELF = "Open the SSO authorization page in a browser (use Ctrl-C to abort)"
SSO_BROWSER = Path(__file__).resolve().parents[1] / "sso_browser.py"
CODE_FLOW = ["RegisterClient", "Authorize", "CreateToken", "GetRoleCredentials"]
DEVICE_FLOW = ["RegisterClient", "StartDeviceAuthorization", "CreateToken", "CreateToken", "GetRoleCredentials"]


@pytest.fixture
def sso() -> Iterator[FakeSsoServer]:
    with FakeSsoServer(pending=1, interval=1) as server:
        yield server


@pytest.fixture
def browser_log(vault: Vault) -> Path:
    return vault.root / "browser.log"


@pytest.fixture
def sso_vault(vault: Vault, sso: FakeSsoServer, browser_log: Path) -> Vault:
    with vault.config.open("a") as f:
        f.write(SSO_CONFIG)
    browser = vault.script("fake-browser", f"#!/bin/sh\nexec '{PYTHON}' '{SSO_BROWSER}' \"$1\"\n")
    vault.env.update(
        AWS_ENDPOINT_URL_SSO=sso.url,
        AWS_ENDPOINT_URL_SSO_OIDC=sso.url,
        BROWSER=str(browser),
        SSO_BROWSER_LOG=str(browser_log),
        AWS_VAULT_DISABLE_HELP_MESSAGE="1",
    )
    for ssh in ("SSH_CONNECTION", "SSH_TTY"):  # the suite may itself run over SSH: that means the device flow
        vault.env.pop(ssh, None)
    return vault


def opened_urls(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [line.removeprefix("open ") for line in lines if line.startswith("open ")]


def ours(stderr: str) -> str:
    """stderr without the browser launcher's own output (which goes there, not to stdout)."""
    return "".join(line for line in stderr.splitlines(keepends=True) if line != "Opening in existing browser session.\n")


def callbacks(log: Path) -> list[int]:
    """The HTTP status aws-vault's listener gave each callback the browser made."""
    lines = log.read_text().splitlines() if log.exists() else []
    return [int(line.removeprefix("callback ")) for line in lines if line.startswith("callback ")]


def authorize_page(sso: FakeSsoServer, log: Path) -> str:
    (page,) = [url for url in opened_urls(log) if url.startswith(f"{sso.url}/authorize?")]
    return page


def test_export_signs_in_in_the_browser_then_reuses_the_session(
    sso_vault: Vault, sso: FakeSsoServer, browser_log: Path
) -> None:
    done = sso_vault.ok("export", "--format=json", "dev")
    creds = json.loads(done.stdout)  # the launcher's own stdout went elsewhere
    assert creds["AccessKeyId"] == "ASIASSO000000001" and creds["SessionToken"] == "sso-session-token-1"
    # The authorization code flow with PKCE: the browser came back to 127.0.0.1 with the code.
    assert sso.ops() == CODE_FLOW
    page = authorize_page(sso, browser_log)
    assert opened_urls(browser_log) == [page] and callbacks(browser_log) == [200]
    assert page.startswith(f"{sso.url}/authorize?response_type=code&client_id=client-1&redirect_uri=http%3A%2F%2F127.0.0.1%3A")
    assert ours(done.stderr) == f"{OPENING}\n{page}\n"
    register, authorize, create = sso.calls("RegisterClient")[0], sso.calls("Authorize")[0], sso.calls("CreateToken")[0]
    assert register.body["issuerUrl"] == START and register.body["scopes"] == ["sso:account:access"]
    assert register.body["redirectUris"] == [authorize.query["redirect_uri"]] == [create.body["redirectUri"]]
    assert create.body["grantType"] == "authorization_code"  # the server checked the verifier against the challenge
    assert sso.calls("GetRoleCredentials")[0].query == {"role_name": "Admin", "account_id": "111111111111"}

    requests = len(sso.requests)
    again = sso_vault.ok("export", "--format=json", "dev")
    assert json.loads(again.stdout)["AccessKeyId"] == "ASIASSO000000001"
    assert len(sso.requests) == requests and again.stderr == ""
    assert len(opened_urls(browser_log)) == 1


def test_the_token_is_stored_as_aws_vault_stores_it(sso_vault: Vault) -> None:
    sso_vault.ok("export", "dev")
    assert "oidc:https:%2F%2Fexample.awsapps.com%2Fstart" in sso_vault.stored()
    store = FileSecretStore(str(sso_vault.key_dir), lambda: PASSPHRASE)
    item = store.get(oidc_key(START))
    assert item is not None
    assert re.fullmatch(rf"aws-vault oidc token for {START} \(expires \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)", item.label)
    assert item.description == "aws-vault oidc token"
    doc = json.loads(item.data)
    assert set(doc["Token"]) == {"AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType", "ResultMetadata"}
    assert doc["Token"]["ExpiresIn"] == 28800 and doc["Token"]["IdToken"] is None
    # The code flow's client asks for sso:account:access, so the token can be refreshed: the refresh token
    # and the client registration ride along (extra fields, which Go ignores).
    assert doc["Token"]["RefreshToken"].startswith("refresh-token-")
    assert doc["ClientID"] == "client-1" and doc["ClientSecret"] == "client-secret-1"


def test_list_shows_the_session_and_clear_removes_it_with_the_token(sso_vault: Vault) -> None:
    sso_vault.ok("export", "dev")
    listed = sso_vault.ok("list", "--sessions").stdout
    # The OIDC token's label comes first, then the role credentials' session (reference §1.3 list).
    assert re.fullmatch(rf"oidc:{re.escape(START)}\nsso\.GetRoleCredentials:(59m\d+s|1h0m0s)\n", listed)
    assert len(sso_vault.stored()) == 2
    assert sso_vault.ok("clear").stdout == "Cleared 2 sessions.\n"
    assert sso_vault.stored() == {}


def test_clear_profile_removes_its_start_urls_token(sso_vault: Vault) -> None:
    sso_vault.ok("export", "dev")
    sso_vault.ok("export", "ops")
    assert sso_vault.ok("clear", "ops").stdout == "Cleared 2 sessions.\n"
    assert [name.split(",")[0] for name in sso_vault.stored()] == ["sso.GetRoleCredentials"]


@pytest.mark.parametrize(("args", "env"), [(["--stdout"], {}), ([], {"AWS_VAULT_STDOUT": "true"})])
def test_stdout_prints_the_link_and_does_not_start_the_browser(
    sso_vault: Vault, sso: FakeSsoServer, browser_log: Path, args: list[str], env: dict[str, str]
) -> None:
    done = sso_vault.ok("export", *args, "dev", env=env)
    assert f"{OPEN_YOURSELF}\n{sso.url}/device?user_code=CODE-0002\nThen enter the code: CODE-0002\n" in done.stderr
    assert OPENING not in done.stderr and sso.ops() == DEVICE_FLOW
    assert done.stdout.startswith("AWS_ACCESS_KEY_ID=ASIASSO000000001\n")
    assert opened_urls(browser_log) == []


def test_exec_with_stdout(sso_vault: Vault, browser_log: Path) -> None:
    done = sso_vault.ok("exec", "--stdout", "dev", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID")
    assert done.stdout == "ASIASSO000000001\n"
    assert OPEN_YOURSELF in done.stderr and opened_urls(browser_log) == []


def test_a_cached_token_the_portal_rejects_is_replaced_once(
    sso_vault: Vault, sso: FakeSsoServer, browser_log: Path
) -> None:
    sso_vault.ok("export", "dev")
    (token,) = sso.access_tokens
    sso.revoke(token)  # signed out: the stored token now gets HTTP 401 (aws-vault#854)
    done = sso_vault.ok("export", "--format=json", "ops")
    assert json.loads(done.stdout)["AccessKeyId"] == "ASIASSO000000002"
    assert sso.ops()[4:] == ["GetRoleCredentials", *CODE_FLOW]
    rejected, accepted = sso.calls("GetRoleCredentials")[1:]
    assert rejected.headers["x-amz-sso_bearer_token"] == token
    assert accepted.headers["x-amz-sso_bearer_token"] != token
    assert len(opened_urls(browser_log)) == 2


def test_a_missing_sso_setting_is_a_one_line_error(sso_vault: Vault, sso: FakeSsoServer) -> None:
    done = sso_vault.run("export", "half")
    assert done.returncode == 1
    assert error_lines(done.stderr) == [
        "aws-vault: error: export: Error loading config: profile half: sso_account_id: not set; "
        "an SSO profile needs it in the profile or its [sso-session corp] section"
    ]
    assert sso.requests == []


def test_registration_scopes_give_a_refresh_token_used_instead_of_the_browser(
    sso_vault: Vault, sso: FakeSsoServer, browser_log: Path
) -> None:
    # aws-vault reads sso_registration_scopes and ignores it, so its token expires into a new browser
    # sign-in every day (ByteNess#445). A token within 15 minutes of expiry is refreshed here instead.
    with sso_vault.config.open("a") as f:
        f.write(
            "\n[sso-session refreshable]\nsso_start_url = https://refresh.awsapps.com/start\nsso_region = eu-west-1\n"
            "sso_registration_scopes = sso:account:access\n"
            "\n[profile r1]\nsso_session = refreshable\nsso_account_id = 1\nsso_role_name = A\n"
            "\n[profile r2]\nsso_session = refreshable\nsso_account_id = 2\nsso_role_name = B\n"
        )
    sso.token_expires_in = 600
    sso_vault.ok("export", "r1")
    assert sso.calls("RegisterClient")[0].body["scopes"] == ["sso:account:access"]
    done = sso_vault.ok("export", "r2")
    assert sso.ops()[-2:] == ["CreateToken", "GetRoleCredentials"]
    assert sso.calls("CreateToken")[-1].body["grantType"] == "refresh_token"
    assert OPENING not in done.stderr and len(opened_urls(browser_log)) == 1


# --- the device flow's fallbacks, and the code flow's failures (issue 13) ------------------------------------


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--device-code"], {}),
        ([], {"AWS_VAULT_DEVICE_CODE": "true"}),
        ([], {"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"}),
        ([], {"SSH_TTY": "/dev/pts/0"}),
    ],
    ids=["flag", "env", "ssh-connection", "ssh-tty"],
)
def test_the_device_flow_prints_the_user_code_next_to_the_link(
    sso_vault: Vault, sso: FakeSsoServer, browser_log: Path, args: list[str], env: dict[str, str]
) -> None:
    done = sso_vault.ok("export", *args, "dev", env=env)
    url = f"{sso.url}/device?user_code=CODE-0002"
    # ByteNess#440: AWS's verification page no longer carries the code in its URL.
    assert ours(done.stderr) == f"{OPENING}\n{url}\nThen enter the code: CODE-0002\n"
    assert sso.ops() == DEVICE_FLOW and opened_urls(browser_log) == [url]
    assert "grantTypes" not in sso.calls("RegisterClient")[0].body


def test_without_a_browser_the_device_flow_is_used(sso_vault: Vault, sso: FakeSsoServer) -> None:
    env: dict[str, str | None] = {"BROWSER": None, "DISPLAY": None, "WAYLAND_DISPLAY": None}
    done = sso_vault.ok("export", "dev", env=env)
    assert sso.ops() == ["RegisterClient", *DEVICE_FLOW]
    assert done.stderr == f"{OPEN_YOURSELF}\n{sso.url}/device?user_code=CODE-0003\nThen enter the code: CODE-0003\n"


def test_exec_and_login_default_to_the_code_flow(sso_vault: Vault, sso: FakeSsoServer, browser_log: Path) -> None:
    done = sso_vault.ok("exec", "dev", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID")
    assert done.stdout == "ASIASSO000000001\n" and sso.ops() == CODE_FLOW and callbacks(browser_log) == [200]
    sso_vault.ok("clear")
    with FakeFederationServer() as federation:
        login = sso_vault.ok("login", "ops", env={"AWS_VAULT_FEDERATION_URL": federation.url})
        assert login.stdout == ""
        console_url = opened_urls(browser_log)[-1]
        assert console_url.startswith(f"{federation.url}?Action=login&Issuer=aws-vault&")
    assert sso.ops()[4:] == CODE_FLOW and callbacks(browser_log) == [200, 200]


def test_login_with_device_code(sso_vault: Vault, sso: FakeSsoServer, browser_log: Path) -> None:
    with FakeFederationServer() as federation:
        sso_vault.ok("login", "--device-code", "ops", env={"AWS_VAULT_FEDERATION_URL": federation.url})
    assert sso.ops() == DEVICE_FLOW
    assert opened_urls(browser_log)[0] == f"{sso.url}/device?user_code=CODE-0002"


def test_a_callback_with_a_wrong_state_gets_400_and_the_right_one_signs_in(
    sso_vault: Vault, sso: FakeSsoServer, browser_log: Path
) -> None:
    done = sso_vault.ok("export", "--format=json", "dev", env={"SSO_BROWSER_MODE": "wrong-state-first"})
    assert json.loads(done.stdout)["AccessKeyId"] == "ASIASSO000000001"
    assert callbacks(browser_log) == [400, 200] and sso.ops() == CODE_FLOW


def test_a_denied_sign_in_is_a_one_line_error(sso_vault: Vault, sso: FakeSsoServer, browser_log: Path) -> None:
    sso.deny = ("access_denied", "The user denied the authorization request")
    done = sso_vault.run("export", "dev")
    assert done.returncode == 1 and done.stdout == ""
    assert error_lines(done.stderr)[-1:] == [
        f"aws-vault: error: export: Failed to get credentials for dev: the SSO sign-in for {START} was not "
        "authorized: access_denied: The user denied the authorization request"
    ]
    assert callbacks(browser_log) == [200] and "CreateToken" not in sso.ops() and sso_vault.stored() == {}


def test_a_sign_in_that_never_comes_back_times_out(sso_vault: Vault, sso: FakeSsoServer, browser_log: Path) -> None:
    done = sso_vault.run("export", "dev", env={"SSO_BROWSER_MODE": "ignore", "AWS_VAULT_SSO_TIMEOUT": "1s"})
    assert done.returncode == 1
    assert error_lines(done.stderr)[-1] == (
        f"aws-vault: error: export: Failed to get credentials for dev: the SSO sign-in for {START} did not come "
        "back from the browser within 1s (AWS_VAULT_SSO_TIMEOUT sets the wait); run the command again, or add "
        "--device-code to sign in with a code instead"
    )
    assert len(opened_urls(browser_log)) == 1 and sso.ops() == ["RegisterClient"]

"""Key age through the installed CLI: recorded by add, shown by list --show-age, warned about on stderr once."""

from __future__ import annotations

import json
import time

from tests.e2e.conftest import Vault


def test_list_show_age_adds_a_column_and_plain_list_is_unchanged(vault: Vault) -> None:
    vault.add("home")
    aged = vault.ok("list", "--show-age").stdout.splitlines()
    assert aged[0].split() == ["Profile", "Credentials", "Sessions", "Key", "age"]
    assert aged[2].split()[:2] == ["home", "home"] and aged[2].split()[-1] == "0d"
    assert aged[3].split()[0] == "work" and aged[3].split()[-1] == "-"  # no stored key behind it
    assert "Key age" not in vault.ok("list").stdout


def test_an_old_key_is_warned_about_on_stderr_once(vault: Vault) -> None:
    vault.add("home")
    time.sleep(1.1)
    old = {"AWS_VAULT_KEY_MAX_AGE": "1s"}
    first = vault.ok("export", "--format=json", "--no-session", "home", env=old)
    assert json.loads(first.stdout)["AccessKeyId"].startswith("AKIA")  # stdout stays parseable
    assert first.stderr.startswith("aws-vault: warning: the access key stored for profile home (****************")
    assert "is 0 days old; rotate it with `aws-vault rotate home`" in first.stderr
    again = vault.ok("export", "--format=json", "--no-session", "home", env=old)
    assert again.stderr == ""  # at most once a day
    assert vault.ok("export", "--no-session", "home", env={"AWS_VAULT_KEY_MAX_AGE": "0"}).stderr == ""

"""``exec``: credentials into a child environment, then the user's command (reference §2.9)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import ProcessRunner
from aws_vault.domain.credentials import Credentials, rfc3339_utc
from aws_vault.domain.events import CommandStarting

# Removed from the parent's environment before the child sees it (§2.9 step 5).
_REMOVED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_FILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SESSION_EXPIRATION",
    # Not removed by aws-vault, but it opens every stored key: the command never needs it.
    "AWS_VAULT_FILE_PASSPHRASE",
)


def child_environment(
    parent: Mapping[str, str],
    profile: str,
    creds: Credentials | None,
    region: str,
    *,
    server: Mapping[str, str] | None = None,
    drop: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The child's environment as aws-vault v7 builds it, plus ``AWS_SESSION_EXPIRATION`` for v4/v5 users.

    With ``server`` (``exec --ecs-server``/``--ec2-server``) the child gets the server's variables instead of
    keys (``creds`` is ``None``), and the parent's ``drop`` variables are removed too.
    """
    env = {k: v for k, v in parent.items() if k not in _REMOVED and k not in drop}
    env["AWS_VAULT"] = profile
    if region:
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
    if creds is None:
        env.update(server or {})
        return env
    env["AWS_ACCESS_KEY_ID"] = creds.access_key_id
    env["AWS_SECRET_ACCESS_KEY"] = creds.secret_access_key
    if creds.session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    if creds.expiration is not None:
        stamp = rfc3339_utc(creds.expiration)
        env["AWS_CREDENTIAL_EXPIRATION"] = stamp
        env["AWS_SESSION_EXPIRATION"] = stamp
    return env


class RunCommand:
    def __init__(self, runner: ProcessRunner, bus: EventBus) -> None:
        self.runner = runner
        self.bus = bus

    def __call__(self, argv: list[str], env: dict[str, str]) -> int:
        self.bus.publish(CommandStarting(argv[0], "execve or sub-process"))
        return self.runner.run(argv, env)

"""Credential sources other than stored keys: web identity and credential_process (reference §2.7.4-5).

SSO lives in ``aws_vault.application.sso``. Each source is a callable ``step -> Credentials`` the pipeline uses
for the first step of a plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from aws_vault.domain.credential_process import (
    GUARD_VARIABLE,
    CredentialProcessError,
    guard_value,
    parse_output,
    running_profiles,
)
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.errors import ExternalCommandError
from aws_vault.domain.plan import AssumeRoleWithWebIdentity, CredentialProcess, default_session_name

if TYPE_CHECKING:
    from aws_vault.application.ports import Clock, ExternalCommands, TokenService


class WebIdentitySource:
    def __init__(self, sts: TokenService, commands: ExternalCommands, clock: Clock) -> None:
        self.sts = sts
        self.commands = commands
        self.clock = clock

    def __call__(self, step: AssumeRoleWithWebIdentity) -> Credentials:
        # The token is used raw, not trimmed, as aws-vault does (§2.2).
        key = "web_identity_token_file" if step.token_file else "web_identity_token_process"
        try:
            if step.token_file:
                token = self.commands.read_file(step.token_file)
            else:
                token = self.commands.run_shell(step.token_process)
        except ExternalCommandError as e:
            raise ExternalCommandError(f"profile {step.profile}: {key}: {e}") from e
        session_name = step.session_name or default_session_name(self.clock.now())
        return self.sts.assume_role_with_web_identity(step.target, step.role_arn, session_name, step.duration, token)


class CredentialProcessSource:
    def __init__(self, commands: ExternalCommands, env: Mapping[str, str]) -> None:
        self.commands = commands
        self.running = running_profiles(env)

    def __call__(self, step: CredentialProcess) -> Credentials:
        if step.profile in self.running:
            raise CredentialProcessError(
                f"profile {step.profile}: its credential_process calls aws-vault for the same profile, "
                "which would recurse forever; store keys for it (aws-vault add) or point credential_process "
                "at another profile"
            )
        try:
            guard = guard_value(self.running, step.profile)
            stdout = self.commands.run_shell(step.command, extra_env={GUARD_VARIABLE: guard})
            return parse_output(stdout, step.command)
        except (ExternalCommandError, CredentialProcessError) as e:
            raise CredentialProcessError(f"profile {step.profile}: credential_process: {e}") from e

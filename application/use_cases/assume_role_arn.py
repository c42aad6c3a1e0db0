"""The ECS server's ``/role-arn/<ARN>`` route: a role assumed with a profile's credentials (reference §6.1).

aws-vault assumes ``<ARN>`` with the profile's credentials as the source, with the profile's AssumeRole
duration, a UnixNano session name, and no MFA, tags or external id. Here that is one more ``AssumeRole``
step on top of the profile's plan, run by the same pipeline (so the profile's own sessions come from, and
go to, the shared cache as usual). The extra step is not cached in the store: the server holds it in memory.
"""

from __future__ import annotations

from aws_vault.application.use_cases.get_credentials import CredentialsRequest, GetCredentials, ResolvedCredentials
from aws_vault.domain.plan import AssumeRole, Plan, UseStoredKeys, sts_target
from aws_vault.domain.profiles import ROLE_CHAINING_MAXIMUM


class AssumeRoleFromProfile:
    def __init__(self, get_credentials: GetCredentials) -> None:
        self.get_credentials = get_credentials

    def __call__(self, request: CredentialsRequest, role_arn: str) -> ResolvedCredentials:
        profile, plan = self.get_credentials.resolve(request)
        duration = profile.assume_role_duration
        if not isinstance(plan.steps[-1], UseStoredKeys):
            # AWS caps AssumeRole on temporary credentials at 1h (role chaining), as build_plan does.
            duration = min(duration, ROLE_CHAINING_MAXIMUM)
        step = AssumeRole(
            profile=profile.name,
            role_arn=role_arn,
            duration=duration,
            mfa_serial="",
            mfa_process="",
            session_name="",
            external_id="",
            session_tags=(),
            transitive_session_tags=(),
            source_identity="",
            target=sts_target(profile),
        )
        note = f"profile {profile.name}: using AssumeRole for {role_arn} (role-arn route)"
        extended = Plan(plan.profile, (*plan.steps, step), (*plan.notes, note), plan.region)
        return ResolvedCredentials(profile, extended, self.get_credentials.pipeline.run(extended))

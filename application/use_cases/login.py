"""Sign in to the AWS console: credentials -> (GetFederationToken if needed) -> a sign-in URL (reference §7).

The CLI gets the credentials first (the profile's plan with GetSessionToken disabled for that profile
only, or keys from the environment); ``SignInToConsole`` then checks whether they can sign in as they
are, swaps them for a federation token when not, asks the federation endpoint for a sign-in token and
builds the URL. Opening it (or printing it) is the caller's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from aws_vault.application.bus import EventBus
from aws_vault.application.ports import ConfigSource, ConsoleSignin, FederationService
from aws_vault.domain.credentials import Credentials
from aws_vault.domain.durations import FEDERATION_TOKEN_LIMITS, check_call_duration
from aws_vault.domain.errors import StsRequestError, UsageError
from aws_vault.domain.events import ProviderChosen
from aws_vault.domain.login import (
    ALLOW_ALL_POLICY,
    DEFAULT_FEDERATION_DURATION,
    console_target,
    federation_name,
    is_assumed_role,
    login_url,
    user_name_from_arn,
    user_name_from_denial,
)
from aws_vault.domain.plan import StsTarget
from aws_vault.domain.profiles import ProfileConfig
from aws_vault.domain.records import Record
from aws_vault.domain.role_chain import ResolveOptions, resolve_profile


class ConsoleLoginRequest(Record):
    profile: str  # "" when the credentials came from the environment
    credentials: Credentials
    console_ready: bool  # AssumeRole, SSO or web identity credentials: used as they are
    target: StsTarget  # where STS calls for the profile go
    region: str
    path: str = ""
    federation_duration: timedelta = DEFAULT_FEDERATION_DURATION
    federation_duration_setting: str = ""  # where the duration came from ("" for the default), for messages
    federation_url: str = ""  # AWS_VAULT_FEDERATION_URL: replaces the region's federation endpoint



def environment_credentials(env: Mapping[str, str]) -> Credentials | None:
    """Static keys from the environment, with the AWS SDK's legacy names as fallbacks; ``None`` if no key id."""
    key_id = env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_ACCESS_KEY", "")
    if not key_id:
        return None
    secret = env.get("AWS_SECRET_ACCESS_KEY") or env.get("AWS_SECRET_KEY", "")
    if not secret:
        raise UsageError("Missing value for AWS_SECRET_ACCESS_KEY")
    return Credentials(key_id, secret, env.get("AWS_SESSION_TOKEN", ""))


class SignInToConsole:
    def __init__(
        self,
        federation: FederationService,
        signin: ConsoleSignin,
        config: ConfigSource,
        env: Mapping[str, str],
        bus: EventBus,
    ) -> None:
        self.federation = federation
        self.signin = signin
        self.config = config
        self.env = env
        self.bus = bus

    def environment_profile(self, options: ResolveOptions) -> ProfileConfig:
        """The profile ``login`` without a name resolves: ``""``, which inherits ``[default]`` (its region)."""
        return resolve_profile(self.config.load(), "", env=self.env, options=options)

    def __call__(self, request: ConsoleLoginRequest) -> str:
        """The console login URL. Raises ``StsRequestError``, ``LoginError``."""
        creds = request.credentials
        if not request.console_ready:
            creds = self._console_credentials(request)
        target = console_target(request.region, request.path, request.federation_url)
        token = self.signin.signin_token(target.federation_url, creds)
        return login_url(target, token)

    def _note(self, request: ConsoleLoginRequest, message: str) -> None:
        self.bus.publish(ProviderChosen(request.profile, f"profile {request.profile}: {message}"))

    def _console_credentials(self, request: ConsoleLoginRequest) -> Credentials:
        """Long-term keys, session tokens and process credentials: the caller decides (§7 step 3)."""
        creds, target = request.credentials, request.target
        arn = self.federation.caller_arn(creds, target)
        if is_assumed_role(arn):
            self._note(request, "caller is an assumed role, signing in with its credentials")
            return creds
        # AWS refuses a duration out of its range only after the calls above; say which setting is wrong, first.
        check_call_duration(
            request.federation_duration, FEDERATION_TOKEN_LIMITS, request.federation_duration_setting, request.profile
        )
        name = federation_name(self._user_name(creds, target, arn))
        self._note(request, f"using GetFederationToken for {name}")
        # Never cached, and no MFA: AWS does not take one here (§2.7.7, aws-vault#784).
        return self.federation.federation_token(creds, target, name, ALLOW_ALL_POLICY, request.federation_duration)

    def _user_name(self, creds: Credentials, target: StsTarget, arn: str) -> str:
        """iam:GetUser; denied, the user named in the denial; otherwise the caller ARN's last element."""
        try:
            name = self.federation.user_name(creds, target)
        except StsRequestError as e:
            return user_name_from_denial(str(e)) or user_name_from_arn(arn)
        return name or user_name_from_arn(arn)  # GetUser without a UserName (the root account)

"""``login``: the AWS console sign-in URL, as pure functions (reference §7 and §2.7.7).

Which credentials can sign in (``console_ready``), the GetFederationToken name and policy, the
federation endpoint and console destination for a region, the ``getSigninToken`` query and the final
login URL. The sign-in token in that URL is a bearer credential: ``redact_signin_token`` hides it
wherever the URL is shown in an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import timedelta

from aws_vault.domain.credentials import Credentials
from aws_vault.domain.durations import parse_setting
from aws_vault.domain.errors import LoginError
from aws_vault.domain.plan import AssumeRole, AssumeRoleWithWebIdentity, Plan, SsoRoleCredentials
from aws_vault.domain.records import Record

DEFAULT_FEDERATION_DURATION = timedelta(hours=1)
FEDERATION_NAME_MAX = 32  # GetFederationToken rejects longer names (§2.7.7)
ALLOW_ALL_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
ISSUER = "aws-vault"

# The fork signs in through the us-east-1 regional endpoint where upstream used the global one (§7).
DEFAULT_FEDERATION_URL = "https://us-east-1.signin.aws.amazon.com/federation"
NO_REGION_DESTINATION = "https://console.aws.amazon.com/"
# (region prefix, federation endpoint, console domain); anything else is the aws partition.
_PARTITIONS = (
    ("cn-", "https://signin.amazonaws.cn/federation", "console.amazonaws.cn"),
    ("us-gov-", "https://signin.amazonaws-us-gov.com/federation", "console.amazonaws-us-gov.com"),
    ("eusc-", "https://signin.amazonaws-eusc.eu/federation", "console.amazonaws-eusc.eu"),  # fork
)
_AWS_CONSOLE = "console.aws.amazon.com"

# iam:GetUser denied: the message still names the caller (§2.7.7).
_DENIED_USER = re.compile(r"AccessDenied: User: arn:[^:\s]+:iam::\d*:user/(\S+) is not")
_SIGNIN_TOKEN = re.compile(r"(SigninToken=)[^&]*")


class ConsoleTarget(Record):
    """Where to get the sign-in token, and the console page to land on."""

    federation_url: str
    destination: str


def console_ready(plan: Plan) -> bool:
    """Whether the plan's credentials can sign in as they are: AssumeRole, SSO or web identity (§7 step 3)."""
    return isinstance(plan.steps[-1], AssumeRole | SsoRoleCredentials | AssumeRoleWithWebIdentity)


def _arn_resource(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 6:
        raise LoginError(f"unable to parse ARN: {arn}")
    return ":".join(parts[5:])


def is_assumed_role(arn: str) -> bool:
    """GetCallerIdentity's ARN names an assumed role (its 6th ``:`` field starts with ``assumed-role``)."""
    return _arn_resource(arn).startswith("assumed-role")


def user_name_from_arn(arn: str) -> str:
    """The last path element of ``arn:aws:iam::<acct>:user/<path/name>``."""
    kind, _, rest = _arn_resource(arn).partition("/")
    if not kind or not rest:
        raise LoginError("Couldn't determine current username")
    return rest.rsplit("/", 1)[-1]


def user_name_from_denial(message: str) -> str:
    """The user named in an iam:GetUser ``AccessDenied`` message, or ``""``."""
    found = _DENIED_USER.search(message)
    return found.group(1).rsplit("/", 1)[-1] if found else ""


def federation_name(user_name: str) -> str:
    return user_name[:FEDERATION_NAME_MAX]


def federation_duration(flag: timedelta | None, env_value: str, flag_name: str = "--duration") -> tuple[timedelta, str]:
    """``--duration``/``--federation-token-ttl``, then ``AWS_FEDERATION_TOKEN_TTL``, then 1h (§2.5), and the
    setting it came from (``""`` for the default), for messages.

    aws-vault ignores a malformed variable; we report it, as for the other TTL variables, and a negative one.
    """
    # A zero duration means "not set", as aws-vault's zero time.Duration does (§2.5).
    if flag:
        return flag, flag_name
    if env_value:
        parsed = parse_setting(env_value, where="AWS_FEDERATION_TOKEN_TTL")
        if parsed:
            return parsed, "AWS_FEDERATION_TOKEN_TTL"
    return DEFAULT_FEDERATION_DURATION, ""


def federation_url_from_env(env: Mapping[str, str]) -> str:
    """The federation endpoint the environment names, ``""`` for the default.

    ``AWS_ENDPOINT_URL_SIGNIN`` is the SDKs' convention for a per-service endpoint override (a base URL;
    ``/federation`` is appended), honoured unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true``; the generic
    ``AWS_ENDPOINT_URL`` is not used (sign-in is not an SDK service). ``AWS_VAULT_FEDERATION_URL`` (a full
    URL) stays as an alias.
    """
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true" and env.get("AWS_ENDPOINT_URL_SIGNIN"):
        return env["AWS_ENDPOINT_URL_SIGNIN"].rstrip("/") + "/federation"
    return env.get("AWS_VAULT_FEDERATION_URL", "")


def console_target(region: str, path: str = "", federation_url: str = "") -> ConsoleTarget:
    """The federation endpoint and destination for ``region`` (§7 step 6); ``path`` goes in verbatim.

    ``federation_url`` (``AWS_VAULT_FEDERATION_URL``) replaces the endpoint, e.g. for a local fake.
    """
    if not region:
        # No region: the console's front page, and --path is ignored, as in aws-vault.
        return ConsoleTarget(federation_url or DEFAULT_FEDERATION_URL, NO_REGION_DESTINATION)
    endpoint, domain = DEFAULT_FEDERATION_URL, _AWS_CONSOLE
    for prefix, partition_endpoint, partition_domain in _PARTITIONS:
        if region.startswith(prefix):
            endpoint, domain = partition_endpoint, partition_domain
            break
    page = path or "console/home"
    return ConsoleTarget(federation_url or endpoint, f"https://{region}.{domain}/{page}?region={region}")


def signin_session_json(creds: Credentials) -> str:
    """The ``Session`` parameter: Go's ``json.Marshal`` of a map (sorted keys, no spaces)."""
    session = {
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": creds.session_token,
    }
    return json.dumps(session, sort_keys=True, separators=(",", ":"))


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def _query_escape(text: str) -> str:
    """Go's ``url.QueryEscape`` (``urllib`` stays out of the domain): space is ``+``, the rest ``%XX``."""
    return "".join(
        chr(b) if b in _UNRESERVED else "+" if b == 0x20 else f"%{b:02X}" for b in text.encode("utf-8")
    )


def signin_token_query(creds: Credentials) -> str:
    """The ``getSigninToken`` query string (no ``SessionDuration``: the credentials decide, §7 step 4)."""
    return f"Action=getSigninToken&Session={_query_escape(signin_session_json(creds))}"


def login_url(target: ConsoleTarget, signin_token: str) -> str:
    return (
        f"{target.federation_url}?Action=login&Issuer={ISSUER}"
        f"&Destination={_query_escape(target.destination)}&SigninToken={_query_escape(signin_token)}"
    )


def redact_signin_token(url: str) -> str:
    """``url`` with the sign-in token's value replaced: it lets anyone holding it into the console."""
    return _SIGNIN_TOKEN.sub(r"\1****", url)

"""Where a profile's STS calls go: the endpoint URL and the signing region (reference §2.8).

Pure rules over the profile's ``StsTarget`` and the environment, shared by the STS adapter (which
passes the result to botocore) and ``plan`` (which shows it without calling AWS).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_vault.domain.plan import StsTarget

GLOBAL_ENDPOINT = "https://sts.amazonaws.com"
DEFAULT_REGION = "us-east-1"

# Reference §2.8: with sts_regional_endpoints=legacy these regions use the global endpoint.
LEGACY_GLOBAL_REGIONS = frozenset(
    {
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
        "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1",
        "us-east-2", "us-west-1", "us-west-2",
    }
)  # fmt: skip

def choose_endpoint(target: StsTarget, env: Mapping[str, str]) -> tuple[str | None, str]:
    """The endpoint URL to pass to botocore (``None``: its regional default) and the region to sign for."""
    region = target.region or DEFAULT_REGION
    if target.endpoint_url:
        return target.endpoint_url, region
    # botocore reads these two itself, but only when no endpoint_url is passed, and the defaults below
    # pass one; so we read them here, in botocore's order, and switch botocore's own lookup off.
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        configured = env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL")
        if configured:
            return configured, region
    if not target.region:
        # aws-vault fails here ("an AWS region is required", aws-vault#866, #1094); we call the global
        # endpoint, which is what a region-less STS client has always meant.
        return GLOBAL_ENDPOINT, region
    # Reference §2.8: legacy mode keeps the signing region. botocore already maps aws-global to the
    # global endpoint (signed for us-east-1); forcing the URL would sign for "aws-global".
    if target.regional_endpoints == "legacy" and region in LEGACY_GLOBAL_REGIONS and region != "aws-global":
        return GLOBAL_ENDPOINT, region
    return None, region


def endpoint_url(target: StsTarget, env: Mapping[str, str]) -> str:
    """The URL a call to ``target`` goes to (botocore's regional default spelled out)."""
    url, region = choose_endpoint(target, env)
    return url or f"https://sts.{region}.amazonaws.com"

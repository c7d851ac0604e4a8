"""How the operator's commands reach AWS: the one place that decides their region, checks their credentials
and words an AWS error in one line. make authorize (both modes), make shops and make remove-seller take
their boto3 session from `session()`; make deploy, logs and outputs (deployed_stack.py) their credentials
check and, where samconfig.toml saves none, their region.

The region, in this order:
1. AWS_REGION, else AWS_DEFAULT_REGION. Both set and different: AWS_REGION, as the AWS CLI does, and a note
   says so. boto3 and the SAM CLI read only AWS_DEFAULT_REGION, so the region is always handed to them.
2. The region samconfig.toml saved for the stack (`make deploy` saves it).
3. The AWS profile's region (~/.aws/config, as `aws configure` writes it).
4. None: the command stops (AwsSetupError) and says how to set one.
The profile: AWS_PROFILE, else samconfig.toml's. A set AWS_REGION changes nothing else that samconfig.toml
saved (the stack name, the profile).

Nothing here prints a Python type name or a traceback. boto3 is imported where it is used: make deploy's
DRY_RUN=1 never needs it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from deployed_stack import SavedDeploy

REGION_VARIABLES: Final = ("AWS_REGION", "AWS_DEFAULT_REGION")
SET_A_REGION: Final = (
    "`export AWS_REGION=<the stack's region>` (e.g. us-east-1), or run `make deploy` first (it saves the "
    "region in samconfig.toml)"
)
SET_CREDENTIALS: Final = (
    "`export AWS_PROFILE=<profile>` (after `aws configure` or `aws sso login`), or set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY"
)
_SSO_LOGIN: Final = "run `aws sso login` (with the same AWS_PROFILE), then the command again"
_CHECK_SETUP: Final = "check the region, the credentials and their permissions, then run the command again"
# What an AWS error code usually asks of the operator.
_ADVICE_BY_CODES: Final = (
    (
        ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"),
        "the credentials in use lack this permission: use a profile that has it (docs/shops.md lists the "
        "operator's IAM permissions)",
    ),
    (
        ("ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"),
        f"the credentials have expired: renew them (`aws sso login`, or new keys); {SET_CREDENTIALS}",
    ),
    (
        ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
         "SignatureDoesNotMatch", "IncompleteSignature", "AuthFailure"),
        f"AWS does not accept these credentials: {SET_CREDENTIALS}",
    ),
    (
        ("Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
         "ProvisionedThroughputExceededException"),
        "AWS is throttling these calls: wait a minute and run the command again",
    ),
    (
        ("ResourceNotFoundException", "ValidationError"),
        "is the region the stack's? (AWS_REGION, else samconfig.toml's region)",
    ),
)  # fmt: skip
_ADVICE: Final[Mapping[str, str]] = {code: advice for codes, advice in _ADVICE_BY_CODES for code in codes}


class AwsSetupError(Exception):
    """No region, no credentials, an unknown profile: the command stops before AWS is asked anything."""


@dataclass(frozen=True)
class Region:
    name: str
    source: str  # where it came from: AWS_REGION, AWS_DEFAULT_REGION, samconfig.toml, the AWS profile
    note: str | None = None  # AWS_REGION and AWS_DEFAULT_REGION differ: which one wins


def region_from_environment(environ: Mapping[str, str] | None = None) -> Region | None:
    environ = os.environ if environ is None else environ
    region, default = (environ.get(name, "").strip() for name in REGION_VARIABLES)
    if region:
        note = None
        if default and default != region:
            note = (
                f"AWS_REGION ({region}) and AWS_DEFAULT_REGION ({default}) differ: using {region}; "
                "AWS_REGION wins, as in the AWS CLI"
            )
        return Region(region, "AWS_REGION", note)
    return Region(default, "AWS_DEFAULT_REGION") if default else None


def resolve_region(
    saved: SavedDeploy, profile: str | None = None, environ: Mapping[str, str] | None = None
) -> Region:
    """The region (see the module's doc), or AwsSetupError. `profile`: the one in use (None: AWS_PROFILE,
    else boto3's default)."""
    found = region_from_environment(environ)
    if found is not None:
        return found
    if saved.region:
        return Region(saved.region, "samconfig.toml")
    from_profile = _profile_region(profile)
    if from_profile:
        return Region(from_profile, "the AWS profile")
    raise AwsSetupError(
        "no AWS region: AWS_REGION, AWS_DEFAULT_REGION, samconfig.toml and the AWS profile name none; "
        + SET_A_REGION
    )


def _profile_region(profile: str | None) -> str | None:
    import botocore.session  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    try:
        region = botocore.session.Session(profile=profile).get_scoped_config().get("region")
    except BotoCoreError as error:  # an unknown profile
        raise AwsSetupError(describe_error(error)) from None
    return str(region) if region else None


def session(saved: SavedDeploy) -> Any:
    """A boto3 session for an operator's command: AWS_PROFILE, else samconfig.toml's profile; the region
    resolve_region() decides, handed to boto3; credentials checked. AwsSetupError when any is missing."""
    import boto3  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415
    from botocore.utils import validate_region_name  # noqa: PLC0415

    profile = None if os.environ.get("AWS_PROFILE") else saved.profile
    region = resolve_region(saved, profile)
    try:
        validate_region_name(region.name)
    except BotoCoreError:
        raise AwsSetupError(
            f"{region.source} names {region.name!r}, which is not an AWS region's name; {SET_A_REGION}"
        ) from None
    if region.note:
        print(f"note: {region.note}", file=sys.stderr)
    try:
        chosen = boto3.Session(profile_name=profile, region_name=region.name)
    except BotoCoreError as error:
        raise AwsSetupError(describe_error(error)) from None
    problem = missing_credentials(profile, chosen)
    if problem is not None:
        raise AwsSetupError(problem)
    return chosen


def missing_credentials(profile: str | None, chosen: Any | None = None) -> str | None:
    """Why boto3 finds no credentials (with `profile`, else AWS_PROFILE, else its usual chain), with what to
    do; None when it finds some. `chosen`: the session to ask, when there is one already."""
    import boto3  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    named = profile or os.environ.get("AWS_PROFILE")
    try:
        credentials = (chosen or boto3.Session(profile_name=profile)).get_credentials()
    except BotoCoreError as error:  # an unknown profile, an expired SSO session, ...
        return describe_error(error)
    if credentials is None:
        where = f"profile {named!r}" if named else "the environment, ~/.aws, SSO or an instance role"
        return f"no AWS credentials found (looked in {where}): {SET_CREDENTIALS}"
    return None


def describe_error(error: Exception) -> str:
    """One line for a botocore/boto3 error: what AWS (or the SDK) said, with its error code, and what the
    operator can do about it. Never a type name."""
    from botocore import exceptions  # noqa: PLC0415

    if isinstance(error, exceptions.ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code") or "an unnamed error")
        message = " ".join(str(details.get("Message") or "").split())
        said = f"AWS refused {error.operation_name}: {code}" + (f" ({message})" if message else "")
        return f"{said}; {_ADVICE.get(code, _CHECK_SETUP)}"
    said = " ".join(str(error).split()).rstrip(".")
    if isinstance(error, exceptions.ProfileNotFound):
        profile = getattr(error, "kwargs", {}).get("profile", "?")
        return (
            f"no AWS profile {profile!r} in ~/.aws/config (AWS_PROFILE, else samconfig.toml's profile): "
            f"`aws configure --profile {profile}` or `aws configure sso` creates it, `aws configure "
            "list-profiles` lists the ones there"
        )
    sdk_advice = (
        (exceptions.NoCredentialsError, f"no AWS credentials found: {SET_CREDENTIALS}"),
        (exceptions.NoRegionError, f"no AWS region: {SET_A_REGION}"),
        (exceptions.InvalidRegionError, f"{said}: {SET_A_REGION}"),
        (
            exceptions.SSOError | exceptions.TokenRetrievalError | exceptions.CredentialRetrievalError,
            f"{said}: {_SSO_LOGIN}",
        ),
        (
            exceptions.PartialCredentialsError,
            f"{said}: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or unset them and "
            "`export AWS_PROFILE=<profile>`",
        ),
        (
            exceptions.ConnectionError | exceptions.HTTPClientError,
            f"AWS could not be reached ({said}): check the network, the region's name (AWS_REGION, else "
            "samconfig.toml's) and AWS_ENDPOINT_URL if set, then run the command again",
        ),
    )
    return next((line for kind, line in sdk_advice if isinstance(error, kind)), f"{said}; {_CHECK_SETUP}")

"""The operator's tools (make authorize, make shops, make remove-seller) pointed at the running local stack
instead of AWS and TikTok: the same scripts, with the environment that names moto and the emulator.

The local stack has no Lambda service for Secrets Manager to invoke, so a seller's rotation cannot be
turned on here (moto refuses RotateSecret with a function it does not know); onboarding says so and still
writes the secret and the shop directory. The tests and `make run` rotate by playing Secrets Manager's part.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from local_stack.provision import DUMMY_CREDENTIALS, aws_client
from local_stack.stack import StackInfo
from local_stack.template_env import ACCOUNT_ID, REGION

ROTATION_FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:RotateCredentialsFunction"
DEFAULT_SECRET_RESOURCE = "TikTokCredentialsSecret"  # noqa: S105 - a logical ID


def operator_environment(info: StackInfo, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) plus what makes the scripts use the local stack. The
    app's key and secret come from the stack's default secret, as the operator's would come from Partner
    Center; they are fake, and the scripts never print them."""
    default_secret = json.loads(
        aws_client("secretsmanager", info.moto_url).get_secret_value(
            SecretId=info.resource_ref(DEFAULT_SECRET_RESOURCE)
        )["SecretString"]
    )
    local = {
        "AWS_ENDPOINT_URL": info.moto_url,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": DUMMY_CREDENTIALS["aws_session_token"],
        "TIKTOK_API_BASE_URL": info.tiktok_url,
        "TIKTOK_AUTH_BASE_URL": info.tiktok_url,
        "TIKTOK_APP_KEY": str(default_secret["app_key"]),
        "TIKTOK_APP_SECRET": str(default_secret["app_secret"]),
        "SHOPS_TABLE": info.resource_ref("ShopsTable"),
        "SELLER_SECRET_PREFIX": info.rotation_env["SELLER_SECRET_PREFIX"],
        # What the deployed stack's output would name; moto has no such function (see the module's doc).
        "ROTATE_CREDENTIALS_FUNCTION_ARN": ROTATION_FUNCTION_ARN,
    }
    # Never the operator's own AWS profile or TikTok settings: everything points at the local stack.
    environment = {
        name: value
        for name, value in (os.environ if base is None else base).items()
        if name not in ("AWS_PROFILE", "TIKTOK_CREDENTIALS_SECRET")
    }
    return {**environment, **local}

"""The operator's tools (make authorize, shops, remove-seller, webhooks, policy, decisions) pointed at the
running local stack instead of AWS and TikTok: the same scripts, with the environment that names moto and
the emulator.

The local stack has no Lambda service for Secrets Manager to invoke, so a seller's rotation cannot be
turned on here (moto refuses RotateSecret with a function it does not know); onboarding says so and still
writes the secret and the shop directory. The tests and `make run` rotate by playing Secrets Manager's part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping

from local_stack.paths import ROOT
from local_stack.provision import DUMMY_CREDENTIALS, aws_client
from local_stack.stack import StackInfo
from local_stack.template_env import ACCOUNT_ID, REGION

ROTATION_FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:RotateCredentialsFunction"
DEFAULT_SECRET_RESOURCE = "TikTokCredentialsSecret"  # noqa: S105 - a logical ID
OPERATOR_PATH = str(ROOT / "layers/tiktok_shop")
"""What the operator's scripts import besides scripts/ (make's OPERATOR_PATH): the layer, no function."""


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
        # make policy and make decisions (scripts/autopilot_operator.py): the local tables, not the outputs of
        # a deployed stack.
        "POLICIES_TABLE": info.resource_ref("PoliciesTable"),
        "DECISIONS_TABLE": info.resource_ref("DecisionsTable"),
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


def run_operator_script(
    info: StackInfo, script: str, *arguments: str, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """`make <target> LOCAL=1` without make: scripts/<script> with the local stack's operator environment,
    its output captured."""
    return subprocess.run(  # noqa: S603 - this repository's own script
        [sys.executable, f"scripts/{script}", *arguments],
        cwd=ROOT,
        env={**operator_environment(info), "PYTHONPATH": OPERATOR_PATH},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

"""Plays Secrets Manager's part of a rotation, for a Secrets Manager emulator (moto) that cannot invoke the
rotation function itself: start the rotation, call the four steps in order, settle the labels. Never deployed;
in AWS, Secrets Manager does all of this on the RotationSchedule.

    token = rotate_secret(secrets_client, "tiktok-shop/credentials", invoke_step=handler_in_process)

`invoke_step` receives the event Secrets Manager would send, `{"SecretId", "ClientRequestToken", "Step"}`:
call the handler in process, or invoke the built function through the Runtime Interface Emulator.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Final

from botocore.exceptions import ClientError

STEPS: Final = ("createSecret", "setSecret", "testSecret", "finishSecret")
# Names a function moto does not have: see start_rotation.
UNREACHABLE_ROTATION_FUNCTION: Final = (
    "arn:aws:lambda:us-east-1:123456789012:function:RotateCredentialsFunction-not-deployed-here"
)

InvokeStep = Callable[[dict[str, str]], Any]


class RotationNotStarted(RuntimeError):
    """The Secrets Manager emulator did not leave the state a rotation starts from."""


def rotate_secret(
    secrets_client: Any,
    secret_id: str,
    *,
    invoke_step: InvokeStep,
    token: str | None = None,
    rotation_days: int = 3,
) -> str:
    """One whole rotation; returns its version id. A failing step raises and ends it there, as in AWS."""
    token = token or str(uuid.uuid4())
    start_rotation(secrets_client, secret_id, token, rotation_days=rotation_days)
    for step in STEPS:
        invoke_step({"SecretId": secret_id, "ClientRequestToken": token, "Step": step})
    settle_rotation(secrets_client, secret_id, token)
    return token


def start_rotation(secrets_client: Any, secret_id: str, token: str, *, rotation_days: int = 3) -> None:
    """Turn rotation on and add the version `token`, labelled AWSPENDING and still without a value: what
    RotateSecret does before it calls createSecret.

    The public API has no other way to create a version without a value. moto's RotateSecret creates it, turns
    rotation on, and only then looks the function up; an ARN it does not know makes it stop right there with
    ResourceNotFoundException, which is expected. The outcome is checked, so another backend fails clearly.
    """
    try:
        secrets_client.rotate_secret(
            SecretId=secret_id,
            ClientRequestToken=token,
            RotationLambdaARN=UNREACHABLE_ROTATION_FUNCTION,
            RotationRules={"AutomaticallyAfterDays": rotation_days},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    described = secrets_client.describe_secret(SecretId=secret_id)
    stages = described.get("VersionIdsToStages", {}).get(token, [])
    if not described.get("RotationEnabled") or "AWSPENDING" not in stages:
        raise RotationNotStarted(
            f"secret {secret_id}: rotation enabled={described.get('RotationEnabled')}, version {token} "
            f"stages={stages}; this Secrets Manager backend cannot start a rotation without its function"
        )


def settle_rotation(secrets_client: Any, secret_id: str, token: str) -> None:
    """Leave the secret as Secrets Manager leaves it after a rotation: `token` AWSCURRENT, nothing AWSPENDING.

    moto (5.2) also keeps a default version of its own, which UpdateSecretVersionStage does not move: a read
    without a stage, or the next PutSecretValue, would still go by the version before the rotation (and leave
    two versions labelled AWSCURRENT). Writing the promoted value once more under its own version id, labelled
    AWSCURRENT, moves that default and drops AWSPENDING; moto accepts the write because the version is still
    AWSPENDING. Only moto ever sees this: in AWS, Secrets Manager settles the labels itself.
    """
    stages = secrets_client.describe_secret(SecretId=secret_id).get("VersionIdsToStages", {}).get(token, [])
    if "AWSCURRENT" not in stages or "AWSPENDING" not in stages:
        return
    value = secrets_client.get_secret_value(SecretId=secret_id, VersionId=token)["SecretString"]
    secrets_client.put_secret_value(
        SecretId=secret_id, ClientRequestToken=token, SecretString=value, VersionStages=["AWSCURRENT"]
    )

"""A Secrets Manager rotation of the credentials secret, through the rotation function's own runtime.

moto's Secrets Manager cannot invoke a rotation function, so local/secrets_rotation.py plays that part
(starts the rotation, settles the labels afterwards, with its documented moto workarounds); each of the four
steps is a real invocation of RotateCredentialsFunction in its Runtime Interface Emulator, with the event
Secrets Manager sends: `{"SecretId", "ClientRequestToken", "Step"}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from secrets_rotation import rotate_secret

from local_stack.invoke import Invocation, invoke
from local_stack.processes import register_secret
from local_stack.provision import aws_client
from local_stack.stack import SECRET_FIELDS, StackInfo

CREDENTIALS_RESOURCE: Final = "TikTokCredentialsSecret"


class RotationStepFailed(RuntimeError):
    """A step raised in the rotation function: the rotation ends there, AWSCURRENT untouched (as in AWS)."""


@dataclass
class Rotation:
    version: str = ""
    """The new version's id (the ClientRequestToken)."""
    steps: list[tuple[str, Invocation]] = field(default_factory=list)
    """Each step sent, with what the runtime answered."""


def current_secret(info: StackInfo) -> tuple[str, dict[str, Any]]:
    """The AWSCURRENT version id and value of the credentials secret. Its secret values are registered for
    masking, so that no log tail can show them."""
    secrets = aws_client("secretsmanager", info.moto_url)
    answer = secrets.get_secret_value(
        SecretId=info.resource_ref(CREDENTIALS_RESOURCE), VersionStage="AWSCURRENT"
    )
    value: dict[str, Any] = json.loads(answer["SecretString"])
    for name in SECRET_FIELDS:
        if isinstance(value.get(name), str):
            register_secret(value[name])
    return str(answer["VersionId"]), value


def rotate(
    info: StackInfo,
    *,
    timeout: float = 60.0,
    invoke_step: Callable[[dict[str, str]], Invocation] | None = None,
) -> Rotation:
    """One whole rotation: createSecret, setSecret, testSecret, finishSecret, each an invocation of the
    rotation function: in the stack's runtime, or through `invoke_step` (make sam-local: `sam local
    invoke`). Raises RotationStepFailed on the first step that raised (its Lambda error type and message,
    which never hold a secret)."""
    if invoke_step is None and not info.rotation_invoke_url:
        raise RuntimeError("this stack runs no rotation function")
    rotation = Rotation()

    def in_runtime(event: dict[str, str]) -> Invocation:
        return invoke(info.rotation_invoke_url, event, timeout=timeout)

    send = invoke_step or in_runtime

    def step(event: dict[str, str]) -> Any:
        invocation = send(event)
        rotation.steps.append((event["Step"], invocation))
        if invocation.function_error:
            payload = invocation.payload
            raise RotationStepFailed(f"{event['Step']}: {payload['errorType']}: {payload['errorMessage']}")
        return invocation.payload

    secrets = aws_client("secretsmanager", info.moto_url)
    rotation.version = rotate_secret(secrets, info.resource_ref(CREDENTIALS_RESOURCE), invoke_step=step)
    return rotation

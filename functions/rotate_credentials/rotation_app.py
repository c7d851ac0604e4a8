"""Lambda entry point of RotateCredentialsFunction: Secrets Manager calls it once per rotation step.

Named rotation_app, not app, so that it and the approval function's app module can share a sys.path
(tests, type checks).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes import SecretsManagerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from function_plumbing.deadlines import invocation_deadline
from rotation import dependencies
from rotation.observability import NAMESPACE, logger, metrics, tracer

_EVENT_KEYS = ("SecretId", "ClientRequestToken", "Step")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    """`{"SecretId": ..., "ClientRequestToken": ..., "Step": "createSecret" | ...}`; raises on failure,
    which fails the rotation and leaves AWSCURRENT as it was."""
    if not isinstance(event, dict) or not all(isinstance(event.get(key), str) for key in _EVENT_KEYS):
        raise ValueError(
            f"not a Secrets Manager rotation event: expected the string keys {', '.join(_EVENT_KEYS)}"
        )
    rotation = SecretsManagerEvent(event)
    logger.append_keys(secret_id=rotation.secret_id, version_id=rotation.version_id, step=rotation.step)
    try:
        deadline = invocation_deadline(context, dependencies.settings().deadline_margin_seconds)
        dependencies.rotator().run(rotation.step, rotation.secret_id, rotation.version_id, deadline=deadline)
    except Exception as error:
        with single_metric(
            name="RotationFailed", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
        ) as metric:
            metric.add_dimension(name="step", value=str(rotation.step))
        logger.error("rotation step failed", extra={"error": type(error).__name__, "reason": str(error)})
        raise

"""Lambda entry point of TikTokWebhookFunction: POST /webhooks/tiktok, TikTok's signed notifications.

Named webhook_app, not app, so that it, the approval function's app and rotation_app can share a sys.path
(tests, type checks).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext
from webhook_intake import intake
from webhook_intake.http_event import answer
from webhook_intake.observability import NAMESPACE, logger, metrics, tracer
from webhook_intake.outcomes import OUTCOMES, Outcome


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    result = intake.handle(event, context)
    row = OUTCOMES[result.outcome]
    record(result.outcome, problem=result.details.get("problem"))
    level = logger.info if row.http_status < 400 else logger.warning
    level(
        "webhook answered",
        extra={"outcome": result.outcome.value, "status": int(row.http_status), **result.details},
    )
    return answer(row.http_status)


def record(outcome: Outcome, *, problem: str | None = None) -> None:
    """One count per webhook, in its row's metric, by reason (and by payload problem when parked)."""
    with single_metric(
        name=OUTCOMES[outcome].metric, unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="reason", value=outcome.value)
        if problem:
            metric.add_dimension(name="problem", value=problem)

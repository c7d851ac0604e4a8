"""Lambda entry point of ApproveCancellationFunction: recognise the trigger, hand over to its adapter."""

from __future__ import annotations

from typing import Any

from approval.errors import InvalidApprovalRequest
from approval.observability import logger, metrics, record_failure, tracer
from approval.other_services import NOT_OUR_EVENT, other_service
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext


def event_source(event: Any) -> str:
    """ "api", "sqs" or "direct": by the shape each AWS trigger gives its events. An event of another
    service raises InvalidApprovalRequest, counted as a refused request, that says what it looks like."""
    other = other_service(event)
    if other is not None:
        logger.append_keys(trigger="other")
        raise record_failure(InvalidApprovalRequest(f"{NOT_OUR_EVENT} (this looks like {other.looks_like})"))
    if isinstance(event, dict):
        if isinstance(event.get("Records"), list):  # other_service let it through: SQS records only
            return "sqs"
        if "httpMethod" in event and "requestContext" in event:
            return "api"
    return "direct"


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: LambdaContext) -> Any:
    try:
        source = event_source(event)
    except InvalidApprovalRequest as error:
        other = other_service(event)
        if other is not None and other.answers_http:
            from approval.handlers import api  # noqa: PLC0415

            return api.error_response(error)
        raise
    logger.append_keys(trigger=source)
    # Each trigger imports its own adapter only, at its first event: batch processing and asyncio serve
    # SQS alone, so a cold start of one trigger does not pay for the others. A container serves one
    # function's triggers in any mix; whichever comes first imports its adapter once.
    if source == "api":
        from approval.handlers import api  # noqa: PLC0415

        return api.handle(event, context)
    if source == "sqs":
        from approval.handlers import sqs  # noqa: PLC0415

        return sqs.handle(event, context)
    from approval.handlers import direct  # noqa: PLC0415

    return direct.handle(event, context)

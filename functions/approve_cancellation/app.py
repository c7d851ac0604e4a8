"""Lambda entry point of ApproveCancellationFunction: recognise the trigger, hand over to its adapter."""

from __future__ import annotations

import time
from typing import Any, cast

from approval.errors import InvalidApprovalRequest
from approval.observability import logger, metrics, tracer
from approval.other_services import NOT_OUR_EVENT, other_service
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext


class NoLambdaContext:
    """Stands in for the context outside Lambda: the same attributes, and Lambda's longest timeout."""

    function_name = "ApproveCancellationFunction"
    function_version = "$LATEST"
    invoked_function_arn = ""
    memory_limit_in_mb = 0
    aws_request_id = ""
    log_group_name = ""
    log_stream_name = ""

    def __init__(self) -> None:
        self._ends_at = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends_at - time.monotonic()) * 1000))


def event_source(event: Any) -> str:
    """ "api", "sqs" or "direct": by the shape each AWS trigger gives its events. An event of another
    service raises InvalidApprovalRequest, counted as a refused request, that says what it looks like."""
    other = other_service(event)
    if other is not None:
        from approval.service import record_failure  # noqa: PLC0415  # the service, only when refusing

        logger.append_keys(trigger="other")
        raise record_failure(InvalidApprovalRequest(f"{NOT_OUR_EVENT} (this looks like {other.looks_like})"))
    if isinstance(event, dict):
        if isinstance(event.get("Records"), list):  # other_service let it through: SQS records only
            return "sqs"
        if "httpMethod" in event and "requestContext" in event:
            return "api"
    return "direct"


def lambda_handler(event: Any, context: LambdaContext | None) -> Any:
    # Lambda always passes a context; a script or a test harness may not, and Powertools needs one.
    return _handle(event, context if context is not None else cast(LambdaContext, NoLambdaContext()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def _handle(event: Any, context: LambdaContext) -> Any:
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

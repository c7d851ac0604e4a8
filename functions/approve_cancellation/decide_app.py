"""Lambda entry point of DecideCancellationFunction: WebhookQueue's cancellation notices, decided one by one.

Named decide_app so that it and the other functions' entry points can share a sys.path (tests, type checks).
"""

from __future__ import annotations

from typing import Any

from autopilot import dependencies
from autopilot.observability import logger, metrics, tracer
from autopilot.records import decide_record
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from function_plumbing.deadlines import invocation_deadline


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies.check_settings()  # a bad environment fails the whole batch loudly, before any record
    deadline = invocation_deadline(context, DEADLINE_MARGIN_SECONDS)

    def record_handler(record: SQSRecord) -> None:
        decide_record(record, deadline)

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


# Time kept back from the invocation's end for the last record's log and SQS answer.
DEADLINE_MARGIN_SECONDS = 2.0

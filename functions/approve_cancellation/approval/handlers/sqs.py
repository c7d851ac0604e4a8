"""SQS (`ApprovalQueue`): each record is its own idempotent approval, several at a time.

Transient failures go back to SQS as batch item failures (redelivered, then the DLQ by redrive).
Permanent failures go to the dead-letter queue at once with the reason attached, then are acknowledged:
redelivering them could never succeed, and dropping them would lose a request.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from function_plumbing.deadlines import invocation_deadline
from function_plumbing.sqs_text import sqs_text

from .. import decision_outcomes, dependencies
from ..errors import ApprovalError
from ..observability import logger
from ..request_parsing import parse_json_request

# SQS limits a message attribute value to the message size, but short reasons read better in the console.
MAX_ATTRIBUTE_LENGTH = 1024


class DeadLetterQueueUnavailable(RuntimeError):
    """The rejected message could not be parked: SQS must keep it, so the record is reported as failed."""


def handle(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = dependencies.settings()
    dependencies.approval_service().register_lambda_context(context)
    # Built here, not first in a worker thread: boto3's session is not thread-safe. The decision log only
    # for a batch with the autopilot's requests: a caller's batch does not pay for its client.
    dependencies.sqs_client()
    if decision_outcomes.any_from_autopilot(event):
        dependencies.decision_log()
    deadline = invocation_deadline(context, settings.deadline_margin_seconds)
    # Each approval is mostly a network wait: up to `batch_concurrency` of them run at once, in threads.
    with ThreadPoolExecutor(max_workers=settings.batch_concurrency, thread_name_prefix="approval") as workers:

        async def approve_record(record: SQSRecord) -> None:
            # A copy of the context per record: the log keys set in one thread stay in that thread.
            in_context = functools.partial(contextvars.copy_context().run, _approve_record, record, deadline)
            await asyncio.get_running_loop().run_in_executor(workers, in_context)

        # A batch whose records all failed still answers per record: some may be parked, not retried.
        processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        return async_process_partial_response(
            event=event, record_handler=approve_record, processor=processor, context=context
        )


def _approve_record(record: SQSRecord, deadline: float | None) -> None:
    logger.thread_safe_append_keys(sqs_message_id=record.message_id)
    attributes = record.raw_event.get("messageAttributes") or {}
    try:
        request = parse_json_request(record.body)
        outcome = dependencies.approval_service().approve(request, deadline=deadline)
    except ApprovalError as error:
        if error.retryable:
            raise  # a batch item failure: SQS redelivers after the visibility timeout
        _park_in_dead_letter_queue(record, error)
        decision_outcomes.after_approval(dependencies.decision_log(), attributes, record.body, error)
    else:
        decision_outcomes.after_approval(dependencies.decision_log(), attributes, record.body, outcome)
    finally:
        logger.thread_safe_remove_keys(["sqs_message_id"])


def _park_in_dead_letter_queue(record: SQSRecord, error: ApprovalError) -> None:
    reason = {
        "error_type": type(error).__name__,
        "error_message": error.message,
        "code": None if error.code is None else str(error.code),
        "request_id": error.request_id,
        "cancel_status": error.cancel_status,
        "source_message_id": record.message_id,
    }
    attributes = {
        name: {"DataType": "String", "StringValue": sqs_text(value)[:MAX_ATTRIBUTE_LENGTH]}
        for name, value in reason.items()
        if value  # SQS refuses empty attribute values
    }
    # Kept, so that a message redriven after a fix still puts its outcome on the autopilot's record.
    attributes.update(decision_outcomes.carried_attributes(record.raw_event.get("messageAttributes") or {}))
    send = functools.partial(
        dependencies.sqs_client().send_message,
        QueueUrl=dependencies.settings().approval_dlq_url,
        MessageBody=record.body or "(empty body)",
    )
    try:
        try:
            send(MessageAttributes=attributes)
        except ClientError:
            # The reason itself may be what SQS refuses (size, characters): park the message with less.
            send(MessageAttributes={name: attributes[name] for name in ("error_type", "source_message_id")})
    except Exception as send_error:
        logger.exception("could not park the message in the dead-letter queue")
        raise DeadLetterQueueUnavailable(type(send_error).__name__) from send_error
    logger.info(
        "permanent failure parked in the dead-letter queue", extra={"error_type": reason["error_type"]}
    )

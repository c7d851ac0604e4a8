"""The pattern most Powertools services use, beside the function's concurrent batch in make bench:
BatchProcessor, one record after the other, each doing exactly what the function's own record handler does.

A second handler in the function's environment (sequential_batch.lambda_handler): the function's task root
comes first on its sys.path, so these imports are the deployed code's.
"""

from __future__ import annotations

from typing import Any

from approval.handlers import sqs
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response


def lambda_handler(event: dict[str, Any], _context: object) -> Any:
    return process_partial_response(
        event=event,
        record_handler=lambda record: sqs._approve_record(record, None),
        processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
    )

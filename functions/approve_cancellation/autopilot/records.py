"""One WebhookQueue record, start to end: read, decided (a cancellation's notice) or acted on (a seller's:
seller_events.py), logged and counted by its row in OUTCOMES. A record whose row is not done is raised back to
the batch processor, so SQS redelivers it (and its redrive policy parks it on the dead-letter queue after the
last try): nothing is lost."""

from __future__ import annotations

import json
from typing import Final

from approval.errors import ShopInactive
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import BotoCoreError, ClientError
from shop_directory import ShopDirectoryUnavailable

from . import dependencies
from .deciding import Decided, RetryLater
from .notices import CancellationNotice, SellerNotice, UnreadableNotice, read_notice
from .observability import NAMESPACE, logger
from .outcomes import OUTCOMES, Outcome

FIRST_RETRY_DELAY: Final = 30
MAX_RETRY_DELAY: Final = 900


class NoticeNotDone(Exception):
    """The record goes back to SQS (a batch item failure)."""


def decide_record(record: SQSRecord, deadline: float | None) -> Decided:
    try:
        notice = read_notice(json.loads(record.body))
    except (UnreadableNotice, ValueError) as error:
        count(Outcome.RETRY, problem="unreadable")
        logger.error(
            "unreadable WebhookQueue message",
            extra={"error": str(error), "sqs_message_id": record.message_id},
        )
        raise NoticeNotDone(str(error)) from None
    decided = _decide(notice, deadline) if isinstance(notice, CancellationNotice) else _seller_notice(notice)
    count(decided.outcome)
    row = OUTCOMES[decided.outcome]
    level = logger.info if row.done else logger.warning
    level(
        "cancellation notice handled" if isinstance(notice, CancellationNotice) else "seller notice handled",
        extra={"outcome": decided.outcome.value, "kind": notice.kind.value, **decided.details},
    )
    if not row.done:
        hold_back(record)
        raise NoticeNotDone(decided.outcome.value)
    return decided


def _decide(notice: CancellationNotice, deadline: float | None) -> Decided:
    try:
        return dependencies.decider().handle(notice, deadline=deadline)
    except ShopInactive as error:
        # The seller de-authorized the app: nothing to decide until it authorizes again; retrying would not
        # help (the sweep finds what is still pending once the shop is active again).
        return Decided(
            Outcome.SHOP_INACTIVE,
            {"shop_id": notice.shop_id, "cancel_id": notice.cancel_id, "error": error.message},
        )
    except RetryLater as error:
        return Decided(
            Outcome.RETRY, {"shop_id": notice.shop_id, "cancel_id": notice.cancel_id, "error": str(error)}
        )
    except Exception as error:
        # An AWS call failed (the log, a queue, EventBridge) or something unforeseen: the decision on
        # record, if any, is acted on at the next delivery.
        logger.exception("deciding failed", extra={"shop_id": notice.shop_id, "cancel_id": notice.cancel_id})
        return Decided(
            Outcome.RETRY,
            {"shop_id": notice.shop_id, "cancel_id": notice.cancel_id, "error": type(error).__name__},
        )


def _seller_notice(notice: SellerNotice) -> Decided:
    try:
        handled = dependencies.seller_events().handle(notice)
    except ShopDirectoryUnavailable as error:
        return Decided(Outcome.RETRY, {"shop_id": notice.shop_id, "error": str(error)})
    except Exception as error:
        # The directory refused (permissions, a bad item) or something unforeseen: retried, then parked on
        # the dead-letter queue by WebhookQueue's redrive policy.
        logger.exception("a seller's notice failed", extra={"shop_id": notice.shop_id})
        return Decided(Outcome.RETRY, {"shop_id": notice.shop_id, "error": type(error).__name__})
    return Decided(handled.outcome, handled.details)


def retry_delay(receive_count: int) -> int:
    """Seconds before a notice is tried again: doubling from 30 s to 15 min, so that with WebhookQueue's
    maxReceiveCount a TikTok outage or a lagging search is waited out for over an hour, not 16 minutes."""
    delay: int = FIRST_RETRY_DELAY * 2 ** min(max(receive_count - 1, 0), 10)
    return min(MAX_RETRY_DELAY, delay)


def hold_back(record: SQSRecord) -> None:
    """Sets the record's visibility to its retry delay; without the queue's URL, or if SQS refuses, the
    queue's own visibility timeout applies."""
    queue_url = dependencies.settings().webhook_queue_url
    if not queue_url:
        return
    try:
        count = int(record.attributes.approximate_receive_count)
    except (KeyError, TypeError, ValueError):
        count = 1
    try:
        dependencies.sqs().change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=record.receipt_handle, VisibilityTimeout=retry_delay(count)
        )
    except (BotoCoreError, ClientError) as error:
        logger.warning("could not hold the notice back", extra={"error": type(error).__name__})


def count(outcome: Outcome, *, problem: str | None = None) -> None:
    with single_metric(
        name=OUTCOMES[outcome].metric, unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="outcome", value=outcome.value)
        if problem:
            metric.add_dimension(name="problem", value=problem)

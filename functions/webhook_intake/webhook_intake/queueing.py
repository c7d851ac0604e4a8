"""Where a webhook goes: WebhookQueue for the decider (once per tts_notification_id), or
WebhookDeadLetterQueue for a signed body that cannot be read.

Deduplication is Powertools Idempotency on the notification id, in IdempotencyTable under its own key prefix:
it is the approval's mechanism already (one table, one TTL), and it deletes the record when the send fails,
so TikTok's retry is queued; a bare conditional write would need that clean-up written again by hand.
"""

from __future__ import annotations

import json
import time
from base64 import b64encode
from dataclasses import dataclass
from typing import Any, Final

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from function_plumbing.sqs_text import NOT_SQS_TEXT
from tiktok_shop.webhooks import (
    Notification,
    NotificationType,
    WebhookPayloadError,
    is_pending_buyer_cancellation,
)

DEDUP_KEY_PREFIX: Final = "tiktok-webhook"
TO_DECIDE: Final = "to_decide"
STATUS_UPDATE: Final = "status_update"
SELLER_DEAUTHORIZED: Final = "seller_deauthorized"
AUTHORIZATION_EXPIRING: Final = "authorization_expiring"
# The seller's notifications the decider acts on, by type: the kind each is queued as.
SELLER_KINDS: Final = {
    NotificationType.SELLER_DEAUTHORIZATION: SELLER_DEAUTHORIZED,
    NotificationType.UPCOMING_AUTHORIZATION_EXPIRATION: AUTHORIZATION_EXPIRING,
}


def queued_kind(notification: Notification) -> str | None:
    """What the notification is queued as; None: a type this project does not act on (not queued)."""
    if notification.cancellation_change is not None:
        return TO_DECIDE if is_pending_buyer_cancellation(notification) else STATUS_UPDATE
    for notification_type, kind in SELLER_KINDS.items():
        if notification.type == notification_type:
            return kind
    return None


def dedup_config(expires_after_seconds: int) -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="tts_notification_id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
        response_hook=_mark_duplicate,
    )


def _mark_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    return {**response, "duplicate": True}


def queue_message(notification: Notification, *, received_at: int) -> dict[str, Any]:
    """The decider's message: the notification as parsed (ids as text), and what it is queued for. One
    envelope for every kind; a cancellation's change (type 11) adds its `cancellation` object. A seller's
    notification (types 6 and 7) is the envelope alone: the shop_id names the seller's authorization, and
    its `data` is not relied on (see docs/webhooks.md)."""
    kind = queued_kind(notification)
    if kind is None:
        raise ValueError(f"notification type {notification.type} is not queued")
    message: dict[str, Any] = {
        "kind": kind,
        "type": notification.type,
        "tts_notification_id": notification.tts_notification_id,
        "shop_id": notification.shop_id,
        "timestamp": notification.timestamp,
        "received_at": received_at,
    }
    change = notification.cancellation_change
    if change is None:
        return message
    return {
        **message,
        "cancellation": {
            "order_id": change.order_id,
            "cancel_id": change.cancel_id,
            "cancel_status": change.cancel_status,
            "cancellations_role": change.cancellations_role,
            "create_time": change.create_time,
        },
    }


@dataclass(frozen=True)
class Queued:
    message_id: str
    duplicate: bool


class WebhookQueues:
    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        dead_letter_url: str,
        persistence: BasePersistenceLayer,
        config: IdempotencyConfig,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._dead_letter_url = dead_letter_url
        self._config = config
        persistence.configure(config, key_prefix=DEDUP_KEY_PREFIX)
        self._send_once = idempotent_function(
            data_keyword_argument="message",
            persistence_store=persistence,
            config=config,
            key_prefix=DEDUP_KEY_PREFIX,
        )(self._send)

    def register_lambda_context(self, context: LambdaContext) -> None:
        """An in-progress record then expires with the invocation: a crash mid-send blocks no retry."""
        self._config.register_lambda_context(context)

    def enqueue(self, notification: Notification) -> Queued:
        """Queues the notification once per tts_notification_id. The send's own error propagates (and the
        record is gone); Powertools' errors say the store failed or another invocation holds the id."""
        stored = self._send_once(message=queue_message(notification, received_at=int(time.time())))
        return Queued(message_id=str(stored["message_id"]), duplicate=bool(stored.get("duplicate")))

    def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        sent = self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps(message, separators=(",", ":")),
            MessageAttributes={
                "kind": {"DataType": "String", "StringValue": message["kind"]},
                "notification_type": {"DataType": "Number", "StringValue": str(message["type"])},
            },
        )
        return {"message_id": sent["MessageId"]}

    def park(self, body: bytes, error: WebhookPayloadError) -> str:
        """Keeps a signed body that cannot be read, with why. The body is TikTok's data (no secret, no
        signature); it goes as text when SQS can carry it, else in base64."""
        text, encoding = _sqs_body(body)
        attributes = {
            "reason": error.problem.value,
            "field": error.field or "",
            "error_message": error.message[:1000],
            "body_encoding": encoding,
        }
        sent = self._sqs.send_message(
            QueueUrl=self._dead_letter_url,
            MessageBody=text,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
                if value  # SQS refuses empty attribute values
            },
        )
        return str(sent["MessageId"])


def _sqs_body(body: bytes) -> tuple[str, str]:
    if not body:
        return "(empty body)", "empty"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and not NOT_SQS_TEXT.search(text):
        return text, "text"
    return b64encode(body).decode("ascii"), "base64"

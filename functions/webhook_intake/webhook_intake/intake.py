"""One webhook, in TikTok's order: size (413), signature (401), payload (parked), type (ignored but 6, 7 and
11), then queued once. Returns the outcome; the entry point answers and counts it from OUTCOMES."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from tiktok_shop.errors import TikTokValidationError
from tiktok_shop.webhooks import (
    Notification,
    WebhookBodyTooLarge,
    WebhookPayloadError,
    check_body_size,
    find_signing_app,
    parse_notification,
)

from . import dependencies
from .app_keys import NoAppSecret, SecretUnavailable
from .http_event import EncodedBodyTooLarge, NotAnApiEvent, WebhookRequest, read_request
from .outcomes import Outcome
from .queueing import AUTHORIZATION_EXPIRING, SELLER_DEAUTHORIZED, STATUS_UPDATE, TO_DECIDE, queued_kind

_SEND_ERRORS = (ClientError, BotoCoreError)


@dataclass
class Result:
    outcome: Outcome
    # What the log line says besides the outcome: ids, the payload's problem. Never the signature, a secret
    # or the body.
    details: dict[str, Any] = field(default_factory=dict)


class _Answered(Exception):
    """A step settled the webhook: its result is the answer, no later step runs."""

    def __init__(self, outcome: Outcome, details: dict[str, Any] | None = None) -> None:
        super().__init__(outcome.value)
        self.result = Result(outcome, details or {})


def handle(event: Any, context: LambdaContext | None) -> Result:
    try:
        request = _read(event)
        _verify(request)
        notification = _parse_or_park(request)
        return _enqueue(notification, context)
    except _Answered as answered:
        return answered.result


def _read(event: Any) -> WebhookRequest:
    """Size first, before any other work: the body is not hashed, parsed or logged."""
    try:
        request = read_request(event)
        check_body_size(request.body)
    except (WebhookBodyTooLarge, EncodedBodyTooLarge) as error:
        raise _Answered(Outcome.TOO_LARGE, {"size": error.size}) from None
    except NotAnApiEvent as error:
        raise _Answered(Outcome.NOT_AN_API_EVENT, {"error": str(error)}) from None
    return request


def _verify(request: WebhookRequest) -> None:
    if not request.signature:
        raise _Answered(Outcome.UNSIGNED)
    try:
        apps = dependencies.app_keys().apps()
        signed_by = find_signing_app(apps=apps, body=request.body, signature=request.signature)
    except (NoAppSecret, TikTokValidationError) as error:
        raise _Answered(Outcome.NO_APP_SECRET, {"error": str(error)}) from None
    except SecretUnavailable as error:
        raise _Answered(Outcome.CREDENTIALS_UNAVAILABLE, {"error": str(error)}) from None
    if signed_by is None:
        raise _Answered(Outcome.BAD_SIGNATURE, {"size": len(request.body)})


def _parse_or_park(request: WebhookRequest) -> Notification:
    """The notification; a signed body that cannot be read is TikTok's all the same: parked, answered 200."""
    try:
        return parse_notification(request.body)
    except WebhookPayloadError as error:
        details: dict[str, Any] = {
            "problem": error.problem.value,
            "field": error.field,
            "error": error.message,
        }
        try:
            details["dead_letter_message_id"] = dependencies.queues().park(request.body, error)
        except _SEND_ERRORS as send_error:
            details["send_error"] = type(send_error).__name__
            raise _Answered(Outcome.QUEUE_UNAVAILABLE, details) from None
        raise _Answered(Outcome.PARKED, details) from None


def _enqueue(notification: Notification, context: LambdaContext | None) -> Result:
    details: dict[str, Any] = {
        "tts_notification_id": notification.tts_notification_id,
        "shop_id": notification.shop_id,
        "notification_type": notification.type,
    }
    kind = queued_kind(notification)
    if kind is None:  # every type but 6, 7 and 11
        return Result(Outcome.IGNORED_TYPE, details)
    change = notification.cancellation_change
    if change is not None:
        details.update(
            order_id=change.order_id, cancel_id=change.cancel_id, cancel_status=change.cancel_status
        )
    queues = dependencies.queues()
    if context is not None:
        queues.register_lambda_context(context)
    try:
        queued = queues.enqueue(notification)
    except IdempotencyAlreadyInProgressError:
        return Result(Outcome.IN_PROGRESS, details)
    except (IdempotencyPersistenceLayerError, IdempotencyInconsistentStateError) as error:
        # Powertools raises this too when deleting the record after a failed send failed: the record then
        # expires with this invocation (its in-progress expiry), and TikTok's retry is processed.
        return Result(Outcome.DEDUP_STORE_UNAVAILABLE, {**details, "error": type(error).__name__})
    except _SEND_ERRORS as error:
        return Result(Outcome.QUEUE_UNAVAILABLE, {**details, "send_error": type(error).__name__})
    if queued.duplicate:
        return Result(Outcome.DUPLICATE, details)
    details["message_id"] = queued.message_id
    return Result(_QUEUED[kind], details)


_QUEUED: Final = {
    TO_DECIDE: Outcome.QUEUED_TO_DECIDE,
    STATUS_UPDATE: Outcome.QUEUED_STATUS_UPDATE,
    SELLER_DEAUTHORIZED: Outcome.QUEUED_SELLER_EVENT,
    AUTHORIZATION_EXPIRING: Outcome.QUEUED_SELLER_EVENT,
}

"""What each event in events/ must answer under `sam local invoke`. The Scenario of local_stack checks six
of them in depth (approval, replay, business error, SQS batch, direct, two shops); the others are single
answers, listed here. A new event file without an expectation fails the run: every event is checked.

Below them, what TikTok's webhooks POSTed to `sam local start-api` must be answered."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


@dataclass(frozen=True)
class ExpectedAnswer:
    event_file: str
    status: int
    data_status: str
    header: tuple[str, str] | None = None


CHECKED_BY_THE_SCENARIO: Final = (
    "events/api_approve.json",
    "events/api_approve_shipped.json",
    "events/sqs_batch.json",
    "events/direct_approve.json",
    "events/direct_approve_shop.json",
    "events/api_approve_shop.json",
)
SINGLE_ANSWERS: Final = (
    ExpectedAnswer("events/api_approve_header_key.json", 200, "CANCELLATION_APPROVED"),
    ExpectedAnswer("events/api_approve_query_key.json", 200, "CANCELLATION_APPROVED"),
    ExpectedAnswer("events/api_approve_unknown.json", 404, "CANCELLATION_NOT_FOUND"),
    ExpectedAnswer("events/api_approve_unknown_shop.json", 404, "SHOP_NOT_FOUND"),
    ExpectedAnswer("events/api_bad_cancel_id.json", 400, "INVALID_REQUEST"),
    ExpectedAnswer("events/api_conflicting_keys.json", 400, "INVALID_REQUEST"),
    ExpectedAnswer("events/api_unknown_route.json", 404, "ROUTE_NOT_FOUND"),
    ExpectedAnswer("events/api_wrong_method.json", 405, "METHOD_NOT_ALLOWED", ("Allow", "POST")),
)


# --- sam local start-api: POST /webhooks/tiktok (TikTokWebhookFunction, the API's one route without IAM) ---

WEBHOOK_PATH: Final = "/webhooks/tiktok"


class WebhookSignature(StrEnum):
    SIGNED = "signed"
    """TikTok's Authorization header, made with the app key and secret of the default credentials secret."""
    FORGED = "forged"
    """64 hexadecimal digits, as TikTok's are, but made with another app secret."""
    UNSIGNED = "unsigned"
    """No Authorization header."""


@dataclass(frozen=True)
class ExpectedWebhookAnswer:
    """A type-11 notification (a buyer's pending cancellation) POSTed with `signature`. Every answer has an
    empty body: TikTok reads the status only."""

    signature: WebhookSignature
    notification_id: str
    """Its own tts_notification_id: a refused one cannot hide behind the deduplication of another."""
    status: int
    queued: bool
    """True: its message is on WebhookQueue (read back, then deleted). False: neither WebhookQueue nor
    WebhookDeadLetterQueue gains a message."""


WEBHOOK_ANSWERS: Final = (
    ExpectedWebhookAnswer(WebhookSignature.SIGNED, "7327112393057371910", 200, queued=True),
    ExpectedWebhookAnswer(WebhookSignature.FORGED, "7327112393057371911", 401, queued=False),
    ExpectedWebhookAnswer(WebhookSignature.UNSIGNED, "7327112393057371912", 401, queued=False),
)
WEBHOOK_ENVIRONMENT: Final = {
    "WEBHOOK_QUEUE_URL": "WebhookQueue",
    "WEBHOOK_DLQ_URL": "WebhookDeadLetterQueue",
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "TIKTOK_CREDENTIALS_SECRET": "TikTokCredentialsSecret",
}
"""TikTokWebhookFunction's variables in the `--env-vars` file, each naming this local stack resource (moto's);
AWS_ENDPOINT_URL names moto itself."""

"""Every answer the webhook gives, in one table (OUTCOMES): its HTTP status, the metric it is counted in and
the reason it is counted by. The handler, the metrics and the README's answer table read it.

TikTok accepts 200 (and 401) and retries anything else after 2 min, 30 min, 3 h and 12 h: a 5xx is how this
function says "not kept, send it again".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from typing import Final


class Outcome(Enum):
    """What became of one webhook; the value is the metric's `reason` dimension."""

    QUEUED_TO_DECIDE = "QueuedToDecide"
    QUEUED_STATUS_UPDATE = "QueuedStatusUpdate"
    QUEUED_SELLER_EVENT = "QueuedSellerEvent"
    DUPLICATE = "Duplicate"
    IGNORED_TYPE = "IgnoredType"
    PARKED = "Parked"
    TOO_LARGE = "TooLarge"
    UNSIGNED = "Unsigned"
    BAD_SIGNATURE = "BadSignature"
    NO_APP_SECRET = "NoAppSecret"  # noqa: S105 (a reason, not a password)
    NOT_AN_API_EVENT = "NotAnApiEvent"
    IN_PROGRESS = "InProgress"
    CREDENTIALS_UNAVAILABLE = "CredentialsUnavailable"
    DEDUP_STORE_UNAVAILABLE = "DedupStoreUnavailable"
    QUEUE_UNAVAILABLE = "QueueUnavailable"


@dataclass(frozen=True)
class Answer:
    http_status: HTTPStatus
    metric: str  # WebhookAccepted (200), WebhookRefused (4xx) or WebhookFailed (5xx: TikTok retries)
    when: str  # for the README's answer table


ACCEPTED, REFUSED, FAILED = "WebhookAccepted", "WebhookRefused", "WebhookFailed"

# THE table.
OUTCOMES: Final[dict[Outcome, Answer]] = {
    Outcome.QUEUED_TO_DECIDE: Answer(
        HTTPStatus.OK,
        ACCEPTED,
        "type 11, CANCELLATION_REQUEST_PENDING by the BUYER: queued on WebhookQueue to be decided",
    ),
    Outcome.QUEUED_STATUS_UPDATE: Answer(
        HTTPStatus.OK,
        ACCEPTED,
        "type 11, any other status or role: queued on WebhookQueue as a status update (the decision log's)",
    ),
    Outcome.QUEUED_SELLER_EVENT: Answer(
        HTTPStatus.OK,
        ACCEPTED,
        "type 6 (the seller de-authorized the app) or 7 (its authorization expires soon): queued on "
        "WebhookQueue for the decider (marks the seller's shops inactive; counts and logs the expiry)",
    ),
    Outcome.DUPLICATE: Answer(
        HTTPStatus.OK, ACCEPTED, "a tts_notification_id already queued: nothing is done twice"
    ),
    Outcome.IGNORED_TYPE: Answer(
        HTTPStatus.OK,
        ACCEPTED,
        "a signed notification of a type this project does not act on (12, ...)",
    ),
    Outcome.PARKED: Answer(
        HTTPStatus.OK,
        ACCEPTED,
        "signed, but not JSON or a field of the wrong type: parked on WebhookDeadLetterQueue with the reason "
        "(dimension `problem` too); retrying would not fix it",
    ),
    Outcome.TOO_LARGE: Answer(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE, REFUSED, "the body is over 64 KiB: refused before any other work"
    ),
    Outcome.UNSIGNED: Answer(
        HTTPStatus.UNAUTHORIZED, REFUSED, "no Authorization header, or an empty one: nothing queued"
    ),
    Outcome.BAD_SIGNATURE: Answer(
        HTTPStatus.UNAUTHORIZED,
        REFUSED,
        "the signature does not verify (forged, another app's, tampered, truncated): nothing queued",
    ),
    Outcome.NO_APP_SECRET: Answer(
        HTTPStatus.UNAUTHORIZED,
        REFUSED,
        "no app key and secret to verify with (no secret configured, not found, placeholders, a key "
        "missing): nothing queued; fix the credentials secret",
    ),
    Outcome.NOT_AN_API_EVENT: Answer(
        HTTPStatus.BAD_REQUEST,
        REFUSED,
        "not an API Gateway proxy event, or a base64 body that does not decode (a hand-made event only)",
    ),
    Outcome.IN_PROGRESS: Answer(
        HTTPStatus.SERVICE_UNAVAILABLE,
        FAILED,
        "the same notification is being queued by another invocation right now: TikTok sends it again",
    ),
    Outcome.CREDENTIALS_UNAVAILABLE: Answer(
        HTTPStatus.SERVICE_UNAVAILABLE, FAILED, "Secrets Manager could not be read just now"
    ),
    Outcome.DEDUP_STORE_UNAVAILABLE: Answer(
        HTTPStatus.SERVICE_UNAVAILABLE, FAILED, "the idempotency table could not be used just now"
    ),
    Outcome.QUEUE_UNAVAILABLE: Answer(
        HTTPStatus.SERVICE_UNAVAILABLE,
        FAILED,
        "WebhookQueue (or, to park, WebhookDeadLetterQueue) refused the message: nothing kept, the dedupe "
        "record removed, so TikTok's retry is processed",
    ),
}

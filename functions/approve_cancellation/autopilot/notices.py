"""The WebhookQueue message, read: what TikTokWebhookFunction's `queue_message` wrote (a test holds the two to
one shape). A cancellation's notice (type 11) or a seller's (types 6 and 7), in one envelope. A message that
does not read is a defect upstream: it raises, SQS redelivers it and its redrive policy parks it on the
dead-letter queue, so nothing is lost."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tiktok_shop.validation import validate_cancel_id, validate_shop_id


class Kind(StrEnum):
    TO_DECIDE = "to_decide"  # a buyer's pending request: decide it
    STATUS_UPDATE = "status_update"  # any other status: the decision log only
    SELLER_DEAUTHORIZED = "seller_deauthorized"  # type 6: mark the seller's shops inactive
    AUTHORIZATION_EXPIRING = "authorization_expiring"  # type 7: the seller must authorize again soon


SELLER_KINDS = frozenset({Kind.SELLER_DEAUTHORIZED, Kind.AUTHORIZATION_EXPIRING})


class UnreadableNotice(ValueError):
    pass


@dataclass(frozen=True)
class CancellationNotice:
    kind: Kind
    notification_id: str
    shop_id: str
    cancel_id: str
    order_id: str
    cancel_status: str
    notified_at: int  # TikTok's timestamp
    received_at: int  # when the intake answered TikTok


@dataclass(frozen=True)
class SellerNotice:
    """A seller's notification: `shop_id` names one shop of the seller's authorization."""

    kind: Kind  # one of SELLER_KINDS
    notification_id: str
    shop_id: str
    notified_at: int  # TikTok's timestamp
    received_at: int


Notice = CancellationNotice | SellerNotice


def read_notice(body: Any) -> Notice:
    if not isinstance(body, dict):
        raise UnreadableNotice("a WebhookQueue message is a JSON object")
    try:
        kind = Kind(str(body.get("kind")))
    except ValueError as error:
        raise UnreadableNotice(f"unreadable WebhookQueue message: {error}") from None
    if kind in SELLER_KINDS:
        return _seller_notice(kind, body)
    if not isinstance(body.get("cancellation"), dict):
        raise UnreadableNotice("a WebhookQueue message of a cancellation has a cancellation object")
    change = body["cancellation"]
    try:
        return CancellationNotice(
            kind=kind,
            notification_id=_text(body["tts_notification_id"]),
            shop_id=validate_shop_id(body["shop_id"]),
            cancel_id=validate_cancel_id(change["cancel_id"]),
            order_id=_text(change["order_id"]),
            cancel_status=_text(change["cancel_status"]),
            notified_at=_whole(body["timestamp"]),
            received_at=_whole(body["received_at"]),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise UnreadableNotice(f"unreadable WebhookQueue message: {error}") from None


def _seller_notice(kind: Kind, body: dict[str, Any]) -> SellerNotice:
    try:
        return SellerNotice(
            kind=kind,
            notification_id=_text(body["tts_notification_id"]),
            shop_id=validate_shop_id(body["shop_id"]),
            notified_at=_whole(body["timestamp"]),
            received_at=_whole(body["received_at"]),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise UnreadableNotice(f"unreadable WebhookQueue message: {error}") from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {type(value).__name__}")
    return value

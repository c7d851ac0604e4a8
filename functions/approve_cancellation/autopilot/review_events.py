""" "Needs review": an EventBridge event for a person or a support desk, one per cancellation the policy
would not approve by itself (rules can route it to SNS, a queue, a ticketing API; see docs/autopilot.md).

EventBridge, not SNS: a rule can filter on the event's fields (a shop, a currency, the escalation flag)
and fan out to any target, without this stack knowing who listens."""

from __future__ import annotations

import json
from typing import Any, Final

from decision_log import StoredDecision
from tiktok_shop import Cancellation

SOURCE: Final = "tiktok-shop.cancellation-autopilot"
DETAIL_TYPE: Final = "Cancellation needs review"


class ReviewEventRefused(RuntimeError):
    """EventBridge took the call but not the event (its FailedEntryCount): retried like a failed call."""


def review_detail(
    shop_id: str, cancellation: Cancellation, stored: StoredDecision, *, escalation: bool = False
) -> dict[str, Any]:
    """The event's detail: who, what, why, and by when (TikTok decides by itself at `deadline`)."""
    return {
        "shop_id": shop_id,
        "cancel_id": cancellation.cancel_id,
        "order_id": cancellation.order_id,
        "cancel_status": cancellation.cancel_status,
        "cancel_reason": cancellation.cancel_reason,
        "refund_total": cancellation.refund_total,
        "currency": cancellation.refund_currency,
        "deadline": cancellation.response_deadline,
        "reasons": list(stored.reasons),
        "policy_version": stored.policy_version,
        "decided_at": stored.decided_at,
        # True: published once more because TikTok's deadline is near and no one has decided yet.
        "escalation": escalation,
    }


class ReviewEvents:
    def __init__(self, *, events: Any, bus: str) -> None:
        self._events = events
        self._bus = bus

    def publish(
        self, shop_id: str, cancellation: Cancellation, stored: StoredDecision, *, escalation: bool = False
    ) -> None:
        answer = self._events.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": json.dumps(review_detail(shop_id, cancellation, stored, escalation=escalation)),
                    "EventBusName": self._bus,
                }
            ]
        )
        if answer.get("FailedEntryCount"):
            entry = (answer.get("Entries") or [{}])[0]
            raise ReviewEventRefused(
                f"EventBridge refused the event: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            )

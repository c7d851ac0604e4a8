"""The approval the autopilot asks for: a message on ApprovalQueue, exactly what a caller would send for that
shop without an idempotency key. So the approval record's key and the idempotency_key TikTok sees are the
ones the API derives from shop and cancel_id: a webhook, its repeat, a sweep and a caller's request all
approve once."""

from __future__ import annotations

import json
from typing import Any

from approval.decision_outcomes import AUTOPILOT, ORIGIN_ATTRIBUTE, TIKTOK_SHOP_ATTRIBUTE
from approval.shop_access import ShopAccess


def approval_message(cancel_id: str, shop: ShopAccess) -> dict[str, str]:
    """The default shop's request names no shop_id, as a caller's for that shop does."""
    return (
        {"cancel_id": cancel_id}
        if shop.shop_id is None
        else {"cancel_id": cancel_id, "shop_id": shop.shop_id}
    )


class ApprovalRequests:
    def __init__(self, *, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def request(self, *, cancel_id: str, shop: ShopAccess, tiktok_shop_id: str) -> str:
        """Raises botocore's errors: the notice is retried, and the decision on record acted on then."""
        sent = self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps(approval_message(cancel_id, shop), separators=(",", ":")),
            MessageAttributes={
                # Read by the approval function (approval.decision_outcomes) to record the outcome.
                ORIGIN_ATTRIBUTE: {"DataType": "String", "StringValue": AUTOPILOT},
                TIKTOK_SHOP_ATTRIBUTE: {"DataType": "String", "StringValue": tiktok_shop_id},
            },
        )
        return str(sent["MessageId"])

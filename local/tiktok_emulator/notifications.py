"""TikTok's type-11 webhook (Cancellation Status Change) for a change of a cancellation's state, and its
signature. The emulator signs on its own, with the standard library, so that a test verifying with the
project's tiktok_shop.webhooks checks one implementation against another.

    {"type": 11, "tts_notification_id": "...", "shop_id": "...", "timestamp": <unix s>,
     "data": {"order_id", "cancellations_role", "cancel_status", "cancel_id", "create_time"}}
    Authorization: hex(HMAC-SHA256(key=app_secret, message=app_key + body))
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Final

from tiktok_emulator.orders import order_id_of
from tiktok_emulator.search import CANCEL_STATUS
from tiktok_emulator.shops import AuthorizedShop
from tiktok_emulator.state import CancellationState, ShopState

CANCELLATION_STATUS_CHANGE: Final = 11
SELLER_DEAUTHORIZATION: Final = 6
UPCOMING_AUTHORIZATION_EXPIRATION: Final = 7
# What a seller's notification records in place of a cancellation's status (webhook_deliveries).
SELLER_EVENT_NAMES: Final = {
    SELLER_DEAUTHORIZATION: "SELLER_DEAUTHORIZATION",
    UPCOMING_AUTHORIZATION_EXPIRATION: "UPCOMING_AUTHORIZATION_EXPIRATION",
}


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def new_notification_id() -> str:
    """19 digits, as TikTok's ids are."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


@dataclass(frozen=True)
class CancellationNotification:
    tts_notification_id: str
    shop_id: str
    timestamp: int
    """When the state changed: a retry or a duplicate sends the very same bytes, as TikTok's carry one id."""
    order_id: str
    cancellations_role: str
    cancel_status: str
    cancel_id: str
    create_time: int

    @property
    def body(self) -> bytes:
        payload = {
            "type": CANCELLATION_STATUS_CHANGE,
            "tts_notification_id": self.tts_notification_id,
            "shop_id": self.shop_id,
            "timestamp": self.timestamp,
            "data": {
                "order_id": self.order_id,
                "cancellations_role": self.cancellations_role,
                "cancel_status": self.cancel_status,
                "cancel_id": self.cancel_id,
                "create_time": self.create_time,
            },
        }
        return json.dumps(payload, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SellerNotification:
    """Type 6 (the seller de-authorized the app) or 7 (its authorization expires soon), for one shop. TikTok's
    documents at hand give no `data` for either: this sends the shop in the envelope and an empty `data`,
    which is all the project reads (docs/local-development.md says so)."""

    type: int
    tts_notification_id: str
    shop_id: str
    timestamp: int
    cancel_id: str = ""  # none: delivery records an attempt by cancel_id, and these concern no cancellation

    @property
    def cancel_status(self) -> str:
        return SELLER_EVENT_NAMES[self.type]

    @property
    def body(self) -> bytes:
        payload = {
            "type": self.type,
            "tts_notification_id": self.tts_notification_id,
            "shop_id": self.shop_id,
            "timestamp": self.timestamp,
            "data": {},
        }
        return json.dumps(payload, separators=(",", ":")).encode()


Notification = CancellationNotification | SellerNotification


def notification_of_change(
    state: ShopState,
    cancel_id: str,
    before: CancellationState | None,
    after: CancellationState,
    now: float,
) -> CancellationNotification | None:
    """The notification TikTok sends for this change; None when TikTok's cancel_status stays the same
    (pending to shipped) or is none (another seller's order). Call with the state's lock held."""
    status = CANCEL_STATUS.get(after)
    if status is None or status == (CANCEL_STATUS.get(before) if before is not None else None):
        return None
    request = state.buyer_request(cancel_id)
    created, _ = state.times(cancel_id, default=now)
    return CancellationNotification(
        tts_notification_id=new_notification_id(),
        shop_id=request.shop_id if request is not None else _shop_id(state, state.shop_of(cancel_id)),
        timestamp=int(now),
        order_id=request.order_id if request is not None else order_id_of(cancel_id),
        cancellations_role="BUYER",
        cancel_status=status,
        cancel_id=cancel_id,
        create_time=int(created),
    )


def _shop_id(state: ShopState, shop_cipher: str | None) -> str:
    """The id of the shop a seeded cancellation belongs to; one seeded for no shop in particular is the
    default seller's first shop's."""
    for cipher in (shop_cipher, None):
        try:
            return state.sellers.find_shop(shop_cipher=cipher).id
        except ValueError:  # a shop de-authorized since, or a default seller left without shops
            continue
    return AuthorizedShop("").id

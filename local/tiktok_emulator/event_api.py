"""TikTok's Event API on the emulator: Update, Get and Delete Shop Webhook on `/event/202309/webhooks`, with
the subscriptions kept per shop (its shop_cipher): which address TikTok would post each event type to.

shop_api.py routes the path here after the checks every shop endpoint makes (app_key, timestamp, token,
sign over the body too, a shop_cipher of the token's seller). What is not modelled is listed in
docs/local-development.md ("The Event API"); in short: TikTok's own error codes for this API are not
published, so a bad body answers 11050001 "invalid param" (an assumption), and nothing is posted to the
addresses here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Final, Literal
from urllib.parse import urlsplit

from tiktok_emulator import codes
from tiktok_emulator.wire import Answer, IncomingRequest, envelope

EVENT_WEBHOOKS_PATH: Final = "/event/202309/webhooks"
EventEndpoint = Literal["get_shop_webhooks", "update_shop_webhook", "delete_shop_webhook"]
ENDPOINT_BY_METHOD: Final[dict[str, EventEndpoint]] = {
    "GET": "get_shop_webhooks",
    "PUT": "update_shop_webhook",
    "DELETE": "delete_shop_webhook",
}
EVENT_METHODS: Final = "GET, PUT or DELETE"
MAX_ADDRESS_LENGTH: Final = 255
# Update Shop Webhook's documented `event_type` values.
DOCUMENTED_EVENT_TYPES: Final = frozenset(
    {
        "ORDER_STATUS_CHANGE",
        "RECIPIENT_ADDRESS_UPDATE",
        "PACKAGE_UPDATE",
        "PRODUCT_STATUS_CHANGE",
        "SELLER_DEAUTHORIZATION",
        "UPCOMING_AUTHORIZATION_EXPIRATION",
        "CANCELLATION_STATUS_CHANGE",
        "RETURN_STATUS_CHANGE",
        "NEW_CONVERSATION",
        "NEW_MESSAGE",
        "PRODUCT_INFORMATION_CHANGE",
        "PRODUCT_CREATION",
        "PRODUCT_CATEGORY_CHANGE",
        "NEW_MESSAGE_LISTENER",
        "INVOICE_STATUS_CHANGE",
        "PRODUCT_AUDIT_STATUS_CHANGE",
        "REVERSE_STATUS_UPDATE",
    }
)
_INVALID_PARAM: Final = "Invalid param."


@dataclass(frozen=True)
class Subscription:
    """One entry of Get Shop Webhooks' `data.webhooks[]`."""

    event_type: str
    address: str
    create_time: int
    update_time: int

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class _Refused(Exception):
    pass


class ShopSubscriptions:
    """The subscriptions of every shop, by shop_cipher then event type; one lock, as handler threads write
    while tests read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_shop: dict[str, dict[str, Subscription]] = {}

    def answer(self, request: IncomingRequest, request_id: str, now: float) -> Answer:
        """The answer to a request that passed the shop checks (so its query has a shop_cipher)."""
        shop_cipher = request.query["shop_cipher"]
        try:
            if request.method == "GET":
                listed = [webhook.to_json() for webhook in self.of_shop(shop_cipher)]
                data = {"webhooks": listed, "total_count": len(listed)}
                return envelope(codes.SUCCESS, "Success", request_id, data)
            body = _json_object(request.body)
            event_type = _event_type(body)
            if request.method == "PUT":
                self._subscribe(shop_cipher, event_type, _address(body), int(now))
            else:  # DELETE: TikTok answers success whether or not there was a subscription
                with self._lock:
                    self._by_shop.get(shop_cipher, {}).pop(event_type, None)
        except _Refused:
            return envelope(codes.INVALID_PARAM, _INVALID_PARAM, request_id)
        return envelope(codes.SUCCESS, "Success", request_id, {})

    def of_shop(self, shop_cipher: str) -> list[Subscription]:
        """The shop's subscriptions, oldest first."""
        with self._lock:
            return sorted(self._by_shop.get(shop_cipher, {}).values(), key=lambda s: s.create_time)

    def by_shop(self, shop_cipher: str | None = None) -> dict[str, list[Subscription]]:
        """Every shop's subscriptions (shops with none left out), or only `shop_cipher`'s."""
        with self._lock:
            ciphers = sorted(self._by_shop) if shop_cipher is None else [shop_cipher]
        return {cipher: listed for cipher in ciphers if (listed := self.of_shop(cipher))}

    def address_of(self, shop_cipher: str, event_type: str) -> str | None:
        """Where the shop's `event_type` notifications go, or None."""
        with self._lock:
            found = self._by_shop.get(shop_cipher, {}).get(event_type)
        return found.address if found is not None else None

    def clear(self) -> None:
        with self._lock:
            self._by_shop.clear()

    def _subscribe(self, shop_cipher: str, event_type: str, address: str, now: int) -> None:
        with self._lock:
            shop = self._by_shop.setdefault(shop_cipher, {})
            previous = shop.get(event_type)
            shop[event_type] = (
                Subscription(event_type, address, now, now)
                if previous is None
                else replace(previous, address=address, update_time=now)
            )


def _json_object(body: bytes) -> Mapping[str, object]:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _Refused from None
    if not isinstance(parsed, dict):
        raise _Refused
    return parsed


def _event_type(body: Mapping[str, object]) -> str:
    event_type = body.get("event_type")
    if not isinstance(event_type, str) or event_type not in DOCUMENTED_EVENT_TYPES:
        raise _Refused
    return event_type


def _address(body: Mapping[str, object]) -> str:
    # What the documents state (a URL of at most 255 characters); whether TikTok insists on https is not
    # documented, and the local stack's addresses are http on loopback, so both are taken.
    address = body.get("address")
    if not isinstance(address, str) or not 0 < len(address) <= MAX_ADDRESS_LENGTH:
        raise _Refused
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:
        raise _Refused from None
    if parts.scheme not in ("http", "https") or not host:
        raise _Refused
    return address

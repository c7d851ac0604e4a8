"""TikTok's Event API (version 202309): which address TikTok posts each kind of webhook to, per shop.

Three calls on one path, named as TikTok's documents name them: Update Shop Webhook (PUT: subscribe an event
type, or move it to another address), Get Shop Webhooks (GET: the shop's subscriptions) and Delete Shop
Webhook (DELETE). Each is a shop API call: signed (the JSON body too), the seller's token in the header, and
the shop's `shop_cipher` in the query, which the documents' parameter table lists as required (the official
SDKs leave it optional). It is always sent here: a cross-border seller's one token serves several shops,
and each shop is subscribed on its own.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from .errors import TikTokAPIError, TikTokValidationError
from .validation import describe_value

if TYPE_CHECKING:
    from .client import TikTokShopClient

SHOP_WEBHOOKS_PATH: Final = "/event/202309/webhooks"
MAX_ADDRESS_LENGTH: Final = 255  # Update Shop Webhook's documented limit for `address`


class EventType(StrEnum):
    """The event types this project subscribes; each notification's `type` number is in the comment."""

    CANCELLATION_STATUS_CHANGE = "CANCELLATION_STATUS_CHANGE"  # type 11: what the approver decides on
    SELLER_DEAUTHORIZATION = "SELLER_DEAUTHORIZATION"  # type 6
    UPCOMING_AUTHORIZATION_EXPIRATION = "UPCOMING_AUTHORIZATION_EXPIRATION"  # type 7


# Update Shop Webhook's documented `event_type` values. A name outside them is refused before anything is
# sent: TikTok publishes no error code for an unknown one, so a typo is best caught here, by name.
DOCUMENTED_EVENT_TYPES: Final = frozenset(
    {
        *EventType,
        "ORDER_STATUS_CHANGE",
        "RECIPIENT_ADDRESS_UPDATE",
        "PACKAGE_UPDATE",
        "PRODUCT_STATUS_CHANGE",
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
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})


@dataclass(frozen=True)
class ShopWebhook:
    """One subscription of `data.webhooks[]`: TikTok posts `event_type` notifications to `address`."""

    event_type: str  # as TikTok sent it: a type this project does not know is kept, not dropped
    address: str
    create_time: int | None = None  # Unix seconds
    update_time: int | None = None


@dataclass(frozen=True)
class ShopWebhooks:
    """Get Shop Webhooks' answer: the shop's subscriptions, in TikTok's order."""

    webhooks: tuple[ShopWebhook, ...]
    total_count: int | None
    request_id: str | None

    def address_of(self, event_type: str) -> str | None:
        """Where TikTok posts `event_type` for this shop, or None when it is not subscribed."""
        return next((w.address for w in self.webhooks if w.event_type == event_type), None)


@dataclass(frozen=True)
class WebhookChange:
    """What Update or Delete Shop Webhook did: `address` None means the subscription was deleted. TikTok's
    `data` is empty on success; its request_id is what its support asks for."""

    event_type: str
    address: str | None
    request_id: str | None


class EventApi:
    """The `event` group, named after the official SDK's (EventV202309Api)."""

    def __init__(self, client: TikTokShopClient) -> None:
        self._client = client

    def update_shop_webhook(
        self,
        event_type: str,
        address: str,
        *,
        shop_cipher: str | None = None,
        deadline: float | None = None,
    ) -> WebhookChange:
        """Subscribe the shop's `event_type` notifications to `address`, or move them there (one address
        per event type and shop). Raises `TikTokValidationError` before sending anything for an unknown
        event type or an address TikTok could not post to, `TikTokAPIError` when TikTok refuses."""
        name = validate_event_type(event_type)
        checked = validate_address(address, local_tiktok=is_local_base_url(self._client.base_url))
        body = webhook_body({"address": checked, "event_type": name})
        envelope = self._client.request(
            "PUT", SHOP_WEBHOOKS_PATH, query=cipher_query(shop_cipher), body=body, deadline=deadline
        )
        return WebhookChange(name, address, _text(envelope.get("request_id")))

    def get_shop_webhooks(
        self, *, shop_cipher: str | None = None, deadline: float | None = None
    ) -> ShopWebhooks:
        """The shop's subscriptions: every event type TikTok posts for it, and where."""
        envelope = self._client.request(
            "GET", SHOP_WEBHOOKS_PATH, query=cipher_query(shop_cipher), deadline=deadline
        )
        return parse_webhooks(envelope)

    def delete_shop_webhook(
        self, event_type: str, *, shop_cipher: str | None = None, deadline: float | None = None
    ) -> WebhookChange:
        """End the shop's `event_type` subscription. TikTok answers success whether or not there was one:
        `get_shop_webhooks` is the way to know."""
        name = validate_event_type(event_type)
        body = webhook_body({"event_type": name})
        envelope = self._client.request(
            "DELETE", SHOP_WEBHOOKS_PATH, query=cipher_query(shop_cipher), body=body, deadline=deadline
        )
        return WebhookChange(name, None, _text(envelope.get("request_id")))


def validate_event_type(event_type: object) -> str:
    """The name as plain text (an `EventType` member is its value)."""
    if not isinstance(event_type, str) or event_type not in DOCUMENTED_EVENT_TYPES:
        ours = ", ".join(EventType)
        raise TikTokValidationError(
            f"event_type {describe_value(event_type)} is not one of TikTok's documented event types "
            f"(this project subscribes {ours})"
        )
    return str(event_type)


def validate_address(address: object, *, local_tiktok: bool = False) -> str:
    """The webhook URL TikTok will post to: https, at most 255 characters, no credentials or fragment.

    A loopback address (localhost, 127.0.0.0/8, ::1), over http or https, only when `local_tiktok`: the
    TikTok asked is itself on this machine (the emulator). The real TikTok could never post to it: every
    notification would go nowhere.
    """
    if not isinstance(address, str) or not address:
        raise TikTokValidationError(f"address must be a URL (got {describe_value(address)})")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise TikTokValidationError(
            f"address must be at most {MAX_ADDRESS_LENGTH} characters, TikTok's limit (got {len(address)})"
        )
    if not (address.isascii() and address.isprintable()) or " " in address:
        raise TikTokValidationError("address must be printable ASCII without spaces (percent-encode them)")
    try:
        parts = urlsplit(address)
        host = parts.hostname or ""
    except ValueError:  # an unbalanced "[" in the host, a port that is not a number
        raise TikTokValidationError(f"address {describe_value(address)} is not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise TikTokValidationError(f"address must be an https URL, https://host/path (got {address!r})")
    if parts.username is not None or parts.fragment:
        raise TikTokValidationError("address must carry no user:password@ and no #fragment")
    loopback = _is_loopback(host)
    if loopback and not local_tiktok:
        raise TikTokValidationError(
            f"address {address!r} is on this machine: TikTok could never post to it (allowed only when the "
            "client talks to a TikTok on this machine, the emulator)"
        )
    if parts.scheme == "http" and not loopback:
        raise TikTokValidationError(f"address must be https (got {address!r}); http only for a loopback host")
    return address


def is_local_base_url(base_url: str) -> bool:
    """Whether a client's base URL names this machine (the emulator, never TikTok)."""
    return _is_loopback(urlsplit(base_url).hostname or "")


def webhook_body(fields: Mapping[str, str]) -> bytes:
    """The JSON body, built once: the same bytes are signed and sent on every attempt."""
    return json.dumps(dict(fields), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def cipher_query(shop_cipher: str | None) -> dict[str, str]:
    """A per-call shop_cipher, overriding the client's (a cross-border seller's several shops, one client)."""
    if shop_cipher is None:
        return {}
    if not isinstance(shop_cipher, str) or not shop_cipher:
        raise TikTokValidationError("shop_cipher must be a non-empty string (Get Authorized Shops' cipher)")
    return {"shop_cipher": shop_cipher}


def parse_webhooks(envelope: Mapping[str, Any]) -> ShopWebhooks:
    request_id = _text(envelope.get("request_id"))
    data = envelope.get("data")
    data = data if isinstance(data, Mapping) else {}
    raw = data.get("webhooks")
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(_is_webhook(item) for item in raw):
        raise TikTokAPIError(
            "TikTok's webhook list is not a list of webhooks with event_type and address",
            code=None,
            http_status=200,
            request_id=request_id,
        )
    return ShopWebhooks(
        webhooks=tuple(
            ShopWebhook(
                event_type=item["event_type"],
                address=item["address"],
                create_time=_integer(item.get("create_time")),
                update_time=_integer(item.get("update_time")),
            )
            for item in raw
        ),
        total_count=_integer(data.get("total_count")),
        request_id=request_id,
    )


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_webhook(item: object) -> bool:
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("event_type"), str)
        and bool(item["event_type"])
        and isinstance(item.get("address"), str)
    )


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

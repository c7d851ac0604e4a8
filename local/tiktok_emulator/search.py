"""Search Cancellations over the emulator's state, shaped as the published response sample.

Lists what the request's shop may see: its own cancellations and those seeded for no shop in particular.
A buyer's request made with create_buyer_cancellation is listed with its own reason, amount, deadline and
line item; a seeded one with the published sample's (no line items).
Not modelled: sorting by anything but seeding order, buyer_user_ids and time filters (accepted, ignored),
locales. A shipped order's cancellation is listed as still pending: TikTok does not document what a shipped
order does to it, and approving it answers 25001045 either way.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Final

from tiktok_emulator import codes
from tiktok_emulator.orders import SEEDED_ORDER_CURRENCY, SEEDED_ORDER_TOTAL, order_id_of
from tiktok_emulator.state import CancellationState, ShopState
from tiktok_emulator.wire import Answer, IncomingRequest, envelope

# What Search Cancellations reports for each emulator state; "other_seller" is not this token's to see.
CANCEL_STATUS: Final[dict[CancellationState, str]] = {
    "pending": "CANCELLATION_REQUEST_PENDING",
    "shipped": "CANCELLATION_REQUEST_PENDING",
    "approved": "CANCELLATION_REQUEST_SUCCESS",
    "complete": "CANCELLATION_REQUEST_COMPLETE",
    "cancelled": "CANCELLATION_REQUEST_CANCELLED",
}
# The filter's documented spelling of the closed state differs from the answers' (see tiktok-shop-api.md).
_FILTER_ALIASES: Final = {"CANCELLATION_REQUEST_CANCEL": "CANCELLATION_REQUEST_CANCELLED"}
RESPONSE_WINDOW: Final = 48 * 3600  # the longest auto-decision window seen in seller guides
_DEFAULT_PAGE_SIZE: Final = 10
_MAX_PAGE_SIZE: Final = 50
_LIST_FILTERS: Final = ("cancel_ids", "order_ids", "buyer_user_ids", "cancel_types", "cancel_status")
_INVALID: Final = (
    "An invalid request parameter was passed. Please check that you have the correct parameter type(s) "
    "and format."
)


def answer_search(state: ShopState, request: IncomingRequest, request_id: str, now: float) -> Answer:
    try:
        filters = _filters(request.body)
        page_size = _page_size(request.query.get("page_size"))
        offset = _offset(request.query.get("page_token"))
    except ValueError:
        return envelope(codes.INVALID_REQUEST_PARAMETER, _INVALID, request_id)
    with state.lock:
        listed = [
            _cancellation_json(state, cancel_id, status, now)
            # The shop_cipher check passed before the search: the query has one.
            for cancel_id, emulator_state in state.cancellations_of_shop(request.query["shop_cipher"]).items()
            if (status := CANCEL_STATUS.get(emulator_state)) is not None
        ]
    matching = [item for item in listed if _matches(item, filters)]
    page = matching[offset : offset + page_size]
    next_offset = offset + len(page)
    data = {
        "cancellations": page,
        "total_count": len(matching),
        "next_page_token": _token(next_offset) if next_offset < len(matching) else "",
    }
    return envelope(codes.SUCCESS, "Success", request_id, data)


def _cancellation_json(state: ShopState, cancel_id: str, status: str, now: float) -> dict[str, object]:
    created, updated = state.times(cancel_id, default=now)
    pending = status == "CANCELLATION_REQUEST_PENDING"
    request = state.buyer_request(cancel_id)
    deadline = int(created) + RESPONSE_WINDOW if request is None else request.deadline
    listed: dict[str, object] = {
        "order_id": order_id_of(cancel_id),
        "cancel_type": "BUYER_CANCEL",
        "cancel_status": status,
        "role": "BUYER",
        "cancel_reason": "ecom_order_to_ship_canceled_reason_created_by_mistakes",
        "cancel_reason_text": "Order created by mistake",
        "create_time": int(created),
        "update_time": int(updated),
        "seller_next_action_response": [{"action": "SELLER_RESPOND_CANCEL", "deadline": deadline}]
        if pending
        else [],
        "refund_amount": {
            "currency": SEEDED_ORDER_CURRENCY,
            "refund_total": SEEDED_ORDER_TOTAL,
            "refund_subtotal": "1",
            "refund_shipping_fee": "0.2",
            "refund_tax": "0.03",
        },
        "cancel_line_items": [],
        "cancel_id": cancel_id,
    }
    if request is not None:
        listed |= {
            "order_id": request.order_id,
            "cancel_reason": request.reason,
            "cancel_reason_text": request.reason_text,
            "refund_amount": request.refund_amount_json(),
            "cancel_line_items": request.cancel_line_items_json(),
        }
    return listed


def _filters(body: bytes) -> dict[str, set[str]]:
    raw = json.loads(body) if body.strip() else {}
    if not isinstance(raw, Mapping):
        raise ValueError("the body must be a JSON object")
    filters: dict[str, set[str]] = {}
    for name in _LIST_FILTERS:
        values = raw.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"{name} must be a list of strings")
        aliases: Mapping[str, str] = _FILTER_ALIASES if name == "cancel_status" else {}
        filters[name] = {aliases.get(v, v) for v in values}
    return filters


def _matches(item: Mapping[str, object], filters: Mapping[str, set[str]]) -> bool:
    fields = {"cancel_ids": "cancel_id", "order_ids": "order_id", "cancel_types": "cancel_type"}
    for name, allowed in filters.items():
        if name == "cancel_status" and item["cancel_status"] not in allowed:
            return False
        if name in fields and item[fields[name]] not in allowed:
            return False
    return True


def _page_size(raw: str | None) -> int:
    if raw is None:
        return _DEFAULT_PAGE_SIZE
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= _MAX_PAGE_SIZE:
        raise ValueError("page_size must be 1-50")
    return int(raw)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("unknown page_token") from None
    if kind != "offset" or not number.isdigit():
        raise ValueError("unknown page_token")
    return int(number)

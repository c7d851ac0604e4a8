"""Get Order Detail (`GET /order/202309/orders?ids=<id>,<id>`) over the emulator's orders.

Lists the orders the request's shop may see (its own, and those behind cancellations seeded for no shop), in
the order asked, each once. ASSUMPTIONS where TikTok's documents say nothing the project has at hand: an id
no order has is left out of `data.orders` rather than refused, and a missing or empty `ids`, an empty id or
more than 50 ids answer "invalid request parameter" (25001001).
"""

from __future__ import annotations

from typing import Final

from tiktok_emulator import codes
from tiktok_emulator.orders import MAX_ORDER_IDS, Order
from tiktok_emulator.state import ShopState
from tiktok_emulator.wire import Answer, IncomingRequest, envelope

# The states in which the buyer's request still waits for a decision (Search says PENDING).
_REQUEST_PENDING: Final = frozenset({"pending", "shipped"})
_INVALID: Final = (
    "An invalid request parameter was passed. Please check that you have the correct parameter type(s) "
    "and format."
)


def answer_order_detail(state: ShopState, request: IncomingRequest, request_id: str) -> Answer:
    ids = request.query.get("ids", "").split(",")
    if not all(ids) or len(ids) > MAX_ORDER_IDS:
        return envelope(codes.INVALID_REQUEST_PARAMETER, _INVALID, request_id)
    # The shop_cipher check passed before this: the query has one.
    shop_cipher = request.query["shop_cipher"]
    listed = []
    with state.lock:
        for order_id in dict.fromkeys(ids):
            order = state.order(order_id)
            if order is not None and order.shop_cipher in (None, shop_cipher):
                listed.append(order_json(state, order))
    return envelope(codes.SUCCESS, "Success", request_id, {"orders": listed})


def order_json(state: ShopState, order: Order) -> dict[str, object]:
    """`order` as Get Order Detail lists it now: with whether its buyer's request still waits."""
    with state.lock:
        pending = state.cancellation_state(order.cancel_id) in _REQUEST_PENDING
        created, _ = state.times(order.cancel_id, default=order.create_time)
    return order.to_json(buyer_request_cancel=pending, request_cancel_time=int(created) if pending else None)

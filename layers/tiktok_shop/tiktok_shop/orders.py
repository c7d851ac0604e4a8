"""Get Order Detail (version 202309): the order's live state, for rules that depend on it (has it shipped?
who fulfils it?). Only the fields such a rule reads are typed; the rest stay as TikTok sent them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .errors import TikTokAPIError, TikTokValidationError

if TYPE_CHECKING:
    from .client import TikTokShopClient

ORDER_DETAIL_PATH: Final = "/order/202309/orders"
MAX_ORDER_IDS: Final = 50  # Get Order Detail's documented limit per call
# The order has not left the seller: a cancellation then stops a shipment that has not started.
NOT_SHIPPED_STATUSES: Final = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"})


@dataclass(frozen=True)
class Order:
    id: str
    status: str | None = None  # UNPAID, ON_HOLD, AWAITING_SHIPMENT, AWAITING_COLLECTION, IN_TRANSIT, ...
    fulfillment_type: str | None = None  # FULFILLMENT_BY_SELLER | FULFILLMENT_BY_TIKTOK
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def not_shipped(self) -> bool:
        return self.status in NOT_SHIPPED_STATUSES

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Order:
        def text(name: str) -> str | None:
            value = raw.get(name)
            return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None

        order_id = text("id")
        if not order_id:
            raise TikTokValidationError("an order in Get Order Detail's answer has no id")
        return cls(id=order_id, status=text("status"), fulfillment_type=text("fulfillment_type"), raw=raw)


class OrderApi:
    def __init__(self, client: TikTokShopClient) -> None:
        self._client = client

    def get_order_detail(
        self, order_ids: Sequence[str], *, deadline: float | None = None
    ) -> tuple[Order, ...]:
        """The orders TikTok lists for `order_ids` (1 to 50) in this shop; one it does not list is absent."""
        ids = list(dict.fromkeys(order_ids))
        if not ids or len(ids) > MAX_ORDER_IDS or not all(isinstance(i, str) and i.isalnum() for i in ids):
            raise TikTokValidationError(f"order_ids must be 1 to {MAX_ORDER_IDS} ids of letters and digits")
        envelope = self._client.request(
            "GET", ORDER_DETAIL_PATH, query={"ids": ",".join(ids)}, deadline=deadline
        )
        request_id = envelope.get("request_id") if isinstance(envelope.get("request_id"), str) else None
        data = envelope.get("data")
        orders = data.get("orders") if isinstance(data, Mapping) else None
        if not isinstance(orders, list) or not all(
            isinstance(order, Mapping) and order.get("id") for order in orders
        ):
            raise TikTokAPIError(
                "TikTok's order list is not a list of orders with an id",
                code=None,
                http_status=200,
                request_id=request_id,
            )
        return tuple(Order.from_json(order) for order in orders)

    def find_order(self, order_id: str, *, deadline: float | None = None) -> Order | None:
        return next(
            (o for o in self.get_order_detail([order_id], deadline=deadline) if o.id == order_id), None
        )

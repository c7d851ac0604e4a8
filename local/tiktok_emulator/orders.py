"""The orders behind the cancellations, as Get Order Detail (`GET /order/202309/orders`) lists them.

The shape follows answers of Get Order Detail and Search Orders that integrators have published
(`data.orders[]`: `id`, `status`, `fulfillment_type`, `line_items[]`, `payment`, times, flags); only the
fields a cancellation decision could look at are filled; addresses, packages and tracking are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Literal, TypeGuard, get_args

OrderStatus = Literal[
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
]
ORDER_STATUSES: Final[tuple[str, ...]] = get_args(OrderStatus)
FulfillmentType = Literal["FULFILLMENT_BY_SELLER", "FULFILLMENT_BY_TIKTOK"]
FULFILLMENT_TYPES: Final[tuple[str, ...]] = get_args(FulfillmentType)
SHIPPED_STATUSES: Final[frozenset[str]] = frozenset({"IN_TRANSIT", "DELIVERED", "COMPLETED"})
"""The order has left the warehouse: its pending cancellation can no longer be approved (25001045)."""
MAX_ORDER_IDS: Final = 50


# What an order behind a seeded cancellation looks like in each state; "other_seller" is not this token's to
# see, as in Search Cancellations.
_SEEDED_ORDER_STATUS: Final[dict[str, OrderStatus]] = {
    "pending": "AWAITING_SHIPMENT",
    "cancelled": "AWAITING_SHIPMENT",
    "shipped": "IN_TRANSIT",
    "approved": "CANCELLED",
    "complete": "CANCELLED",
}
SEEDED_ORDER_TOTAL: Final = "1.23"
SEEDED_ORDER_CURRENCY: Final = "USD"


def order_id_of(cancel_id: str) -> str:
    """A stable order id per seeded cancellation, so order_ids filters and Get Order Detail can be tested."""
    return f"5770{cancel_id[-15:]}"


def is_order_status(value: object) -> TypeGuard[OrderStatus]:
    return isinstance(value, str) and value in ORDER_STATUSES


def is_fulfillment_type(value: object) -> TypeGuard[FulfillmentType]:
    return isinstance(value, str) and value in FULFILLMENT_TYPES


@dataclass(frozen=True)
class LineItem:
    """The one product of an order the emulator makes: enough for cancel_line_items and Get Order Detail."""

    order_line_item_id: str
    cancel_line_item_id: str
    sku_id: str
    product_id: str
    product_name: str = "Emulator ceramic mug"
    sku_name: str = "White, 350 ml"
    seller_sku: str = "EMU-MUG-350"


@dataclass(frozen=True)
class Order:
    order_id: str
    cancel_id: str
    """The buyer's cancellation request on this order."""
    shop_cipher: str | None
    """The shop it belongs to; None: any shop's (an order behind a cancellation seeded for no shop)."""
    status: OrderStatus
    fulfillment_type: FulfillmentType
    currency: str
    total: str
    line_item: LineItem
    create_time: int
    update_time: int
    buyer_user_id: str = "7494037984113493258"

    def updated(
        self, status: OrderStatus | None, fulfillment_type: FulfillmentType | None, now: int
    ) -> Order:
        return replace(
            self,
            status=status or self.status,
            fulfillment_type=fulfillment_type or self.fulfillment_type,
            update_time=now,
        )

    def to_json(self, *, buyer_request_cancel: bool, request_cancel_time: int | None) -> dict[str, object]:
        """`buyer_request_cancel`: the buyer's request is pending now (`is_buyer_request_cancel`)."""
        order: dict[str, object] = {
            "id": self.order_id,
            "status": self.status,
            "fulfillment_type": self.fulfillment_type,
            "order_type": "NORMAL",
            "delivery_type": "HOME_DELIVERY",
            "commerce_platform": "TIKTOK_SHOP",
            "create_time": self.create_time,
            "paid_time": self.create_time,
            "update_time": self.update_time,
            "user_id": self.buyer_user_id,
            "is_cod": False,
            "is_on_hold_order": self.status == "ON_HOLD",
            "is_buyer_request_cancel": buyer_request_cancel,
            "line_items": [self._line_item_json()],
            "payment": self._payment_json(),
        }
        if request_cancel_time is not None:
            order["request_cancel_time"] = request_cancel_time
        return order

    def _line_item_json(self) -> dict[str, object]:
        item = self.line_item
        return {
            "id": item.order_line_item_id,
            "sku_id": item.sku_id,
            "product_id": item.product_id,
            "product_name": item.product_name,
            "sku_name": item.sku_name,
            "seller_sku": item.seller_sku,
            "sku_type": "NORMAL",
            "currency": self.currency,
            "original_price": self.total,
            "sale_price": self.total,
            "seller_discount": "0",
            "platform_discount": "0",
            "display_status": self.status,
            "is_gift": False,
        }

    def _payment_json(self) -> dict[str, str]:
        # One item, no shipping fee, tax or discount: every total is the item's price.
        return {
            "currency": self.currency,
            "original_total_product_price": self.total,
            "sub_total": self.total,
            "original_shipping_fee": "0",
            "shipping_fee": "0",
            "seller_discount": "0",
            "platform_discount": "0",
            "tax": "0",
            "total_amount": self.total,
        }


def seeded_order(
    cancel_id: str, state: str, shop_cipher: str | None, created: int, updated: int
) -> Order | None:
    """The order behind a seeded cancellation, as its state implies; None where the token may not see it."""
    status = _SEEDED_ORDER_STATUS.get(state)
    if status is None:
        return None
    digits = cancel_id[-14:].rjust(14, "0")
    return Order(
        order_id=order_id_of(cancel_id),
        cancel_id=cancel_id,
        shop_cipher=shop_cipher,
        status=status,
        fulfillment_type="FULFILLMENT_BY_SELLER",
        currency=SEEDED_ORDER_CURRENCY,
        total=SEEDED_ORDER_TOTAL,
        line_item=LineItem(
            order_line_item_id=f"5771{digits}",
            cancel_line_item_id=f"40352{digits}",
            sku_id=f"17290{digits}",
            product_id=f"17291{digits}",
        ),
        create_time=created,
        update_time=updated,
    )

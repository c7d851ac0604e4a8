"""A buyer's cancellation request made at run time (the create_buyer_cancellation control): what Search
Cancellations reports about it beyond its state, and the order it cancels.

Reasons: TikTok's "Cancel reasons" page (partner docs, "Buyer Initiates Cancel Reason") lists per market and
order status the reason names a buyer can pick; these are the US and UK ones for an order awaiting shipment,
the only status in which a buyer's request waits for the seller here. Their texts are the page's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from tiktok_emulator.orders import LineItem, Order
from tiktok_emulator.shops import AuthorizedShop

BUYER_CANCEL_REASONS: Final[Mapping[str, str]] = {
    # US, ON_HOLD / AWAITING_SHIPMENT
    "ecom_order_to_ship_canceled_reason_no_longer_needed": "No longer needed",
    "ecom_order_to_ship_canceled_reason_created_by_mistakes": "Bought by mistake",
    "ecom_order_to_ship_canceled_reason_better_price": "Better price available",
    "ecom_order_to_ship_canceled_reason_change_payment_method": "Need to change payment method",
    "ecom_order_to_ship_canceled_reason_discount_not_expected": "Discount not as expected",
    "ecom_order_to_ship_canceled_reason_high_delivery_costs": "High shipping fee",
    "ecom_order_to_ship_canceled_reason_wrong_delivery_info": "Incorrect shipping address",
    "ecom_order_to_ship_canceled_reason_not_shipped_on_time": "Item wasn't shipped on time",
    "ecom_order_to_ship_canceled_reason_forgot_to_apply_coupons": "Forgot to apply coupons",
    "US_order_to_ship_canceled_reason_not_shipped_on_time_before_RTS_prod": "Don't want to wait",
    # UK, ON_HOLD / AWAITING_SHIPMENT
    "ecom_order_to_ship_canceled_reason_no_longer_needed_uk": "No longer needed",
    "ecom_order_to_ship_canceled_reason_created_by_mistakes_uk": "Order created by mistake",
    "ecom_order_to_ship_canceled_reason_better_price_uk": "Better price available",
    "ecom_order_to_ship_canceled_reason_wrong_delivery_info_uk": "Wrong delivery information",
    "buyer_cancel_late_shipment": "Late shipment",
}
DEFAULT_CANCEL_REASON: Final = "ecom_order_to_ship_canceled_reason_no_longer_needed"
DEFAULT_REFUND_TOTAL: Final = "25.00"

# Currencies of the regions the emulator's shops use; any other region's refunds are in USD.
_CURRENCY_BY_REGION: Final[Mapping[str, str]] = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "IE": "EUR",
}
# TikTok sends amounts as decimal text ("1.23", "61000"); never an exponent, a sign or a thousands separator.
_AMOUNT: Final = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?")
_CURRENCY: Final = re.compile(r"[A-Z]{3}")


def currency_of_region(region: str) -> str:
    return _CURRENCY_BY_REGION.get(region, "USD")


def check_reason(reason: str) -> str:
    """The reason's text; ValueError for a name not in BUYER_CANCEL_REASONS."""
    if reason not in BUYER_CANCEL_REASONS:
        names = ", ".join(BUYER_CANCEL_REASONS)
        raise ValueError(
            f"reason must be one of TikTok's buyer cancel reason names ({names}), got {reason!r}"
        )
    return BUYER_CANCEL_REASONS[reason]


def check_amount(refund_total: str) -> str:
    if not _AMOUNT.fullmatch(refund_total) or Decimal(refund_total) == 0:
        raise ValueError(
            f"refund_total must be a positive decimal text such as '25.00', got {refund_total!r}"
        )
    return refund_total


def check_currency(currency: str) -> str:
    if not _CURRENCY.fullmatch(currency):
        raise ValueError(f"currency must be an ISO 4217 code such as 'USD', got {currency!r}")
    return currency


@dataclass(frozen=True)
class BuyerCancellation:
    """What the buyer asked for; the state (pending, cancelled, approved) lives in ShopState as for any
    other cancellation."""

    cancel_id: str
    order_id: str
    shop_cipher: str
    shop_id: str
    reason: str
    reason_text: str
    refund_total: str
    currency: str
    deadline: int
    """Unix seconds: seller_next_action_response[].deadline, when TikTok would decide by itself."""
    line_item: LineItem

    def refund_amount_json(self) -> dict[str, str]:
        # The whole price is refunded: no shipping fee or tax is modelled, so subtotal == total.
        return {
            "currency": self.currency,
            "refund_total": self.refund_total,
            "refund_subtotal": self.refund_total,
            "refund_shipping_fee": "0",
            "refund_tax": "0",
        }

    def cancel_line_items_json(self) -> list[dict[str, object]]:
        item = self.line_item
        return [
            {
                "cancel_line_item_id": item.cancel_line_item_id,
                "order_line_item_id": item.order_line_item_id,
                "sku_id": item.sku_id,
                "sku_name": item.sku_name,
                "product_name": item.product_name,
                "seller_sku": item.seller_sku,
                "refund_amount": self.refund_amount_json(),
            }
        ]


def new_buyer_cancellation(
    *,
    shop: AuthorizedShop,
    reason: str,
    refund_total: str,
    currency: str | None,
    response_window: int,
    now: float,
    is_unused: Callable[[str, str], bool],
) -> tuple[BuyerCancellation, Order]:
    """A checked request on a new order awaiting shipment, with new ids that `is_unused(cancel_id,
    order_id)` accepts. ValueError naming the first argument at fault."""
    reason_text = check_reason(reason)
    check_amount(refund_total)
    currency = check_currency(currency) if currency is not None else currency_of_region(shop.region)
    if isinstance(response_window, bool) or response_window <= 0:
        raise ValueError(f"response_window must be a positive number of seconds, got {response_window!r}")
    while True:
        cancel_id, order_id = _digits("4035", 19), _digits("5780", 18)
        if is_unused(cancel_id, order_id):
            break
    line_item = LineItem(
        order_line_item_id=_digits("5781", 18),
        cancel_line_item_id=_digits("4036", 19),
        sku_id=_digits("1729", 19),
        product_id=_digits("1730", 19),
    )
    request = BuyerCancellation(
        cancel_id=cancel_id,
        order_id=order_id,
        shop_cipher=shop.cipher,
        shop_id=shop.id,
        reason=reason,
        reason_text=reason_text,
        refund_total=refund_total,
        currency=currency,
        deadline=int(now) + response_window,
        line_item=line_item,
    )
    order = Order(
        order_id=order_id,
        cancel_id=cancel_id,
        shop_cipher=shop.cipher,
        status="AWAITING_SHIPMENT",
        fulfillment_type="FULFILLMENT_BY_SELLER",
        currency=currency,
        total=refund_total,
        line_item=line_item,
        # Paid a little earlier: TikTok lets a buyer cancel at once only within the first hour.
        create_time=int(now) - 2 * 3600,
        update_time=int(now),
    )
    return request, order


def _digits(prefix: str, length: int) -> str:
    """An id shaped like TikTok's: all digits, `length` long."""
    rest = length - len(prefix)
    return prefix + str(secrets.randbelow(10**rest)).rjust(rest, "0")

"""Get Order Detail's answer, typed (tiktok_shop.orders), and the policy's rule on the order's state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from cancellation_policy import Policy, Verdict, decide
from cancellation_policy.policy import RefundRange
from tiktok_shop import Cancellation
from tiktok_shop.cancellations import NextAction
from tiktok_shop.errors import TikTokAPIError, TikTokValidationError
from tiktok_shop.orders import Order, OrderApi


class Answering:
    """The client's `request`, answering with a fixed envelope (the HTTP side is tested against the emulator)."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def request(
        self, method: str, path: str, *, query: dict[str, str], deadline: float | None
    ) -> dict[str, Any]:
        self.sent.append((method, path, query))
        return self.envelope


def test_orders_are_read_by_id_and_typed():
    client = Answering(
        {
            "code": 0,
            "data": {
                "orders": [{"id": "57", "status": "IN_TRANSIT", "fulfillment_type": "FULFILLMENT_BY_SELLER"}]
            },
        }
    )
    [order] = OrderApi(client).get_order_detail(["57", "57"])  # type: ignore[arg-type]
    assert client.sent == [("GET", "/order/202309/orders", {"ids": "57"})]
    assert (order.id, order.status, order.not_shipped) == ("57", "IN_TRANSIT", False)


@pytest.mark.parametrize("ids", [[], ["a,b"], ["x"] * 0 + [str(n) for n in range(51)], [""]])
def test_bad_ids_are_refused_before_sending(ids: list[str]):
    client = Answering({})
    with pytest.raises(TikTokValidationError):
        OrderApi(client).get_order_detail(ids)  # type: ignore[arg-type]
    assert client.sent == []


@pytest.mark.parametrize(
    "data", [None, {}, {"orders": {}}, {"orders": [{"status": "X"}]}, {"orders": ["57"]}]
)
def test_an_answer_without_orders_is_an_api_error(data: Any):
    with pytest.raises(TikTokAPIError, match="order list"):
        OrderApi(Answering({"code": 0, "data": data})).get_order_detail(["57"])  # type: ignore[arg-type]


def pending() -> Cancellation:
    return Cancellation(
        cancel_id="c",
        cancel_status="CANCELLATION_REQUEST_PENDING",
        order_id="57",
        role="BUYER",
        seller_next_action_response=(NextAction("SELLER_RESPOND_CANCEL", 10_000),),
        refund_amount={"refund_total": "5", "currency": "USD"},
    )


POLICY = Policy(
    mode="approve",  # type: ignore[arg-type]
    version=1,
    refund_limits={"USD": RefundRange(Decimal(0), Decimal(50))},
    approve_only_before_shipping=True,
)


@pytest.mark.parametrize(
    ("order", "verdict"),
    [
        (Order("57", status="AWAITING_SHIPMENT"), Verdict.APPROVE),
        (Order("57", status="UNPAID"), Verdict.APPROVE),
        (Order("57", status="AWAITING_COLLECTION"), Verdict.NEEDS_REVIEW),
        (Order("57", status="DELIVERED"), Verdict.NEEDS_REVIEW),
        (Order("57", status=None), Verdict.NEEDS_REVIEW),
        (None, Verdict.NEEDS_REVIEW),
    ],
)
def test_approving_only_before_shipping(order: Order | None, verdict: Verdict):
    assert decide(POLICY, pending(), now=0, order=order).verdict is verdict


def test_without_the_rule_the_order_is_not_needed():
    from dataclasses import replace

    assert (
        decide(replace(POLICY, approve_only_before_shipping=False), pending(), now=0).verdict
        is Verdict.APPROVE
    )

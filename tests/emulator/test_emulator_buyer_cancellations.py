"""Buyers' cancellation requests made at run time (create_buyer_cancellation), as Search Cancellations and Get
Order Detail show them, read with the product's own parser; orders changed with update_order; bad arguments."""

import pytest
from emulator_http import Shop, control, search
from local_stack.tiktok_admin import ControlRefused, TikTokAdmin
from tiktok_emulator import AuthorizedShop
from tiktok_shop.cancellations import Cancellation, CancelStatus, parse_page

ORDERS_PATH = "/order/202309/orders"


def order_detail(shop: Shop, ids: str | None, cipher: str | None = None) -> dict:
    query = {} if ids is None else {"ids": ids}
    if cipher is not None:
        query["shop_cipher"] = cipher
    reply = shop.send("GET", ORDERS_PATH, query=shop.query(ORDERS_PATH, query))
    assert reply.status == 200
    return reply.json()


def only_order(shop: Shop, order_id: str) -> dict:
    body = order_detail(shop, order_id)
    assert body["code"] == 0, body
    [order] = body["data"]["orders"]
    return order


def found(shop: Shop, cancel_id: str) -> Cancellation:
    page = parse_page(search(shop, {"cancel_ids": [cancel_id]}).json())
    cancellation = page.find(cancel_id)
    assert cancellation is not None
    return cancellation


def test_a_buyers_request_shows_in_search_as_tiktok_answers_it(shop, tiktok_emulator):
    before = int(tiktok_emulator._clock())
    created = control(
        tiktok_emulator,
        "create_buyer_cancellation",
        {
            "reason": "ecom_order_to_ship_canceled_reason_better_price",
            "refund_total": "42.50",
            "currency": "EUR",
            "response_window": 3600,
        },
    )[1]

    cancellation = found(shop, created["cancel_id"])

    assert cancellation.order_id == created["order_id"]
    assert cancellation.cancel_status == CancelStatus.PENDING
    assert (cancellation.role, cancellation.cancel_type) == ("BUYER", "BUYER_CANCEL")
    assert cancellation.cancel_reason == "ecom_order_to_ship_canceled_reason_better_price"
    assert cancellation.cancel_reason_text == "Better price available"
    assert (cancellation.refund_total, cancellation.refund_currency) == ("42.50", "EUR")
    assert cancellation.response_deadline == created["deadline"] == cancellation.create_time + 3600
    assert cancellation.create_time >= before
    [item] = cancellation.cancel_line_items
    assert item["refund_amount"]["refund_total"] == "42.50"
    assert all(item[key] for key in ("order_line_item_id", "cancel_line_item_id", "sku_id"))
    assert created["shop_cipher"] == tiktok_emulator.shop_cipher
    assert created["shop_id"] == tiktok_emulator.authorized_shops()[0].id
    assert tiktok_emulator.cancellation_state(created["cancel_id"]) == "pending"


def test_the_defaults_are_a_pending_request_in_the_shops_currency_with_48_hours_to_answer(
    shop, tiktok_emulator
):
    created = tiktok_emulator.create_buyer_cancellation()

    cancellation = found(shop, created["cancel_id"])

    assert cancellation.cancel_reason == "ecom_order_to_ship_canceled_reason_no_longer_needed"
    assert (cancellation.refund_total, cancellation.refund_currency) == ("25.00", "GBP")  # a GB shop
    assert cancellation.response_deadline == cancellation.create_time + 48 * 3600
    assert (len(created["cancel_id"]), len(created["order_id"])) == (19, 18)
    assert (created["cancel_id"] + created["order_id"]).isdigit()


def test_withdrawn_approved_and_an_order_ids_filter(shop, tiktok_emulator):
    withdrawn = tiktok_emulator.create_buyer_cancellation()
    approved = tiktok_emulator.create_buyer_cancellation()
    tiktok_emulator.withdraw(withdrawn["cancel_id"])
    assert shop.approve(approved["cancel_id"]).code == 0

    assert found(shop, withdrawn["cancel_id"]).cancel_status == CancelStatus.CANCELLED
    assert found(shop, approved["cancel_id"]).cancel_status == CancelStatus.SUCCESS
    assert found(shop, approved["cancel_id"]).response_deadline is None
    listed = search(shop, {"order_ids": [approved["order_id"]]}).json()["data"]["cancellations"]
    assert [item["cancel_id"] for item in listed] == [approved["cancel_id"]]
    assert tiktok_emulator.approvals() == {approved["cancel_id"]: 1}


def test_a_request_belongs_to_its_shop_named_by_id_or_cipher(tiktok_emulator):
    tiktok_emulator.add_seller(
        "cb", [AuthorizedShop("GB_cipher", id="7001"), AuthorizedShop("FR_cipher", id="7002", region="FR")]
    )
    cb = tiktok_emulator.seller("cb")
    by_id = tiktok_emulator.create_buyer_cancellation(shop_id="7002")
    by_cipher = tiktok_emulator.create_buyer_cancellation(shop_cipher="GB_cipher")
    fr = Shop(tiktok_emulator)

    def as_cb(cipher: str, cancel_id: str) -> list:
        reply = search(
            fr, {"cancel_ids": [cancel_id]}, {"shop_cipher": cipher}, {"x-tts-access-token": cb.access_token}
        )
        return reply.json()["data"]["cancellations"]

    assert (by_id["shop_cipher"], by_id["shop_id"]) == ("FR_cipher", "7002")
    assert by_cipher["shop_id"] == "7001"
    assert [c["refund_amount"]["currency"] for c in as_cb("FR_cipher", by_id["cancel_id"])] == ["EUR"]
    assert as_cb("GB_cipher", by_id["cancel_id"]) == []
    assert len(as_cb("GB_cipher", by_cipher["cancel_id"])) == 1


def test_get_order_detail_lists_the_order_behind_a_buyers_request(shop, tiktok_emulator):
    created = tiktok_emulator.create_buyer_cancellation(refund_total="19.99", currency="USD")

    order = only_order(shop, created["order_id"])

    assert order["id"] == created["order_id"]
    assert order["status"] == "AWAITING_SHIPMENT"
    assert order["fulfillment_type"] == "FULFILLMENT_BY_SELLER"
    assert order["is_buyer_request_cancel"] is True
    assert order["request_cancel_time"] == found(shop, created["cancel_id"]).create_time
    assert order["payment"]["total_amount"] == order["payment"]["sub_total"] == "19.99"
    assert order["payment"]["currency"] == "USD"
    [line] = order["line_items"]
    [cancelled] = found(shop, created["cancel_id"]).cancel_line_items
    assert line["id"] == cancelled["order_line_item_id"]
    assert (line["sku_id"], line["sale_price"], line["currency"]) == (cancelled["sku_id"], "19.99", "USD")
    assert isinstance(order["create_time"], int)
    assert order["update_time"] >= order["create_time"]


def test_get_order_detail_follows_the_cancellation_and_lists_only_what_the_shop_may_see(
    shop, tiktok_emulator
):
    first = tiktok_emulator.create_buyer_cancellation()
    second = tiktok_emulator.create_buyer_cancellation()
    assert shop.approve(second["cancel_id"]).code == 0
    tiktok_emulator.seed({"5760001000000000001": "pending", "5760001000000000002": "shipped"})

    body = order_detail(shop, f"{second['order_id']},{first['order_id']},404,{first['order_id']}")
    seeded = order_detail(shop, "5770001000000000001,5770001000000000002")["data"]["orders"]

    assert [(o["id"], o["status"], o["is_buyer_request_cancel"]) for o in body["data"]["orders"]] == [
        (second["order_id"], "CANCELLED", False),
        (first["order_id"], "AWAITING_SHIPMENT", True),
    ]
    assert [(o["id"], o["status"]) for o in seeded] == [
        ("5770001000000000001", "AWAITING_SHIPMENT"),
        ("5770001000000000002", "IN_TRANSIT"),
    ]
    tiktok_emulator.add_seller("other", [AuthorizedShop("OTHER_cipher")])
    other = tiktok_emulator.seller("other")
    reply = shop.send(
        "GET",
        ORDERS_PATH,
        query=shop.query(ORDERS_PATH, {"ids": first["order_id"], "shop_cipher": "OTHER_cipher"}),
        headers={"x-tts-access-token": other.access_token},
    )
    assert reply.json()["data"]["orders"] == []


@pytest.mark.parametrize("ids", [None, "", "1,,2", ",".join(str(n) for n in range(51))])
def test_get_order_detail_refuses_missing_empty_or_too_many_ids(shop, ids):
    assert order_detail(shop, ids)["code"] == 25001001


def test_get_order_detail_checks_the_signature_like_every_shop_endpoint(shop, tiktok_emulator):
    created = tiktok_emulator.create_buyer_cancellation()
    query = shop.query(ORDERS_PATH, {"ids": created["order_id"]})
    query["ids"] = "1"

    assert shop.send("GET", ORDERS_PATH, query=query).json()["code"] == 106001
    assert shop.send("POST", ORDERS_PATH, query=shop.query(ORDERS_PATH, {"ids": "1"})).status == 405


def test_update_order_sets_status_and_fulfillment_and_a_shipped_order_cannot_be_approved(
    shop, tiktok_emulator
):
    created = tiktok_emulator.create_buyer_cancellation()
    tiktok = TikTokAdmin(tiktok_emulator.url)

    shipped = tiktok.update_order(
        created["order_id"], status="IN_TRANSIT", fulfillment_type="FULFILLMENT_BY_TIKTOK"
    )
    refused = shop.approve(created["cancel_id"]).code
    tiktok.update_order(created["order_id"], status="AWAITING_COLLECTION")
    approved = shop.approve(created["cancel_id"], query={"idempotency_key": "second"}).code

    assert (shipped["status"], shipped["fulfillment_type"]) == ("IN_TRANSIT", "FULFILLMENT_BY_TIKTOK")
    assert shipped["is_buyer_request_cancel"] is True
    assert refused == 25001045
    assert approved == 0
    assert only_order(shop, created["order_id"])["status"] == "CANCELLED"
    assert found(shop, created["cancel_id"]).cancel_status == CancelStatus.SUCCESS


def test_update_order_works_on_a_seeded_cancellations_order(shop, tiktok_emulator):
    tiktok_emulator.seed({"5760001000000000001": "pending"})

    tiktok_emulator.update_order("5770001000000000001", status="DELIVERED")

    assert tiktok_emulator.cancellation_state("5760001000000000001") == "shipped"
    assert only_order(shop, "5770001000000000001")["status"] == "DELIVERED"


def test_reset_forgets_the_buyers_requests_and_their_orders(shop, tiktok_emulator):
    created = tiktok_emulator.create_buyer_cancellation()

    tiktok_emulator.reset()

    assert tiktok_emulator.cancellation_state(created["cancel_id"]) is None
    assert order_detail(shop, created["order_id"])["data"]["orders"] == []


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("create_buyer_cancellation", {"reason": "buyer_changed_mind"}, "reason must be one of TikTok's buyer cancel reason names"),
        ("create_buyer_cancellation", {"refund_total": "12,50"}, "refund_total must be a positive decimal text"),
        ("create_buyer_cancellation", {"refund_total": "-1"}, "refund_total must be a positive decimal text"),
        ("create_buyer_cancellation", {"refund_total": "0.00"}, "refund_total must be a positive decimal text"),
        ("create_buyer_cancellation", {"refund_total": 12.5}, "refund_total must be str, got 12.5"),
        ("create_buyer_cancellation", {"currency": "usd"}, "currency must be an ISO 4217 code"),
        ("create_buyer_cancellation", {"response_window": 0}, "response_window must be a positive number of seconds"),
        ("create_buyer_cancellation", {"response_window": 1.5}, "response_window must be int"),
        ("create_buyer_cancellation", {"shop_id": "404"}, "no shop with shop_id '404'; the shops: 7000714532876273420 (ROW_test_cipher)"),
        ("create_buyer_cancellation", {"shop_cipher": "nope"}, "no shop with shop_cipher 'nope'"),
        ("create_buyer_cancellation", {"shop_id": "1", "shop_cipher": "x"}, "give shop_id or shop_cipher, not both"),
        ("create_buyer_cancellation", {"shop": "1"}, "create_buyer_cancellation takes no argument shop"),
        ("update_order", {"order_id": "1", "status": "SHIPPED"}, "status must be a TikTok order status"),
        ("update_order", {"order_id": "1", "fulfillment_type": "FBT"}, "fulfillment_type must be FULFILLMENT_BY_SELLER or"),
        ("update_order", {"order_id": "1"}, "give status or fulfillment_type"),
        ("update_order", {"order_id": "404", "status": "DELIVERED"}, "no order 404"),
    ],
)  # fmt: skip
def test_bad_arguments_answer_400_and_change_nothing(shop, tiktok_emulator, name, arguments, message):
    before = tiktok_emulator.cancellations()

    status, answer = control(tiktok_emulator, name, arguments)

    assert status == 400
    assert message in answer["error"]
    assert tiktok_emulator.cancellations() == before


def test_the_client_raises_the_refusal(tiktok_emulator):
    with pytest.raises(ControlRefused, match="reason must be one of TikTok's buyer cancel reason names"):
        TikTokAdmin(tiktok_emulator.url).create_buyer_cancellation(reason="nope")


def test_seeding_a_cancellation_again_brings_its_order_back_to_the_seeded_one(shop, tiktok_emulator):
    created = tiktok_emulator.create_buyer_cancellation()
    tiktok_emulator.seed({"5760001000000000001": "pending"})
    tiktok_emulator.update_order("5770001000000000001", fulfillment_type="FULFILLMENT_BY_TIKTOK")

    tiktok_emulator.seed({created["cancel_id"]: "approved", "5760001000000000001": "approved"})

    assert order_detail(shop, created["order_id"])["data"]["orders"] == []  # the buyer's order went with it
    order = only_order(shop, "5770001000000000001")
    assert (order["status"], order["fulfillment_type"]) == ("CANCELLED", "FULFILLMENT_BY_SELLER")
    assert (
        found(shop, created["cancel_id"]).cancel_reason
        == "ecom_order_to_ship_canceled_reason_created_by_mistakes"
    )

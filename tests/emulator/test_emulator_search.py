"""Search Cancellations over the emulator's state, what a repeated idempotency_key does in each mode, and
the lost-answer fault."""

import http.client
import json

import pytest
from emulator_http import SEARCH_PATH, control, search
from tiktok_emulator import Fault

PENDING = "5760001234567890123"
OTHER = "5760001234567890124"


def only(reply) -> dict:
    assert reply.status == 200
    body = reply.json()
    assert body["code"] == 0, body
    [cancellation] = body["data"]["cancellations"]
    return cancellation


@pytest.mark.parametrize(
    ("state", "cancel_status"),
    [
        ("pending", "CANCELLATION_REQUEST_PENDING"),
        ("approved", "CANCELLATION_REQUEST_SUCCESS"),
        ("complete", "CANCELLATION_REQUEST_COMPLETE"),
        ("cancelled", "CANCELLATION_REQUEST_CANCELLED"),
        ("shipped", "CANCELLATION_REQUEST_PENDING"),
    ],
)
def test_each_state_is_listed_with_its_cancel_status(shop, tiktok_emulator, state, cancel_status):
    tiktok_emulator.seed({PENDING: state, OTHER: "pending"})
    cancellation = only(search(shop, {"cancel_ids": [PENDING]}))
    assert cancellation["cancel_id"] == PENDING
    assert cancellation["cancel_status"] == cancel_status
    assert cancellation["cancel_type"] == "BUYER_CANCEL"
    assert cancellation["role"] == "BUYER"
    assert cancellation["update_time"] >= cancellation["create_time"] > 0
    deadlines = [a["deadline"] for a in cancellation["seller_next_action_response"]]
    if cancel_status == "CANCELLATION_REQUEST_PENDING":
        assert deadlines == [cancellation["create_time"] + 48 * 3600]
    else:
        assert deadlines == []


def test_another_sellers_order_and_an_unknown_id_are_not_listed(shop, tiktok_emulator):
    tiktok_emulator.seed({PENDING: "other_seller"})
    body = search(shop, {"cancel_ids": [PENDING, "5760009999999999999"]}).json()
    assert body["code"] == 0
    assert body["data"]["cancellations"] == []
    assert body["data"]["total_count"] == 0


def test_an_approval_updates_what_search_reports(shop, tiktok_emulator):
    tiktok_emulator.seed({PENDING: "pending"})
    assert shop.approve(PENDING).code == 0
    assert only(search(shop, {"cancel_ids": [PENDING]}))["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    tiktok_emulator.seed({OTHER: "pending"})
    tiktok_emulator.withdraw(OTHER)
    assert only(search(shop, {"cancel_ids": [OTHER]}))["cancel_status"] == "CANCELLATION_REQUEST_CANCELLED"


def test_status_filters_accept_both_documented_spellings(shop, tiktok_emulator):
    tiktok_emulator.seed({PENDING: "cancelled", OTHER: "pending"})
    for spelling in ("CANCELLATION_REQUEST_CANCEL", "CANCELLATION_REQUEST_CANCELLED"):
        assert only(search(shop, {"cancel_status": [spelling]}))["cancel_id"] == PENDING


def test_pages_follow_next_page_token_to_the_end(shop, tiktok_emulator):
    ids = [f"57600012345678902{n:02d}" for n in range(5)]
    tiktok_emulator.seed(dict.fromkeys(ids, "pending"))
    seen, token = [], None
    while True:
        query = {"page_size": "2", **({"page_token": token} if token else {})}
        data = search(shop, {}, query=query).json()["data"]
        assert data["total_count"] == 5
        seen += [c["cancel_id"] for c in data["cancellations"]]
        token = data["next_page_token"]
        if not token:
            break
    assert seen == ids


@pytest.mark.parametrize(
    ("filters", "query"),
    [
        ({}, {"page_size": "0"}),
        ({}, {"page_size": "51"}),
        ({}, {"page_size": "ten"}),
        ({}, {"page_token": "not-a-token"}),
        ({"cancel_ids": "5760001"}, {}),
        ([], {}),
    ],
)
def test_malformed_searches_are_refused_as_tiktok_does(shop, tiktok_emulator, filters, query):
    assert search(shop, filters, query=query).code == 25001001


def test_the_body_is_signed(shop, tiktok_emulator):
    body = json.dumps({"cancel_ids": [PENDING]}).encode()
    signed = shop.query(SEARCH_PATH, None, b"{}")  # signed for another body
    assert shop.send("POST", SEARCH_PATH, query=signed, body=body).code == 106001


def test_search_needs_the_shop_cipher_and_post(shop, tiktok_emulator):
    assert search(shop, {}, query={"shop_cipher": None}).code == 106013
    signed = shop.query(SEARCH_PATH)
    assert shop.send("GET", SEARCH_PATH, query=signed).status == 405


def test_replay_mode_answers_a_repeated_key_as_the_first_time(shop, tiktok_emulator):
    tiktok_emulator.seed({PENDING: "pending"})
    first = shop.approve(PENDING, query={"idempotency_key": "k-1"})
    again = shop.approve(PENDING, query={"idempotency_key": "k-1"})
    assert first.body == again.body
    assert tiktok_emulator.approvals() == {PENDING: 1}


def test_reprocess_mode_answers_a_repeated_key_from_the_current_state(shop, tiktok_emulator):
    tiktok_emulator.set_repeated_key_mode("reprocess")
    tiktok_emulator.seed({PENDING: "pending"})
    assert shop.approve(PENDING, query={"idempotency_key": "k-1"}).code == 0
    assert shop.approve(PENDING, query={"idempotency_key": "k-1"}).code == 25011012
    assert tiktok_emulator.approvals() == {PENDING: 1}
    tiktok_emulator.reset()
    assert tiktok_emulator.repeated_key_mode == "replay"


def test_the_mode_is_set_over_http_and_checked(tiktok_emulator):
    assert control(tiktok_emulator, "set_repeated_key_mode", {"mode": "reprocess"}) == (200, None)
    assert tiktok_emulator.repeated_key_mode == "reprocess"
    status, body = control(tiktok_emulator, "set_repeated_key_mode", {"mode": "sometimes"})
    assert status == 400
    assert "replay" in body["error"]
    assert tiktok_emulator.repeated_key_mode == "reprocess"


def test_approvals_count_api_approvals_only(shop, tiktok_emulator):
    tiktok_emulator.seed({PENDING: "pending", OTHER: "pending"})
    tiktok_emulator.approve_elsewhere(OTHER)  # Seller Center: not an API approval
    shop.approve(PENDING)
    assert control(tiktok_emulator, "approvals") == (200, {PENDING: 1})


def test_a_lost_answer_applies_the_approval_and_answers_nothing(shop, tiktok_emulator):
    tiktok_emulator.seed({PENDING: "pending"})
    tiktok_emulator.inject_fault(Fault(kind="lost_answer"), cancel_id=PENDING)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        shop.approve(PENDING)
    assert tiktok_emulator.cancellation_state(PENDING) == "approved"
    assert tiktok_emulator.approvals() == {PENDING: 1}
    [call] = tiktok_emulator.recorder.calls
    assert call.status == 0  # recorded as unanswered

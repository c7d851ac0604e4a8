"""State transitions, TikTok's idempotency-key replay, and atomic approval under concurrency."""

import http.client
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest
from emulator_http import approve_path

CANCEL_ID = "5760001234567890123"


def test_pending_becomes_approved_with_success_envelope(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    reply = shop.approve(CANCEL_ID)

    assert reply.status == 200
    assert reply.content_type == "application/json"
    body = reply.json()
    assert set(body) == {"code", "message", "request_id", "data"}
    assert (body["code"], body["message"], body["data"]) == (0, "Success", {})
    assert re.fullmatch(r"\d{14}[0-9A-F]{20}", body["request_id"])
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "approved"


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("approved", 25011012),
        ("shipped", 25001045),
        ("cancelled", 25020009),
        ("other_seller", 25020005),
        (None, 25007006),
    ],
)
def test_business_refusals_leave_the_state_alone(shop, tiktok_emulator, state, code):
    if state is not None:
        tiktok_emulator.seed({CANCEL_ID: state})

    reply = shop.approve(CANCEL_ID)

    assert (reply.status, reply.code) == (200, code)
    assert reply.json()["data"] is None
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == state


def test_second_approval_without_key_is_refused(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    assert [shop.approve(CANCEL_ID).code for _ in range(2)] == [0, 25011012]


def test_request_ids_are_unique(shop, tiktok_emulator):
    request_ids = {shop.approve(CANCEL_ID).json()["request_id"] for _ in range(5)}

    assert len(request_ids) == 5


def test_same_idempotency_key_replays_the_first_answer_byte_for_byte(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    first = shop.approve(CANCEL_ID, query={"idempotency_key": "key-1"})
    again = shop.approve(CANCEL_ID, query={"idempotency_key": "key-1"})
    other_key = shop.approve(CANCEL_ID, query={"idempotency_key": "key-2"})

    assert first.code == 0
    assert again == first
    assert other_key.code == 25011012


def test_a_business_refusal_is_replayed_too(shop, tiktok_emulator):
    first = shop.approve(CANCEL_ID, query={"idempotency_key": "key-1"})
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    again = shop.approve(CANCEL_ID, query={"idempotency_key": "key-1"})

    assert first.code == 25007006
    assert again == first
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "pending"


def test_replay_ignores_the_cancel_id_of_the_repeat(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending", "5760002": "pending"})

    first = shop.approve(CANCEL_ID, query={"idempotency_key": "key-1"})
    again = shop.approve("5760002", query={"idempotency_key": "key-1"})

    assert again == first
    assert tiktok_emulator.cancellation_state("5760002") == "pending"


def test_twenty_concurrent_approvals_approve_once(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(lambda _: shop.approve(CANCEL_ID).code, range(20)))

    assert sorted(codes) == [0] + [25011012] * 19
    assert tiktok_emulator.recorder.count(CANCEL_ID) == 20


def test_twenty_concurrent_requests_with_one_key_all_get_the_first_answer(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda _: shop.approve(CANCEL_ID, query={"idempotency_key": "k"}), range(20)))

    assert {reply.body for reply in replies} == {replies[0].body}
    assert replies[0].code == 0


def test_chunked_body_is_read_and_signed(tiktok_emulator, shop):
    tiktok_emulator.seed({CANCEL_ID: "pending"})
    body = b'{"a": 1}'
    path = approve_path(CANCEL_ID)
    url = urlsplit(tiktok_emulator.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        connection.request(
            "POST",
            path + "?" + urlencode(shop.query(path, body=body)),
            body=iter([body[:3], body[3:]]),
            headers={"x-tts-access-token": tiktok_emulator.access_token, "content-type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 200
        assert b'"code":0' in response.read()
    finally:
        connection.close()
    assert tiktok_emulator.recorder.calls[0].body == body

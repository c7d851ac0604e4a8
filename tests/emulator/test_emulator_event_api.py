"""The emulator's Event API (Update / Get / Delete Shop Webhook on /event/202309/webhooks) over plain HTTP:
the checks every shop endpoint makes, the subscriptions kept per shop, and the control that lists them."""

import json

import pytest
from emulator_http import Shop, control
from tiktok_emulator import AuthorizedShop, TikTokEmulator

PATH = "/event/202309/webhooks"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/webhooks/tiktok"


def call(shop: Shop, method: str, fields: object = None, *, query=None, headers=None):
    body = b"" if fields is None else json.dumps(fields).encode()
    return shop.send(method, PATH, query=shop.query(PATH, query, body), headers=headers, body=body)


def subscribe(shop: Shop, event_type: str, address: str = URL, **kwargs):
    return call(shop, "PUT", {"address": address, "event_type": event_type}, **kwargs)


def listed(shop: Shop, **kwargs) -> list[dict]:
    reply = call(shop, "GET", **kwargs)
    body = reply.json()
    assert (reply.status, body["code"]) == (200, 0), body
    assert body["data"]["total_count"] == len(body["data"]["webhooks"])
    return body["data"]["webhooks"]


def test_a_subscription_is_stored_and_listed(shop: Shop, tiktok_emulator: TikTokEmulator):
    reply = subscribe(shop, "CANCELLATION_STATUS_CHANGE")

    assert reply.status == 200
    assert reply.json()["code"] == 0
    assert reply.json()["data"] == {}
    [webhook] = listed(shop)
    assert webhook["event_type"] == "CANCELLATION_STATUS_CHANGE"
    assert webhook["address"] == URL
    assert webhook["update_time"] == webhook["create_time"] > 0
    assert [(c.method, c.path, c.code) for c in tiktok_emulator.calls()] == [
        ("PUT", PATH, 0),
        ("GET", PATH, 0),
    ]


def test_subscribing_again_moves_the_event_type_and_keeps_its_creation_time(shop: Shop):
    subscribe(shop, "CANCELLATION_STATUS_CHANGE", "https://old.example.com/hook")
    subscribe(shop, "SELLER_DEAUTHORIZATION")
    [first, _] = listed(shop)

    assert subscribe(shop, "CANCELLATION_STATUS_CHANGE").json()["code"] == 0

    webhooks = {w["event_type"]: w for w in listed(shop)}
    assert set(webhooks) == {"CANCELLATION_STATUS_CHANGE", "SELLER_DEAUTHORIZATION"}
    moved = webhooks["CANCELLATION_STATUS_CHANGE"]
    assert moved["address"] == URL
    assert moved["create_time"] == first["create_time"]
    assert moved["update_time"] >= first["update_time"]


def test_deleting_ends_a_subscription_and_succeeds_without_one(shop: Shop):
    subscribe(shop, "CANCELLATION_STATUS_CHANGE")
    subscribe(shop, "UPCOMING_AUTHORIZATION_EXPIRATION")

    assert call(shop, "DELETE", {"event_type": "CANCELLATION_STATUS_CHANGE"}).json()["code"] == 0
    assert call(shop, "DELETE", {"event_type": "CANCELLATION_STATUS_CHANGE"}).json()["code"] == 0

    assert [w["event_type"] for w in listed(shop)] == ["UPCOMING_AUTHORIZATION_EXPIRATION"]


def test_nothing_subscribed_is_an_empty_list(shop: Shop):
    assert listed(shop) == []


def test_each_shop_has_its_own_subscriptions(tiktok_emulator: TikTokEmulator):
    gb, fr = AuthorizedShop("GB_cipher", id="7001"), AuthorizedShop("FR_cipher", id="7002")
    seller = tiktok_emulator.add_seller("cross-border", [gb, fr])
    shop = Shop(tiktok_emulator)
    token = {"x-tts-access-token": seller.access_token}

    subscribe(shop, "CANCELLATION_STATUS_CHANGE", query={"shop_cipher": "GB_cipher"}, headers=token)
    subscribe(shop, "SELLER_DEAUTHORIZATION", "https://fr.example.com/hook",
              query={"shop_cipher": "FR_cipher"}, headers=token)  # fmt: skip

    assert [w["event_type"] for w in listed(shop, query={"shop_cipher": "GB_cipher"}, headers=token)] == [
        "CANCELLATION_STATUS_CHANGE"
    ]
    assert [w["address"] for w in listed(shop, query={"shop_cipher": "FR_cipher"}, headers=token)] == [
        "https://fr.example.com/hook"
    ]
    assert listed(shop) == []  # the default seller's shop
    status, by_shop = control(tiktok_emulator, "webhook_subscriptions")
    assert status == 200
    assert {cipher: [w["event_type"] for w in webhooks] for cipher, webhooks in by_shop.items()} == {
        "GB_cipher": ["CANCELLATION_STATUS_CHANGE"],
        "FR_cipher": ["SELLER_DEAUTHORIZATION"],
    }
    status, one = control(tiktok_emulator, "webhook_subscriptions", {"shop_cipher": "FR_cipher"})
    assert list(one) == ["FR_cipher"]
    assert one["FR_cipher"][0]["address"] == "https://fr.example.com/hook"


def test_another_sellers_shop_is_a_token_shop_mismatch(shop: Shop, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.add_seller("other", [AuthorizedShop("DE_cipher", id="7003")])

    reply = subscribe(shop, "CANCELLATION_STATUS_CHANGE", query={"shop_cipher": "DE_cipher"})

    assert reply.json()["code"] == 101000
    assert tiktok_emulator.webhook_subscriptions() == {}


@pytest.mark.parametrize(
    ("query", "headers", "code"),
    [
        ({"shop_cipher": None}, None, 106013),
        (None, {"x-tts-access-token": "not-a-token"}, 36009004),
        (None, {"x-tts-access-token": None}, 36009004),
        ({"app_key": "another-app"}, None, 36009004),
        ({"timestamp": "1000000000"}, None, 36009004),
        ({"sign": "0" * 64}, None, 106001),
    ],
)
def test_the_shop_endpoint_checks_come_first(shop: Shop, tiktok_emulator: TikTokEmulator, query, headers,
                                             code):  # fmt: skip
    for method, fields in (
        ("PUT", {"address": URL, "event_type": "CANCELLATION_STATUS_CHANGE"}),
        ("GET", None),
    ):
        reply = call(shop, method, fields, query=query, headers=headers)
        assert reply.json()["code"] == code, (method, reply.json())
    assert tiktok_emulator.webhook_subscriptions() == {}


def test_the_body_is_signed(shop: Shop, tiktok_emulator: TikTokEmulator):
    signed_body = json.dumps({"address": URL, "event_type": "CANCELLATION_STATUS_CHANGE"}).encode()
    sent_body = json.dumps(
        {"address": "https://evil.example.com", "event_type": "CANCELLATION_STATUS_CHANGE"}
    )

    reply = shop.send("PUT", PATH, query=shop.query(PATH, None, signed_body), body=sent_body.encode())

    assert reply.json()["code"] == 106001
    assert tiktok_emulator.webhook_subscriptions() == {}


def test_an_expired_token_is_refused(shop: Shop, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.expire_token()
    assert subscribe(shop, "CANCELLATION_STATUS_CHANGE").json()["code"] == 105002


@pytest.mark.parametrize(
    "fields",
    [
        {"address": URL, "event_type": "CANCELATION_STATUS_CHANGE"},
        {"address": URL, "event_type": "cancellation_status_change"},
        {"address": URL},
        {"address": URL, "event_type": 11},
        {"event_type": "CANCELLATION_STATUS_CHANGE"},
        {"address": "", "event_type": "CANCELLATION_STATUS_CHANGE"},
        {"address": "not a url", "event_type": "CANCELLATION_STATUS_CHANGE"},
        {"address": "ftp://example.com/x", "event_type": "CANCELLATION_STATUS_CHANGE"},
        {"address": "https://example.com/" + "a" * 236, "event_type": "CANCELLATION_STATUS_CHANGE"},
        ["CANCELLATION_STATUS_CHANGE"],
    ],
)
def test_an_unknown_event_type_or_a_bad_address_is_an_invalid_param(shop: Shop, tiktok_emulator, fields):
    reply = call(shop, "PUT", fields)

    assert reply.status == 200
    assert reply.json()["code"] == 11050001
    assert tiktok_emulator.webhook_subscriptions() == {}


def test_a_body_that_is_not_json_is_an_invalid_param(shop: Shop):
    body = b"event_type=CANCELLATION_STATUS_CHANGE"
    reply = shop.send("DELETE", PATH, query=shop.query(PATH, None, body), body=body)
    assert reply.json()["code"] == 11050001


def test_a_loopback_http_address_is_taken_for_the_local_stack(shop: Shop, tiktok_emulator: TikTokEmulator):
    assert subscribe(shop, "CANCELLATION_STATUS_CHANGE", "http://127.0.0.1:3000/webhooks/tiktok").json()[
        "code"
    ] == 0  # fmt: skip
    address = tiktok_emulator.webhook_subscriptions()[tiktok_emulator.shop_cipher][0].address
    assert address == "http://127.0.0.1:3000/webhooks/tiktok"


def test_another_method_is_not_allowed(shop: Shop, tiktok_emulator: TikTokEmulator):
    reply = call(shop, "POST", {"address": URL, "event_type": "CANCELLATION_STATUS_CHANGE"})

    assert reply.status == 405
    assert reply.json()["code"] == 36009010
    assert "GET, PUT or DELETE" in reply.json()["message"]


def test_reset_forgets_the_subscriptions(shop: Shop, tiktok_emulator: TikTokEmulator):
    subscribe(shop, "CANCELLATION_STATUS_CHANGE")
    tiktok_emulator.reset()
    assert listed(shop) == []

"""client.event: TikTok's Event API (Update / Get / Delete Shop Webhook): the signed requests, the checks
made before anything is sent, and the parsed answers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.scripted_http import APP_SECRET, answer, client_with, sent_query
from tiktok_shop import (
    EventType,
    ShopWebhook,
    ShopWebhooks,
    TikTokAPIError,
    TikTokShopClient,
    TikTokValidationError,
    WebhookChange,
    sign,
)
from tiktok_shop.events import DOCUMENTED_EVENT_TYPES, validate_address

LAYER = Path(__file__).resolve().parents[2] / "layers" / "tiktok_shop"
PATH = "/event/202309/webhooks"
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/webhooks/tiktok"
# The sample answer of Get Shop Webhooks, as documented.
SPEC_WEBHOOK = {
    "event_type": "CANCELLATION_STATUS_CHANGE",
    "address": "https://partner.tiktokshop.com",
    "create_time": 1623812664,
    "update_time": 1623812665,
}


def ready_client(*script):
    client, adapter = client_with(*script)
    client.set_access_token("access-token")
    client.set_shop_cipher("GB_cipher")
    return client, adapter


def assert_signed_with_body(request, path=PATH):
    query = sent_query(request)
    unsigned = {k: v for k, v in query.items() if k != "sign"}
    assert query["sign"] == sign(APP_SECRET, path, unsigned, request.body or b"")


def test_subscribing_is_a_signed_put_of_address_and_event_type_with_the_shop_cipher():
    client, adapter = ready_client(answer(message="Success", data={}))

    change = client.event.update_shop_webhook(EventType.CANCELLATION_STATUS_CHANGE, URL)

    [request] = adapter.sent
    assert request.method == "PUT"
    assert (request.url or "").startswith(f"https://open.test{PATH}?")
    query = sent_query(request)
    assert set(query) == {"app_key", "timestamp", "sign", "shop_cipher"}
    assert query["shop_cipher"] == "GB_cipher"
    assert json.loads(request.body) == {"address": URL, "event_type": "CANCELLATION_STATUS_CHANGE"}
    assert_signed_with_body(request)
    assert request.headers["x-tts-access-token"] == "access-token"
    assert request.headers["content-type"] == "application/json"
    assert change == WebhookChange("CANCELLATION_STATUS_CHANGE", URL, "req-1")
    assert type(change.event_type) is str


def test_a_shop_cipher_given_to_the_call_wins_over_the_clients():
    client, adapter = ready_client(answer(data={}), answer(data={}), answer(data={"webhooks": []}))

    client.event.update_shop_webhook("SELLER_DEAUTHORIZATION", URL, shop_cipher="FR_cipher")
    client.event.delete_shop_webhook("SELLER_DEAUTHORIZATION", shop_cipher="FR_cipher")
    client.event.get_shop_webhooks(shop_cipher="FR_cipher")

    assert [sent_query(request)["shop_cipher"] for request in adapter.sent] == ["FR_cipher"] * 3


def test_deleting_is_a_signed_delete_with_the_event_type_only():
    client, adapter = ready_client(answer(data={}))

    change = client.event.delete_shop_webhook("UPCOMING_AUTHORIZATION_EXPIRATION")

    [request] = adapter.sent
    assert request.method == "DELETE"
    assert json.loads(request.body) == {"event_type": "UPCOMING_AUTHORIZATION_EXPIRATION"}
    assert_signed_with_body(request)
    assert change == WebhookChange("UPCOMING_AUTHORIZATION_EXPIRATION", None, "req-1")


def test_listing_is_a_signed_get_without_a_body_parsed_into_webhooks():
    client, adapter = ready_client(answer(data={"webhooks": [SPEC_WEBHOOK], "total_count": 1}))

    listed = client.event.get_shop_webhooks()

    [request] = adapter.sent
    assert request.method == "GET"
    assert not request.body
    assert sent_query(request)["shop_cipher"] == "GB_cipher"
    assert_signed_with_body(request)
    assert listed == ShopWebhooks(webhooks=(ShopWebhook(**SPEC_WEBHOOK),), total_count=1, request_id="req-1")
    assert listed.address_of("CANCELLATION_STATUS_CHANGE") == "https://partner.tiktokshop.com"
    assert listed.address_of("SELLER_DEAUTHORIZATION") is None


def test_an_event_type_this_project_does_not_use_is_listed_as_sent():
    other = {"event_type": "SOMETHING_NEW", "address": "https://elsewhere.test/hook"}
    client, _ = ready_client(answer(data={"webhooks": [other]}))

    [webhook] = client.event.get_shop_webhooks().webhooks

    assert webhook == ShopWebhook("SOMETHING_NEW", "https://elsewhere.test/hook", None, None)


@pytest.mark.parametrize("data", [None, {}, {"webhooks": None}, {"webhooks": []}])
def test_no_subscription_is_an_empty_list(data: object):
    client, _ = ready_client(answer(data=data))
    assert client.event.get_shop_webhooks().webhooks == ()


@pytest.mark.parametrize(
    "webhooks",
    [{}, "x", [{"address": "https://a.test"}], [{"event_type": "", "address": "x"}], ["CANCELLATION"],
     [{"event_type": "NEW_MESSAGE", "address": None}]],
)  # fmt: skip
def test_a_malformed_list_is_an_error(webhooks: object):
    client, _ = ready_client(answer(data={"webhooks": webhooks}))
    with pytest.raises(TikTokAPIError, match="webhook list"):
        client.event.get_shop_webhooks()


def test_times_that_are_not_integers_are_left_out():
    webhook = {**SPEC_WEBHOOK, "create_time": "1623812664", "update_time": True}
    client, _ = ready_client(answer(data={"webhooks": [webhook]}))

    [parsed] = client.event.get_shop_webhooks().webhooks

    assert (parsed.create_time, parsed.update_time) == (None, None)


@pytest.mark.parametrize(
    "event_type", ["CANCELATION_STATUS_CHANGE", "cancellation_status_change", "", 11, None]
)
def test_an_unknown_event_type_is_refused_before_sending(event_type: object):
    client, adapter = ready_client()
    with pytest.raises(TikTokValidationError, match="not one of TikTok's documented event types") as raised:
        client.event.update_shop_webhook(event_type, URL)  # type: ignore[arg-type]
    with pytest.raises(TikTokValidationError):
        client.event.delete_shop_webhook(event_type)  # type: ignore[arg-type]
    assert adapter.sent == []
    assert "CANCELLATION_STATUS_CHANGE, SELLER_DEAUTHORIZATION, UPCOMING_AUTHORIZATION_EXPIRATION" in str(
        raised.value
    )


def test_every_documented_event_type_is_accepted():
    assert {"ORDER_STATUS_CHANGE", "RETURN_STATUS_CHANGE", *EventType} <= DOCUMENTED_EVENT_TYPES
    client, adapter = ready_client(*(answer(data={}) for _ in DOCUMENTED_EVENT_TYPES))
    for event_type in sorted(DOCUMENTED_EVENT_TYPES):
        client.event.update_shop_webhook(event_type, URL)
    assert len(adapter.sent) == len(DOCUMENTED_EVENT_TYPES)


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("", "must be a URL"),
        (None, "must be a URL"),
        ("http://api.example.com/Prod/webhooks/tiktok", "must be https"),
        ("ftp://api.example.com/x", "https URL"),
        ("api.example.com/Prod/webhooks/tiktok", "https URL"),
        ("https:///path-only", "https URL"),
        ("https://user:pw@api.example.com/x", "user:password"),
        ("https://api.example.com/x#part", "fragment"),
        ("https://api.example.com/a b", "without spaces"),
        ("https://api.example.com/\u00e9", "printable ASCII"),
        ("https://api.example.com/x\n", "printable ASCII"),
        ("https://[::1/x", "not a URL"),
        ("https://api.example.com/" + "a" * 232, "at most 255"),
        ("https://localhost/webhooks/tiktok", "on this machine"),
        ("http://127.0.0.1:3000/webhooks/tiktok", "on this machine"),
        ("https://[::1]/webhooks/tiktok", "on this machine"),
    ],
)
def test_an_address_tiktok_could_not_post_to_is_refused_before_sending(address: object, problem: str):
    client, adapter = ready_client()
    with pytest.raises(TikTokValidationError, match=problem):
        client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", address)  # type: ignore[arg-type]
    assert adapter.sent == []


def test_an_address_of_255_characters_is_accepted():
    address = "https://api.example.com/" + "a" * 231
    assert len(address) == 255
    assert validate_address(address) == address


@pytest.mark.parametrize(
    "address",
    ["http://127.0.0.1:3000/webhooks/tiktok", "http://localhost:3000/webhooks/tiktok", "http://[::1]:80/x",
     "https://127.0.0.2/x", "https://api.example.com/Prod/webhooks/tiktok"],
)  # fmt: skip
def test_a_client_of_a_tiktok_on_this_machine_may_subscribe_a_loopback_address(address: str):
    client, adapter = client_with(answer(data={}))
    local = TikTokShopClient(
        app_key="app-key",
        app_secret=APP_SECRET,
        base_url="http://127.0.0.1:8765",
        access_token="t",
        shop_cipher="c",
        session=client._session,
        retry_policy=client.retry_policy,
    )

    assert local.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", address).address == address
    assert json.loads(adapter.sent[0].body)["address"] == address


def test_a_client_of_a_tiktok_on_this_machine_still_refuses_plain_http_elsewhere():
    with pytest.raises(TikTokValidationError, match="must be https"):
        validate_address("http://api.example.com/x", local_tiktok=True)


def test_the_shop_cipher_and_the_token_are_required_before_sending():
    client, adapter = client_with()
    client.set_access_token("t")
    with pytest.raises(TikTokValidationError, match="shop_cipher"):
        client.event.get_shop_webhooks()
    with pytest.raises(TikTokValidationError, match="shop_cipher"):
        client.event.get_shop_webhooks(shop_cipher="")
    client, adapter = client_with()
    client.set_shop_cipher("c")
    with pytest.raises(TikTokValidationError, match="access_token"):
        client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL)
    assert adapter.sent == []


def test_tiktoks_refusals_are_the_librarys_errors():
    client, _ = ready_client(
        answer(105002, "Access token is expired"), answer(36009004, "Invalid credentials")
    )
    with pytest.raises(TikTokAPIError) as expired:
        client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL)
    assert expired.value.token_expired
    with pytest.raises(TikTokAPIError) as refused:
        client.event.get_shop_webhooks()
    assert refused.value.code == 36009004
    assert not refused.value.retryable


def test_a_transient_failure_is_retried_with_the_same_body():
    client, adapter = ready_client(answer(36009003, "internal error"), answer(data={}))

    client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL)

    first, second = adapter.sent
    assert first.body == second.body
    assert_signed_with_body(second)


def test_the_event_api_loads_at_its_first_use_only():
    # The approval function's client never calls it: its cold start does not import it.
    probe = (
        "import sys, tiktok_shop\n"
        "client = tiktok_shop.TikTokShopClient(app_key='k', app_secret='s')\n"
        "assert 'tiktok_shop.events' not in sys.modules, 'imported eagerly'\n"
        "client.event\n"
        "assert 'tiktok_shop.events' in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(LAYER)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

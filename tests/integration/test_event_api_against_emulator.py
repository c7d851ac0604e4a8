"""client.event (TikTok's Event API) against the TikTok emulator over real HTTP on 127.0.0.1: subscribe,
list, move, delete, and the refusals a seller's setup can meet."""

from __future__ import annotations

import pytest
from tiktok_emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SHOP_CIPHER,
    AuthorizedShop,
    Fault,
    TikTokEmulator,
)
from tiktok_shop import EventType, RetryPolicy, TikTokAPIError, TikTokShopClient, TikTokValidationError

URL = "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/webhooks/tiktok"


@pytest.fixture
def client(tiktok_emulator: TikTokEmulator) -> TikTokShopClient:
    return TikTokShopClient(
        app_key=DEFAULT_APP_KEY,
        app_secret=DEFAULT_APP_SECRET,
        base_url=tiktok_emulator.url,
        timeout=(1.0, 1.0),
        retry_policy=RetryPolicy(base_delay=0.01, max_delay=0.05),
        access_token=DEFAULT_ACCESS_TOKEN,
        shop_cipher=DEFAULT_SHOP_CIPHER,
    )


def test_every_event_type_this_project_uses_is_subscribed_then_listed(
    client: TikTokShopClient, tiktok_emulator: TikTokEmulator
):
    changes = [client.event.update_shop_webhook(event_type, URL) for event_type in EventType]

    assert [c.event_type for c in changes] == [
        "CANCELLATION_STATUS_CHANGE",
        "SELLER_DEAUTHORIZATION",
        "UPCOMING_AUTHORIZATION_EXPIRATION",
    ]
    assert all(c.address == URL and c.request_id for c in changes)
    listed = client.event.get_shop_webhooks()
    assert {w.event_type: w.address for w in listed.webhooks} == dict.fromkeys(EventType, URL)
    assert listed.total_count == 3
    assert all(w.create_time and w.update_time for w in listed.webhooks)
    subscribed = tiktok_emulator.webhook_subscriptions(DEFAULT_SHOP_CIPHER)[DEFAULT_SHOP_CIPHER]
    assert {s.event_type for s in subscribed} == set(EventType)


def test_subscribing_again_moves_the_address(client: TikTokShopClient):
    client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", "https://old.example.com/hook")

    client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL)

    listed = client.event.get_shop_webhooks()
    assert len(listed.webhooks) == 1
    assert listed.address_of("CANCELLATION_STATUS_CHANGE") == URL


def test_deleting_ends_the_subscription(client: TikTokShopClient):
    client.event.update_shop_webhook("SELLER_DEAUTHORIZATION", URL)

    change = client.event.delete_shop_webhook("SELLER_DEAUTHORIZATION")

    assert change.address is None
    assert client.event.get_shop_webhooks().webhooks == ()


def test_a_loopback_address_is_accepted_by_a_client_of_the_emulator(client: TikTokShopClient):
    local = "http://127.0.0.1:3000/webhooks/tiktok"
    client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", local)
    assert client.event.get_shop_webhooks().address_of("CANCELLATION_STATUS_CHANGE") == local


def test_a_cross_border_sellers_shops_are_subscribed_one_by_one(
    client: TikTokShopClient, tiktok_emulator: TikTokEmulator
):
    seller = tiktok_emulator.add_seller("cb", [AuthorizedShop("GB_cipher"), AuthorizedShop("FR_cipher")])
    client.set_access_token(seller.access_token)

    client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL, shop_cipher="GB_cipher")

    assert client.event.get_shop_webhooks(shop_cipher="GB_cipher").address_of("CANCELLATION_STATUS_CHANGE")
    assert client.event.get_shop_webhooks(shop_cipher="FR_cipher").webhooks == ()


def test_a_bad_token_is_a_configuration_error(client: TikTokShopClient, tiktok_emulator: TikTokEmulator):
    client.set_access_token("not-a-token")

    with pytest.raises(TikTokAPIError) as raised:
        client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL)

    assert raised.value.code == 36009004
    assert raised.value.category == "configuration"
    assert len(tiktok_emulator.calls()) == 1  # not retried
    assert tiktok_emulator.webhook_subscriptions() == {}


def test_an_expired_token_says_so(client: TikTokShopClient, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.expire_token()
    with pytest.raises(TikTokAPIError) as raised:
        client.event.get_shop_webhooks()
    assert raised.value.token_expired


def test_another_sellers_shop_is_refused(client: TikTokShopClient, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.add_seller("other", [AuthorizedShop("DE_cipher")])
    with pytest.raises(TikTokAPIError) as raised:
        client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL, shop_cipher="DE_cipher")
    assert raised.value.code == 101000


def test_an_unknown_event_type_never_reaches_tiktok(
    client: TikTokShopClient, tiktok_emulator: TikTokEmulator
):
    with pytest.raises(TikTokValidationError, match="CANCELATION_STATUS_CHANGE"):
        client.event.update_shop_webhook("CANCELATION_STATUS_CHANGE", URL)
    assert tiktok_emulator.calls() == []


def test_a_transient_failure_is_retried_and_the_subscription_made_once(
    client: TikTokShopClient, tiktok_emulator: TikTokEmulator
):
    tiktok_emulator.inject_fault(Fault("http_503"))

    client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", URL)

    assert [call.status for call in tiktok_emulator.calls()] == [503, 200]
    assert len(tiktok_emulator.webhook_subscriptions()[DEFAULT_SHOP_CIPHER]) == 1

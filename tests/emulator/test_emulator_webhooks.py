"""The emulator's webhooks over real HTTP to a receiver on 127.0.0.1: TikTok's type-11 body and signature
(verified with the project's tiktok_shop.webhooks), one per status change, and the delivery faults: loss,
duplicates, reordering, retries on TikTok's schedule (compressed), giving up. wait_for_webhooks, not sleeps,
says when everything due has been attempted."""

import socket
import threading
import time

import pytest
from emulator_http import control
from local_stack.tiktok_admin import TikTokAdmin
from support.webhook_receiver import WebhookReceiver
from tiktok_emulator import TikTokEmulator
from tiktok_shop.webhooks import is_pending_buyer_cancellation, parse_notification, verify_signature

# 120 s, 1800 s, 3 h, 12 h become 1.2 ms, 18 ms, 108 ms, 432 ms.
FAST_RETRIES = 100_000.0
PENDING, CANCELLED, SUCCESS = (
    "CANCELLATION_REQUEST_PENDING",
    "CANCELLATION_REQUEST_CANCELLED",
    "CANCELLATION_REQUEST_SUCCESS",
)


@pytest.fixture
def receiver():
    with WebhookReceiver() as receiver:
        yield receiver


def settle(emulator: TikTokEmulator) -> None:
    assert emulator.wait_for_webhooks(timeout=10) == {"settled": True, "pending": 0, "held": 0}


def statuses(receiver: WebhookReceiver) -> list[tuple[str, str]]:
    return [(body["data"]["cancel_id"], body["data"]["cancel_status"]) for body in receiver.bodies()]


def test_the_notification_is_tiktoks_type_11_signed_with_the_app(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url)

    created = tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    [received] = receiver.received
    assert received.path == "/webhooks/tiktok"
    assert received.headers["content-type"] == "application/json"
    assert verify_signature(
        app_key=tiktok_emulator.app_key,
        app_secret=tiktok_emulator.app_secret,
        body=received.body,
        signature=received.headers["authorization"],
    )
    assert not verify_signature(
        app_key=tiktok_emulator.app_key,
        app_secret="another",
        body=received.body,
        signature=received.headers["authorization"],
    )
    body = received.json()
    assert set(body) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"}
    assert (body["type"], body["shop_id"]) == (11, created["shop_id"])
    assert isinstance(body["tts_notification_id"], str)
    assert body["tts_notification_id"].isdigit()
    assert isinstance(body["timestamp"], int)
    assert body["data"] == {
        "order_id": created["order_id"],
        "cancellations_role": "BUYER",
        "cancel_status": PENDING,
        "cancel_id": created["cancel_id"],
        "create_time": body["data"]["create_time"],
    }
    assert body["timestamp"] >= body["data"]["create_time"] > 0
    assert is_pending_buyer_cancellation(parse_notification(received.body))


def test_a_given_app_signs_instead_of_the_emulators(tiktok_emulator, receiver):
    settings = TikTokAdmin(tiktok_emulator.url).configure_webhooks(
        url=receiver.url, app_key="other-app", app_secret="other-secret"
    )

    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    [received] = receiver.received
    signature = received.headers["authorization"]
    assert verify_signature(
        app_key="other-app", app_secret="other-secret", body=received.body, signature=signature
    )
    assert (settings["app_key"], settings["app_secret"]) == ("other-app", "***")  # never the secret's value


def test_every_status_change_sends_one_notification_in_order(shop, tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url)
    tiktok_emulator.seed({"5760001000000000001": "pending", "5760001000000000002": "pending"})

    withdrawn = tiktok_emulator.create_buyer_cancellation()
    tiktok_emulator.withdraw(withdrawn["cancel_id"])
    approved = tiktok_emulator.create_buyer_cancellation()
    assert shop.approve(approved["cancel_id"]).code == 0
    # Approved already: no change, no notification.
    assert shop.approve(approved["cancel_id"], query={"idempotency_key": "again"}).code == 25011012
    tiktok_emulator.approve_elsewhere("5760001000000000001")
    tiktok_emulator.update_order(withdrawn["order_id"], status="IN_TRANSIT")  # no cancel_status change
    settle(tiktok_emulator)

    assert statuses(receiver) == [
        (withdrawn["cancel_id"], PENDING),
        (withdrawn["cancel_id"], CANCELLED),
        (approved["cancel_id"], PENDING),
        (approved["cancel_id"], SUCCESS),
        ("5760001000000000001", SUCCESS),
    ]
    seeded = receiver.bodies()[-1]
    assert seeded["shop_id"] == tiktok_emulator.authorized_shops()[0].id
    assert seeded["data"]["order_id"] == "5770001000000000001"
    ids = [body["tts_notification_id"] for body in receiver.bodies()]
    assert len(set(ids)) == len(ids)
    assert [a["outcome"] for a in control(tiktok_emulator, "webhook_deliveries")[1]] == ["delivered"] * 5


def test_nothing_is_sent_until_a_url_is_configured_and_after_it_is_removed(tiktok_emulator, receiver):
    tiktok_emulator.create_buyer_cancellation()
    tiktok_emulator.configure_webhooks(url=receiver.url)
    tiktok_emulator.configure_webhooks()
    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    assert receiver.received == []
    assert tiktok_emulator.webhook_deliveries() == []


def test_the_api_answers_without_waiting_for_the_receiver(shop, tiktok_emulator, receiver):
    receiver.go_ahead.clear()  # the receiver answers nothing until told
    tiktok_emulator.configure_webhooks(url=receiver.url)

    created = control(tiktok_emulator, "create_buyer_cancellation")[1]
    approved = shop.approve(created["cancel_id"])
    unsettled = tiktok_emulator.wait_for_webhooks(timeout=0.05)
    receiver.go_ahead.set()
    settle(tiktok_emulator)

    assert approved.code == 0
    assert unsettled == {"settled": False, "pending": 2, "held": 0}
    assert [status for _, status in statuses(receiver)] == [PENDING, SUCCESS]


def test_loss_share_1_sends_nothing_and_records_each_loss(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url, loss_share=1.0)

    created = tiktok_emulator.create_buyer_cancellation()
    tiktok_emulator.withdraw(created["cancel_id"])
    settle(tiktok_emulator)

    assert receiver.received == []
    assert [(a.cancel_status, a.attempt, a.outcome) for a in tiktok_emulator.webhook_deliveries()] == [
        (PENDING, 0, "lost"),
        (CANCELLED, 0, "lost"),
    ]


def test_duplicate_share_1_sends_each_notification_twice_with_one_id(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url, duplicate_share=1.0)

    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["authorization"] == second.headers["authorization"]
    assert [(a.copy, a.outcome) for a in tiktok_emulator.webhook_deliveries()] == [
        (1, "delivered"),
        (2, "delivered"),
    ]


def test_reorder_delivers_pending_after_the_next_status_change(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url, reorder=True)

    created = tiktok_emulator.create_buyer_cancellation()
    held = tiktok_emulator.wait_for_webhooks(timeout=1)
    tiktok_emulator.withdraw(created["cancel_id"])
    settle(tiktok_emulator)

    assert held == {"settled": True, "pending": 0, "held": 1}
    assert [status for _, status in statuses(receiver)] == [CANCELLED, PENDING]


def test_reorder_turned_off_sends_what_it_held(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url, reorder=True)
    tiktok_emulator.create_buyer_cancellation()

    tiktok_emulator.configure_webhooks(url=receiver.url)
    settle(tiktok_emulator)

    assert [status for _, status in statuses(receiver)] == [PENDING]


def test_delay_holds_each_first_attempt_back(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url, delay=0.2)

    started = time.monotonic()
    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    [received] = receiver.received
    assert received.at - started >= 0.2


def test_a_failed_delivery_is_retried_on_the_compressed_schedule(tiktok_emulator):
    with WebhookReceiver(answers=[500, 503]) as receiver:
        tiktok_emulator.configure_webhooks(url=receiver.url, time_compression=10_000)
        created = tiktok_emulator.create_buyer_cancellation()
        settle(tiktok_emulator)

    first, second, third = receiver.received
    assert first.body == second.body == third.body
    assert second.at - first.at >= 0.012  # 120 s / 10,000
    assert third.at - second.at >= 0.18  # 1800 s / 10,000
    attempts = [a.to_json() for a in tiktok_emulator.webhook_deliveries(created["cancel_id"])]
    assert [(a["attempt"], a["outcome"], a["status_code"], a["error"]) for a in attempts] == [
        (1, "retrying", 500, None),
        (2, "retrying", 503, None),
        (3, "delivered", 200, None),
    ]
    assert {a["tts_notification_id"] for a in attempts} == {receiver.bodies()[0]["tts_notification_id"]}
    assert all(isinstance(a["time"], float) for a in attempts)


def test_a_receiver_that_always_fails_is_given_up_after_four_retries(tiktok_emulator):
    with WebhookReceiver(answers=[500] * 10) as receiver:
        tiktok_emulator.configure_webhooks(url=receiver.url, time_compression=FAST_RETRIES)
        tiktok_emulator.create_buyer_cancellation()
        settle(tiktok_emulator)

    assert len(receiver.received) == 5
    attempts = tiktok_emulator.webhook_deliveries()
    assert [(a.attempt, a.outcome, a.status_code) for a in attempts] == [
        (1, "retrying", 500),
        (2, "retrying", 500),
        (3, "retrying", 500),
        (4, "retrying", 500),
        (5, "given_up", 500),
    ]


def test_a_connection_error_is_recorded_and_retried(tiktok_emulator):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    tiktok_emulator.configure_webhooks(url=f"http://127.0.0.1:{port}/hook", time_compression=FAST_RETRIES)

    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    attempts = tiktok_emulator.webhook_deliveries()
    assert [a.outcome for a in attempts] == ["retrying"] * 4 + ["given_up"]
    assert all(a.status_code is None and "ConnectionRefusedError" in (a.error or "") for a in attempts)


def test_a_retry_due_later_is_pending_and_stop_ends_the_worker_at_once(receiver):
    emulator = TikTokEmulator().start()
    receiver.answers = [500]
    emulator.configure_webhooks(url=receiver.url)  # the retry is due in 120 s
    emulator.create_buyer_cancellation()

    waiting = emulator.wait_for_webhooks(timeout=0.3)
    started = time.monotonic()
    emulator.stop()

    assert waiting == {"settled": False, "pending": 1, "held": 0}
    assert time.monotonic() - started < 1
    assert not [t for t in threading.enumerate() if t.name == "tiktok-emulator-webhooks"]
    assert len(receiver.received) == 1


def test_reset_turns_delivery_off_and_forgets_the_attempts(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url)
    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    tiktok_emulator.reset()
    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    assert tiktok_emulator.webhook_deliveries() == []
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"url": "ftp://127.0.0.1/x"}, "url must be an http:// or https:// URL with a host"),
        ({"url": "http:///x"}, "url must be an http:// or https:// URL with a host"),
        ({"url": "http://127.0.0.1/x", "app_key": "k"}, "give app_key and app_secret together"),
        (
            {"url": "http://127.0.0.1/x", "app_key": "", "app_secret": ""},
            "app_key and app_secret must be non-empty",
        ),
        ({"loss_share": 1.5}, "loss_share must be a fraction from 0 to 1"),
        ({"duplicate_share": -0.1}, "duplicate_share must be a fraction from 0 to 1"),
        ({"delay": -1}, "delay must be a non-negative number of seconds"),
        ({"time_compression": 0}, "time_compression must be a number of at least 1"),
        ({"reorder": "yes"}, "reorder must be bool, got 'yes'"),
        ({"url": 5}, "url must be str | None, got 5"),
        ({"retries": 3}, "configure_webhooks takes no argument retries"),
    ],
)
def test_bad_webhook_settings_answer_400_and_keep_the_settings(tiktok_emulator, receiver, arguments, message):
    tiktok_emulator.configure_webhooks(url=receiver.url)

    status, answer = control(tiktok_emulator, "configure_webhooks", arguments)
    tiktok_emulator.create_buyer_cancellation()
    settle(tiktok_emulator)

    assert status == 400
    assert message in answer["error"]
    assert len(receiver.received) == 1


@pytest.mark.parametrize("timeout", [-1, 601])
def test_wait_for_webhooks_refuses_a_timeout_out_of_range(tiktok_emulator, timeout):
    status, answer = control(tiktok_emulator, "wait_for_webhooks", {"timeout": timeout})

    assert status == 400
    assert "timeout must be 0 to 600 seconds" in answer["error"]


def test_the_controls_answer_json(tiktok_emulator, receiver):
    _, settings = control(
        tiktok_emulator, "configure_webhooks", {"url": receiver.url, "time_compression": 10}
    )
    created = control(tiktok_emulator, "create_buyer_cancellation")[1]
    settled = control(tiktok_emulator, "wait_for_webhooks", {"timeout": 5})[1]
    [attempt] = control(tiktok_emulator, "webhook_deliveries", {"cancel_id": created["cancel_id"]})[1]

    assert settings == {
        "url": receiver.url,
        "app_key": tiktok_emulator.app_key,
        "app_secret": "***",
        "loss_share": 0.0,
        "duplicate_share": 0.0,
        "delay": 0.0,
        "reorder": False,
        "time_compression": 10.0,
    }
    assert settled == {"settled": True, "pending": 0, "held": 0}
    assert set(attempt) == {
        "tts_notification_id",
        "cancel_id",
        "cancel_status",
        "copy",
        "attempt",
        "outcome",
        "status_code",
        "error",
        "time",
    }
    assert (attempt["cancel_status"], attempt["outcome"], attempt["status_code"]) == (
        PENDING,
        "delivered",
        200,
    )
    assert control(tiktok_emulator, "webhook_deliveries", {"cancel_id": "other"})[1] == []


def test_a_seller_who_deauthorizes_the_app_loses_its_token_and_type_6_is_sent_per_shop(
    tiktok_emulator, receiver
):
    from tiktok_shop import TikTokShopClient
    from tiktok_shop.errors import TikTokAPIError

    tiktok_emulator.configure_webhooks(url=receiver.url)
    seller = tiktok_emulator.seller()
    result = tiktok_emulator.deauthorize_seller()
    settle(tiktok_emulator)

    shop_ids = [shop.id for shop in seller.shops]
    assert result == {"seller": seller.open_id, "shop_ids": shop_ids}
    notifications = [parse_notification(received.body) for received in receiver.received]
    assert [(n.type, n.shop_id) for n in notifications] == [(6, shop_id) for shop_id in shop_ids]
    assert all(
        verify_signature(
            app_key=tiktok_emulator.app_key,
            app_secret=tiktok_emulator.app_secret,
            body=received.body,
            signature=received.headers["authorization"],
        )
        for received in receiver.received
    )
    deliveries = tiktok_emulator.webhook_deliveries()
    assert {d.cancel_status for d in deliveries} == {"SELLER_DEAUTHORIZATION"}
    client = TikTokShopClient(
        app_key=tiktok_emulator.app_key,
        app_secret=tiktok_emulator.app_secret,
        base_url=tiktok_emulator.url,
        access_token=seller.access_token,
        shop_cipher=seller.shops[0].cipher,
    )
    with pytest.raises(TikTokAPIError) as refused:
        client.return_refund.search_cancellations(page_size=1)
    assert refused.value.code == 36009004  # the revoked token, as TikTok answers it


def test_an_expiring_authorization_sends_type_7_per_shop_and_changes_nothing_else(tiktok_emulator, receiver):
    tiktok_emulator.configure_webhooks(url=receiver.url)
    seller = tiktok_emulator.seller()
    assert control(tiktok_emulator, "notify_authorization_expiring", {}) == (
        200,
        {
            "seller": seller.open_id,
            "shop_ids": [shop.id for shop in seller.shops],
        },
    )
    settle(tiktok_emulator)
    assert {parse_notification(r.body).type for r in receiver.received} == {7}
    assert tiktok_emulator.seller().access_token == seller.access_token

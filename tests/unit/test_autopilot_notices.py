"""The WebhookQueue message is written by the intake and read by the decider: one shape, held here."""

from __future__ import annotations

import json
from typing import Any

import pytest
from autopilot.notices import Kind, UnreadableNotice, read_notice
from tiktok_shop.webhooks import parse_notification
from webhook_intake.queueing import queue_message


def document(status: str = "CANCELLATION_REQUEST_PENDING", role: str = "BUYER") -> dict[str, Any]:
    return {
        "type": 11,
        "tts_notification_id": 7327112393057371910,  # a JSON number: made text at the intake
        "shop_id": 7494049642642441621,
        "timestamp": 1700000000,
        "data": {
            "order_id": 576486316948490001,
            "cancellations_role": role,
            "cancel_status": status,
            "cancel_id": "4035318504086604100",
            "create_time": 1699999990,
        },
    }


@pytest.mark.parametrize(
    ("status", "role", "kind"),
    [
        ("CANCELLATION_REQUEST_PENDING", "BUYER", Kind.TO_DECIDE),
        ("CANCELLATION_REQUEST_PENDING", "SELLER", Kind.STATUS_UPDATE),
        ("CANCELLATION_REQUEST_CANCELLED", "BUYER", Kind.STATUS_UPDATE),
    ],
)
def test_what_the_intake_queues_the_decider_reads(status: str, role: str, kind: Kind):
    notification = parse_notification(json.dumps(document(status, role)).encode())
    message = json.loads(json.dumps(queue_message(notification, received_at=1700000005)))
    notice = read_notice(message)
    assert notice.kind is kind
    assert (notice.shop_id, notice.cancel_id, notice.order_id) == (
        "7494049642642441621",
        "4035318504086604100",
        "576486316948490001",
    )
    assert (notice.notification_id, notice.cancel_status) == ("7327112393057371910", status)
    assert (notice.notified_at, notice.received_at) == (1700000000, 1700000005)


def message() -> dict[str, Any]:
    notification = parse_notification(json.dumps(document()).encode())
    return queue_message(notification, received_at=1700000005)


@pytest.mark.parametrize(
    "broken",
    [
        lambda m: "not an object",
        lambda m: {**m, "cancellation": None},
        lambda m: {**m, "kind": "reject"},
        lambda m: {**m, "shop_id": 12},
        lambda m: {**m, "timestamp": "1700000000"},
        lambda m: {**m, "received_at": True},
        lambda m: {**m, "cancellation": {**m["cancellation"], "cancel_id": "../etc"}},
        lambda m: {k: v for k, v in m.items() if k != "tts_notification_id"},
    ],
)
def test_a_message_that_does_not_read_is_refused_by_name(broken: Any):
    with pytest.raises(UnreadableNotice, match="WebhookQueue message"):
        read_notice(broken(message()))


@pytest.mark.parametrize(
    ("kind", "expected"), [(6, Kind.SELLER_DEAUTHORIZED), (7, Kind.AUTHORIZATION_EXPIRING)]
)
def test_a_sellers_notification_reads_as_a_seller_notice(kind: int, expected: Kind):
    from autopilot.notices import SellerNotice

    seller = {**document(), "type": kind, "data": {"anything": "TikTok sends"}}
    queued = json.loads(
        json.dumps(queue_message(parse_notification(json.dumps(seller).encode()), received_at=5))
    )
    notice = read_notice(queued)
    assert notice == SellerNotice(
        kind=expected,
        notification_id="7327112393057371910",
        shop_id="7494049642642441621",
        notified_at=1700000000,
        received_at=5,
    )


def test_a_type_not_acted_on_is_not_queued():
    other = {**document(), "type": 12, "data": {}}
    with pytest.raises(ValueError, match="not queued"):
        queue_message(parse_notification(json.dumps(other).encode()), received_at=5)


def test_a_seller_notice_without_its_shop_is_refused():
    seller = {**document(), "type": 6, "data": {}}
    queued = queue_message(parse_notification(json.dumps(seller).encode()), received_at=5)
    with pytest.raises(UnreadableNotice, match="WebhookQueue message"):
        read_notice({k: v for k, v in queued.items() if k != "shop_id"})

"""The autopilot end to end, in process: a signed webhook through TikTokWebhookFunction, WebhookQueue,
DecideCancellationFunction (Search Cancellations at the emulator, the shop's policy from PoliciesTable),
ApprovalQueue and ApproveCancellationFunction, against moto in server mode and the TikTok emulator. Each
hop is the real handler; what is asserted is what TikTok saw, what each queue holds, what EventBridge got
and what DecisionsTable says."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from support.approvals import PENDING, Aws
from support.autopilot import (
    APPROVING_POLICY,
    DECISIONS_TABLE,
    DEFAULT_SHOP_ID,
    POLICIES_TABLE,
    REVIEW_SOURCE,
    Chain,
    approval_records,
    approve_calls,
    notification,
    record,
    reset_functions,
    set_policy,
)
from support.cfn_template import table_schema
from tiktok_emulator import TikTokEmulator


def test_a_buyers_cancellation_the_policy_allows_is_approved_once_and_on_record(
    chain: Chain, emulator: TikTokEmulator, aws: Aws
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)

    assert chain.send_webhook(notification(PENDING[0], notification_id="n-1")) == 200
    assert len(chain.run_decider()) == 1
    [request] = chain.waiting(chain.approval_queue_url)
    # The default shop's request names no shop_id, as a caller's would: one approval record, one TikTok key.
    assert json.loads(request["Body"]) == {"cancel_id": PENDING[0]}
    assert request["MessageAttributes"]["origin"]["StringValue"] == "autopilot"
    assert emulator.approvals() == {}  # nothing reaches TikTok before the approval function runs
    chain.run_approvals()

    assert emulator.approvals() == {PENDING[0]: 1}
    assert approve_calls(emulator, PENDING[0]) == 1
    assert len(approval_records(aws)) == 1
    logged = record(PENDING[0])
    assert logged["verdict"] == "approve"
    assert logged["dry_run"] is False
    assert logged["policy_version"] == "1"
    assert logged["outcome"] == "approved"
    assert logged["refund_total"] == "1.23"
    assert logged["currency"] == "USD"
    assert logged["cancel_reason"]
    assert logged["deadline"] > logged["decided_at"]
    assert logged["webhook_received_at"] <= logged["decided_at"] <= logged["approval_queued_at"]
    assert logged["outcome_at"] >= logged["approval_queued_at"]
    assert any("within 0 to 50.00" in reason for reason in logged["reasons"])
    assert chain.review_events() == []
    assert chain.failures == []


def test_a_repeated_notification_and_a_second_one_for_the_same_cancellation_approve_once(
    chain: Chain, emulator: TikTokEmulator, aws: Aws
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    document = notification(PENDING[1], notification_id="n-2")
    assert chain.send_webhook(document) == 200
    assert chain.send_webhook(document) == 200  # TikTok's retry: deduplicated at the intake
    assert chain.send_webhook(notification(PENDING[1], notification_id="n-3")) == 200  # another notification
    assert len(chain.run_decider()) == 2
    assert len(chain.waiting(chain.approval_queue_url)) == 1
    chain.run_approvals()
    assert approve_calls(emulator, PENDING[1]) == 1
    assert len(approval_records(aws)) == 1
    assert len(record(PENDING[1])["notification_ids"]) == 2


def test_a_webhooks_approval_and_a_callers_own_request_reach_tiktok_once(
    chain: Chain, emulator: TikTokEmulator, aws: Aws
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    from lambda_context import FakeLambdaContext

    assert chain.send_webhook(notification(PENDING[2], notification_id="n-4")) == 200
    chain.run_decider()  # the autopilot's request waits on ApprovalQueue, while a caller approves directly
    assert chain.approve({"cancel_id": PENDING[2]}, FakeLambdaContext())["data"]["success"] is True
    chain.run_approvals()
    # One record: the autopilot's request is the caller's own, replayed; TikTok is called once.
    assert approve_calls(emulator, PENDING[2]) == 1
    assert len(approval_records(aws)) == 1
    assert record(PENDING[2])["outcome"] == "already_approved"


def test_observe_mode_records_what_it_would_do_and_acts_on_nothing(
    chain: Chain, emulator: TikTokEmulator
) -> None:
    set_policy(DEFAULT_SHOP_ID, {**APPROVING_POLICY, "mode": "observe"})
    assert chain.send_webhook(notification(PENDING[3], notification_id="n-5")) == 200
    chain.run_decider()
    assert chain.waiting(chain.approval_queue_url) == []
    assert chain.review_events() == []
    logged = record(PENDING[3])
    assert (logged["verdict"], logged["dry_run"]) == ("approve", True)
    assert "approval_queued_at" not in logged


def test_without_any_policy_a_new_shop_observes(chain: Chain) -> None:
    assert chain.send_webhook(notification(PENDING[4], notification_id="n-6")) == 200
    chain.run_decider()
    logged = record(PENDING[4])
    assert logged["dry_run"] is True
    assert logged["policy_version"] == "default"
    assert chain.waiting(chain.approval_queue_url) == []


def test_over_the_refund_limit_needs_review_published_once(chain: Chain, emulator: TikTokEmulator) -> None:
    set_policy(DEFAULT_SHOP_ID, {**APPROVING_POLICY, "refund_limits": {"USD": {"max": "1.00"}}})
    assert chain.send_webhook(notification(PENDING[5], notification_id="n-7")) == 200
    assert chain.send_webhook(notification(PENDING[5], notification_id="n-8")) == 200
    chain.run_decider()
    [event] = chain.review_events()
    assert event["source"] == REVIEW_SOURCE
    assert event["detail-type"] == "Cancellation needs review"
    detail = event["detail"]
    assert (detail["shop_id"], detail["cancel_id"], detail["refund_total"]) == (
        DEFAULT_SHOP_ID,
        PENDING[5],
        "1.23",
    )
    assert any("over the policy's maximum 1.00" in reason for reason in detail["reasons"])
    assert chain.waiting(chain.approval_queue_url) == []
    assert emulator.approvals() == {}
    assert record(PENDING[5])["verdict"] == "needs_review"


def test_a_pending_webhook_for_a_cancellation_tiktok_shows_decided_approves_nothing(
    chain: Chain, emulator: TikTokEmulator
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    emulator.withdraw(PENDING[6])  # the buyer withdrew; the PENDING notification arrives late
    assert chain.send_webhook(notification(PENDING[6], notification_id="n-9")) == 200
    chain.run_decider()
    assert chain.waiting(chain.approval_queue_url) == []
    logged = record(PENDING[6])
    assert logged["verdict"] == "nothing_to_decide"
    assert logged["tiktok_status"] == "CANCELLATION_REQUEST_CANCELLED"


def test_an_unknown_shop_is_recorded_and_not_retried(chain: Chain, emulator: TikTokEmulator) -> None:
    set_policy("9999", APPROVING_POLICY)
    assert chain.send_webhook(notification(PENDING[7], notification_id="n-10", shop_id="9999")) == 200
    chain.run_decider()
    assert chain.failures == []
    assert chain.waiting(chain.webhook_queue_url) == []
    assert record(PENDING[7], shop_id="9999")["outcome"] == "unknown_shop"
    assert emulator.calls() == []  # never asked TikTok about a shop it cannot name


def test_an_unreadable_policy_fails_closed_and_is_counted(
    chain: Chain, emulator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("dynamodb").put_item(
        TableName=POLICIES_TABLE,
        Item={"shop_id": {"S": DEFAULT_SHOP_ID}, "policy": {"S": '{"mode": "approve"'}},
    )
    assert chain.send_webhook(notification(PENDING[8], notification_id="n-11")) == 200
    capsys.readouterr()
    chain.run_decider()
    output = capsys.readouterr().out
    assert '"AutopilotPolicyUnreadable"' in output
    assert chain.waiting(chain.approval_queue_url) == []
    [event] = chain.review_events()
    assert "unreadable or invalid" in event["detail"]["reasons"][0]
    logged = record(PENDING[8])
    assert (logged["verdict"], logged["dry_run"]) == ("needs_review", False)


def test_the_autopilot_off_records_nothing(chain: Chain) -> None:
    set_policy(DEFAULT_SHOP_ID, {"version": 2, "mode": "off"})
    assert chain.send_webhook(notification(PENDING[9], notification_id="n-12")) == 200
    chain.run_decider()
    from decision_log import DecisionLog

    assert (
        DecisionLog(DECISIONS_TABLE, dynamodb=boto3.client("dynamodb")).get(DEFAULT_SHOP_ID, PENDING[9])
        is None
    )
    assert chain.waiting(chain.approval_queue_url) == []


def test_other_statuses_only_update_the_log(chain: Chain, emulator: TikTokEmulator) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    document = notification(PENDING[0], notification_id="n-13", status="CANCELLATION_REQUEST_CANCELLED")
    assert chain.send_webhook(document) == 200
    chain.run_decider()
    logged = record(PENDING[0])
    assert logged["webhook_statuses"] == ["CANCELLATION_REQUEST_CANCELLED@1700000000"]
    assert "verdict" not in logged
    assert emulator.calls() == []


def test_a_cancellation_tiktok_does_not_list_yet_goes_back_to_the_queue(chain: Chain) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    assert chain.send_webhook(notification("5760001999999999999", notification_id="n-14")) == 200
    chain.run_decider()
    assert len(chain.failures) == 1
    assert chain.waiting(chain.approval_queue_url) == []
    # Held back (30 s at the first try), not redelivered at once.
    assert chain.waiting(chain.webhook_queue_url) == []
    attributes = chain.sqs.get_queue_attributes(
        QueueUrl=chain.webhook_queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"


UK = "7000000000000000001"
UK_CIPHER = "ROW_uk_cipher"
UK_CANCEL = "5760003000000000001"


@pytest.fixture
def uk_shop(chain: Chain, aws: Aws, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """A directory shop of the default seller's authorization, with its own cipher and a pending cancellation."""
    from shop_directory import ShopEntry
    from support.approvals import CREDENTIALS
    from tiktok_emulator import AuthorizedShop

    shop = AuthorizedShop(cipher=UK_CIPHER, id=UK, name="UK shop", region="GB")
    emulator.set_authorized_shops([AuthorizedShop(CREDENTIALS["shop_cipher"]), shop])
    emulator.seed({UK_CANCEL: "pending"}, shop_cipher=UK_CIPHER)
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName="ShopsTable", **table_schema("ShopsTable"))
    # The seller's own secret (the same authorization's tokens): the default secret may change alone.
    arn = aws.secrets.create_secret(Name="tiktok-shop/sellers/uk", SecretString=json.dumps(CREDENTIALS))[
        "ARN"
    ]
    entry = ShopEntry.from_authorized_shop(shop, secret_id=arn, seller_name="a seller")
    dynamodb.put_item(TableName="ShopsTable", Item={k: {"S": v} for k, v in entry.to_item().items()})
    monkeypatch.setenv("SHOPS_TABLE", "ShopsTable")
    reset_functions()
    return UK


def test_a_directory_shops_cancellation_is_approved_in_that_shop(
    chain: Chain, uk_shop: str, emulator: TikTokEmulator
) -> None:
    set_policy(uk_shop, APPROVING_POLICY)
    assert chain.send_webhook(notification(UK_CANCEL, notification_id="n-20", shop_id=uk_shop)) == 200
    chain.run_decider()
    [request] = chain.waiting(chain.approval_queue_url)
    assert json.loads(request["Body"]) == {"cancel_id": UK_CANCEL, "shop_id": uk_shop}
    chain.run_approvals()
    assert emulator.approvals() == {UK_CANCEL: 1}
    [call] = [call for call in emulator.calls(UK_CANCEL) if call.path.endswith("/approve")]
    assert call.query["shop_cipher"] == UK_CIPHER
    assert record(UK_CANCEL, shop_id=uk_shop)["outcome"] == "approved"


def test_a_default_secret_still_holding_placeholders_does_not_stop_directory_shops(
    chain: Chain, uk_shop: str, aws: Aws, emulator: TikTokEmulator
) -> None:
    aws.put_credentials(app_key="REPLACE_ME", access_token="REPLACE_ME")
    reset_functions()
    set_policy(uk_shop, APPROVING_POLICY)
    # The intake verifies with the default secret's app, unusable here: the notice is queued as it would be.
    from tiktok_shop.webhooks import parse_notification
    from webhook_intake.queueing import queue_message

    message = queue_message(
        parse_notification(
            json.dumps(notification(UK_CANCEL, notification_id="n-21", shop_id=uk_shop)).encode()
        ),
        received_at=1700000001,
    )
    aws.sqs.send_message(QueueUrl=chain.webhook_queue_url, MessageBody=json.dumps(message))
    chain.run_decider()
    assert chain.failures == []
    [request] = chain.waiting(chain.approval_queue_url)
    assert json.loads(request["Body"])["shop_id"] == uk_shop


def test_a_rule_on_the_orders_state_reads_get_order_detail(chain: Chain, emulator: TikTokEmulator) -> None:
    from support.approvals import SHIPPED

    set_policy(DEFAULT_SHOP_ID, {**APPROVING_POLICY, "approve_only_before_shipping": True})
    assert chain.send_webhook(notification(PENDING[0], notification_id="n-30")) == 200
    assert chain.send_webhook(notification(SHIPPED, notification_id="n-31")) == 200
    chain.run_decider()
    [request] = chain.waiting(chain.approval_queue_url)
    assert json.loads(request["Body"]) == {"cancel_id": PENDING[0]}
    assert any("AWAITING_SHIPMENT, not shipped yet" in reason for reason in record(PENDING[0])["reasons"])
    shipped = record(SHIPPED)
    assert shipped["verdict"] == "needs_review"
    assert any("IN_TRANSIT" in reason for reason in shipped["reasons"])
    assert any(call.path == "/order/202309/orders" for call in emulator.calls())


def decide_while_approval_requests_fail(chain: Chain, aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs the decider while ApprovalQueue's SendMessage fails on every attempt botocore makes: the decision
    is on record, the request is not sent, and the notice stays on WebhookQueue (no hold-back: SQS
    redelivers it at once here). AWS is reachable again afterwards."""
    from support.aws_fault_proxy import AwsFault, running_proxy

    with running_proxy(aws.url) as proxy:
        proxy.inject(AwsFault("AmazonSQS.SendMessage", "unavailable", times=None))
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        monkeypatch.delenv("WEBHOOK_QUEUE_URL")
        reset_functions()
        chain.run_decider()
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    reset_functions()


def test_a_send_that_fails_after_the_decision_is_recorded_approves_once_at_the_redelivery(
    chain: Chain, emulator: TikTokEmulator, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    assert chain.send_webhook(notification(PENDING[3], notification_id="n-40")) == 200
    decide_while_approval_requests_fail(chain, aws, monkeypatch)
    assert len(chain.failures) == 1
    logged = record(PENDING[3])
    assert (logged["verdict"], "approval_queued_at" in logged) == ("approve", False)
    chain.run_decider()  # SQS redelivers the notice
    chain.run_decider()  # and once more, as a duplicate delivery would: still one request
    assert len(chain.waiting(chain.approval_queue_url)) == 1
    chain.run_approvals()
    assert approve_calls(emulator, PENDING[3]) == 1
    assert record(PENDING[3])["outcome"] == "approved"


def test_an_approval_recorded_before_a_crash_is_not_sent_once_the_policy_says_otherwise(
    chain: Chain, emulator: TikTokEmulator, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    assert chain.send_webhook(notification(PENDING[4], notification_id="n-41")) == 200
    decide_while_approval_requests_fail(chain, aws, monkeypatch)
    set_policy(DEFAULT_SHOP_ID, {**APPROVING_POLICY, "version": 2, "mode": "observe"})  # the seller stops it
    chain.run_decider()  # SQS redelivers the notice
    assert chain.waiting(chain.approval_queue_url) == []
    assert approve_calls(emulator, PENDING[4]) == 0
    logged = record(PENDING[4])
    assert (logged["verdict"], logged["dry_run"], logged["policy_version"]) == ("approve", True, "2")


# --- a seller's notifications: type 6 (de-authorized), type 7 (authorization expiring) ---------------------

FR = "7000000000000000002"
FR_CIPHER = "ROW_fr_cipher"


def seller_notification(kind: int, *, notification_id: str, shop_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "tts_notification_id": notification_id,
        "shop_id": shop_id,
        "timestamp": 1700000000,
        "data": {},
    }


def directory_entries() -> dict[str, Any]:
    from shop_directory.writer import ShopDirectoryWriter

    entries = ShopDirectoryWriter(boto3.client("dynamodb"), "ShopsTable").list_entries()
    return {entry.shop_id: entry for entry in entries}


@pytest.fixture
def cross_border(uk_shop: str) -> str:
    """A second shop of the UK shop's authorization (the same secret), and a shop of another seller."""
    import dataclasses

    from shop_directory.writer import ShopDirectoryWriter

    uk = directory_entries()[uk_shop]
    writer = ShopDirectoryWriter(boto3.client("dynamodb"), "ShopsTable")
    writer.sync(uk.secret_id, [uk, dataclasses.replace(uk, shop_id=FR, shop_cipher=FR_CIPHER)])
    writer.sync(
        "another-seller", [dataclasses.replace(uk, shop_id="7000000000000000009", secret_id="another-seller")]
    )
    return uk_shop


def test_a_sellers_deauthorization_marks_its_shops_inactive_and_their_approvals_are_refused_before_tiktok(
    chain: Chain, cross_border: str, aws: Aws, emulator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert chain.send_webhook(seller_notification(6, notification_id="n-60", shop_id=FR)) == 200
    [message] = chain.waiting(chain.webhook_queue_url)
    assert json.loads(message["Body"])["kind"] == "seller_deauthorized"
    capsys.readouterr()
    chain.run_decider()
    output = capsys.readouterr().out
    assert chain.failures == []
    entries = directory_entries()
    assert (entries[UK].active, entries[FR].active) == (False, False)
    assert entries[UK].deactivated_at is not None
    assert entries["7000000000000000009"].active  # another seller's shop stays active
    assert '"SellerDeauthorized"' in output
    assert '"outcome":"seller_deauthorized"' in output

    # An approval for one of its shops: refused by name, parked at once, TikTok never asked.
    emulator.clear_calls()
    aws.sqs.send_message(
        QueueUrl=chain.approval_queue_url, MessageBody=json.dumps({"cancel_id": UK_CANCEL, "shop_id": UK})
    )
    chain.run_approvals()
    assert emulator.calls() == []
    [parked] = aws.dead_letters()
    assert "ShopInactive" in json.dumps(parked["MessageAttributes"])

    # A buyer's cancellation for it: nothing decided, not retried.
    set_policy(UK, APPROVING_POLICY)
    assert chain.send_webhook(notification(UK_CANCEL, notification_id="n-61", shop_id=UK)) == 200
    capsys.readouterr()
    chain.run_decider()
    assert '"outcome":"shop_inactive"' in capsys.readouterr().out
    assert chain.failures == []
    assert chain.waiting(chain.approval_queue_url) == []
    assert emulator.calls() == []


def test_a_repeated_deauthorization_is_harmless_and_authorizing_again_reactivates(
    chain: Chain, cross_border: str, emulator: TikTokEmulator
) -> None:
    import dataclasses

    from shop_directory.writer import ShopDirectoryWriter

    assert chain.send_webhook(seller_notification(6, notification_id="n-62", shop_id=UK)) == 200
    chain.run_decider()
    first = directory_entries()[UK].deactivated_at
    assert chain.send_webhook(seller_notification(6, notification_id="n-63", shop_id=UK)) == 200
    chain.run_decider()
    assert chain.failures == []
    again = directory_entries()
    assert (again[UK].active, again[UK].deactivated_at, again[FR].active) == (False, first, False)

    # make authorize's directory sync writes whole entries, without the flag: active again.
    uk = again[UK]
    ShopDirectoryWriter(boto3.client("dynamodb"), "ShopsTable").sync(
        uk.secret_id, [dataclasses.replace(uk, active=True, deactivated_at=None)]
    )
    assert directory_entries()[UK].active
    reset_functions()  # a new container: nothing cached
    set_policy(UK, APPROVING_POLICY)
    assert chain.send_webhook(notification(UK_CANCEL, notification_id="n-64", shop_id=UK)) == 200
    chain.run_decider()
    chain.run_approvals()
    assert emulator.approvals() == {UK_CANCEL: 1}


def test_the_default_shops_deauthorization_is_counted_and_logged(
    chain: Chain, uk_shop: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert chain.send_webhook(seller_notification(6, notification_id="n-65", shop_id=DEFAULT_SHOP_ID)) == 200
    capsys.readouterr()
    chain.run_decider()
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert chain.failures == []
    assert '"SellerDeauthorized"' in output
    [logged] = [r for r in caplog.records if r.getMessage() == "a seller de-authorized the app"]
    assert (logged.default_shop, logged.shops_marked_inactive) == (True, [])  # type: ignore[attr-defined]
    assert directory_entries()[UK].active  # the default secret's shop has no entry; the UK shop's is its own


def test_an_expiring_authorization_is_counted_with_the_seller_named(
    chain: Chain, uk_shop: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert chain.send_webhook(seller_notification(7, notification_id="n-70", shop_id=UK)) == 200
    capsys.readouterr()
    chain.run_decider()
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert chain.failures == []
    assert '"AuthorizationExpiring"' in output
    [logged] = [r for r in caplog.records if "expires soon" in r.getMessage()]
    assert (logged.shop_id, logged.seller_name) == (UK, "a seller")  # type: ignore[attr-defined]
    assert directory_entries()[UK].active  # a warning only


def test_the_emulators_deauthorization_reaches_the_directory_and_the_sweep_skips_the_shop(
    chain: Chain, uk_shop: str, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TikTok's own type-6 notifications (the emulator's, signed by it, over real HTTP to a receiver), through
    the real intake and decider: the seller's directory shop is marked inactive and no sweep searches it."""
    import sys

    from lambda_context import FakeLambdaContext
    from support.autopilot import delivered_event

    sys.path.insert(0, "tests/emulator")  # the emulator tests' loopback receiver
    from support.webhook_receiver import WebhookReceiver

    with WebhookReceiver() as receiver:
        emulator.configure_webhooks(url=receiver.url)
        assert uk_shop in emulator.deauthorize_seller()["shop_ids"]
        assert emulator.wait_for_webhooks(timeout=10)["settled"]
        arrived = list(receiver.received)
    for webhook in arrived:
        answer = chain.webhook(
            delivered_event(webhook.body, webhook.headers["authorization"]), FakeLambdaContext()
        )
        assert answer["statusCode"] == 200
    chain.run_decider()
    assert chain.failures == []
    assert not directory_entries()[uk_shop].active
    boto3.client("dynamodb").create_table(TableName="SweepStateTable", **table_schema("SweepStateTable"))
    monkeypatch.setenv("SWEEP_STATE_TABLE", "SweepStateTable")
    reset_functions()
    import sweep_app

    emulator.clear_calls()
    report = sweep_app.lambda_handler({}, FakeLambdaContext(timeout_seconds=60))
    assert uk_shop not in report["failed_shops"]
    assert not [call for call in emulator.calls() if call.query.get("shop_cipher") == UK_CIPHER]

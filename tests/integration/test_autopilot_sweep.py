"""SweepCancellationsFunction in process (the real handler), against moto and the TikTok emulator: pending
cancellations no webhook brought are found and decided as a webhook's would be (one approval, one record);
a run resumes from its page, skips while another holds the lease, and one shop's failure spares the others;
a needs-review still pending near TikTok's deadline is published once more."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from lambda_context import FakeLambdaContext
from support.approvals import CREDENTIALS, PENDING, SHIPPED, Aws
from support.autopilot import (
    APPROVING_POLICY,
    DEFAULT_SHOP_ID,
    Chain,
    approve_calls,
    notification,
    record,
    reset_functions,
    set_policy,
)
from support.cfn_template import table_schema
from tiktok_emulator import AuthorizedShop, TikTokEmulator

SWEEP_STATE = "SweepStateTable"


@pytest.fixture
def sweep(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> Any:
    boto3.client("dynamodb").create_table(TableName=SWEEP_STATE, **table_schema(SWEEP_STATE))
    monkeypatch.setenv("SWEEP_STATE_TABLE", SWEEP_STATE)
    reset_functions()
    import sweep_app

    def run(timeout: float = 60.0) -> dict[str, Any]:
        return sweep_app.lambda_handler({}, FakeLambdaContext(timeout_seconds=timeout))

    return run


def pending_ids() -> list[str]:
    return [*PENDING, SHIPPED]  # the emulator's seed: every one shows as pending in Search


def test_one_sweep_finds_and_decides_what_no_webhook_brought(
    chain: Chain, sweep: Any, emulator: TikTokEmulator
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    report = sweep()
    assert report["found"] == len(pending_ids())
    assert report["failed_shops"] == {}
    assert report["outcomes"] == {"approval_queued": len(pending_ids())}
    requests = [json.loads(m["Body"]) for m in drain(chain)]
    assert sorted(r["cancel_id"] for r in requests) == sorted(pending_ids())
    chain.run_approvals()
    assert all(approve_calls(emulator, cancel_id) == 1 for cancel_id in PENDING)
    assert record(PENDING[0])["outcome"] == "approved"
    assert "webhook_received_at" not in record(PENDING[0])  # found by the sweep, not notified


def test_a_cancellation_seen_by_a_webhook_and_a_sweep_is_approved_once(
    chain: Chain, sweep: Any, emulator: TikTokEmulator
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    assert chain.send_webhook(notification(PENDING[0], notification_id="n-s1")) == 200
    chain.run_decider()
    report = sweep()
    assert report["outcomes"]["approval_already_queued"] == 1
    sweep()  # and again: nothing is asked for twice
    bodies = [json.loads(m["Body"])["cancel_id"] for m in drain(chain)]
    assert sorted(bodies) == sorted(pending_ids())
    chain.run_approvals()
    assert approve_calls(emulator, PENDING[0]) == 1


def test_a_sweep_while_another_runs_does_nothing(chain: Chain, sweep: Any) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    boto3.client("dynamodb").put_item(
        TableName=SWEEP_STATE,
        Item={
            "shop_id": {"S": "#lease"},
            "run_id": {"S": "other"},
            "lease_until": {"N": str(int(time.time()) + 60)},
        },
    )
    report = sweep()
    assert report["skipped"] is True
    assert report["found"] == 0
    assert chain.waiting(chain.approval_queue_url) == []


def test_an_expired_lease_does_not_block_the_next_run(chain: Chain, sweep: Any) -> None:
    boto3.client("dynamodb").put_item(
        TableName=SWEEP_STATE,
        Item={
            "shop_id": {"S": "#lease"},
            "run_id": {"S": "crashed"},
            "lease_until": {"N": str(int(time.time()) - 1)},
        },
    )
    assert sweep()["skipped"] is False
    assert "Item" not in boto3.client("dynamodb").get_item(
        TableName=SWEEP_STATE, Key={"shop_id": {"S": "#lease"}}
    )


def test_a_run_bounded_in_pages_resumes_where_it_stopped(
    chain: Chain, sweep: Any, monkeypatch: pytest.MonkeyPatch, emulator: TikTokEmulator
) -> None:
    many = [f"5760004000000000{n:03d}" for n in range(120)]  # three pages of 50
    emulator.seed(dict.fromkeys(many, "pending"))
    set_policy(DEFAULT_SHOP_ID, {**APPROVING_POLICY, "mode": "observe"})
    monkeypatch.setenv("SWEEP_MAX_PAGES", "1")
    reset_functions()
    first, second, third, fourth = sweep(), sweep(), sweep(), sweep()
    total = len(many) + len(pending_ids())
    assert [first["found"], second["found"], third["found"]] == [50, 50, total - 100]
    assert fourth["found"] == 50  # the last page was reached: the next run starts over
    assert sum(r["outcomes"].get("recorded", 0) for r in (first, second, third)) == total


def test_one_shops_failure_does_not_stop_the_others(
    chain: Chain, sweep: Any, aws: Aws, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shop_directory import ShopEntry

    revoked = AuthorizedShop(cipher="ROW_gone_cipher", id="7000000000000000009", name="gone", region="GB")
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName="ShopsTable", **table_schema("ShopsTable"))
    arn = aws.secrets.create_secret(
        Name="tiktok-shop/sellers/gone",
        SecretString=json.dumps(
            {**CREDENTIALS, "access_token": "a-token-tiktok-revoked", "shop_cipher": revoked.cipher}
        ),
    )["ARN"]
    entry = ShopEntry.from_authorized_shop(revoked, secret_id=arn, seller_name="gone")
    dynamodb.put_item(TableName="ShopsTable", Item={k: {"S": v} for k, v in entry.to_item().items()})
    monkeypatch.setenv("SHOPS_TABLE", "ShopsTable")
    reset_functions()
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    report = sweep()
    assert report["shops"] == 2
    assert list(report["failed_shops"]) == [revoked.id]
    assert report["outcomes"] == {"approval_queued": len(pending_ids())}


def test_a_needs_review_still_pending_near_the_deadline_is_escalated_once(
    chain: Chain, sweep: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(DEFAULT_SHOP_ID, {**APPROVING_POLICY, "refund_limits": {"USD": {"max": "1.00"}}})
    sweep()
    first = chain.review_events()
    assert len(first) == len(pending_ids())
    assert all(event["detail"]["escalation"] is False for event in first)
    # Every seeded cancellation's deadline is within a day (the emulator's window): an escalation window
    # of two days makes them all due.
    monkeypatch.setenv("ESCALATION_MINUTES", str(48 * 60))
    reset_functions()
    report = sweep()
    assert report["outcomes"] == {"escalated": len(pending_ids())}
    escalations = chain.review_events()
    assert len(escalations) == len(pending_ids())
    assert all(event["detail"]["escalation"] is True for event in escalations)
    assert sweep()["outcomes"] == {"review_already_published": len(pending_ids())}
    assert chain.review_events() == []
    assert "escalated_at" in record(PENDING[0])


def drain(chain: Chain) -> list[dict[str, Any]]:
    """Every request on ApprovalQueue, left there for the approval function."""
    messages: list[dict[str, Any]] = []
    while batch := chain.sqs.receive_message(
        QueueUrl=chain.approval_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
    ).get("Messages", []):
        messages.extend(batch)
    for message in messages:
        chain.sqs.change_message_visibility(
            QueueUrl=chain.approval_queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return messages


def test_a_page_token_tiktok_refuses_sends_the_next_run_to_the_first_page(chain: Chain, sweep: Any) -> None:
    set_policy(DEFAULT_SHOP_ID, {**APPROVING_POLICY, "mode": "observe"})
    boto3.client("dynamodb").put_item(
        TableName=SWEEP_STATE, Item={"shop_id": {"S": DEFAULT_SHOP_ID}, "page_token": {"S": "not-a-token"}}
    )
    refused = sweep()
    assert list(refused["failed_shops"]) == [DEFAULT_SHOP_ID]
    assert sweep()["found"] == len(pending_ids())


def test_a_cancellation_withdrawn_after_the_sweep_ends_as_a_conflict_without_retries(
    chain: Chain, sweep: Any, aws: Aws, emulator: TikTokEmulator
) -> None:
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    sweep()
    emulator.withdraw(PENDING[0])  # between the search and the approval
    chain.run_approvals()
    assert chain.failures == []  # parked, not redelivered
    assert record(PENDING[0])["outcome"] == "conflict"
    [parked] = [m for m in aws.dead_letters() if json.loads(m["Body"])["cancel_id"] == PENDING[0]]
    assert parked["MessageAttributes"]["origin"]["StringValue"] == "autopilot"  # a redrive still records


def test_a_deauthorized_sellers_shop_is_not_swept(
    chain: Chain, sweep: Any, aws: Aws, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from shop_directory import ShopEntry

    gone = AuthorizedShop(cipher="ROW_gone_cipher", id="7000000000000000009", name="gone", region="GB")
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName="ShopsTable", **table_schema("ShopsTable"))
    arn = aws.secrets.create_secret(
        Name="tiktok-shop/sellers/gone", SecretString=json.dumps({**CREDENTIALS, "shop_cipher": gone.cipher})
    )["ARN"]
    entry = replace(ShopEntry.from_authorized_shop(gone, secret_id=arn), active=False, deactivated_at=1)
    dynamodb.put_item(TableName="ShopsTable", Item=entry.to_attributes())
    monkeypatch.setenv("SHOPS_TABLE", "ShopsTable")
    reset_functions()
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    report = sweep()
    assert (report["shops"], report["failed_shops"]) == (1, {})
    assert not [call for call in emulator.calls() if call.query.get("shop_cipher") == gone.cipher]


def test_a_seller_who_leaves_before_its_webhook_is_decided_fails_only_its_shop(
    chain: Chain, sweep: Any, aws: Aws, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """De-authorized at TikTok, still active in the directory (its type-6 webhook not decided yet): TikTok
    refuses its revoked token, that shop is reported, the default shop is swept."""
    from shop_directory import ShopEntry

    leaving = emulator.add_seller(
        "leaving-seller", [AuthorizedShop(cipher="ROW_leaving_cipher", id="7000000000000000077", region="GB")]
    )
    [shop] = leaving.shops
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName="ShopsTable", **table_schema("ShopsTable"))
    arn = aws.secrets.create_secret(
        Name="tiktok-shop/sellers/leaving",
        SecretString=json.dumps(
            {**CREDENTIALS, "access_token": leaving.access_token, "shop_cipher": shop.cipher}
        ),
    )["ARN"]
    entry = ShopEntry.from_authorized_shop(shop, secret_id=arn, seller_name="leaving")
    dynamodb.put_item(TableName="ShopsTable", Item=entry.to_attributes())
    monkeypatch.setenv("SHOPS_TABLE", "ShopsTable")
    reset_functions()
    set_policy(DEFAULT_SHOP_ID, APPROVING_POLICY)
    emulator.deauthorize_seller("leaving-seller")  # webhooks are off here: nothing tells the stack
    report = sweep()
    assert list(report["failed_shops"]) == [shop.id]
    assert "36009004" in report["failed_shops"][shop.id] or "refused" in report["failed_shops"][shop.id]
    assert report["outcomes"] == {"approval_queued": len(pending_ids())}

"""The autopilot's stores against moto: the policy store's validated writes and fail-closed reads, the
decision log's rule of which decision stands, and the operator's `make policy` / `make decisions` script.
The tables are the template's own definitions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import autopilot_operator
import boto3
import pytest
from cancellation_policy import Decision, PolicyError, Verdict
from decision_log import DecisionLog, Outcome
from policy_store import DEFAULT_KEY, PolicyStoreError
from policy_store.reader import PolicyReader
from policy_store.writer import PolicyWriter
from support.cfn_template import table_schema
from tiktok_shop import Cancellation

POLICIES = "PoliciesTable"
DECISIONS = "DecisionsTable"
SHOP = "7494049642642441600"
POLICY = {"version": 1, "mode": "approve", "refund_limits": {"USD": {"max": "50.00"}}}


@pytest.fixture
def dynamodb(moto_env: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    client = boto3.client("dynamodb")
    for table in (POLICIES, DECISIONS):
        client.create_table(TableName=table, **table_schema(table))
    monkeypatch.setenv("POLICIES_TABLE", POLICIES)
    monkeypatch.setenv("DECISIONS_TABLE", DECISIONS)
    return client


# --- the policy store ------------------------------------------------------------------------------------


def test_a_shop_without_a_policy_gets_the_default_then_the_built_in_observe(dynamodb: Any):
    writer = PolicyWriter(POLICIES, dynamodb=dynamodb)
    reader = PolicyReader(POLICIES, dynamodb=dynamodb, max_age=0)
    assert writer.effective(SHOP).source == "built-in"
    assert reader.policy_for(SHOP).mode.value == "observe"
    writer.put(DEFAULT_KEY, json.dumps({**POLICY, "version": "d1"}))
    assert writer.effective(SHOP).source == "default"
    assert reader.policy_for(SHOP).version == "d1"
    writer.put(SHOP, json.dumps(POLICY))
    assert writer.effective(SHOP).source == "shop"
    assert reader.policy_for(SHOP).version == 1


def test_an_invalid_policy_is_refused_before_anything_is_written(dynamodb: Any):
    writer = PolicyWriter(POLICIES, dynamodb=dynamodb)
    with pytest.raises(PolicyError, match=r"refund_limits\.USD\.max"):
        writer.put(SHOP, json.dumps({**POLICY, "refund_limits": {"USD": {"max": 50}}}))
    assert dynamodb.scan(TableName=POLICIES)["Items"] == []


def test_changed_rules_under_the_same_version_are_refused(dynamodb: Any):
    writer = PolicyWriter(POLICIES, dynamodb=dynamodb)
    writer.put(SHOP, json.dumps(POLICY))
    writer.put(SHOP, json.dumps(POLICY))  # the same rules again: fine
    with pytest.raises(PolicyError, match="already stored"):
        writer.put(SHOP, json.dumps({**POLICY, "mode": "observe"}))
    writer.put(SHOP, json.dumps({**POLICY, "mode": "observe", "version": 2}))
    assert PolicyReader(POLICIES, dynamodb=dynamodb, max_age=0).policy_for(SHOP).version == 2


@pytest.mark.parametrize("stored", ['{"mode": "approve"', "", '{"version": 1, "mode": "approve!"}'])
def test_a_stored_policy_that_does_not_read_fails_closed(dynamodb: Any, stored: str):
    dynamodb.put_item(TableName=POLICIES, Item={"shop_id": {"S": SHOP}, "policy": {"S": stored}})
    with pytest.raises(PolicyError, match=f"shop {SHOP}'s policy"):
        PolicyReader(POLICIES, dynamodb=dynamodb, max_age=0).policy_for(SHOP)


def test_a_missing_table_fails_closed_rather_than_retrying_forever(moto_env: str):
    reader = PolicyReader("NoSuchTable", dynamodb=boto3.client("dynamodb"), max_age=0)
    with pytest.raises(PolicyError, match="NoSuchTable"):
        reader.policy_for(SHOP)


def test_a_write_to_a_missing_table_is_a_store_error(moto_env: str):
    with pytest.raises(PolicyStoreError, match="NoSuchTable"):
        PolicyWriter("NoSuchTable", dynamodb=boto3.client("dynamodb")).put(SHOP, json.dumps(POLICY))


# --- the decision log ------------------------------------------------------------------------------------


def pending(cancel_id: str = "c-1", status: str = "CANCELLATION_REQUEST_PENDING") -> Cancellation:
    return Cancellation(
        cancel_id=cancel_id,
        cancel_status=status,
        order_id="o-1",
        refund_amount={"refund_total": "9.99", "currency": "USD"},
    )


def decision(verdict: Verdict, *, dry_run: bool = False, version: str = "1") -> Decision:
    return Decision(verdict, (f"because {verdict.value}",), version, dry_run=dry_run)


def test_an_approval_asked_for_stands_whatever_is_decided_later(dynamodb: Any):
    log = DecisionLog(DECISIONS, dynamodb=dynamodb)
    first = log.record_decision(
        shop_id=SHOP,
        cancel_id="c-1",
        cancellation=pending(),
        decision=decision(Verdict.APPROVE),
        decided_at=100,
    )
    assert first.approval_decided
    log.mark_approval_queued(shop_id=SHOP, cancel_id="c-1", at=101)
    later = log.record_decision(
        shop_id=SHOP,
        cancel_id="c-1",
        cancellation=pending(status="CANCELLATION_REQUEST_SUCCESS"),
        decision=decision(Verdict.NEEDS_REVIEW, version="2"),
        decided_at=200,
    )
    assert (later.verdict, later.policy_version, later.decided_at) == ("approve", "1", 100)
    assert later.tiktok_status == "CANCELLATION_REQUEST_SUCCESS"  # TikTok's latest word is kept all the same


def test_a_dry_run_is_replaced_by_a_live_decision_and_nothing_to_decide_replaces_nothing(dynamodb: Any):
    log = DecisionLog(DECISIONS, dynamodb=dynamodb)
    args: dict[str, Any] = {"shop_id": SHOP, "cancel_id": "c-2", "cancellation": pending("c-2")}
    log.record_decision(**args, decision=decision(Verdict.APPROVE, dry_run=True), decided_at=100)
    live = log.record_decision(**args, decision=decision(Verdict.APPROVE, version="2"), decided_at=200)
    assert (live.dry_run, live.policy_version) == (False, "2")
    review = log.record_decision(**args, decision=decision(Verdict.NEEDS_REVIEW), decided_at=250)
    kept = log.record_decision(**args, decision=decision(Verdict.NOTHING_TO_DECIDE), decided_at=300)
    assert (review.verdict, kept.verdict, kept.decided_at) == ("needs_review", "needs_review", 250)


def test_an_approval_never_asked_for_is_replaced_by_what_is_decided_now(dynamodb: Any):
    # A crash after the decision was recorded and before the request was sent: at the redelivery the policy
    # (or TikTok) may say otherwise, and the record must not keep claiming an approval.
    log = DecisionLog(DECISIONS, dynamodb=dynamodb)
    args: dict[str, Any] = {"shop_id": SHOP, "cancel_id": "c-5", "cancellation": pending("c-5")}
    log.record_decision(**args, decision=decision(Verdict.APPROVE), decided_at=100)
    gone = log.record_decision(**args, decision=decision(Verdict.NOTHING_TO_DECIDE), decided_at=200)
    assert (gone.verdict, gone.decided_at) == ("nothing_to_decide", 200)


def test_an_outcome_is_recorded_only_on_a_record_the_autopilot_made(dynamodb: Any):
    log = DecisionLog(DECISIONS, dynamodb=dynamodb)
    assert log.record_outcome(shop_id=SHOP, cancel_id="never-seen", outcome=Outcome.APPROVED) is False
    assert log.get(SHOP, "never-seen") is None
    assert (
        log.record_outcome(shop_id="404", cancel_id="c-3", outcome=Outcome.UNKNOWN_SHOP, detail="?") is True
    )
    stored = log.get("404", "c-3")
    assert stored is not None
    assert stored.outcome == "unknown_shop"
    assert stored.expires_at is not None
    assert stored.expires_at > time.time() + 80 * 86400


def test_notifications_out_of_order_are_all_kept_once_each(dynamodb: Any):
    log = DecisionLog(DECISIONS, dynamodb=dynamodb)
    notices = [
        ("n-20", "CANCELLATION_REQUEST_CANCELLED", 20),
        ("n-10", "CANCELLATION_REQUEST_PENDING", 10),
        ("n-10", "CANCELLATION_REQUEST_PENDING", 10),  # the same notice redelivered: nothing changes
    ]
    for notification_id, status, at in notices:
        log.note_webhook(
            shop_id=SHOP,
            cancel_id="c-4",
            order_id="o",
            notification_id=notification_id,
            cancel_status=status,
            notified_at=at,
            received_at=30,
        )
    stored = log.get(SHOP, "c-4")
    assert stored is not None
    assert stored.webhook_statuses == ("CANCELLATION_REQUEST_CANCELLED@20", "CANCELLATION_REQUEST_PENDING@10")
    assert stored.notifications == 2


# --- make policy / make decisions ------------------------------------------------------------------------


def test_make_policy_shows_sets_and_refuses(
    dynamodb: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert autopilot_operator.main(["policy", SHOP]) == 0
    assert "built-in default (observe" in capsys.readouterr().out
    good = tmp_path / "policy.json"
    good.write_text(json.dumps(POLICY))
    assert autopilot_operator.main(["policy", SHOP, "--file", str(good)]) == 0
    assert "version 1, mode approve" in capsys.readouterr().out
    assert autopilot_operator.main(["policy", SHOP]) == 0
    shown = capsys.readouterr().out
    assert "its own policy" in shown
    assert '"50.00"' in shown
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "mode": "approve", "refund_limits": {"USD": {"max": 50}}}')
    assert autopilot_operator.main(["policy", SHOP, "--file", str(bad)]) == autopilot_operator.EXIT_BAD_INPUT
    assert "invalid policy (refund_limits.USD.max)" in capsys.readouterr().err
    assert autopilot_operator.main(["policy", "not a shop!", "--file", str(good)]) == 4
    assert autopilot_operator.main(["policy", SHOP, "--file", str(tmp_path / "missing.json")]) == 4


def test_make_decisions_lists_newest_first_with_the_reasons(
    dynamodb: Any, capsys: pytest.CaptureFixture[str]
):
    assert autopilot_operator.main(["decisions"]) == 0
    assert "No decision on record." in capsys.readouterr().out
    log = DecisionLog(DECISIONS, dynamodb=dynamodb)
    for n, verdict in enumerate((Verdict.APPROVE, Verdict.NEEDS_REVIEW)):
        log.record_decision(
            shop_id=SHOP,
            cancel_id=f"c-{n}",
            cancellation=pending(f"c-{n}"),
            decision=decision(verdict),
            decided_at=1_700_000_000 + n,
        )
    assert autopilot_operator.main(["decisions", "--shop", SHOP]) == 0
    out = capsys.readouterr().out
    assert out.index("c-1") < out.index("c-0")
    assert "because needs_review" in out
    assert "9.99 USD" in out
    assert autopilot_operator.main(["decisions", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["cancel_id"] for r in records] == ["c-1", "c-0"]


def test_without_a_table_the_operator_is_told_where_to_set_it(
    moto_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.delenv("DECISIONS_TABLE", raising=False)
    config = tmp_path / "samconfig.toml"
    config.write_text("version = 0.1\n")
    assert autopilot_operator.main(["decisions", "--config-file", str(config)]) == 3
    assert "$DECISIONS_TABLE" in capsys.readouterr().err

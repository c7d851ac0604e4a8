"""Reconciliation: an approval without a clear answer is settled by Search Cancellations, for every
trigger, whether TikTok replays a repeated idempotency_key or processes it again (it does not document
which)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from approval.errors import ApprovalError
from support.approvals import (
    PENDING,
    Aws,
    Invoke,
    api_event,
    body,
    expire_in_progress,
    header,
    sqs_event,
)
from tiktok_emulator import Fault, TikTokEmulator

TRIGGERS = ("api", "sqs", "direct")
CANCEL_ID = PENDING[4]
MARKED = {"success": True, "status": "CANCELLATION_APPROVED", "already_approved": True}
SEARCH_PATH = "/return_refund/202309/cancellations/search"


@pytest.fixture(params=["replay", "reprocess"])
def mode(request: pytest.FixtureRequest, emulator: TikTokEmulator) -> str:
    emulator.set_repeated_key_mode(request.param)
    return str(request.param)


@dataclass
class Seen:
    """What the caller of one trigger saw, in one vocabulary: `outcome` is the HTTP status (api), "ok" or
    the error class name (direct), "acknowledged", "redelivered" or "dead-lettered" (sqs)."""

    outcome: int | str
    result: dict[str, Any] | None = None
    headers: dict[str, str | None] = field(default_factory=dict)
    reason: dict[str, str] = field(default_factory=dict)


def approve_via(trigger: str, invoke: Invoke, aws: Aws, cancel_id: str) -> Seen:
    if trigger == "api":
        response = invoke(api_event(cancel_id))
        names = ("Idempotent-Replayed", "Already-Approved", "Retry-After")
        return Seen(response["statusCode"], body(response), {n: header(response, n) for n in names})
    if trigger == "direct":
        try:
            return Seen("ok", invoke({"cancel_id": cancel_id}))
        except ApprovalError as error:
            return Seen(type(error).__name__, error.to_result(0).to_dict())
    response = invoke(sqs_event(json.dumps({"cancel_id": cancel_id})))
    if response["batchItemFailures"]:
        return Seen("redelivered")
    parked = aws.dead_letters()
    if not parked:
        return Seen("acknowledged")
    [message] = parked
    reason = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
    return Seen("dead-lettered", reason=reason)


SUCCESS = {"api": 200, "direct": "ok", "sqs": "acknowledged"}
CONFLICT = {"api": 409, "direct": "CancellationConflict", "sqs": "dead-lettered"}
TRANSIENT = {"api": 503, "direct": "TikTokUnavailable", "sqs": "redelivered"}


def assert_marked_success(trigger: str, seen: Seen) -> None:
    assert seen.outcome == SUCCESS[trigger], seen
    if trigger != "sqs":
        assert seen.result is not None
        assert seen.result["code"] == 0
        assert seen.result["data"] == MARKED
        assert seen.result["request_id"]
    if trigger == "api":
        assert seen.headers["Already-Approved"] == "true"


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("state", ["approved", "complete"])
def test_approved_elsewhere_is_a_marked_success(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, mode: str, trigger: str, state: str
):
    emulator.seed({CANCEL_ID: state})  # Seller Center, or the system, decided before us
    seen = approve_via(trigger, invoke, aws, CANCEL_ID)
    assert_marked_success(trigger, seen)
    assert [(c.path.rsplit("/", 1)[-1], c.code) for c in emulator.recorder.calls] == [
        ("approve", 25011012),
        ("search", 0),
    ]
    assert emulator.approvals() == {}  # nobody approved it through the API: it was found so


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_withdrawn_request_is_a_conflict_carrying_tiktoks_status(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, mode: str, trigger: str
):
    emulator.withdraw(CANCEL_ID)
    seen = approve_via(trigger, invoke, aws, CANCEL_ID)
    assert seen.outcome == CONFLICT[trigger]
    if trigger == "sqs":
        assert seen.reason["error_type"] == "CancellationConflict"
        assert seen.reason["cancel_status"] == "CANCELLATION_REQUEST_CANCELLED"
        assert seen.reason["code"] == "25020009"
    else:
        assert seen.result is not None
        assert seen.result["code"] == 25020009
        assert seen.result["data"] == {
            "success": False,
            "status": "CANCELLATION_STATE_CONFLICT",
            "cancel_status": "CANCELLATION_REQUEST_CANCELLED",
        }
    assert emulator.cancellation_state(CANCEL_ID) == "cancelled"


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_an_answer_lost_after_tiktok_approved_is_found_approved_and_stored(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, mode: str, trigger: str
):
    # Every attempt reaches TikTok and loses its answer: the first approves, the retries repeat the key.
    emulator.inject_fault(Fault(kind="lost_answer"), cancel_id=CANCEL_ID, times=None)
    seen = approve_via(trigger, invoke, aws, CANCEL_ID)
    assert_marked_success(trigger, seen)
    assert emulator.approvals() == {CANCEL_ID: 1}
    [record] = aws.idempotency_records()
    assert record["status"]["S"] == "COMPLETED"
    if trigger == "api":
        again = approve_via(trigger, invoke, aws, CANCEL_ID)
        assert again.result == seen.result
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["Already-Approved"] == "true"


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_an_unknown_outcome_still_pending_is_transient_then_approved_once(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, mode: str, trigger: str
):
    emulator.inject_fault(Fault(kind="drop"), cancel_id=CANCEL_ID, times=None)  # never reaches the endpoint
    seen = approve_via(trigger, invoke, aws, CANCEL_ID)
    assert seen.outcome == TRANSIENT[trigger]
    assert emulator.recorder.calls[-1].path == SEARCH_PATH
    assert emulator.cancellation_state(CANCEL_ID) == "pending"
    assert aws.idempotency_records() == []  # failures are not stored: the retry runs again
    if trigger == "api":
        assert int(seen.headers["Retry-After"] or 0) > 0
    emulator.clear_faults()
    retried = approve_via(trigger, invoke, aws, CANCEL_ID)
    assert retried.outcome == SUCCESS[trigger]
    assert emulator.approvals() == {CANCEL_ID: 1}


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_failing_search_is_transient_never_a_guessed_success(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, mode: str, trigger: str
):
    # The approval is applied and its answer lost; the search is cut off too (faults match in order).
    emulator.inject_fault(Fault(kind="lost_answer"), cancel_id=CANCEL_ID, times=None)
    emulator.inject_fault(Fault(kind="drop"), times=None)
    seen = approve_via(trigger, invoke, aws, CANCEL_ID)
    assert seen.outcome == TRANSIENT[trigger]
    if trigger != "sqs":
        assert seen.result is not None
        assert "Search Cancellations failed too" in seen.result["message"]
    emulator.clear_faults()
    retried = approve_via(trigger, invoke, aws, CANCEL_ID)
    assert retried.outcome == SUCCESS[trigger]
    assert emulator.approvals() == {CANCEL_ID: 1}
    if trigger != "sqs":
        assert retried.result is not None
        # Replay mode: TikTok answers the repeated key with its first success. Reprocess mode: 25011012,
        # then the search finds it approved.
        expected = {"success": True, "status": "CANCELLATION_APPROVED"}
        assert retried.result["data"] == (expected if mode == "replay" else MARKED)


def test_a_crash_before_the_record_completed_is_recovered_in_both_modes(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, mode: str
):
    """In process: an INPROGRESS record past its expiry is what a killed invocation leaves (tests/e2e kills
    a real process). The retry repeats TikTok's key; whatever TikTok does with it, the answer is success."""
    first = invoke(api_event(CANCEL_ID))
    assert first["statusCode"] == 200
    expire_in_progress(aws)
    retry = invoke(api_event(CANCEL_ID))
    assert retry["statusCode"] == 200, retry["body"]
    assert body(retry)["data"]["success"] is True
    assert emulator.approvals() == {CANCEL_ID: 1}
    [record] = aws.idempotency_records()
    assert record["status"]["S"] == "COMPLETED"

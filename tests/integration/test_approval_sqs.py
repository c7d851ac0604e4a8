"""The SQS adapter: partial batch responses, the dead-letter queue for permanent failures, concurrency."""

from __future__ import annotations

import json
import re

import pytest
from approval.errors import InvalidApprovalRequest
from support.approvals import PENDING, SHIPPED, Aws, Invoke, load_event, sqs_event
from tiktok_emulator import Fault, TikTokEmulator

# A type name where whoever reads the dead-letter queue expects words.
PYTHON_TYPE_NAMES = re.compile(r"\b(None|NoneType|dict|int|str|float|bool|tuple)\b")


def request(cancel_id: str, key: str | None = None) -> str:
    return json.dumps({"cancel_id": cancel_id, **({"query": {"idempotency_key": key}} if key else {})})


def failed_ids(response: dict) -> set[str]:
    return {item["itemIdentifier"] for item in response["batchItemFailures"]}


def attributes(message: dict) -> dict[str, str]:
    return {name: value["StringValue"] for name, value in message.get("MessageAttributes", {}).items()}


def test_the_sample_batch_approves_good_records_and_parks_bad_ones(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    event = load_event("sqs_batch.json")
    response = invoke(event)
    assert response == {"batchItemFailures": []}
    good = [r for r in event["Records"] if _is_valid_request(r["body"])]
    bad = [r for r in event["Records"] if not _is_valid_request(r["body"])]
    assert len(good) == 2
    assert len(bad) == 2
    for record in good:
        assert emulator.cancellation_state(json.loads(record["body"])["cancel_id"]) == "approved"
    parked = aws.dead_letters()
    assert sorted(m["Body"] for m in parked) == sorted(r["body"] for r in bad)
    for message in parked:
        reason = attributes(message)
        assert reason["error_type"] == "InvalidApprovalRequest"
        assert reason["error_message"]
        assert not PYTHON_TYPE_NAMES.search(reason["error_message"]), reason["error_message"]
        assert set(reason) == {"error_type", "error_message", "source_message_id"}  # no empty code etc.
        assert reason["source_message_id"] in {r["messageId"] for r in bad}
    assert emulator.recorder.count() == 2


def test_a_business_error_is_parked_with_tiktoks_reason(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    response = invoke(sqs_event(request(SHIPPED)))
    assert response == {"batchItemFailures": []}
    [message] = aws.dead_letters()
    reason = attributes(message)
    assert reason["error_type"] == "CancellationConflict"
    assert reason["code"] == "25001045"
    assert reason["request_id"]
    assert json.loads(message["Body"]) == {"cancel_id": SHIPPED}


def test_transient_failures_come_back_as_batch_item_failures(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    emulator.inject_fault(Fault(kind="http_503"), cancel_id=PENDING[1], times=None)
    event = sqs_event(request(PENDING[0]), request(PENDING[1]), request(PENDING[2]))
    response = invoke(event)
    assert failed_ids(response) == {event["Records"][1]["messageId"]}
    assert aws.dead_letters() == []
    assert emulator.cancellation_state(PENDING[1]) == "pending"
    # Redelivered once TikTok is back: approved then.
    emulator.clear_faults()
    assert invoke({"Records": [event["Records"][1]]}) == {"batchItemFailures": []}
    assert emulator.cancellation_state(PENDING[1]) == "approved"


def test_a_batch_that_fails_entirely_still_answers_per_record(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    emulator.inject_fault(Fault(kind="http_429"), times=None)
    event = sqs_event(*(request(cancel_id) for cancel_id in PENDING[:3]))
    response = invoke(event)
    assert failed_ids(response) == {r["messageId"] for r in event["Records"]}
    assert aws.dead_letters() == []


def test_a_redelivered_success_is_replayed_not_reapproved(invoke: Invoke, emulator: TikTokEmulator):
    event = sqs_event(request(PENDING[0], key="sqs-key-1"))
    assert invoke(event) == {"batchItemFailures": []}
    assert invoke(event) == {"batchItemFailures": []}
    assert emulator.recorder.count() == 1


def test_when_the_dead_letter_queue_is_unreachable_the_record_is_kept(
    invoke: Invoke, emulator: TikTokEmulator, monkeypatch
):
    from approval import dependencies

    monkeypatch.setenv("APPROVAL_DLQ_URL", "http://127.0.0.1:1/123456789012/missing")
    dependencies.reset()
    event = sqs_event("not json")
    assert failed_ids(invoke(event)) == {event["Records"][0]["messageId"]}


def test_records_are_approved_concurrently(invoke: Invoke, emulator: TikTokEmulator):
    invoke(sqs_event(request(SHIPPED)))  # a cold start is not what this measures
    emulator.recorder.clear()
    emulator.inject_fault(Fault(kind="latency", delay=1.0), times=None)
    response = invoke(sqs_event(*(request(cancel_id) for cancel_id in PENDING)))
    assert response == {"batchItemFailures": []}
    assert all(emulator.cancellation_state(cancel_id) == "approved" for cancel_id in PENDING)
    # Each call waits 1 s for its answer: in sequence, no call could arrive before the first was answered.
    # The worker pool (10 here) sends them together.
    arrivals = sorted(call.timestamp for call in emulator.recorder.calls)
    in_flight_with_the_first = sum(1 for arrived in arrivals if arrived < arrivals[0] + 1.0)
    assert in_flight_with_the_first >= 5, arrivals


def _is_valid_request(body: str) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and str(data.get("cancel_id", "")).isdigit()


def test_a_body_nested_too_deep_to_parse_is_parked(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    assert invoke(sqs_event("[" * 5000 + "]" * 5000)) == {"batchItemFailures": []}
    [message] = aws.dead_letters()
    assert attributes(message)["error_type"] == "InvalidApprovalRequest"


def test_reason_attributes_hold_only_what_sqs_accepts(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    assert invoke(sqs_event('{"cancel_id": "1", "x\\u0000": 1}')) == {"batchItemFailures": []}
    [message] = aws.dead_letters()
    reason = attributes(message)["error_message"]
    assert "\x00" not in reason
    assert "x\ufffd" in reason


def test_query_null_means_no_query(invoke: Invoke, emulator: TikTokEmulator):
    assert invoke(sqs_event(json.dumps({"cancel_id": PENDING[0], "query": None}))) == {
        "batchItemFailures": []
    }
    assert emulator.cancellation_state(PENDING[0]) == "approved"


def test_records_of_sqs_mixed_with_another_source_are_refused_whole(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    event = sqs_event(request(PENDING[0]))
    sns = {"EventSource": "aws:sns", "Sns": {"Message": request(PENDING[1])}}
    event["Records"].append(sns)
    with pytest.raises(InvalidApprovalRequest) as raised:
        invoke(event)
    assert str(raised.value) == (
        "not an event this function takes: API Gateway REST, SQS or a direct request "
        "(this looks like records of several sources: aws:sns, aws:sqs)"
    )
    assert emulator.recorder.count() == 0
    assert aws.dead_letters() == []

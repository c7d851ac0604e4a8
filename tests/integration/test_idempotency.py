"""Idempotency: Powertools' record in DynamoDB on top of TikTok's idempotency_key."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from support.approvals import (
    PENDING,
    Aws,
    Invoke,
    api_event,
    body,
    expire_in_progress,
    forget_this_environment,
    header,
)
from tiktok_emulator import Fault, TikTokEmulator


def expire_the_only_record(aws: Aws) -> None:
    """As if the idempotency window had passed (DynamoDB's TTL deletes lazily; Powertools checks itself).
    The local cache's copy expires at the same time: here, by starting afresh."""
    [record] = aws.idempotency_records()
    aws.dynamodb.update_item(
        TableName="IdempotencyTable",
        Key={"id": record["id"]},
        UpdateExpression="SET expiration = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 10)}},
    )
    forget_this_environment()


def test_sequential_duplicates_call_tiktok_once(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    responses = [invoke(api_event(PENDING[0], header_key="dup-1")) for _ in range(5)]
    assert [r["statusCode"] for r in responses] == [200] * 5
    assert len({r["body"] for r in responses}) == 1
    assert emulator.recorder.count() == 1
    [record] = aws.idempotency_records()
    assert record["status"]["S"] == "COMPLETED"
    assert record["id"]["S"].startswith("approve-cancellation#")
    # Kept for the configured 48 h (TikTok's decision window).
    assert abs(int(record["expiration"]["N"]) - (time.time() + 48 * 3600)) < 60


def test_twenty_concurrent_duplicates_call_tiktok_once(invoke: Invoke, emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="latency", delay=0.3), times=1)
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: invoke(api_event(PENDING[0], header_key="race-1")), range(20)))
    statuses = sorted(r["statusCode"] for r in responses)
    assert emulator.recorder.count() == 1
    assert set(statuses) <= {200, 409}
    assert 200 in statuses
    for response in responses:
        if response["statusCode"] == 409:
            assert body(response)["data"]["status"] == "APPROVAL_IN_PROGRESS"
            assert header(response, "Retry-After")
        else:
            assert body(response)["code"] == 0
    assert emulator.cancellation_state(PENDING[0]) == "approved"


def test_a_duplicate_in_progress_gets_409_then_the_replay(invoke: Invoke, emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="latency", delay=1.0), times=1)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(invoke, api_event(PENDING[0]))
        # The first is waiting on TikTok once its call arrived: its in-progress record is written by then.
        give_up = time.monotonic() + 10
        while emulator.recorder.count() == 0 and time.monotonic() < give_up:
            time.sleep(0.01)
        during = invoke(api_event(PENDING[0]))
        first_response = first.result()
    assert during["statusCode"] == 409, during["body"]
    assert header(during, "Retry-After") == "2"
    assert first_response["statusCode"] == 200
    after = invoke(api_event(PENDING[0]))
    assert after["body"] == first_response["body"]
    assert header(after, "Idempotent-Replayed") == "true"
    assert emulator.recorder.count() == 1


def test_a_failed_approval_can_be_asked_again(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    emulator.inject_fault(Fault(kind="http_503"), times=4)
    assert invoke(api_event(PENDING[0], header_key="again"))["statusCode"] == 503
    assert aws.idempotency_records() == []
    assert invoke(api_event(PENDING[0], header_key="again"))["statusCode"] == 200
    assert emulator.cancellation_state(PENDING[0]) == "approved"


def test_an_expired_record_leads_to_a_new_attempt_whose_answer_is_handled(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    first = invoke(api_event(PENDING[0], header_key="old-key"))
    expire_the_only_record(aws)
    second = invoke(api_event(PENDING[0], header_key="old-key"))
    # A new approval reached TikTok with the same key, and TikTok replayed its first answer.
    assert emulator.recorder.count() == 2
    assert second["statusCode"] == 200
    assert header(second, "Idempotent-Replayed") is None
    assert body(second)["request_id"] == body(first)["request_id"]


def test_an_expired_record_without_tiktok_dedup_is_found_already_approved(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    invoke(api_event(PENDING[0], header_key="k-a"))
    expire_the_only_record(aws)
    emulator.reset()  # TikTok forgot the key (its own window passed); the cancellation is approved
    emulator.seed({PENDING[0]: "approved"})
    response = invoke(api_event(PENDING[0], header_key="k-a"))
    # TikTok answers 25011012 to the repeat; its Search Cancellations says approved: a success, marked.
    assert response["statusCode"] == 200, response["body"]
    assert body(response)["data"] == {
        "success": True,
        "status": "CANCELLATION_APPROVED",
        "already_approved": True,
    }
    assert [call.code for call in emulator.recorder.calls] == [25011012, 0]


def test_a_crash_after_tiktok_approved_is_recovered_with_the_same_tiktok_key(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    """TikTok approved, then the invocation died before saving: the record stays INPROGRESS until its
    in-progress expiry (the invocation's end). The retry must reuse TikTok's key, so nothing is approved twice."""
    first = invoke(api_event(PENDING[0]))
    expire_in_progress(aws)
    retry = invoke(api_event(PENDING[0]))
    assert retry["statusCode"] == 200, retry["body"]
    calls = emulator.recorder.calls
    assert len(calls) == 2
    assert calls[0].query["idempotency_key"] == calls[1].query["idempotency_key"]
    assert body(retry)["request_id"] == body(first)["request_id"]  # TikTok's replay of its first answer
    assert emulator.cancellation_state(PENDING[0]) == "approved"
    [completed] = aws.idempotency_records()
    assert completed["status"]["S"] == "COMPLETED"


def test_the_record_stores_the_result_returned(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    response = invoke(api_event(PENDING[0]))
    [record] = aws.idempotency_records()
    assert json.loads(record["data"]["S"]) == body(response)


def test_a_replay_in_the_same_environment_comes_from_its_local_cache(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    """Powertools' local cache (completed records only): the record gone from DynamoDB, this environment
    still replays it; a new environment reads DynamoDB, finds nothing, and asks TikTok with the same key."""
    first = invoke(api_event(PENDING[0], header_key="cache-1"))
    [record] = aws.idempotency_records()
    aws.dynamodb.delete_item(TableName="IdempotencyTable", Key={"id": record["id"]})
    again = invoke(api_event(PENDING[0], header_key="cache-1"))
    assert header(again, "Idempotent-Replayed") == "true"
    assert again["body"] == first["body"]
    assert emulator.recorder.count() == 1
    forget_this_environment()
    elsewhere = invoke(api_event(PENDING[0], header_key="cache-1"))
    assert header(elsewhere, "Idempotent-Replayed") is None
    assert [call.query["idempotency_key"] for call in emulator.recorder.calls] == ["cache-1", "cache-1"]

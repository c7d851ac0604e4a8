"""The SQS poller driver (local/sqs_poller, which make run's autopilot step, make soak and make
bench-bulk drive) against moto's
SQS: what Lambda's event source mapping does with each kind of answer, and the event it builds."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from sqs_poller import EventSourceMapping
from sqs_poller.mapping import FunctionError
from support.approvals import load_event

REGION = "us-east-1"


@pytest.fixture
def queue(moto_env: str) -> tuple[Any, str, str]:
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(
        QueueName="approvals", Attributes={"VisibilityTimeout": "1", "RedrivePolicy": redrive}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def send(sqs: Any, url: str, *bodies: str) -> None:
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies)]
    )


def left(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def mapping(sqs: Any, url: str, arn: str, function: Any, batch_size: int = 5) -> EventSourceMapping:
    return EventSourceMapping(
        sqs=sqs,
        queue_url=url,
        queue_arn=arn,
        region=REGION,
        batch_size=batch_size,
        batching_window_seconds=0,
        functions=[function],
    )


def test_the_event_has_lambdas_shape_and_acknowledged_messages_are_deleted(queue):
    sqs, url, arn = queue
    send(sqs, url, '{"cancel_id": "1"}', '{"cancel_id": "2"}')
    events: list[dict[str, Any]] = []

    def function(event: dict[str, Any]) -> dict[str, Any]:
        events.append(event)
        return {"batchItemFailures": []}

    stats = mapping(sqs, url, arn, function).run(until=lambda: left(sqs, url) == 0, poll_timeout=20)
    received = [record for event in events for record in event["Records"]]
    assert sorted(r["body"] for r in received) == ['{"cancel_id": "1"}', '{"cancel_id": "2"}']
    sample = load_event("sqs_batch.json")["Records"][0]
    for record in received:
        assert set(record) == set(sample)
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"] == arn
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert (stats.deleted, stats.reported_failures, stats.redeliveries) == (2, 0, 0)
    assert 0 < stats.last_deleted <= time.perf_counter() - stats.started


def test_a_reported_failure_is_redelivered_and_the_rest_deleted(queue):
    sqs, url, arn = queue
    send(sqs, url, "a", "b", "c")
    seen: list[str] = []

    def function(event: dict[str, Any]) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            seen.append(record["body"])
            if record["body"] == "b" and record["attributes"]["ApproximateReceiveCount"] == "1":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    stats = mapping(sqs, url, arn, function).run(until=lambda: left(sqs, url) == 0, poll_timeout=20)
    assert sorted(seen) == ["a", "b", "b", "c"]
    assert (stats.reported_failures, stats.redeliveries, stats.deleted) == (1, 1, 3)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(RuntimeError, id="function-error"),
        pytest.param({"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}, id="unknown-id"),
        pytest.param("not a batch response", id="not-a-dict"),
    ],
)
def test_a_failed_invocation_keeps_the_whole_batch_until_the_redrive(queue, answer):
    sqs, url, arn = queue
    send(sqs, url, "a", "b")
    dlq = sqs.get_queue_url(QueueName="dlq")["QueueUrl"]

    def function(event: dict[str, Any]) -> Any:
        if answer is RuntimeError:
            raise FunctionError("Runtime.ExitError")
        return answer

    def parked() -> int:
        return int(
            sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]["ApproximateNumberOfMessages"]
        )

    stats = mapping(sqs, url, arn, function).run(until=lambda: parked() == 2, poll_timeout=30)
    assert (stats.deleted, stats.last_deleted) == (0, 0.0)
    assert stats.function_errors >= 2  # received twice (maxReceiveCount 2), then moved by the redrive
    assert left(sqs, url) == 0


def test_the_batch_size_is_honoured(queue):
    sqs, url, arn = queue
    send(sqs, url, *[str(n) for n in range(7)])
    sizes: list[int] = []

    def function(event: dict[str, Any]) -> dict[str, Any]:
        sizes.append(len(event["Records"]))
        return {"batchItemFailures": []}

    mapping(sqs, url, arn, function, batch_size=3).run(until=lambda: left(sqs, url) == 0, poll_timeout=20)
    assert sum(sizes) == 7
    assert max(sizes) <= 3


def test_settings_outside_sqs_limits_are_refused(queue):
    sqs, url, arn = queue
    with pytest.raises(ValueError, match="1 to 10"):
        mapping(sqs, url, arn, lambda event: {}, batch_size=11)

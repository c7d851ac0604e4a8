"""The local stack with its queues in a moto server of their own (`queues_apart`, what make bench-bulk
uses): the functions reach it through AWS_ENDPOINT_URL_SQS, everything else stays on the main server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_helpers import LAYOUT, RUNTIME_VENV_PATH
from local_stack.invoke import invoke, load_event
from local_stack.provision import aws_client
from local_stack.stack import LocalStack, StackInfo


@pytest.fixture(scope="module")
def apart() -> Iterator[StackInfo]:
    local = LocalStack(
        "e2e-queues",
        layout=LAYOUT,
        attached=True,
        runtime_venv=RUNTIME_VENV_PATH,
        say=print,
        queues_apart=True,
    )
    info = local.start()
    try:
        yield info
    finally:
        assert local.stop(quiet=True) == []


def test_the_queues_live_on_their_own_server_and_nothing_else_does(apart: StackInfo):
    assert apart.sqs_url
    assert apart.sqs_url != apart.moto_url
    assert apart.queue_endpoint == apart.sqs_url
    assert aws_client("sqs", apart.moto_url).list_queues().get("QueueUrls", []) == []
    queues = aws_client("sqs", apart.sqs_url).list_queues()["QueueUrls"]
    # Every function's queues: the approval's, the webhook's and the decider's.
    assert sorted(url.rsplit("/", 1)[1] for url in queues) == [
        "ApprovalDeadLetterQueue",
        "ApprovalQueue",
        "WebhookDeadLetterQueue",
        "WebhookQueue",
    ]
    for environment in (apart.function_env, apart.webhook_env, apart.decider_env):
        assert environment["AWS_ENDPOINT_URL_SQS"] == apart.sqs_url
    tables = aws_client("dynamodb", apart.moto_url).list_tables()["TableNames"]
    assert "IdempotencyTable" in tables


def test_the_function_parks_in_the_queues_server_and_keeps_records_on_the_main_one(apart: StackInfo):
    event = load_event("events/sqs_batch.json")
    invocation = invoke(apart.invoke_url, event, timeout=60)
    assert not invocation.function_error
    dlq = aws_client("sqs", apart.sqs_url)
    url = apart.resource_ref("ApprovalDeadLetterQueue")
    parked = dlq.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert parked, "the malformed records of sqs_batch.json reach the dead-letter queue"
    records = aws_client("dynamodb", apart.moto_url).scan(TableName="IdempotencyTable")["Items"]
    assert records, "the approvals' idempotency records stay on the main server"

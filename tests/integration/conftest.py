"""The approval function in process, against moto (server mode) and the TikTok emulator over real HTTP."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from lambda_context import FakeLambdaContext
from support.approvals import CREDENTIALS, PENDING, SECRET_NAME, SHIPPED, TABLE_NAME, Aws, Invoke
from support.autopilot import (
    DECISIONS_TABLE,
    DEFAULT_SHOP_ID,
    POLICIES_TABLE,
    REVIEW_SOURCE,
    Chain,
    reset_functions,
)
from support.cfn_template import table_schema
from support.function_env import function_environment
from tiktok_emulator import TikTokEmulator


@pytest.fixture
def aws(moto_env: str) -> Aws:
    from support.cfn_template import idempotency_table_schema

    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName=TABLE_NAME, **idempotency_table_schema())
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(CREDENTIALS))
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName="ApprovalDeadLetterQueue")["QueueUrl"]
    queue_url = sqs.create_queue(QueueName="ApprovalQueue")["QueueUrl"]
    return Aws(moto_env, dynamodb, secrets, sqs, dlq_url, queue_url)


@pytest.fixture
def emulator(tiktok_emulator: TikTokEmulator) -> TikTokEmulator:
    tiktok_emulator.seed({**dict.fromkeys(PENDING, "pending"), SHIPPED: "shipped"})
    return tiktok_emulator


@pytest.fixture
def function_env(aws: Aws, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from approval import dependencies

    values = {
        "TIKTOK_CREDENTIALS_SECRET": SECRET_NAME,
        "IDEMPOTENCY_TABLE": TABLE_NAME,
        "TIKTOK_API_BASE_URL": emulator.url,
        "APPROVAL_DLQ_URL": aws.dlq_url,
        "POWERTOOLS_SERVICE_NAME": "cancellation-approver",
        "POWERTOOLS_METRICS_NAMESPACE": "TikTokShop",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "BATCH_CONCURRENCY": "10",
    }
    with function_environment(monkeypatch, values, dependencies.reset):
        yield


@pytest.fixture
def invoke(function_env: None) -> Invoke:
    import app

    def call(event: Any, context: FakeLambdaContext | None = None) -> Any:
        return app.lambda_handler(copy.deepcopy(event), context or FakeLambdaContext())

    return call


# --- The autopilot: the webhook, the decider and the approval in process (tests/support/autopilot.py) ------


@pytest.fixture
def chain(aws: Aws, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Chain]:
    aws.put_credentials(shop_id=DEFAULT_SHOP_ID)
    dynamodb = boto3.client("dynamodb")
    for table in (DECISIONS_TABLE, POLICIES_TABLE):
        dynamodb.create_table(TableName=table, **table_schema(table))
    webhook_dlq = aws.sqs.create_queue(QueueName="WebhookDeadLetterQueue")["QueueUrl"]
    webhook_queue = aws.sqs.create_queue(QueueName="WebhookQueue")["QueueUrl"]
    review_queue = aws.sqs.create_queue(QueueName="Reviews")["QueueUrl"]
    review_arn = aws.sqs.get_queue_attributes(QueueUrl=review_queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events = boto3.client("events")
    events.put_rule(Name="needs-review", EventPattern=json.dumps({"source": [REVIEW_SOURCE]}))
    events.put_targets(Rule="needs-review", Targets=[{"Id": "reviews", "Arn": review_arn}])
    values = {
        "TIKTOK_CREDENTIALS_SECRET": "tiktok-shop/credentials",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
        "TIKTOK_API_BASE_URL": emulator.url,
        "APPROVAL_DLQ_URL": aws.dlq_url,
        "APPROVAL_QUEUE_URL": aws.queue_url,
        "WEBHOOK_QUEUE_URL": webhook_queue,
        "WEBHOOK_DLQ_URL": webhook_dlq,
        "DECISIONS_TABLE": DECISIONS_TABLE,
        "POLICIES_TABLE": POLICIES_TABLE,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POLICY_CACHE_SECONDS": "0",
    }
    import app
    import decide_app
    import webhook_app

    with function_environment(monkeypatch, values, reset_functions):
        yield Chain(
            sqs=aws.sqs,
            webhook_queue_url=webhook_queue,
            approval_queue_url=aws.queue_url,
            review_queue_url=review_queue,
            webhook=webhook_app.lambda_handler,
            decide=decide_app.lambda_handler,
            approve=app.lambda_handler,
        )

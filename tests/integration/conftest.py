"""The approval function in process, against moto (server mode) and the TikTok emulator over real HTTP."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from support.lambda_context import FakeLambdaContext
from tiktok_emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SHOP_CIPHER,
    TikTokEmulator,
)

EVENTS = Path(__file__).resolve().parents[2] / "events"
SECRET_NAME = "tiktok-shop/credentials"
TABLE_NAME = "IdempotencyTable"
CREDENTIALS = {
    "app_key": DEFAULT_APP_KEY,
    "app_secret": DEFAULT_APP_SECRET,
    "access_token": DEFAULT_ACCESS_TOKEN,
    "shop_cipher": DEFAULT_SHOP_CIPHER,
}
PENDING = [f"57600010000000000{n:02d}" for n in range(1, 11)]
SHIPPED = "5760001000000000901"
UNKNOWN = "5760001999999999999"


@dataclass
class Aws:
    url: str
    dynamodb: Any
    secrets: Any
    sqs: Any
    dlq_url: str
    queue_url: str

    def put_credentials(self, **changes: str) -> None:
        self.secrets.put_secret_value(
            SecretId=SECRET_NAME, SecretString=json.dumps({**CREDENTIALS, **changes})
        )

    def dead_letters(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                return messages
            messages.extend(batch)
            for message in batch:
                self.sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])

    def idempotency_records(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=TABLE_NAME)["Items"]


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

    for name, value in {
        "TIKTOK_CREDENTIALS_SECRET": SECRET_NAME,
        "IDEMPOTENCY_TABLE": TABLE_NAME,
        "TIKTOK_API_BASE_URL": emulator.url,
        "APPROVAL_DLQ_URL": aws.dlq_url,
        "POWERTOOLS_SERVICE_NAME": "cancellation-approver",
        "POWERTOOLS_METRICS_NAMESPACE": "TikTokShop",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "BATCH_CONCURRENCY": "10",
    }.items():
        monkeypatch.setenv(name, value)
    dependencies.reset()
    yield
    dependencies.reset()


Invoke = Callable[..., Any]


@pytest.fixture
def invoke(function_env: None) -> Invoke:
    import app

    def call(event: Any, context: FakeLambdaContext | None = None) -> Any:
        return app.lambda_handler(copy.deepcopy(event), context or FakeLambdaContext())

    return call


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def api_event(
    cancel_id: str, *, header_key: str | None = None, query_key: str | None = None
) -> dict[str, Any]:
    """events/api_approve.json for another cancel_id and key."""
    event = load_event("api_approve.json")
    event["pathParameters"] = {"cancel_id": cancel_id}
    event["path"] = f"/cancellations/{cancel_id}/approve"
    event["requestContext"]["path"] = event["path"]
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "idempotency-key"}
    if header_key is not None:
        headers["Idempotency-Key"] = header_key
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    query = {"idempotency_key": query_key} if query_key is not None else None
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return event


def sqs_event(*bodies: str) -> dict[str, Any]:
    template = load_event("sqs_batch.json")["Records"][0]
    records = []
    for n, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"] = f"00000000-0000-4000-8000-{n:012d}"
        record["body"] = body
        records.append(record)
    return {"Records": records}


def body(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header, whether the resolver answered in `headers` or (REST v1) `multiValueHeaders`."""
    single = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    multi = {k.lower(): v for k, v in (response.get("multiValueHeaders") or {}).items()}
    if name.lower() in single:
        return single[name.lower()]
    values = multi.get(name.lower())
    return ",".join(values) if values else None

"""What the approval function's integration tests share besides fixtures: names, events, readers."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tiktok_emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SHOP_CIPHER,
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


def expire_in_progress(aws: Aws) -> None:
    """Turn the only idempotency record back into what a killed invocation leaves: INPROGRESS, its
    in-progress expiry (the invocation's end) passed, no stored result."""
    [record] = aws.idempotency_records()
    aws.dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={
            "id": record["id"],
            "expiration": record["expiration"],
            "status": {"S": "INPROGRESS"},
            "in_progress_expiration": {"N": str(int(time.time() * 1000) - 1000)},
            "validation": record["validation"],
        },
    )
    forget_this_environment()


def forget_this_environment() -> None:
    """The next invocation runs in a new execution environment: a killed invocation's is gone, and with
    it the records Powertools' local cache held (completed ones, until their own expiry)."""
    from approval import dependencies

    dependencies.reset()


Invoke = Callable[..., Any]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def api_event(
    cancel_id: str,
    *,
    header_key: str | None = None,
    query_key: str | None = None,
    shop_id: str | None = None,
) -> dict[str, Any]:
    """events/api_approve.json for another cancel_id and key; with shop_id, on the shop's route."""
    event = load_event("api_approve.json")
    event["pathParameters"] = {"cancel_id": cancel_id}
    event["path"] = f"/cancellations/{cancel_id}/approve"
    if shop_id is not None:
        event["pathParameters"] = {"shop_id": shop_id, "cancel_id": cancel_id}
        event["path"] = f"/shops/{shop_id}{event['path']}"
        event["resource"] = "/shops/{shop_id}/cancellations/{cancel_id}/approve"
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

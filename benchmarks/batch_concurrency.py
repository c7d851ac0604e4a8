"""How long one SQS batch of 10 approvals takes with TikTok answering in 200 ms, by batch concurrency.

Runs the real entry handler against moto (server mode) and the TikTok emulator, as the integration tests
do, and prints one line per setting. `make bench`.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for part in ("layers/tiktok_shop", "functions/approve_cancellation", "local", "tests"):
    sys.path.insert(0, str(ROOT / part))

import boto3  # noqa: E402
from support.cfn_template import idempotency_table_schema  # noqa: E402
from support.lambda_context import FakeLambdaContext  # noqa: E402
from support.moto_server import reset_moto, serialized_moto_server  # noqa: E402
from tiktok_emulator import (  # noqa: E402
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SHOP_CIPHER,
    Fault,
    TikTokEmulator,
)

LATENCY_SECONDS = 0.2
BATCH_SIZE = 10
ROUNDS = 3


def provision(moto_url: str, emulator_url: str) -> None:
    os.environ.update(
        AWS_ENDPOINT_URL=moto_url,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        TIKTOK_CREDENTIALS_SECRET="tiktok-shop/credentials",
        IDEMPOTENCY_TABLE="IdempotencyTable",
        TIKTOK_API_BASE_URL=emulator_url,
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
        POWERTOOLS_METRICS_DISABLED="true",
    )
    reset_moto(moto_url)
    boto3.client("dynamodb").create_table(TableName="IdempotencyTable", **idempotency_table_schema())
    credentials = {
        "app_key": DEFAULT_APP_KEY,
        "app_secret": DEFAULT_APP_SECRET,
        "access_token": DEFAULT_ACCESS_TOKEN,
        "shop_cipher": DEFAULT_SHOP_CIPHER,
    }
    boto3.client("secretsmanager").create_secret(
        Name="tiktok-shop/credentials", SecretString=json.dumps(credentials)
    )
    queue = boto3.client("sqs").create_queue(QueueName="ApprovalDeadLetterQueue")["QueueUrl"]
    os.environ["APPROVAL_DLQ_URL"] = queue


def batch(cancel_ids: list[str]) -> dict[str, object]:
    return {
        "Records": [
            {
                "messageId": f"bench-{cancel_id}",
                "receiptHandle": "r",
                "body": json.dumps({"cancel_id": cancel_id}),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ApprovalQueue",
                "awsRegion": "us-east-1",
            }
            for cancel_id in cancel_ids
        ]
    }


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    with serialized_moto_server() as moto_url, TikTokEmulator() as emulator:
        provision(moto_url, emulator.url)
        import app
        from approval import dependencies

        app.lambda_handler(batch(["warm-up"]), FakeLambdaContext())  # cold start excluded
        emulator.inject_fault(Fault(kind="latency", delay=LATENCY_SECONDS), times=None)
        print(
            f"batch of {BATCH_SIZE}, TikTok latency {LATENCY_SECONDS * 1000:.0f} ms, median of {ROUNDS} rounds"
        )
        for concurrency in (1, 5, 10):
            os.environ["BATCH_CONCURRENCY"] = str(concurrency)
            dependencies.reset()
            timings = []
            for round_number in range(ROUNDS):
                ids = [f"bench{concurrency}r{round_number}n{n}" for n in range(BATCH_SIZE)]
                emulator.seed(dict.fromkeys(ids, "pending"))
                started = time.perf_counter()
                result = app.lambda_handler(batch(ids), FakeLambdaContext())
                timings.append(time.perf_counter() - started)
                assert result == {"batchItemFailures": []}, result
            print(f"  BATCH_CONCURRENCY={concurrency:<2}  {statistics.median(timings) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()

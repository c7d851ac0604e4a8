"""`python -m support.slot_taker TABLE RATE COUNT`: one process taking COUNT request slots from the shared
DynamoDB schedule (AWS_ENDPOINT_URL: moto), printing the Unix time each slot was granted, one per line.
Several of these at once are several function environments sharing one shop's limit."""

from __future__ import annotations

import sys
import time

import boto3
from approval.rate_limiter import DynamoDBRateLimiter


def main(table: str, rate: float, count: int) -> None:
    limiter = DynamoDBRateLimiter(table_name=table, rate_per_second=rate, dynamodb=boto3.client("dynamodb"))
    for _ in range(count):
        limiter.acquire("app-key", "ROW_shop", time.time() + 30)
        print(f"{time.time():.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))

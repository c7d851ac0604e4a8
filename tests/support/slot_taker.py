"""`python -m support.slot_taker TABLE RATE COUNT`: one process taking COUNT request slots from the shared
DynamoDB schedule (AWS_ENDPOINT_URL: moto), printing the Unix time of each slot it was granted, one per line.
Several of these at once are several function environments sharing one shop's limit."""

from __future__ import annotations

import sys
import time

import boto3
from approval.rate_limiter import DynamoDBRateLimiter
from tiktok_shop.return_refund import APPROVE_CANCELLATION_PATH


class SlotRecordingLimiter(DynamoDBRateLimiter):
    """Says which slot each reservation got: the schedule's doing, whatever a busy machine's scheduler
    then does to the moment the process wakes up."""

    def _reserve(self, key: str, now: int, latest: int) -> int:
        slot = super()._reserve(key, now, latest)
        self.last_slot = slot / 1_000_000
        return slot


def main(table: str, rate: float, count: int) -> None:
    limiter = SlotRecordingLimiter(table_name=table, rate_per_second=rate, dynamodb=boto3.client("dynamodb"))
    for _ in range(count):
        limiter.acquire("app-key", "ROW_shop", time.time() + 30, APPROVE_CANCELLATION_PATH)
        print(f"{limiter.last_slot:.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))

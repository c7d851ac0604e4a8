"""One request pace per app and shop, shared by every function environment, kept in DynamoDB.

TikTok allows 50 requests per second per API, counted per app and shop. Concurrency bounds the calls in
flight, not their rate, so environments reserve send times from one shared schedule: the generic cell rate
algorithm (GCRA), with one item per app and shop holding `tat`, the next free send time. A reservation is
one conditional UpdateItem that moves `tat` on by one interval, `1 / rate`; the caller then sleeps until
its slot. Why this design is in docs/rate-limiting.md (cost, a slow or failing store).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from tiktok_shop import DeadlineReached, RequestSlotUnavailable

from . import time_budget
from .observability import logger, metrics

# Pace a little under TikTok's limit: two environments' slots 1/rate apart can still arrive at TikTok
# closer together (network and scheduling jitter), and TikTok's window is not documented.
PACING_SHARE: Final = 0.95
_MICROS: Final = 1_000_000


@dataclass(frozen=True)
class _Refused:
    tat: int | None  # the schedule's next free time; None: no schedule yet, or one already in the past


class DynamoDBRateLimiter:
    """`acquire(app_key, shop_cipher, deadline, api)`: waits for this request's slot, or raises
    RequestSlotUnavailable when the schedule is full until the deadline. A store that fails is logged and
    counted and the request goes ahead (fail open): the limiter protects throughput, not correctness, and
    TikTok's own 429 is retried with backoff."""

    def __init__(
        self,
        *,
        table_name: str,
        rate_per_second: float,
        dynamodb: Any,  # a boto3 DynamoDB client; generated at run time
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate_per_second > 0:
            raise ValueError("rate_per_second must be positive")
        self._table = table_name
        self._interval_us = max(1, round(_MICROS / (rate_per_second * PACING_SHARE)))
        self._dynamodb = dynamodb
        self._clock = clock
        self._sleep = sleep
        # Whether the schedule looked busy at the last reservation: then the common case is to append.
        self._busy: dict[str, bool] = {}

    def acquire(self, app_key: str, shop_cipher: str, deadline: float | None, api: str = "") -> None:
        # One schedule per app, shop and API: TikTok counts each API's calls apart (a sweep's searches do
        # not slow a shop's approvals).
        key = f"{app_key}#{shop_cipher}#{api}" if api else f"{app_key}#{shop_cipher}"
        now = self._clock()
        # No slot that leaves the call itself too little time; without a deadline (a script), a bounded wait.
        latest = (
            deadline - time_budget.LIMITER_MIN_CALL_SECONDS
            if deadline is not None
            else now + time_budget.LIMITER_MAX_WAIT_SECONDS
        )
        try:
            slot = self._reserve(key, _us(now), _us(latest))
        except (ClientError, BotoCoreError) as error:
            logger.warning(
                "rate limiter store failed; sending without a reserved slot",
                extra={"error": type(error).__name__},
            )
            metrics.add_metric(name="RateLimiterUnavailable", unit=MetricUnit.Count, value=1)
            return
        wait = slot / _MICROS - self._clock()
        if wait > 0:
            metrics.add_metric(name="RateLimitWait", unit=MetricUnit.Milliseconds, value=round(wait * 1000))
            self._sleep(wait)

    def _reserve(self, key: str, now: int, latest: int) -> int:
        """The reserved send time, in microseconds: one conditional write in the steady state (busy or
        idle as last time), two when the schedule changed between them, three at most."""
        append_first = self._busy.get(key, False)
        for _ in range(2):
            if append_first:
                self._still_in_time(latest)
                appended = self._append(key, now, latest)
                if not isinstance(appended, _Refused):
                    return appended
                if appended.tat is not None and appended.tat > latest:
                    raise RequestSlotUnavailable(
                        "the shop's request schedule is full until the deadline",
                        retry_after=max(1.0, (appended.tat - now) / _MICROS),
                    )
            self._still_in_time(latest)
            started = self._start(key, now)
            if started is not None:
                return started
            append_first = True
        raise RequestSlotUnavailable("the shop's request schedule kept changing; try again", retry_after=1.0)

    def _still_in_time(self, latest: int) -> None:
        # Before every write, the first included: each may take the store's whole timeout, so none starts
        # after the latest moment for a slot, and a reservation ends by the deadline. Not the schedule's
        # doing: the invocation (or API Gateway's wait) is nearly over.
        if _us(self._clock()) > latest:
            raise DeadlineReached("no time left before the deadline to send the request")

    def _append(self, key: str, now: int, latest: int) -> int | _Refused:
        """The next slot of a busy schedule, or what refused it."""
        try:
            answer = self._dynamodb.update_item(
                TableName=self._table,
                Key={"id": {"S": key}},
                UpdateExpression="SET tat = tat + :interval",
                ConditionExpression="tat BETWEEN :now AND :latest",
                ExpressionAttributeValues={
                    ":interval": {"N": str(self._interval_us)},
                    ":now": {"N": str(now)},
                    ":latest": {"N": str(latest)},
                },
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise
            old = error.response.get("Item", {}).get("tat", {}).get("N")
            tat = int(old) if old is not None and int(old) >= now else None
            self._busy[key] = tat is not None
            return _Refused(tat)
        self._busy[key] = True
        return int(answer["Attributes"]["tat"]["N"]) - self._interval_us

    def _start(self, key: str, now: int) -> int | None:
        """Take the slot `now` of an idle schedule; None if another environment got there first."""
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key={"id": {"S": key}},
                UpdateExpression="SET tat = :next",
                ConditionExpression="attribute_not_exists(tat) OR tat < :now",
                ExpressionAttributeValues={
                    ":next": {"N": str(now + self._interval_us)},
                    ":now": {"N": str(now)},
                },
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise
            self._busy[key] = True
            return None
        self._busy[key] = False
        return now


def _us(seconds: float) -> int:
    return math.floor(seconds * _MICROS)


def _condition_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")

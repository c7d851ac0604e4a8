"""The shared limiter: slots from one DynamoDB schedule per app and shop, across processes; waiting for a
slot inside the deadline; no slot before the deadline; a store that fails or is slow."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from approval import time_budget
from approval.dependencies import limiter_store_config
from approval.observability import logger
from approval.rate_limiter import PACING_SHARE, DynamoDBRateLimiter
from lambda_context import FakeLambdaContext
from support.approvals import PENDING, Aws, Invoke, api_event, body, header, sqs_event
from support.cfn_template import table_schema
from support.powertools_output import captured_output
from tiktok_emulator import TikTokEmulator
from tiktok_shop import DeadlineReached, RequestSlotUnavailable
from tiktok_shop.return_refund import APPROVE_CANCELLATION_PATH

ROOT = Path(__file__).resolve().parents[2]
TABLE = "RateLimitTable"


class FakeTime:
    """A clock that sleeping moves on: waits are measured, not spent."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def table(moto_env: str) -> str:
    boto3.client("dynamodb").create_table(TableName=TABLE, **table_schema(TABLE))
    return TABLE


def limiter(rate: float, fake: FakeTime | None = None, table_name: str = TABLE) -> DynamoDBRateLimiter:
    timing = {} if fake is None else {"clock": fake.clock, "sleep": fake.sleep}
    return DynamoDBRateLimiter(
        table_name=table_name, rate_per_second=rate, dynamodb=boto3.client("dynamodb"), **timing
    )


def test_a_burst_waits_for_its_slots_one_interval_apart(table: str):
    fake = FakeTime()
    paced = limiter(10, fake)
    for _ in range(5):
        paced.acquire("app", "shop", fake.now + 30)
    interval = 1 / (10 * PACING_SHARE)
    # Each acquire starts at the time the previous one woke up: the waits after the first are one interval.
    assert fake.slept == pytest.approx([interval] * 4, abs=1e-5)


def test_shops_and_apps_have_schedules_of_their_own(table: str):
    fake = FakeTime()
    paced = limiter(10, fake)
    for app, shop in [("app", "shop-a"), ("app", "shop-b"), ("other-app", "shop-a")]:
        paced.acquire(app, shop, fake.now + 30)
    assert fake.slept == []


def test_each_api_of_a_shop_has_a_schedule_of_its_own(table: str):
    # TikTok counts each API's calls apart: a sweep's searches leave the shop's approvals their whole rate.
    fake = FakeTime()
    paced = limiter(10, fake)
    paced.acquire("app", "shop", fake.now + 30, "/return_refund/202309/cancellations/search")
    paced.acquire("app", "shop", fake.now + 30, "/return_refund/202309/cancellations/{cancel_id}/approve")
    assert fake.slept == []
    paced.acquire("app", "shop", fake.now + 30, "/return_refund/202309/cancellations/search")
    assert fake.slept == pytest.approx([1 / (10 * PACING_SHARE)], abs=1e-5)


def test_the_client_names_the_api_not_the_cancellation(table: str, tiktok_emulator: TikTokEmulator):
    # Two approvals of two cancellations are one API: they share the shop's approval schedule.
    from tiktok_shop import TikTokShopClient

    fake = FakeTime()
    paced = limiter(10, fake)
    client = TikTokShopClient(
        app_key=tiktok_emulator.app_key,
        app_secret=tiktok_emulator.app_secret,
        base_url=tiktok_emulator.url,
        access_token=tiktok_emulator.access_token,
        shop_cipher="ROW_test_cipher",
        rate_limiter=paced,
    )
    tiktok_emulator.seed({"57600010000000000a1": "pending", "57600010000000000a2": "pending"})
    for cancel_id in ("57600010000000000a1", "57600010000000000a2"):
        client.return_refund.approve_cancellation(cancel_id)
    keys = {item["id"]["S"] for item in boto3.client("dynamodb").scan(TableName=TABLE)["Items"]}
    assert keys == {
        f"{tiktok_emulator.app_key}#ROW_test_cipher#/return_refund/202309/cancellations/{{cancel_id}}/approve"
    }


def test_an_idle_schedule_starts_again_at_once(table: str):
    fake = FakeTime()
    paced = limiter(10, fake)
    paced.acquire("app", "shop", fake.now + 30)
    fake.now += 5  # idle for a while
    paced.acquire("app", "shop", fake.now + 30)
    assert fake.slept == []


def test_no_slot_before_the_deadline_is_refused_with_when_to_come_back(table: str):
    fake = FakeTime()
    paced = limiter(2, fake)  # an interval of about 0.53 s
    arrival = fake.now
    deadline = arrival + 2.0  # slots may start until 1 s before it
    for _ in range(2):  # slots at +0 and +0.53 s
        fake.now = arrival
        paced.acquire("app", "shop", deadline)
    fake.now = arrival
    with pytest.raises(RequestSlotUnavailable) as refused:  # the next would be at +1.05 s
        paced.acquire("app", "shop", deadline)
    assert refused.value.retry_after >= 1.0


def test_a_deadline_too_close_for_any_call_is_not_blamed_on_the_schedule(table: str):
    fake = FakeTime()
    with pytest.raises(DeadlineReached):  # the call needs its LIMITER_MIN_CALL_SECONDS; less is left
        limiter(2, fake).acquire("app", "shop", fake.now + time_budget.LIMITER_MIN_CALL_SECONDS - 0.1)
    assert fake.slept == []
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []  # no slot taken either


def test_environments_in_separate_processes_share_one_pace(table: str, moto_env: str):
    """Three processes take 15 slots each at 30/s: together they stay under the limit, in every second."""
    rate, per_process = 30.0, 15
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            str(ROOT / part) for part in ("layers/tiktok_shop", "functions/approve_cancellation", "tests")
        ),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "support.slot_taker", table, str(rate), str(per_process)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    granted = sorted(float(line) for p in processes for line in p.communicate(timeout=60)[0].split())
    assert all(p.returncode == 0 for p in processes)
    assert len(granted) == 3 * per_process
    paced = rate * PACING_SHARE
    # 45 slots at 28.5/s take at least 44 intervals, whichever process holds them.
    assert granted[-1] - granted[0] >= (len(granted) - 1) / paced - 0.05
    # Never more than the pace (plus the slot that opens a window) in any one second.
    busiest = max(sum(1 for t in granted if start <= t < start + 1.0) for start in granted)
    assert busiest <= paced + 2


def test_a_missing_table_fails_open_and_says_so(moto_env: str, capsys: pytest.CaptureFixture[str]):
    with captured_output(logger, capsys) as read:
        limiter(10, table_name="NoSuchTable").acquire("app", "shop", None)
    output = read()
    assert "rate limiter store failed; sending without a reserved slot" in output
    assert "ResourceNotFoundException" in output


def test_a_store_that_never_answers_fails_open_after_one_read_timeout(moto_env: str):
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        store = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            config=limiter_store_config(),
        )
        started = time.monotonic()
        DynamoDBRateLimiter(table_name=TABLE, rate_per_second=10, dynamodb=store).acquire("a", "s", None)
        elapsed = time.monotonic() - started
    # One read timeout, no retry: a second attempt would take twice as long.
    assert (
        time_budget.LIMITER_STORE_READ_TIMEOUT_SECONDS
        <= elapsed
        < 2 * time_budget.LIMITER_STORE_READ_TIMEOUT_SECONDS
    )


# --- through the function -------------------------------------------------------------------------------


@pytest.fixture
def limited(function_env: None, table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from approval import dependencies

    monkeypatch.setenv("TIKTOK_RATE_LIMIT_PER_SECOND", "10")
    monkeypatch.setenv("RATE_LIMIT_TABLE", table)
    dependencies.reset()


def test_a_batch_is_paced_under_tiktoks_limit(
    limited: None, invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    emulator.rate_limit.set_limit(10)
    event = sqs_event(*(f'{{"cancel_id": "{cancel_id}"}}' for cancel_id in PENDING))
    started = time.time()
    assert invoke(event) == {"batchItemFailures": []}
    assert emulator.rate_limit.counts()["rejected"] == 0
    times = sorted(call.timestamp for call in emulator.recorder.calls)
    assert len(times) == 10
    # No request leaves before its slot, and the tenth slot is nine intervals after the first, which is no
    # earlier than the start. (The first request may leave late on a busy machine: measure from the start.)
    assert times[-1] - started >= 9 / (10 * PACING_SHARE)


def test_without_the_limiter_the_same_batch_meets_429s(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    emulator.rate_limit.set_limit(3)
    event = sqs_event(*(f'{{"cancel_id": "{cancel_id}"}}' for cancel_id in PENDING[:6]))
    invoke(event)
    assert emulator.rate_limit.counts()["rejected"] > 0


def test_no_slot_in_time_is_503_rate_limited_with_retry_after_and_nothing_sent(
    limited: None, invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    # The schedule is booked 20 s ahead (by other environments, say).
    boto3.client("dynamodb").put_item(
        TableName=TABLE,
        Item={
            "id": {"S": f"{emulator.app_key}#{emulator.shop_cipher}#{APPROVE_CANCELLATION_PATH}"},
            "tat": {"N": str(int((time.time() + 20) * 1_000_000))},
        },
    )
    # 8 s: well over the least time to try, so that a busy machine still reaches the schedule.
    response = invoke(api_event(PENDING[0]), FakeLambdaContext(timeout_seconds=8))
    assert response["statusCode"] == 503, response["body"]
    assert body(response)["data"]["status"] == "RATE_LIMITED"
    assert 15 <= int(header(response, "Retry-After") or 0) <= 21
    assert emulator.recorder.count() == 0
    sqs = invoke(sqs_event(f'{{"cancel_id": "{PENDING[1]}"}}'), FakeLambdaContext(timeout_seconds=8))
    assert len(sqs["batchItemFailures"]) == 1  # redelivered later, not parked
    assert aws.dead_letters() == []


def test_too_little_time_left_is_503_out_of_time_not_rate_limited_and_nothing_sent(
    limited: None, invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    # The schedule is empty; a little less than the least time to try is left (3.5 s at the defaults: 2 s of
    # margin, the reconciliation reserve and the call's own second).
    too_little = time_budget.least_time_to_try() - 0.1
    response = invoke(api_event(PENDING[0]), FakeLambdaContext(timeout_seconds=too_little))
    assert response["statusCode"] == 503, response["body"]
    assert body(response)["data"]["status"] == "OUT_OF_TIME"
    assert header(response, "Retry-After") == "2"
    assert emulator.recorder.count() == 0
    sqs = invoke(sqs_event(f'{{"cancel_id": "{PENDING[1]}"}}'), FakeLambdaContext(timeout_seconds=too_little))
    assert len(sqs["batchItemFailures"]) == 1  # redelivered, not parked
    assert aws.dead_letters() == []
    assert emulator.recorder.count() == 0


def test_a_little_more_than_the_least_time_to_try_is_enough_to_approve(
    limited: None, invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    # A warm container: the secret and the client are at hand, only the record comes before the call.
    assert invoke(api_event(PENDING[1]))["statusCode"] == 200
    enough = time_budget.least_time_to_try() + 0.5
    response = invoke(api_event(PENDING[0]), FakeLambdaContext(timeout_seconds=enough))
    assert response["statusCode"] == 200, response["body"]
    assert body(response)["data"]["status"] == "CANCELLATION_APPROVED"
    assert emulator.recorder.count() == 2

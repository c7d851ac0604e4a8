"""Crash points, with the function process killed for real (SIGKILL) and a fresh process afterwards, in
both of TikTok's possible repeated-key behaviours: TikTok approves exactly once, and the retry answers
success.

The record a killed invocation leaves is INPROGRESS until the invocation's own end (Powertools'
in-progress expiry, registered from the Lambda context): the fresh process asks once that has passed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from function_process import FunctionProcess
from local_stack.paths import ROOT
from support.approvals import PENDING, Aws
from tiktok_emulator import Fault, TikTokEmulator

CANCEL_ID = PENDING[6]
EVENT = {"cancel_id": CANCEL_ID, "query": {"idempotency_key": "crash-test-key"}}
# Short, so that the in-progress record of a killed invocation expires soon; long enough that the
# invocation does not reach its own deadline before the test kills it.
INVOCATION_SECONDS = 5.0
# The source layout; the rest of the environment (moto, the emulator) is the test's.
FUNCTION_PATH = os.pathsep.join(
    str(ROOT / part) for part in ("layers/tiktok_shop", "functions/approve_cancellation")
)


@pytest.fixture(params=["replay", "reprocess"])
def mode(request: pytest.FixtureRequest, emulator: TikTokEmulator) -> str:
    emulator.set_repeated_key_mode(request.param)
    return str(request.param)


@pytest.fixture
def function_log(tmp_path: Path) -> Iterator[IO[str]]:
    with (tmp_path / "function.log").open("w") as log:
        yield log


@pytest.fixture
def start_process(function_env: None, function_log: IO[str]) -> Iterator[Callable[[], FunctionProcess]]:
    started: list[FunctionProcess] = []

    def start() -> FunctionProcess:
        process = FunctionProcess(
            timeout_seconds=INVOCATION_SECONDS,
            env={**os.environ, "PYTHONPATH": FUNCTION_PATH, "PYTHONUNBUFFERED": "1"},
            stdout=function_log,
            stderr=function_log,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not come true in time")
        time.sleep(0.002)


def wait_for_in_progress_expiry(aws: Aws) -> None:
    [record] = aws.idempotency_records()
    assert record["status"]["S"] == "INPROGRESS"
    expires_at = int(record["in_progress_expiration"]["N"]) / 1000
    time.sleep(max(0.0, expires_at - time.time()) + 0.2)


def assert_approved_once(emulator: TikTokEmulator, aws: Aws, answer: dict) -> None:
    assert "result" in answer, answer
    assert answer["result"]["code"] == 0
    assert answer["result"]["data"]["success"] is True
    assert emulator.approvals() == {CANCEL_ID: 1}
    [record] = aws.idempotency_records()
    assert record["status"]["S"] == "COMPLETED"


def killed_after_tiktok_approved(
    emulator: TikTokEmulator, start_process: Callable[[], FunctionProcess]
) -> FunctionProcess:
    """TikTok applies the approval and holds the answer back; the process is killed before it reads it.
    Returns a fresh process, started beforehand so that its imports are not on the clock."""
    emulator.inject_fault(Fault(kind="lost_answer", delay=30), cancel_id=CANCEL_ID)
    first, fresh = start_process(), start_process()
    first.send(EVENT)
    wait_until(lambda: emulator.approvals() == {CANCEL_ID: 1})
    first.kill()
    assert first.killed
    return fresh


def test_killed_after_tiktok_approved_before_the_record_completed(
    emulator: TikTokEmulator, aws: Aws, mode: str, start_process: Callable[[], FunctionProcess]
):
    fresh = killed_after_tiktok_approved(emulator, start_process)
    wait_for_in_progress_expiry(aws)
    answer = fresh.invoke(EVENT)
    assert_approved_once(emulator, aws, answer)
    # Replay mode: TikTok answers the repeated key with its success. Reprocess: it refuses (25011012) and
    # Search Cancellations finds the cancellation approved: a success marked as found so.
    assert answer["result"]["data"].get("already_approved") is (True if mode == "reprocess" else None)


def test_killed_during_the_tiktok_call(
    emulator: TikTokEmulator, aws: Aws, mode: str, start_process: Callable[[], FunctionProcess]
):
    # The request reaches TikTok, which has not acted yet when the process dies.
    emulator.inject_fault(Fault(kind="read_timeout", delay=30), cancel_id=CANCEL_ID)
    first, fresh = start_process(), start_process()
    first.send(EVENT)
    wait_until(lambda: emulator.recorder.count() == 1)
    first.kill()
    assert emulator.approvals() == {}
    wait_for_in_progress_expiry(aws)
    answer = fresh.invoke(EVENT)
    assert_approved_once(emulator, aws, answer)
    assert "already_approved" not in answer["result"]["data"]


def test_killed_after_the_record_completed(
    emulator: TikTokEmulator, aws: Aws, mode: str, start_process: Callable[[], FunctionProcess]
):
    first, fresh = start_process(), start_process()
    stored = first.invoke(EVENT)
    first.kill()
    calls = emulator.recorder.count()
    replayed = fresh.invoke(EVENT)
    assert replayed["result"] == stored["result"]  # the stored result, not a new call
    assert emulator.recorder.count() == calls
    assert_approved_once(emulator, aws, replayed)


def test_a_duplicate_while_the_killed_ones_record_is_in_progress_is_refused_not_run(
    emulator: TikTokEmulator, aws: Aws, mode: str, start_process: Callable[[], FunctionProcess]
):
    fresh = killed_after_tiktok_approved(emulator, start_process)
    early = fresh.invoke(EVENT)  # before the in-progress expiry: the duplicate must not run
    assert early["error"] == "ApprovalInProgress"
    assert emulator.recorder.count() == 1
    wait_for_in_progress_expiry(aws)
    assert_approved_once(emulator, aws, fresh.invoke(EVENT))

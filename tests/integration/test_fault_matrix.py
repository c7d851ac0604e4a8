"""The fault matrix (tests/support/fault_matrix.py) on the real paths: moto through the fault proxy, the
TikTok emulator over HTTP, each case in a function process of its own, all cases at once.

The module fixture runs every case, heals the stack, asks again wherever the first answer was transient,
and keeps what it saw; each test then judges one case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from support.approvals import CREDENTIALS
from support.aws_fault_proxy import running_proxy
from support.fault_matrix import DOC, Outcome, cases, expected_attempts, label, render
from support.fault_stack import Case, FaultStack
from support.function_pool import Answer, function_processes, invoke
from support.moto_server import reset_moto
from tiktok_emulator import RecordedCall, TikTokEmulator

WORKERS = 12
CASES = [Case(cell, trigger, index) for index, (cell, trigger) in enumerate(cases())]
TRANSIENT_LABELS = {label(o, t) for o in Outcome if o.transient for t in ("api", "sqs", "direct")}


@dataclass
class Seen:
    first: str
    first_answer: Answer
    calls_first: list[RecordedCall]
    aws_attempts: dict[str, int]
    approvals_first: int  # how many times TikTok approved it in the first round (the emulator's count)
    again: str | None = None
    again_answer: Answer | None = None
    calls: list[RecordedCall] = field(default_factory=list)
    state: str | None = None
    parked: dict[str, Any] | None = None
    approvals: int = 0  # after both rounds


def answer_label(answer: Answer, case: Case, parked: dict[str, dict[str, Any]]) -> str:
    if answer.error_type is not None:
        if answer.trigger == "sqs":
            return f"the invocation failed: {answer.error_type}"
        return f"raises {answer.error_type}"
    if answer.trigger == "api":
        body = json.loads(answer.response["body"])
        return f"HTTP {answer.response['statusCode']} {body['data']['status']}"
    if answer.trigger == "direct":
        return f"returns {answer.response['data']['status']}"
    failed = {item["itemIdentifier"] for item in answer.response["batchItemFailures"]}
    if case.message_id in failed:
        return "batch item failure"
    if case.message_id in parked:
        return f"dead-letter queue: {parked[case.message_id].get('error_type')}"
    return "acknowledged"


def run_all(pool: Any, stack: FaultStack, batch: list[Case]) -> list[Answer]:
    # The slowest first (botocore's throttling backoff), so that they do not finish the run alone.
    order = sorted(range(len(batch)), key=lambda i: not batch[i].cell.aws_faults)
    futures = {i: pool.submit(invoke, stack.invocation(batch[i])) for i in order}
    return [futures[i].result(timeout=120) for i in range(len(batch))]


@pytest.fixture(scope="module")
def seen(moto_url: str) -> Iterator[dict[str, Seen]]:
    reset_moto(moto_url)
    with (
        running_proxy(moto_url) as proxy,
        TikTokEmulator() as emulator,
        function_processes(WORKERS) as pool,
    ):
        stack = FaultStack.create(moto_url, proxy, emulator)
        for case in CASES:
            stack.arrange(case)
        first = run_all(pool, stack, CASES)
        parked = stack.dead_letters()
        result = {}
        for case, answer in zip(CASES, first, strict=True):
            calls = calls_about(emulator, case.cancel_id)
            attempts = {
                fault.target: len(proxy.calls(fault.target, case.access_key))
                for fault in case.cell.aws_faults
            }
            approved = emulator.approvals().get(case.cancel_id, 0)
            result[case.id] = Seen(answer_label(answer, case, parked), answer, calls, attempts, approved)
        stack.heal(CASES)
        retried = [case for case in CASES if result[case.id].first in TRANSIENT_LABELS]
        again = run_all(pool, stack, retried)
        parked_again = stack.dead_letters()
        for case, answer in zip(retried, again, strict=True):
            result[case.id].again_answer = answer
            result[case.id].again = answer_label(answer, case, parked_again)
        for case in CASES:
            seen_case = result[case.id]
            seen_case.calls = calls_about(emulator, case.cancel_id)
            seen_case.state = emulator.cancellation_state(case.cancel_id)
            seen_case.approvals = emulator.approvals().get(case.cancel_id, 0)
            seen_case.parked = parked.get(case.message_id) or parked_again.get(case.message_id)
        yield result


def params() -> list[Any]:
    marked = []
    for case in CASES:
        marks = []
        if case.cell.today is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=case.cell.defect))
        marked.append(pytest.param(case, marks=marks, id=case.id))
    return marked


def calls_about(emulator: TikTokEmulator, cancel_id: str) -> list[RecordedCall]:
    """Every TikTok call for `cancel_id`: in the path (approve) or in the body (a search filter)."""
    return [c for c in emulator.recorder.calls if c.cancel_id == cancel_id or cancel_id.encode() in c.body]


@pytest.mark.parametrize("case", params())
def test_the_caller_gets_the_answer_it_should(seen: dict[str, Seen], case: Case) -> None:
    assert seen[case.id].first == label(case.cell.outcome, case.trigger)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_no_call_lost_approval_or_secret(seen: dict[str, Seen], case: Case) -> None:
    observed = seen[case.id]
    assert observed.first == label(case.cell.observed, case.trigger), observed.first_answer
    if not case.cell.reaches_tiktok:
        assert observed.calls_first == [], "TikTok was called although the lock or the secret was not had"
    assert observed.approvals <= 1
    assert (observed.state == "approved") == (observed.approvals == 1)
    if observed.first == label(Outcome.APPROVED, case.trigger):
        assert observed.approvals_first == 1  # acknowledged means approved: not lost
    if observed.parked is not None:
        assert json.loads(observed.parked["body"]) == {"cancel_id": case.cancel_id}
        assert observed.parked["error_type"]
    _assert_no_secret_in_output(observed)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES if case.cell.aws_faults])
def test_botocore_retried_the_faulted_operation_as_deployed(seen: dict[str, Seen], case: Case) -> None:
    expected = {fault.target: expected_attempts(fault) for fault in case.cell.aws_faults}
    assert seen[case.id].aws_attempts == expected


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=case.id) for case in CASES if case.cell.observed.transient],
)
def test_asked_again_after_the_fault_it_gets_the_final_answer(seen: dict[str, Seen], case: Case) -> None:
    observed = seen[case.id]
    assert observed.again == label(case.cell.eventual, case.trigger), observed.again_answer
    assert observed.approvals == (1 if case.cell.eventual is Outcome.APPROVED else 0)


def _assert_no_secret_in_output(observed: Seen) -> None:
    outputs = [observed.first_answer.output]
    if observed.again_answer is not None:
        outputs.append(observed.again_answer.output)
    signs = [call.query["sign"] for call in observed.calls if "sign" in call.query]
    for text in outputs:
        assert '"level":' in text, "the capture saw no log line at all"
        for value in [CREDENTIALS["app_secret"], CREDENTIALS["access_token"], *signs]:
            assert value not in text


def test_the_document_is_the_rendering_of_the_table() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run `make fault-matrix-doc`"

"""The fault matrix: one table that parametrises tests/integration/test_fault_matrix*.py and renders
docs/fault-matrix.md (`make fault-matrix-doc`; a test fails when the document differs from the rendering).

Each cell names a fault, where it is injected, and what each trigger SHOULD answer. Where the function
answers otherwise today, `today` says what it does: those cells' tests are strict xfails, so fixing the
function turns them into failures until the mark goes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from tiktok_emulator import Fault
from tiktok_emulator.faults import FAULT_KINDS, FaultKind, is_fault_kind

from support.approvals import CREDENTIALS
from support.aws_fault_proxy import AwsFault, AwsFaultKind

DOC = Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md"
Trigger = Literal["api", "sqs", "direct"]
TRIGGERS: tuple[Trigger, ...] = ("api", "sqs", "direct")
CancellationKind = Literal["pending", "shipped"]
# Short but measurable: long enough to see in a timing, short enough for a 2-core CI box.
SLOW_SECONDS = 0.3
# A Lambda timeout whose deadline (minus the function's 2 s margin and the reconciliation reserve) cuts the
# TikTok wait (the fault's 5 s) short, with time to spare before the call on a busy machine.
SHORT_LAMBDA_TIMEOUT = 5.0

PUT, UPDATE, DELETE = (
    "DynamoDB_20120810.PutItem",
    "DynamoDB_20120810.UpdateItem",
    "DynamoDB_20120810.DeleteItem",
)
GET_SECRET = "secretsmanager.GetSecretValue"
# botocore's `standard` retry mode, which the template pins (AWS_RETRY_MODE): total attempts per call.
BOTOCORE_ATTEMPTS = {"DynamoDB_20120810": 4, "secretsmanager": 3}


def expected_attempts(fault: AwsFault) -> int:
    """How many times the faulted operation reaches the proxy in one call."""
    if fault.kind == "slow":
        return 1
    if fault.times is not None:
        return fault.times + 1
    return BOTOCORE_ATTEMPTS[fault.target.split(".", 1)[0]]


class Outcome(StrEnum):
    APPROVED = "approved"
    UNAVAILABLE = "unavailable"  # transient: TikTokUnavailable
    TIMEOUT = "timeout"  # transient: TikTokTimeout
    CONFLICT = "conflict"  # permanent: CancellationConflict
    MISCONFIGURED = "misconfigured"  # permanent: UpstreamConfigurationError

    @property
    def transient(self) -> bool:
        return self in (Outcome.UNAVAILABLE, Outcome.TIMEOUT)


# What each trigger says for each outcome; the tests compare observed labels with these.
_LABELS: dict[Outcome, dict[Trigger, str]] = {
    Outcome.APPROVED: {
        "api": "HTTP 200 CANCELLATION_APPROVED",
        "sqs": "acknowledged",
        "direct": "returns CANCELLATION_APPROVED",
    },
    Outcome.UNAVAILABLE: {
        "api": "HTTP 503 UPSTREAM_UNAVAILABLE",
        "sqs": "batch item failure",
        "direct": "raises TikTokUnavailable",
    },
    Outcome.TIMEOUT: {
        "api": "HTTP 504 UPSTREAM_TIMEOUT",
        "sqs": "batch item failure",
        "direct": "raises TikTokTimeout",
    },
    Outcome.CONFLICT: {
        "api": "HTTP 409 CANCELLATION_STATE_CONFLICT",
        "sqs": "dead-letter queue: CancellationConflict",
        "direct": "raises CancellationConflict",
    },
    Outcome.MISCONFIGURED: {
        "api": "HTTP 502 UPSTREAM_CONFIGURATION_ERROR",
        "sqs": "dead-letter queue: UpstreamConfigurationError",
        "direct": "raises UpstreamConfigurationError",
    },
}


def label(outcome: Outcome, trigger: Trigger) -> str:
    return _LABELS[outcome][trigger]


@dataclass(frozen=True)
class Cell:
    name: str
    layer: Literal["DynamoDB", "Secrets Manager", "TikTok"]
    where: str  # the operation or endpoint the fault hits
    fault: str  # how, in words
    outcome: Outcome  # what SHOULD happen
    cancellation: CancellationKind = "pending"
    aws_faults: tuple[AwsFault, ...] = ()
    tiktok_fault: Fault | None = None
    tiktok_times: int | None = None  # None: every attempt
    secret: str | None = None  # the credentials secret's value for this cell (None: the good one)
    reaches_tiktok: bool = True  # False: the test asserts that TikTok received no call at all
    today: Outcome | None = None  # the function's answer today, where it differs from `outcome`
    lambda_timeout: float = 30.0
    triggers: tuple[Trigger, ...] = TRIGGERS
    scenario: Literal["single", "rotation"] = "single"
    defect: str = ""  # why `today` is wrong, for the report and the xfail reason
    note: str = ""

    @property
    def observed(self) -> Outcome:
        """What the tests expect to observe now: today's answer where a defect is known."""
        return self.today or self.outcome

    @property
    def eventual(self) -> Outcome:
        """What asking again gives once the fault is gone and any in-progress record has expired."""
        return Outcome.CONFLICT if self.cancellation == "shipped" else Outcome.APPROVED


_STORE_NOTES = {
    "completion": "TikTok approved, Powertools could not mark the record COMPLETED: the caller still gets "
    "the approval; the record stays INPROGRESS until the invocation's end, and a repeat after that runs "
    "again with the same TikTok key (reconciled if TikTok refuses it)",
    "delete": "TikTok refused for good, Powertools could not delete the record: the caller still gets the "
    "refusal (a repeat within the invocation's time is answered as in progress)",
}


def _dynamodb_cells() -> list[Cell]:
    operations: list[tuple[str, str, CancellationKind, str]] = [
        ("lock", PUT, "pending", "the idempotency lock before the approval"),
        ("completion", UPDATE, "pending", "marking the record COMPLETED after TikTok approved"),
        ("delete", DELETE, "shipped", "deleting the record after TikTok refused (shipped: 25001045)"),
    ]
    kinds: list[tuple[str, AwsFaultKind, int | None]] = [
        ("throttled", "throttled", None),
        ("unavailable", "unavailable", None),
        ("slow", "slow", None),
        ("throttled_once", "throttled", 1),
    ]
    cells = []
    for op_name, target, cancellation, where in operations:
        for kind_name, kind, times in kinds:
            fails = kind != "slow" and times is None
            final = Outcome.CONFLICT if cancellation == "shipped" else Outcome.APPROVED
            # The lock failing stops everything before TikTok; the store failing after TikTok answered
            # (completion, delete) keeps TikTok's answer: the record expires with the invocation.
            outcome = Outcome.UNAVAILABLE if fails and op_name == "lock" else final
            description = {
                "throttled": "throttled on every attempt",
                "unavailable": "HTTP 503 on every attempt",
                "slow": f"{SLOW_SECONDS} s late",
                "throttled_once": "throttled once",
            }[kind_name]
            cells.append(
                Cell(
                    name=f"dynamodb-{op_name}-{kind_name}",
                    layer="DynamoDB",
                    where=f"{target.split('.')[1]}: {where}",
                    fault=description,
                    outcome=outcome,
                    cancellation=cancellation,
                    aws_faults=(AwsFault(target, kind, times=times, delay=SLOW_SECONDS),),
                    reaches_tiktok=not (fails and op_name == "lock"),
                    note=_STORE_NOTES.get(op_name, "") if fails else "",
                )
            )
    return cells


def _not_json_secret() -> str:
    # Cut short: the parser's error would quote the text, app_secret included, if anything passed it on.
    return json.dumps(CREDENTIALS)[:-8]


def _missing_key_secret() -> str:
    return json.dumps({k: v for k, v in CREDENTIALS.items() if k != "access_token"})


def _secrets_manager_cells() -> list[Cell]:
    return [
        Cell(
            name="secrets-throttled",
            layer="Secrets Manager",
            where="GetSecretValue",
            fault="throttled on every attempt",
            outcome=Outcome.UNAVAILABLE,
            aws_faults=(AwsFault(GET_SECRET, "throttled"),),
            reaches_tiktok=False,
        ),
        Cell(
            name="secrets-unavailable",
            layer="Secrets Manager",
            where="GetSecretValue",
            fault="HTTP 503 on every attempt",
            outcome=Outcome.UNAVAILABLE,
            aws_faults=(AwsFault(GET_SECRET, "unavailable"),),
            reaches_tiktok=False,
        ),
        Cell(
            name="secrets-throttled_once",
            layer="Secrets Manager",
            where="GetSecretValue",
            fault="throttled once",
            outcome=Outcome.APPROVED,
            aws_faults=(AwsFault(GET_SECRET, "throttled", times=1),),
        ),
        Cell(
            name="secrets-not_json",
            layer="Secrets Manager",
            where="the secret's value",
            fault="not JSON (cut short, app_secret inside)",
            outcome=Outcome.MISCONFIGURED,
            secret=_not_json_secret(),
            reaches_tiktok=False,
        ),
        Cell(
            name="secrets-missing_key",
            layer="Secrets Manager",
            where="the secret's value",
            fault="no access_token key",
            outcome=Outcome.MISCONFIGURED,
            secret=_missing_key_secret(),
            reaches_tiktok=False,
        ),
        Cell(
            name="secrets-rotated_mid_batch",
            layer="Secrets Manager",
            where="the secret's access_token",
            fault="rotated between two records of one batch; TikTok expires the old token (105002)",
            outcome=Outcome.APPROVED,
            triggers=("sqs",),
            scenario="rotation",
            note="API and direct: a warm container across a rotation is test_rotated_credentials.py",
        ),
    ]


# The emulator's read_timeout answers 504 / 36009007 after `delay`: short here, so that it is a TikTok
# timeout answer that retries can outlast; the cell below makes the client itself give up instead.
_TIKTOK_DELAY = {"latency": SLOW_SECONDS, "read_timeout": SLOW_SECONDS}


def _tiktok_cells() -> list[Cell]:
    kinds: list[FaultKind] = sorted(kind for kind in FAULT_KINDS if is_fault_kind(kind))
    cells = []
    for kind in kinds:
        for times, how in ((None, "on every attempt"), (1, "once")):
            fault = Fault(kind=kind, delay=_TIKTOK_DELAY.get(kind))
            # lost_answer: TikTok approved, the answer never came; Search Cancellations finds it approved.
            spent = times is None and kind not in ("latency", "lost_answer")
            cells.append(
                Cell(
                    name=f"tiktok-{kind}-{'every' if times is None else 'once'}",
                    layer="TikTok",
                    where="Approve Cancellation",
                    fault=f"{kind}{f' ({fault.delay} s)' if fault.delay else ''} {how}",
                    outcome=Outcome.UNAVAILABLE if spent else Outcome.APPROVED,
                    tiktok_fault=fault,
                    tiktok_times=times,
                )
            )
    cells.append(
        Cell(
            name="tiktok-read_timeout-client_gives_up",
            layer="TikTok",
            where="Approve Cancellation",
            fault=f"read_timeout (5 s) on every attempt, Lambda timeout {SHORT_LAMBDA_TIMEOUT} s",
            outcome=Outcome.TIMEOUT,
            tiktok_fault=Fault(kind="read_timeout"),
            lambda_timeout=SHORT_LAMBDA_TIMEOUT,
            note="the client's read is cut at the invocation's deadline: an unknown outcome",
        )
    )
    return cells


CELLS: tuple[Cell, ...] = (*_dynamodb_cells(), *_secrets_manager_cells(), *_tiktok_cells())


def cases(scenario: str = "single") -> list[tuple[Cell, Trigger]]:
    return [(cell, trigger) for cell in CELLS if cell.scenario == scenario for trigger in cell.triggers]


def _answer(cell: Cell, trigger: Trigger) -> str:
    if trigger not in cell.triggers:
        return "n/a"
    should = label(cell.outcome, trigger)
    if cell.today is None:
        return should
    return f"**{should}** (today: {label(cell.today, trigger)})"


def render() -> str:
    lines = [
        "# Fault matrix",
        "",
        "Generated from `tests/support/fault_matrix.py` (`make fault-matrix-doc`); "
        "`tests/integration/test_fault_matrix.py` fails when this file differs. Do not edit by hand.",
        "",
        "AWS faults are injected by `tests/support/aws_fault_proxy.py`, a loopback proxy in front of moto "
        "that the function reaches through `AWS_ENDPOINT_URL`, so botocore's own retries run: in the "
        "`standard` mode the template pins (AWS_RETRY_MODE), DynamoDB gets 4 attempts and Secrets Manager 3 (backoff from 1 s when "
        "throttled, 25-50 ms otherwise). TikTok faults are the emulator's (`local/tiktok_emulator/faults.py`); "
        "the layer's RetryPolicy makes 4 attempts.",
        "",
        "Every cell asserts, per trigger: the answer below; no TikTok call where the lock or the secret "
        "could not be had; TikTok approved the cancellation at most once; no app_secret, access token or "
        "sign in any log line; and nothing lost: an SQS record is acknowledged as approved, a batch item "
        "failure, or in the dead-letter queue with its reason. A transient answer is then asked again "
        "(SQS: redelivered) once the fault is gone and any in-progress record has expired, and must reach "
        "the last column.",
        "",
        "Bold: what SHOULD happen, where the function does otherwise today (strict xfail tests).",
        "",
        "| Layer | Where | Fault | Cancellation | API | SQS | Direct | TikTok called | Asked again |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cell in CELLS:
        again = "-" if not cell.observed.transient else cell.eventual.value
        lines.append(
            f"| {cell.layer} | {cell.where} | {cell.fault} | {cell.cancellation} | "
            f"{_answer(cell, 'api')} | {_answer(cell, 'sqs')} | {_answer(cell, 'direct')} | "
            f"{'yes' if cell.reaches_tiktok else 'no'} | {again} |"
        )
    defects = [cell for cell in CELLS if cell.defect]
    if defects:
        lines += ["", "## Known defects", ""]
        for cell in defects:
            lines.append(f"- `{cell.name}`: {cell.defect}.")
    notes = [cell for cell in CELLS if cell.note]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- `{cell.name}`: {cell.note}." for cell in notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(render(), encoding="utf-8")
    else:
        sys.stdout.write(render())

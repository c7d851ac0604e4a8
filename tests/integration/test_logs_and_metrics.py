"""What the function writes: JSON log lines with correlation ids, EMF metrics, and never a secret."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from support.approvals import CREDENTIALS, PENDING, SHIPPED, Aws, Invoke, api_event, sqs_event
from support.powertools_output import captured_output
from tiktok_emulator import Fault, TikTokEmulator


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """Everything the function wrote: log lines (its Logger's handler) and EMF metrics (stdout)."""
    from approval.observability import logger

    with captured_output(logger, capsys) as read:
        yield read


def lines(read: Callable[[], str]) -> list[dict]:
    return [json.loads(line) for line in read().splitlines() if line.startswith("{")]


def test_no_secret_token_or_sign_in_any_log_line(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, output: Callable[[], str]
):
    invoke(api_event(PENDING[0]))
    invoke(api_event(SHIPPED))
    emulator.inject_fault(Fault(kind="http_429"), times=1)
    invoke(sqs_event(json.dumps({"cancel_id": PENDING[1]}), "not json"))
    emulator.expire_token()
    emulator.add_access_token("rotated-token-value")
    aws.put_credentials(access_token="rotated-token-value")
    invoke(api_event(PENDING[2]))
    aws.put_credentials(app_secret="wrong-app-secret-value")
    invoke(api_event(PENDING[3], header_key="k-9"))

    text = output()
    assert "cancellation approved" in text  # the capture did see the function's logs
    secrets = [
        CREDENTIALS["app_secret"],
        CREDENTIALS["access_token"],
        "rotated-token-value",
        "wrong-app-secret-value",
    ]
    signs = [call.query["sign"] for call in emulator.recorder.calls if "sign" in call.query]
    assert len(signs) >= 5
    for value in secrets + signs:
        assert value not in text


def test_log_lines_carry_the_api_request_id_as_correlation_id(
    invoke: Invoke, emulator: TikTokEmulator, output: Callable[[], str]
):
    event = api_event(PENDING[0])
    invoke(event)
    logs = [line for line in lines(output) if line.get("message") == "cancellation approved"]
    assert logs
    assert logs[0]["correlation_id"] == event["requestContext"]["requestId"]
    assert logs[0]["cancel_id"] == PENDING[0]


def test_sqs_log_lines_carry_the_message_id(
    invoke: Invoke, emulator: TikTokEmulator, output: Callable[[], str]
):
    event = sqs_event(json.dumps({"cancel_id": PENDING[0]}))
    invoke(event)
    logs = [line for line in lines(output) if line.get("message") == "cancellation approved"]
    assert logs[0]["sqs_message_id"] == event["Records"][0]["messageId"]


def test_metrics_count_approvals_replays_and_failures_by_reason(
    invoke: Invoke, emulator: TikTokEmulator, output: Callable[[], str]
):
    invoke(api_event(PENDING[0]))
    invoke(api_event(PENDING[0]))
    invoke(api_event(SHIPPED))
    emf = [line for line in lines(output) if "_aws" in line]
    names = [m["Name"] for blob in emf for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    assert "CancellationApproved" in names
    assert "ApprovalReplayed" in names
    assert names.count("TikTokAttempts") == 2  # one per TikTok call; the replay made none
    failures = [blob for blob in emf if "ApprovalFailed" in blob]
    assert [blob["reason"] for blob in failures] == ["Conflict"]
    assert all(blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "TikTokShop" for blob in emf)

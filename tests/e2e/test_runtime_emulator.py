"""The function through the Runtime API of the Lambda Runtime Interface Emulator, as `make run` drives it."""

from __future__ import annotations

import re

import pytest
from e2e_helpers import sqs_body
from local_stack.invoke import load_event
from local_stack.paths import ROOT
from local_stack.runtime import find_runtime_python
from local_stack.stack import StackInfo
from local_stack.template import load_template
from local_stack.template_env import function_spec

SPEC = function_spec(load_template())


def test_the_function_runs_in_the_runtime_emulator_with_the_template_environment(stack: StackInfo):
    runtime_available = find_runtime_python(SPEC.python_minor) is not None
    if runtime_available and stack.layout != "source":
        assert stack.layout == "build"
        assert stack.runtime_python.startswith(f"{SPEC.python_minor}.")
    env = stack.function_env
    assert env["TIKTOK_API_BASE_URL"] == stack.tiktok_url
    assert env["AWS_ENDPOINT_URL"] == stack.moto_url
    assert env["IDEMPOTENCY_TABLE"] == stack.resource_ref("IdempotencyTable")
    assert env["TIKTOK_CREDENTIALS_SECRET"] == stack.resource_ref("TikTokCredentialsSecret")
    assert env["APPROVAL_DLQ_URL"] == stack.resource_ref("ApprovalDeadLetterQueue")
    assert env["POWERTOOLS_SERVICE_NAME"] == "cancellation-approver"
    assert {"moto", "tiktok-emulator", "lambda-runtime", "rotation-runtime"} == {
        p.name for p in stack.processes
    }
    rotation_env = stack.rotation_env
    assert stack.rotation_function == "RotateCredentialsFunction"
    assert rotation_env["TIKTOK_API_BASE_URL"] == rotation_env["TIKTOK_AUTH_BASE_URL"] == stack.tiktok_url
    assert rotation_env["AWS_ENDPOINT_URL"] == stack.moto_url
    assert rotation_env["POWERTOOLS_SERVICE_NAME"] == "credentials-rotation"
    assert all(process.alive() for process in stack.processes)


def test_an_api_approval_then_its_replay(stack: StackInfo, call, tiktok):
    event = load_event("events/api_approve.json")
    cancel_id = event["pathParameters"]["cancel_id"]

    first = call(event)
    assert first.api_status == 200, first.payload
    assert first.api_body()["code"] == 0
    assert first.api_body()["data"] == {"success": True, "status": "CANCELLATION_APPROVED"}
    assert tiktok.cancellations()[cancel_id] == "approved"
    assert len(tiktok.calls(cancel_id)) == 1

    replay = call(event)
    assert replay.api_status == 200
    assert replay.api_header("Idempotent-Replayed") == "true"
    assert replay.payload["body"] == first.payload["body"]  # the stored result, byte for byte
    assert len(tiktok.calls(cancel_id)) == 1  # no second TikTok call


def test_a_tiktok_business_error_is_a_409_with_tiktoks_code(call, tiktok):
    response = call("events/api_approve_shipped.json")
    assert response.api_status == 409
    body = response.api_body()
    assert body["code"] == 25001045
    assert body["request_id"]
    assert tiktok.cancellations()["5760001000000000901"] == "shipped"


def test_an_sqs_batch_with_a_partial_failure(call, tiktok, dead_letters):
    event = load_event("events/sqs_batch.json")
    records = event["Records"]
    transient = records[1]
    transient_id = sqs_body(transient)["cancel_id"]
    good_id = sqs_body(records[0])["cancel_id"]
    tiktok.inject_fault("http_503", cancel_id=transient_id, times=None)
    try:
        response = call(event)
    finally:
        tiktok.clear_faults()

    assert response.failed_message_ids() == [transient["messageId"]]
    assert tiktok.cancellations()[good_id] == "approved"
    assert tiktok.cancellations()[transient_id] == "pending"
    parked = dead_letters()
    malformed = records[2:]  # not JSON; a cancel_id that is no id
    assert sorted(message["Body"] for message in parked) == sorted(record["body"] for record in malformed)
    for message in parked:
        attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
        assert attributes["error_type"] == "InvalidApprovalRequest"
        assert attributes["source_message_id"] in {record["messageId"] for record in malformed}

    # SQS redelivers the failed record once TikTok is back: approved then, nothing more parked.
    redelivered = call({"Records": [transient]})
    assert redelivered.failed_message_ids() == []
    assert tiktok.cancellations()[transient_id] == "approved"
    assert dead_letters() == []


def test_a_direct_invocation(call, tiktok):
    response = call("events/direct_approve.json")
    assert not response.function_error, response.payload
    assert response.payload["code"] == 0
    assert response.payload["data"]["status"] == "CANCELLATION_APPROVED"
    assert tiktok.cancellations()["5760001000000000006"] == "approved"


def test_the_runtime_log_shows_real_lambda_invocations(stack: StackInfo, call):
    call("events/direct_approve.json")
    [runtime] = [process for process in stack.processes if process.name == "lambda-runtime"]
    log = runtime.log.read_text()
    assert re.search(r"REPORT RequestId: \S+\s+Duration:", log)
    assert "awslambdaric" in log
    assert str(ROOT) in log


@pytest.mark.parametrize("event_file", ["events/api_approve_unknown.json", "events/api_bad_cancel_id.json"])
def test_api_errors_answer_4xx_without_raising(call, event_file):
    response = call(event_file)
    assert not response.function_error
    assert 400 <= (response.api_status or 0) < 500

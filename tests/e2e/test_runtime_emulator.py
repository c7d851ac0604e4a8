"""The function through the Runtime API of the Lambda Runtime Interface Emulator, as `make run` drives it."""

from __future__ import annotations

import copy
import json
import re

import pytest
from local_stack.invoke import load_event
from local_stack.paths import ROOT
from local_stack.provision import aws_client
from local_stack.runtime import find_runtime_python
from local_stack.side_effects import SideEffectWatch
from local_stack.stack import StackInfo, sam_env_vars
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
    assert {
        "moto",
        "tiktok-emulator",
        "lambda-runtime",
        "rotation-runtime",
        "webhook-runtime",
        "decider-runtime",
        "sweeper-runtime",
        "api-front",
    } == {p.name for p in stack.processes}
    rotation_env = stack.rotation_env
    assert stack.rotation_function == "RotateCredentialsFunction"
    assert rotation_env["TIKTOK_API_BASE_URL"] == rotation_env["TIKTOK_AUTH_BASE_URL"] == stack.tiktok_url
    assert rotation_env["AWS_ENDPOINT_URL"] == stack.moto_url
    assert rotation_env["POWERTOOLS_SERVICE_NAME"] == "credentials-rotation"
    assert stack.webhook_env["WEBHOOK_QUEUE_URL"] == stack.resource_ref("WebhookQueue")
    assert stack.webhook_env["POWERTOOLS_SERVICE_NAME"] == "tiktok-webhook"
    assert stack.decider_env["POLICIES_TABLE"] == stack.resource_ref("PoliciesTable")
    assert stack.decider_env["APPROVAL_QUEUE_URL"] == stack.resource_ref("ApprovalQueue")
    assert stack.decider_env["TIKTOK_API_BASE_URL"] == stack.tiktok_url
    # The sweeper as deployed: its lease and page tokens' table, and the same per-shop limiter as the others.
    sweeper_env = stack.sweeper_env
    assert stack.sweeper_function == "SweepCancellationsFunction"
    assert sweeper_env["SWEEP_STATE_TABLE"] == stack.resource_ref("SweepStateTable")
    assert sweeper_env["RATE_LIMIT_TABLE"] == stack.resource_ref("RateLimitTable")
    assert sweeper_env["TIKTOK_RATE_LIMIT_PER_SECOND"] == "50"
    assert sweeper_env["APPROVAL_QUEUE_URL"] == stack.resource_ref("ApprovalQueue")
    assert stack.function_env["TIKTOK_RATE_LIMIT_PER_SECOND"] == "50"
    assert stack.webhook_url.endswith("/webhooks/tiktok")
    assert all(process.alive() for process in stack.processes)


def test_the_webhook_functions_queues_and_environment_are_there_for_sam_local(stack: StackInfo):
    """No runtime of TikTokWebhookFunction runs here; `sam local start-api` (make sam-local) runs it with this
    environment, from sam_env_vars."""
    env = stack.webhook_env
    assert stack.webhook_function == "TikTokWebhookFunction"
    assert env["WEBHOOK_QUEUE_URL"] == stack.resource_ref("WebhookQueue")
    assert env["WEBHOOK_DLQ_URL"] == stack.resource_ref("WebhookDeadLetterQueue")
    assert env["IDEMPOTENCY_TABLE"] == stack.resource_ref("IdempotencyTable")
    assert env["TIKTOK_CREDENTIALS_SECRET"] == stack.resource_ref("TikTokCredentialsSecret")
    assert env["AWS_ENDPOINT_URL"] == stack.moto_url
    assert env["POWERTOOLS_SERVICE_NAME"] == "tiktok-webhook"
    docker = sam_env_vars(stack, "host.docker.internal")["TikTokWebhookFunction"]
    assert docker["WEBHOOK_QUEUE_URL"] == env["WEBHOOK_QUEUE_URL"].replace(
        "127.0.0.1", "host.docker.internal"
    )
    sqs = aws_client("sqs", stack.queue_endpoint)
    assert sqs.get_queue_attributes(QueueUrl=env["WEBHOOK_QUEUE_URL"], AttributeNames=["QueueArn"])


def test_sqs_redelivers_a_transient_failure_and_it_is_approved_then(stack: StackInfo, call, tiktok):
    """What the scenario's SQS step leaves to SQS: the failed record, delivered again once TikTok is back,
    is approved, and nothing is parked on the way."""
    cancel_id = "5760001000000000013"  # seeded here: in no event file
    tiktok.seed({cancel_id: "pending"})
    record = copy.deepcopy(load_event("events/sqs_batch.json")["Records"][1])
    record["body"] = json.dumps({"cancel_id": cancel_id})
    watch = SideEffectWatch(stack)
    before = watch.snapshot()

    tiktok.inject_fault({"kind": "http_503"}, cancel_id=cancel_id, times=None)
    try:
        failed = call({"Records": [record]})
    finally:
        tiktok.clear_faults()
    redelivered = call({"Records": [record]})

    assert failed.failed_message_ids() == [record["messageId"]]
    assert redelivered.failed_message_ids() == []
    assert tiktok.cancellations()[cancel_id] == "approved"
    effects = watch.since(before)
    assert effects.dead_letters == []
    assert [c["status"] for c in effects.tiktok_calls][-1] == 200
    assert {c["status"] for c in effects.tiktok_calls[:-1]} == {503}


def test_the_runtime_log_shows_real_lambda_invocations(stack: StackInfo, call):
    call("events/api_bad_cancel_id.json")  # no scenario step uses it, and it reaches no TikTok state
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

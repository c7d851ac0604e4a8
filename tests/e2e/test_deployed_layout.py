"""What `sam build` packages (packaging/Makefile), checked on the build the local stack runs: every module of
both functions and both layers ships bytecode for the runtime, and a cold start of each trigger, as Lambda
runs it, imports nothing heavy that the function does not need."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import RUNTIME_VENV_PATH
from function_process import FunctionProcess
from local_stack.bytecode import modules_without_bytecode
from local_stack.paths import BUILD_DIR
from local_stack.runtime import CodeLayout, ensure_runtime_venv
from local_stack.stack import StackInfo, lambda_environment
from local_stack.template import load_template
from local_stack.template_env import FunctionSpec, function_spec
from local_stack.tiktok_admin import TikTokAdmin
from support.approvals import api_event, sqs_event

SPEC = function_spec(load_template())
WEBHOOK_SPEC = function_spec(load_template(), "TikTokWebhookFunction")
PACKAGED = (
    "ApproveCancellationFunction",
    "RotateCredentialsFunction",
    "TikTokWebhookFunction",
    "PowertoolsLayer",
    "TikTokShopLayer",
)
# Each costs tens of milliseconds of every cold start, and none is needed to approve.
HEAVY = (
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.utilities.validation",
    "fastjsonschema",
)
# A second handler in the function's process, run after the invocation: what it imported.
LOADED_MODULES = "loaded_modules.lambda_handler"


@pytest.fixture(scope="module")
def built(stack: StackInfo) -> StackInfo:
    # CI's machine kind has python3.13: the stack must run the build, never fall back to the source layout.
    assert stack.layout == "build", "the local stack did not run the sam build output (no python3.13?)"
    return stack


@pytest.mark.parametrize("resource", PACKAGED)
def test_every_module_of_the_build_ships_bytecode_for_the_runtime(built: StackInfo, resource: str):
    root = BUILD_DIR / resource
    modules = list(root.rglob("*.py"))
    assert modules, f"{resource} was not built"
    cache_tag = "cpython-" + SPEC.python_minor.replace(".", "")
    assert modules_without_bytecode(root, cache_tag) == []
    # Nothing of another Python, nor timestamp-based bytecode from a developer's tree, is shipped.
    assert {pyc.name.split(".")[-2] for pyc in root.rglob("*.pyc")} == {cache_tag}


def _cold_start(
    stack: StackInfo, event: Any, spec: FunctionSpec = SPEC, function_env: dict[str, str] | None = None
) -> tuple[Any, set[str]]:
    """A fresh process as Lambda runs it (local/lambda_runner.py, as for make bench): one invocation, then
    its modules."""
    runtime = ensure_runtime_venv(spec.python_minor, venv=RUNTIME_VENV_PATH, say=lambda _: None)
    code = CodeLayout(
        "build", BUILD_DIR / spec.logical_id, tuple(BUILD_DIR / layer / "python" for layer in spec.layer_ids)
    )
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        with FunctionProcess(
            timeout_seconds=spec.timeout,
            handler=spec.handler,
            env=lambda_environment(spec, code, runtime, function_env or stack.function_env),
            python=runtime.python,
            paths=(Path(__file__).parent,),
            stdout=output,
            stderr=output,
            start_timeout=120,
        ) as process:
            answer = process.invoke(event, timeout=120)
            modules = process.invoke(None, handler=LOADED_MODULES)
        output.seek(0)
        assert "result" in answer, f"{answer}\n{output.read()[-3000:]}"
    return answer["result"], set(modules["result"])


@pytest.mark.parametrize("trigger", ["api", "sqs", "direct"])
def test_a_cold_start_of_each_trigger_imports_nothing_heavy(
    built: StackInfo, tiktok: TikTokAdmin, trigger: str
):
    cancel_id = {"api": "5760077000000000001", "sqs": "5760077000000000002", "direct": "5760077000000000003"}[
        trigger
    ]
    tiktok.seed({cancel_id: "pending"})
    event = {
        "api": lambda: api_event(cancel_id),
        "sqs": lambda: sqs_event(json.dumps({"cancel_id": cancel_id})),
        "direct": lambda: {"cancel_id": cancel_id},
    }[trigger]()
    result, imported = _cold_start(built, event)
    if trigger == "api":
        assert result["statusCode"] == 200, result["body"]
    elif trigger == "sqs":
        assert result == {"batchItemFailures": []}
    else:
        assert result["data"]["success"] is True
    assert tiktok.cancellations()[cancel_id] == "approved"
    assert [name for name in HEAVY if name in imported] == []
    # The autopilot's rules and Get Order Detail are the decider's: a caller's approval loads neither.
    assert [name for name in ("cancellation_policy", "tiktok_shop.orders") if name in imported] == []
    # The process really ran the deployed code: Powertools from the built layer, the tracer with it.
    assert {"aws_lambda_powertools", "aws_xray_sdk", "tiktok_shop", "approval.service"} <= imported


def test_a_cold_start_of_the_webhook_imports_nothing_heavy(built: StackInfo):
    """A signed type-11 notification through the built TikTokWebhookFunction: queued, and neither pydantic
    nor Powertools' event handler loaded on the way."""
    import boto3
    from tiktok_shop.webhooks import webhook_signature

    sqs = boto3.client(
        "sqs",
        endpoint_url=built.moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    queue_url = sqs.create_queue(QueueName="WebhookQueue-layout")["QueueUrl"]
    dlq_url = sqs.create_queue(QueueName="WebhookDeadLetterQueue-layout")["QueueUrl"]
    environment = {
        name: value
        for name, value in built.function_env.items()
        if name in ("TIKTOK_CREDENTIALS_SECRET", "IDEMPOTENCY_TABLE", "AWS_ENDPOINT_URL")
        or name.startswith("POWERTOOLS_")
    }
    environment.update(
        POWERTOOLS_SERVICE_NAME="tiktok-webhook", WEBHOOK_QUEUE_URL=queue_url, WEBHOOK_DLQ_URL=dlq_url
    )
    secret = json.loads(
        boto3.client(
            "secretsmanager",
            endpoint_url=built.moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).get_secret_value(SecretId=environment["TIKTOK_CREDENTIALS_SECRET"])["SecretString"]
    )
    body = json.dumps(
        {
            "type": 11,
            "tts_notification_id": "7327112393057379999",
            "shop_id": "7494049642642441621",
            "timestamp": 1700000000,
            "data": {
                "order_id": "576486316948499999",
                "cancellations_role": "BUYER",
                "cancel_status": "CANCELLATION_REQUEST_PENDING",
            },
        }
    )
    signature = webhook_signature(
        app_key=secret["app_key"], app_secret=secret["app_secret"], body=body.encode()
    )
    event = {
        "resource": "/webhooks/tiktok",
        "path": "/webhooks/tiktok",
        "httpMethod": "POST",
        "headers": {"Authorization": signature},
        "requestContext": {"requestId": "layout-webhook", "httpMethod": "POST"},
        "body": body,
        "isBase64Encoded": False,
    }
    result, imported = _cold_start(built, event, WEBHOOK_SPEC, environment)
    assert result["statusCode"] == 200
    assert "Messages" in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)
    assert [name for name in HEAVY if name in imported] == []
    assert {"aws_lambda_powertools", "tiktok_shop.webhooks", "webhook_intake.intake"} <= imported
    # It never calls TikTok: the client, and requests with it, stay unloaded.
    assert "tiktok_shop.client" not in imported
    assert "requests" not in imported

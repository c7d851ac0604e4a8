"""make sam-local's webhook check, the parts that need no Docker: the notifications it signs, what it expects
WebhookQueue to hold (the real function's message), the `--env-vars` it expects for TikTokWebhookFunction,
and the provisioning of the webhook's queues in moto, which the check reads back and leaves as it found them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from local_stack.provision import aws_client, provision, referenced_resources
from local_stack.stack import StackInfo, sam_env_vars
from local_stack.template import load_template
from local_stack.template_env import FUNCTION_ID, WEBHOOK_FUNCTION_ID, PhysicalResource
from sam_local.expectations import WEBHOOK_ANSWERS, WEBHOOK_ENVIRONMENT, WebhookSignature
from sam_local.webhook_checks import (
    CANCEL_ID,
    SHOP_ID,
    environment_mismatches,
    expected_webhook_environment,
    notification,
    queue_depth,
    queued_message_mismatches,
    take_message,
    webhook_body,
    webhook_headers,
)
from support.moto_server import reset_moto
from tiktok_emulator import DEFAULT_APP_KEY, DEFAULT_APP_SECRET
from tiktok_shop.webhooks import is_pending_buyer_cancellation, parse_notification, verify_signature
from webhook_intake.queueing import queue_message

APP = (DEFAULT_APP_KEY, DEFAULT_APP_SECRET)
CONTAINER_HOST = "198.18.0.1"


def test_the_check_posts_a_signed_a_forged_and_an_unsigned_webhook():
    answers = {answer.signature: (answer.status, answer.queued) for answer in WEBHOOK_ANSWERS}

    assert answers == {
        WebhookSignature.SIGNED: (200, True),
        WebhookSignature.FORGED: (401, False),
        WebhookSignature.UNSIGNED: (401, False),
    }
    # Each its own notification: a refused one must not pass for a duplicate of the accepted one.
    assert len({answer.notification_id for answer in WEBHOOK_ANSWERS}) == len(WEBHOOK_ANSWERS)


@pytest.mark.parametrize("answer", WEBHOOK_ANSWERS, ids=lambda answer: answer.signature.value)
def test_each_webhook_is_a_pending_buyer_cancellation_the_function_reads(answer):
    body = webhook_body(notification(answer.notification_id))

    parsed = parse_notification(body)

    assert parsed.tts_notification_id == answer.notification_id
    assert is_pending_buyer_cancellation(parsed)


def test_only_the_signed_header_verifies_with_the_secrets_app():
    body = webhook_body(notification("1"))
    signed = webhook_headers(WebhookSignature.SIGNED, body, APP)
    forged = webhook_headers(WebhookSignature.FORGED, body, APP)
    unsigned = webhook_headers(WebhookSignature.UNSIGNED, body, APP)

    assert verify_signature(app_key=APP[0], app_secret=APP[1], body=body, signature=signed["Authorization"])
    # A well-formed signature (64 hex digits), so that the function compares it and refuses it as forged.
    assert len(forged["Authorization"]) == 64
    assert int(forged["Authorization"], 16) >= 0
    assert not verify_signature(
        app_key=APP[0], app_secret=APP[1], body=body, signature=forged["Authorization"]
    )
    assert "Authorization" not in unsigned
    assert signed["Content-Type"] == forged["Content-Type"] == unsigned["Content-Type"] == "application/json"


def test_the_message_the_function_queues_is_what_the_check_expects():
    document = notification("7327112393057371910")
    message = queue_message(parse_notification(webhook_body(document)), received_at=1700000001)

    assert queued_message_mismatches(json.dumps(message), document) == []
    assert (message["shop_id"], message["cancellation"]["cancel_id"]) == (SHOP_ID, CANCEL_ID)


def test_a_queued_message_for_another_cancellation_or_shop_is_told_apart():
    document = notification("7327112393057371910")
    message = queue_message(parse_notification(webhook_body(document)), received_at=1700000001)
    other = {**message, "shop_id": "1", "cancellation": {**message["cancellation"], "cancel_id": "2"}}

    assert queued_message_mismatches(json.dumps(other), document) == [
        f"shop_id: '1', not '{SHOP_ID}'",
        f"cancel_id: '2', not '{CANCEL_ID}'",
    ]
    assert queued_message_mismatches("not json", document) == ["the message body is not JSON"]


def stack_info(host: str = "127.0.0.1", webhook_env: dict[str, str] | None = None) -> StackInfo:
    moto = f"http://{host}:5000"
    resources = {
        "WebhookQueue": f"{moto}/123456789012/WebhookQueue",
        "WebhookDeadLetterQueue": f"{moto}/123456789012/WebhookDeadLetterQueue",
        "IdempotencyTable": "IdempotencyTable",
        "TikTokCredentialsSecret": "tiktok-shop/credentials",
    }
    return StackInfo(
        name="test",
        host=host,
        layout="none",
        runtime_python="",
        function=FUNCTION_ID,
        moto_url=moto,
        tiktok_url=f"http://{host}:8765",
        invoke_url="",
        resources={logical_id: {"ref": ref, "attributes": {}} for logical_id, ref in resources.items()},
        function_env={"AWS_ENDPOINT_URL": moto},
        webhook_function=WEBHOOK_FUNCTION_ID,
        webhook_env=webhook_env if webhook_env is not None else {},
    )


def test_the_env_vars_expected_for_the_webhook_function_name_the_stacks_moto_at_the_containers_host():
    expected = expected_webhook_environment(stack_info(), CONTAINER_HOST)

    assert expected == {
        "WEBHOOK_QUEUE_URL": "http://198.18.0.1:5000/123456789012/WebhookQueue",
        "WEBHOOK_DLQ_URL": "http://198.18.0.1:5000/123456789012/WebhookDeadLetterQueue",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
        "TIKTOK_CREDENTIALS_SECRET": "tiktok-shop/credentials",
        "AWS_ENDPOINT_URL": "http://198.18.0.1:5000",
    }
    assert set(WEBHOOK_ENVIRONMENT) < set(expected)


def test_sam_env_vars_carries_the_webhook_functions_environment_to_the_containers_host():
    info = stack_info(
        webhook_env={
            "WEBHOOK_QUEUE_URL": "http://127.0.0.1:5000/123456789012/WebhookQueue",
            "WEBHOOK_DLQ_URL": "http://127.0.0.1:5000/123456789012/WebhookDeadLetterQueue",
            "IDEMPOTENCY_TABLE": "IdempotencyTable",
            "TIKTOK_CREDENTIALS_SECRET": "tiktok-shop/credentials",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        }
    )
    env_vars = sam_env_vars(info, CONTAINER_HOST)

    assert environment_mismatches(env_vars, expected_webhook_environment(info, CONTAINER_HOST)) == []
    assert env_vars[WEBHOOK_FUNCTION_ID]["AWS_REGION"] == "us-east-1"


def test_env_vars_without_the_webhook_function_or_with_another_queue_are_reported():
    info = stack_info()
    expected = expected_webhook_environment(info, CONTAINER_HOST)
    elsewhere = {**expected, "WEBHOOK_QUEUE_URL": "WebhookQueue"}  # SAM's own value for an unresolved !Ref

    assert environment_mismatches({FUNCTION_ID: {}}, expected) == [f"{WEBHOOK_FUNCTION_ID}: not in the file"]
    assert environment_mismatches({WEBHOOK_FUNCTION_ID: elsewhere}, expected) == [
        f"WEBHOOK_QUEUE_URL: 'WebhookQueue', not '{expected['WEBHOOK_QUEUE_URL']}'"
    ]


# --- in moto --------------------------------------------------------------------------------------------


@pytest.fixture
def provisioned(moto_url: str) -> Iterator[dict[str, PhysicalResource]]:
    reset_moto(moto_url)
    credentials = {"app_key": DEFAULT_APP_KEY, "app_secret": DEFAULT_APP_SECRET}
    yield provision(load_template(), [FUNCTION_ID, WEBHOOK_FUNCTION_ID], moto_url, credentials)
    reset_moto(moto_url)


def test_the_webhook_functions_resources_are_provisioned_beside_the_approvals(provisioned, moto_url):
    template = load_template()
    wanted = set(referenced_resources(template, FUNCTION_ID)) | set(
        referenced_resources(template, WEBHOOK_FUNCTION_ID)
    )
    sqs = aws_client("sqs", moto_url)
    redrive = sqs.get_queue_attributes(
        QueueUrl=provisioned["WebhookQueue"].ref, AttributeNames=["RedrivePolicy", "VisibilityTimeout"]
    )["Attributes"]

    assert {"WebhookQueue", "WebhookDeadLetterQueue"} <= set(provisioned)
    # The API is no moto resource; everything else either function refers to is there, the shared ones once.
    assert set(provisioned) == wanted - {"ApprovalApi"}
    assert (
        json.loads(redrive["RedrivePolicy"])["deadLetterTargetArn"]
        == (provisioned["WebhookDeadLetterQueue"].attributes["Arn"])
    )
    assert redrive["VisibilityTimeout"] == "190"


def test_the_check_takes_its_own_message_and_leaves_the_queue_as_it_found_it(provisioned, moto_url):
    sqs = aws_client("sqs", moto_url)
    url = provisioned["WebhookQueue"].ref
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"tts_notification_id": "someone-else"}))
    before = queue_depth(sqs, url)
    ours = json.dumps({"tts_notification_id": "ours", "kind": "to_decide"})
    sqs.send_message(QueueUrl=url, MessageBody=ours)

    taken = take_message(sqs, url, "ours")

    assert taken == [ours]
    assert queue_depth(sqs, url) == before == 1
    # The other message was made visible again at once, not hidden for the queue's visibility timeout.
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]
    assert [json.loads(message["Body"])["tts_notification_id"] for message in left] == ["someone-else"]

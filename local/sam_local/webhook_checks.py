"""`sam local start-api`'s webhook route: TikTok's notifications POSTed over real HTTP to
POST /webhooks/tiktok (TikTokWebhookFunction, the API's one route without IAM auth), signed with the app key
and secret the local stack put in the default credentials secret (the TikTok emulator's own); what reached
WebhookQueue is read back from moto. The answers expected are in expectations.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from local_stack.processes import free_port
from local_stack.provision import aws_client
from local_stack.rotation import current_secret
from local_stack.scenario import Step
from local_stack.stack import StackInfo
from local_stack.template_env import WEBHOOK_FUNCTION_ID
from tiktok_shop.webhooks import webhook_signature

from sam_local.api_checks import request
from sam_local.expectations import (
    WEBHOOK_ANSWERS,
    WEBHOOK_ENVIRONMENT,
    WEBHOOK_PATH,
    ExpectedWebhookAnswer,
    WebhookSignature,
)
from sam_local.paths import ENV_VARS, WORK_DIR
from sam_local.sam_cli import SamLocal

# docs/webhooks.md's example notification: nothing decides it here (no event source polls WebhookQueue).
SHOP_ID: Final = "7494049642642441621"
ORDER_ID: Final = "576486316948490001"
CANCEL_ID: Final = "4035318504086604100"
QUEUES: Final = ("WebhookQueue", "WebhookDeadLetterQueue")
_DEPTH_ATTRIBUTES: Final = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)

App = tuple[str, str]
"""(app_key, app_secret)"""


def notification(notification_id: str) -> dict[str, Any]:
    """A type-11 notification: a buyer's cancellation request, pending (queued `to_decide`)."""
    return {
        "type": 11,
        "tts_notification_id": notification_id,
        "shop_id": SHOP_ID,
        "timestamp": 1700000000,
        "data": {
            "order_id": ORDER_ID,
            "cancellations_role": "BUYER",
            "cancel_status": "CANCELLATION_REQUEST_PENDING",
            "cancel_id": CANCEL_ID,
            "create_time": 1699999990,
        },
    }


def webhook_body(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def webhook_headers(signature: WebhookSignature, body: bytes, app: App) -> dict[str, str]:
    app_key, app_secret = app
    headers = {"Content-Type": "application/json"}
    if signature is WebhookSignature.SIGNED:
        headers["Authorization"] = webhook_signature(app_key=app_key, app_secret=app_secret, body=body)
    elif signature is WebhookSignature.FORGED:
        forged = webhook_signature(app_key=app_key, app_secret=f"{app_secret}-forged", body=body)
        headers["Authorization"] = forged
    return headers


def describe(expected: ExpectedWebhookAnswer) -> str:
    how = {
        WebhookSignature.SIGNED: "a signed type-11 webhook",
        WebhookSignature.FORGED: "a forged one (signed with another app secret)",
        WebhookSignature.UNSIGNED: "an unsigned one (no Authorization header)",
    }[expected.signature]
    return f"{how}: HTTP {expected.status}, empty body"


def expected_webhook_environment(info: StackInfo, host: str) -> dict[str, str]:
    """What the `--env-vars` file must give TikTokWebhookFunction: this stack's resources in moto, and moto
    itself, at `host` (the address SAM's containers reach the stack at)."""

    def at_host(value: str) -> str:
        return value.replace(f"//{info.host}:", f"//{host}:")

    expected = {
        name: at_host(info.resource_ref(logical_id)) for name, logical_id in WEBHOOK_ENVIRONMENT.items()
    }
    expected["AWS_ENDPOINT_URL"] = at_host(info.moto_url)
    return expected


def environment_mismatches(env_vars: Mapping[str, Any], expected: Mapping[str, str]) -> list[str]:
    """The webhook function's variables that the `--env-vars` content lacks or sets otherwise."""
    given = env_vars.get(WEBHOOK_FUNCTION_ID)
    if not isinstance(given, Mapping):
        return [f"{WEBHOOK_FUNCTION_ID}: not in the file"]
    return [
        f"{name}: {given.get(name)!r}, not {value!r}"
        for name, value in expected.items()
        if given.get(name) != value
    ]


def queued_message_mismatches(message_body: str, document: Mapping[str, Any]) -> list[str]:
    """How WebhookQueue's message differs from what the notification sent says it must carry."""
    try:
        message = json.loads(message_body)
    except ValueError:
        return ["the message body is not JSON"]
    if not isinstance(message, dict):
        return ["the message body is not a JSON object"]
    cancellation = message.get("cancellation")
    found = {
        "kind": message.get("kind"),
        "tts_notification_id": message.get("tts_notification_id"),
        "shop_id": message.get("shop_id"),
        "cancel_id": cancellation.get("cancel_id") if isinstance(cancellation, dict) else None,
    }
    wanted = {
        "kind": "to_decide",
        "tts_notification_id": document["tts_notification_id"],
        "shop_id": document["shop_id"],
        "cancel_id": document["data"]["cancel_id"],
    }
    return [
        f"{name}: {found[name]!r}, not {value!r}" for name, value in wanted.items() if found[name] != value
    ]


def queue_depth(sqs: Any, url: str) -> int:
    """Every message the queue holds: visible, in flight and delayed."""
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(_DEPTH_ATTRIBUTES))["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in _DEPTH_ATTRIBUTES)


def take_message(sqs: Any, url: str, notification_id: str) -> list[str]:
    """The bodies of the queue's messages for `notification_id`, deleted; any other message received is made
    visible again at once, so the queue is left as it was found but for those."""
    taken: list[str] = []
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
        "Messages", []
    )
    for message in messages:
        body = str(message.get("Body", ""))
        try:
            ours = json.loads(body).get("tts_notification_id") == notification_id
        except (ValueError, AttributeError):
            ours = False
        if ours:
            taken.append(body)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        else:
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    return taken


def check_webhook_route(sam: SamLocal, step: Step, info: StackInfo, container_host: str) -> None:
    expected_env = expected_webhook_environment(info, container_host)
    mismatches = environment_mismatches(json.loads(ENV_VARS.read_text(encoding="utf-8")), expected_env)
    step.show(f"--env-vars {ENV_VARS.relative_to(WORK_DIR.parent)}, {WEBHOOK_FUNCTION_ID}:")
    step.show("\n".join(f"  {name}={value}" for name, value in expected_env.items()))
    step.expect(
        not mismatches,
        f"{WEBHOOK_FUNCTION_ID}'s queues, table, secret and AWS endpoint are the local stack's (moto's)"
        + (f": {'; '.join(mismatches)}" if mismatches else ""),
    )
    _, secret = current_secret(info)  # its app_secret is registered for masking
    app = (str(secret["app_key"]), str(secret["app_secret"]))
    step.show(
        f"signed with the credentials secret's app_key ({app[0]}) and app_secret (***), as the local stack "
        f"put them in moto ({info.resource_ref('TikTokCredentialsSecret')}): the TikTok emulator's own"
    )
    sqs = aws_client("sqs", info.queue_endpoint)
    queues = {logical_id: info.resource_ref(logical_id) for logical_id in QUEUES}
    port = free_port()
    with sam.server("start-api", port, "--warm-containers", "LAZY") as command:
        step.show(f"{command}\n  listening on http://127.0.0.1:{port}")
        url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        for expected in WEBHOOK_ANSWERS:
            before = {logical_id: queue_depth(sqs, queue) for logical_id, queue in queues.items()}
            document = notification(expected.notification_id)
            body = webhook_body(document)
            answer = request(step, "POST", url, webhook_headers(expected.signature, body, app), data=body)
            step.expect(answer.status == expected.status and answer.body == "", describe(expected))
            if expected.queued:
                taken = take_message(sqs, queues["WebhookQueue"], expected.notification_id)
                step.show(f"  WebhookQueue: {taken}")
                problems = [
                    problem for body in taken for problem in queued_message_mismatches(body, document)
                ]
                step.expect(
                    len(taken) == 1 and not problems,
                    f"its message is on WebhookQueue, once: kind to_decide, tts_notification_id, shop_id "
                    f"{SHOP_ID}, cancel_id {CANCEL_ID}" + (f" ({'; '.join(problems)})" if problems else ""),
                )
            after = {logical_id: queue_depth(sqs, queue) for logical_id, queue in queues.items()}
            step.expect(
                after == before,
                ("deleted: " if expected.queued else "nothing queued: ")
                + f"WebhookQueue and WebhookDeadLetterQueue hold what they held before ({after})",
            )

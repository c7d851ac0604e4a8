"""The autopilot's chain in process, against moto and the TikTok emulator: webhook intake -> WebhookQueue ->
decider -> ApprovalQueue -> approval function -> decision log. Each hop is the real handler; SQS messages
travel through moto and reach the next function as Lambda's SQS event (local/sqs_poller's builder)."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from lambda_context import FakeLambdaContext
from sqs_poller.event import sqs_event
from tiktok_emulator import DEFAULT_APP_KEY, DEFAULT_APP_SECRET, TikTokEmulator
from tiktok_shop.webhooks import webhook_signature

from support.approvals import Aws

DEFAULT_SHOP_ID = "7494049642642441600"
DECISIONS_TABLE = "DecisionsTable"
POLICIES_TABLE = "PoliciesTable"
REGION = "us-east-1"
REVIEW_SOURCE = "tiktok-shop.cancellation-autopilot"

APPROVING_POLICY = {
    "version": 1,
    "mode": "approve",
    "refund_limits": {"USD": {"max": "50.00"}},
}


def notification(
    cancel_id: str,
    *,
    notification_id: str,
    shop_id: str = DEFAULT_SHOP_ID,
    status: str = "CANCELLATION_REQUEST_PENDING",
    role: str = "BUYER",
    timestamp: int = 1700000000,
) -> dict[str, Any]:
    return {
        "type": 11,
        "tts_notification_id": notification_id,
        "shop_id": shop_id,
        "timestamp": timestamp,
        "data": {
            "order_id": f"order-{cancel_id}",
            "cancellations_role": role,
            "cancel_status": status,
            "cancel_id": cancel_id,
            "create_time": timestamp - 10,
        },
    }


def webhook_event(document: dict[str, Any], *, app_secret: str = DEFAULT_APP_SECRET) -> dict[str, Any]:
    """An API Gateway proxy event of POST /webhooks/tiktok, signed as TikTok signs."""
    body = json.dumps(document).encode()
    return delivered_event(body, webhook_signature(app_key=DEFAULT_APP_KEY, app_secret=app_secret, body=body))


def delivered_event(body: bytes, signature: str) -> dict[str, Any]:
    """The proxy event of a webhook as it arrived (the emulator's, say): its exact bytes and signature."""
    return {
        "resource": "/webhooks/tiktok",
        "path": "/webhooks/tiktok",
        "httpMethod": "POST",
        "headers": {
            "Content-Type": "application/json",
            "Authorization": signature,
        },
        "requestContext": {"requestId": "req-1", "stage": "Prod", "resourcePath": "/webhooks/tiktok"},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


@dataclass
class Chain:
    """Moves messages between the real handlers, one hop at a time."""

    sqs: Any
    webhook_queue_url: str
    approval_queue_url: str
    review_queue_url: str
    webhook: Callable[[dict[str, Any], Any], Any]
    decide: Callable[[dict[str, Any], Any], Any]
    approve: Callable[[dict[str, Any], Any], Any]
    failures: list[str] = field(default_factory=list)

    def send_webhook(self, document: dict[str, Any], **signing: Any) -> int:
        return int(self.webhook(webhook_event(document, **signing), FakeLambdaContext())["statusCode"])

    def run_decider(self) -> list[dict[str, Any]]:
        """Every notice waiting on WebhookQueue through the decider; returns the messages it handled."""
        return self._drain(self.webhook_queue_url, self.decide)

    def run_approvals(self) -> list[dict[str, Any]]:
        return self._drain(self.approval_queue_url, self.approve)

    def waiting(self, queue_url: str) -> list[dict[str, Any]]:
        """The messages on a queue, left there (visibility 0)."""
        messages = self.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return list(messages)

    def review_events(self) -> list[dict[str, Any]]:
        """Every event the review rule delivered so far (taken off its queue)."""
        events = []
        while messages := self._receive(self.review_queue_url):
            for message in messages:
                events.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.review_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return events

    def _drain(self, queue_url: str, handler: Callable[[dict[str, Any], Any], Any]) -> list[dict[str, Any]]:
        handled: list[dict[str, Any]] = []
        while True:
            messages = self._receive(queue_url)
            if not messages:
                return handled
            arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            answer = handler(copy.deepcopy(sqs_event(messages, arn, REGION)), FakeLambdaContext())
            failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
            self.failures.extend(sorted(failed))
            for message in messages:
                if message["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled.extend(messages)
            if failed:
                return handled  # what failed stays on the queue: the test decides what comes next

    def _receive(self, queue_url: str) -> list[dict[str, Any]]:
        # Visibility 0: a message the handler reports failed is there again at once (unless the function
        # holds it back itself), as if its visibility timeout had passed.
        return list(
            self.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
                VisibilityTimeout=0,
            ).get("Messages", [])
        )


def reset_functions() -> None:
    """Forget every function's built objects (after the environment changed)."""
    from approval import dependencies as approval_dependencies
    from autopilot import dependencies as autopilot_dependencies
    from webhook_intake import dependencies as webhook_dependencies

    autopilot_dependencies.reset()
    approval_dependencies.reset()
    webhook_dependencies.reset()


def set_policy(shop_id: str, policy: dict[str, Any]) -> None:
    from policy_store.writer import PolicyWriter

    PolicyWriter(POLICIES_TABLE, dynamodb=boto3.client("dynamodb")).put(shop_id, json.dumps(policy))


def approve_calls(emulator: TikTokEmulator, cancel_id: str) -> int:
    """Approve calls TikTok received for the cancellation (emulator.approvals() counts state changes only:
    a second call would be answered "not pending" and leave it at 1)."""
    return len([call for call in emulator.calls(cancel_id) if call.path.endswith("/approve")])


def approval_records(aws: Aws) -> list[dict[str, Any]]:
    return [item for item in aws.idempotency_records() if "approve-cancellation" in item["id"]["S"]]


def record(cancel_id: str, shop_id: str = DEFAULT_SHOP_ID) -> dict[str, Any]:
    from decision_log import DecisionLog

    stored = DecisionLog(DECISIONS_TABLE, dynamodb=boto3.client("dynamodb")).get(shop_id, cancel_id)
    assert stored is not None, f"no decision-log record for {cancel_id}"
    return stored.to_json()

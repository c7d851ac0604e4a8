"""The webhook's I/O floor: what TikTokWebhookFunction has to do for one valid signed webhook, done with plain
boto3 calls and nothing else.

One webhook is one Secrets Manager read (cold only: the function caches the app secret), the signature
checked (HMAC-SHA256 of app_key + body, as TikTok signs), the dedupe record's conditional PutItem, the SQS
SendMessage to WebhookQueue and the record's UpdateItem. boto3 is imported by `connect()`, inside the time
the benchmark measures, as the function imports it inside its cold start. No requests: the function never
calls TikTok.

make bench-webhook runs it as a function of its own (handler plain_webhook_io.lambda_handler) in the webhook
function's environment, fed the same API Gateway events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any


class PlainWebhookIO:
    def __init__(self) -> None:
        self._dynamodb: Any = None
        self._sqs: Any = None
        self._app_key = b""
        self._app_secret = b""
        self._table = os.environ["IDEMPOTENCY_TABLE"]
        self._queue_url = os.environ["WEBHOOK_QUEUE_URL"]

    def connect(self) -> None:
        """What any such function pays once per container: the library, three clients, the secret."""
        import boto3

        secrets = boto3.client("secretsmanager")
        self._dynamodb = boto3.client("dynamodb")
        self._sqs = boto3.client("sqs")
        secret = json.loads(
            secrets.get_secret_value(SecretId=os.environ["TIKTOK_CREDENTIALS_SECRET"])["SecretString"]
        )
        self._app_key, self._app_secret = secret["app_key"].encode(), secret["app_secret"].encode()

    def accept(self, event: dict[str, Any]) -> bool:
        """True once the webhook is queued; False for a signature that does not verify."""
        if self._dynamodb is None:
            self.connect()
        body = event["body"].encode()
        signed = hmac.new(self._app_secret, self._app_key + body, hashlib.sha256).digest()
        if not hmac.compare_digest(signed, bytes.fromhex(event["headers"]["Authorization"])):
            return False
        notification = json.loads(body)
        key = {"id": {"S": f"floor-webhook#{notification['tts_notification_id']}"}}
        now = int(time.time())
        self._dynamodb.put_item(
            TableName=self._table,
            Item={**key, "expiration": {"N": str(now + 3600)}, "status": {"S": "INPROGRESS"}},
            ConditionExpression="attribute_not_exists(#id) OR #expiry < :now",
            ExpressionAttributeNames={"#id": "id", "#expiry": "expiration"},
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
        sent = self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps(notification, separators=(",", ":")),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "floor"}},
        )
        self._dynamodb.update_item(
            TableName=self._table,
            Key=key,
            UpdateExpression="SET #status = :status, #data = :data",
            ExpressionAttributeNames={"#status": "status", "#data": "data"},
            ExpressionAttributeValues={
                ":status": {"S": "COMPLETED"},
                ":data": {"S": json.dumps({"message_id": sent["MessageId"]})},
            },
        )
        return True


PLAIN_WEBHOOK_IO = PlainWebhookIO()


def lambda_handler(event: dict[str, Any], _context: object) -> bool:
    """The API Gateway proxy event TikTokWebhookFunction gets."""
    return PLAIN_WEBHOOK_IO.accept(event)

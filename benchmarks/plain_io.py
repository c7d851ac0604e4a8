"""The I/O floor: what an approval has to send, done with plain boto3 and requests calls and nothing else.

One approval is one Secrets Manager read (cold only: a warm function has the secret cached), the idempotency
record's conditional PutItem, the rate limiter's slot reservation (one conditional UpdateItem, when the
environment has RATE_LIMIT_TABLE), the signed TikTok call and the record's UpdateItem; a replay is one
read of the record. boto3 and requests are imported by `connect()`, inside the time the benchmark measures, as the
function imports them inside its cold start.

make bench runs it as a function of its own (handler plain_io.lambda_handler) in the function's environment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

APPROVE_PATH = "/return_refund/202309/cancellations/{cancel_id}/approve"


class PlainIO:
    def __init__(self) -> None:
        self._dynamodb: Any = None
        self._http: Any = None
        self._credentials: dict[str, str] = {}
        self._table = os.environ["IDEMPOTENCY_TABLE"]
        self._rate_table = os.environ.get("RATE_LIMIT_TABLE")
        self._tiktok = os.environ["TIKTOK_API_BASE_URL"].rstrip("/")

    def connect(self) -> None:
        """What any such function pays once per container: the libraries, two clients, the secret."""
        import boto3
        import requests

        secrets = boto3.client("secretsmanager")
        self._dynamodb = boto3.client("dynamodb")
        self._http = requests.Session()
        secret = secrets.get_secret_value(SecretId=os.environ["TIKTOK_CREDENTIALS_SECRET"])
        self._credentials = json.loads(secret["SecretString"])

    def ensure_connected(self) -> None:
        if self._dynamodb is None:
            self.connect()

    def approve(self, cancel_id: str) -> bool:
        self.ensure_connected()
        key = {"id": {"S": f"floor#{cancel_id}"}}
        now = int(time.time())
        self._dynamodb.put_item(
            TableName=self._table,
            Item={**key, "expiration": {"N": str(now + 3600)}, "status": {"S": "INPROGRESS"}},
            ConditionExpression="attribute_not_exists(#id) OR #expiry < :now",
            ExpressionAttributeNames={"#id": "id", "#expiry": "expiration"},
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
        if self._rate_table:
            self._reserve_slot()
        envelope = self._call_tiktok(cancel_id)
        self._dynamodb.update_item(
            TableName=self._table,
            Key=key,
            UpdateExpression="SET #status = :status, #data = :data",
            ExpressionAttributeNames={"#status": "status", "#data": "data"},
            ExpressionAttributeValues={":status": {"S": "COMPLETED"}, ":data": {"S": json.dumps(envelope)}},
        )
        return envelope.get("code") == 0

    def _reserve_slot(self) -> None:
        # One UpdateItem, as the function's reservation costs; unconditional, so parallel floors never clash.
        self._dynamodb.update_item(
            TableName=self._rate_table,
            Key={"id": {"S": "floor#shop"}},
            UpdateExpression="SET tat = :next",
            ExpressionAttributeValues={":next": {"N": str(int(time.time() * 1_000_000))}},
        )

    def read(self, cancel_id: str) -> bool:
        self.ensure_connected()
        item = self._dynamodb.get_item(TableName=self._table, Key={"id": {"S": f"floor#{cancel_id}"}})
        return "Item" in item

    def _call_tiktok(self, cancel_id: str) -> dict[str, Any]:
        credentials = self._credentials
        path = APPROVE_PATH.format(cancel_id=cancel_id)
        query = {
            "app_key": credentials["app_key"],
            "shop_cipher": credentials["shop_cipher"],
            "idempotency_key": f"floor-{cancel_id}",
            "timestamp": str(int(time.time())),
        }
        # TikTok's documented sign: HMAC-SHA256 over secret + path + sorted key/values + body + secret.
        secret = credentials["app_secret"].encode()
        message = secret + path.encode() + "".join(k + v for k, v in sorted(query.items())).encode() + secret
        query["sign"] = hmac.new(secret, message, hashlib.sha256).hexdigest()
        response = self._http.post(
            self._tiktok + path,
            params=query,
            headers={"content-type": "application/json", "x-tts-access-token": credentials["access_token"]},
            timeout=(3.05, 10.0),
        )
        envelope: dict[str, Any] = response.json()
        return envelope


PLAIN_IO = PlainIO()


def lambda_handler(event: dict[str, Any], _context: object) -> bool:
    """{"approve": cancel_id}, {"read": cancel_id} or {"approve_in_parallel": [cancel_id, ...]}."""
    if "approve" in event:
        return PLAIN_IO.approve(event["approve"])
    if "read" in event:
        return PLAIN_IO.read(event["read"])
    if "approve_in_parallel" in event:
        from concurrent.futures import ThreadPoolExecutor

        PLAIN_IO.ensure_connected()  # once, before the threads share the clients
        ids = event["approve_in_parallel"]
        with ThreadPoolExecutor(max_workers=len(ids)) as workers:
            return all(workers.map(PLAIN_IO.approve, ids))
    raise ValueError(f"not a floor event: {event!r}")

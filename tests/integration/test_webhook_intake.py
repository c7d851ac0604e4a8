"""TikTokWebhookFunction in process (the real handler), against moto in server mode: what each kind of
webhook, good or bad, is answered, what reaches the queues, and what is counted."""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from lambda_context import FakeLambdaContext
from support.cfn_template import idempotency_table_schema
from support.function_env import function_environment
from support.powertools_output import captured_output
from tiktok_emulator import DEFAULT_APP_KEY, DEFAULT_APP_SECRET
from tiktok_shop.webhooks import webhook_signature

SECRET_NAME = "tiktok-shop/credentials"
TABLE_NAME = "IdempotencyTable"
SHOP_ID = "7494049642642441621"


def notification(
    *,
    notification_id: Any = "7327112393057371910",
    kind: Any = 11,
    status: str = "CANCELLATION_REQUEST_PENDING",
    role: str = "BUYER",
    **overrides: Any,
) -> dict[str, Any]:
    document = {
        "type": kind,
        "tts_notification_id": notification_id,
        "shop_id": SHOP_ID,
        "timestamp": 1700000000,
        "data": {
            "order_id": "576486316948490001",
            "cancellations_role": role,
            "cancel_status": status,
            "cancel_id": "4035318504086604100",
            "create_time": 1699999990,
        },
    }
    document.update(overrides)
    return document


def sign(body: bytes, *, app_key: str = DEFAULT_APP_KEY, app_secret: str = DEFAULT_APP_SECRET) -> str:
    return webhook_signature(app_key=app_key, app_secret=app_secret, body=body)


def api_event(body: bytes, signature: str | None, *, header: str = "Authorization", encode: bool = False):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[header] = signature
    return {
        "resource": "/webhooks/tiktok",
        "path": "/webhooks/tiktok",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "resourcePath": "/webhooks/tiktok",
            "httpMethod": "POST",
            "stage": "v1",
        },
        "body": base64.b64encode(body).decode() if encode else body.decode("utf-8", "surrogateescape"),
        "isBase64Encoded": encode,
    }


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode()


@dataclass
class Stack:
    sqs: Any
    secrets: Any
    dynamodb: Any
    queue_url: str
    dlq_url: str

    def messages(self, url: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=url or self.queue_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not batch:
                return found
            found.extend(batch)
            for message in batch:
                self.sqs.delete_message(
                    QueueUrl=url or self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def parked(self) -> list[dict[str, Any]]:
        return self.messages(self.dlq_url)


@pytest.fixture
def stack(moto_env: str) -> Stack:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName=TABLE_NAME, **idempotency_table_schema())
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(
        Name=SECRET_NAME,
        SecretString=json.dumps(
            {
                "app_key": DEFAULT_APP_KEY,
                "app_secret": DEFAULT_APP_SECRET,
                "access_token": "t",
                "shop_cipher": "c",
            }
        ),
    )
    sqs = boto3.client("sqs")
    dlq_url = sqs.create_queue(QueueName="WebhookDeadLetterQueue")["QueueUrl"]
    queue_url = sqs.create_queue(QueueName="WebhookQueue")["QueueUrl"]
    return Stack(sqs, secrets, dynamodb, queue_url, dlq_url)


def environment(stack: Stack, **changes: str) -> dict[str, str]:
    return {
        "TIKTOK_CREDENTIALS_SECRET": SECRET_NAME,
        "IDEMPOTENCY_TABLE": TABLE_NAME,
        "WEBHOOK_QUEUE_URL": stack.queue_url,
        "WEBHOOK_DLQ_URL": stack.dlq_url,
        "POWERTOOLS_SERVICE_NAME": "tiktok-webhook",
        "POWERTOOLS_METRICS_NAMESPACE": "TikTokShop",
        "POWERTOOLS_TRACE_DISABLED": "true",
        **changes,
    }


@pytest.fixture
def webhook_env(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from webhook_intake import dependencies

    with function_environment(monkeypatch, environment(stack), dependencies.reset):
        yield


Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def invoke(webhook_env: None) -> Invoke:
    import webhook_app

    def call(event: dict[str, Any]) -> dict[str, Any]:
        return webhook_app.lambda_handler(copy.deepcopy(event), FakeLambdaContext(timeout_seconds=5))

    return call


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    from webhook_intake.observability import logger

    with captured_output(logger, capsys) as read:
        yield read


def counted(read: Callable[[], str]) -> list[tuple[str, str, str | None]]:
    """(metric, reason, problem) of every webhook counted, from the EMF lines."""
    found = []
    for line in read().splitlines():
        if not line.startswith("{"):
            continue
        blob = json.loads(line)
        if "_aws" not in blob:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "TikTokShop"
            for metric in directive["Metrics"]:
                if metric["Name"].startswith("Webhook"):
                    found.append((metric["Name"], blob["reason"], blob.get("problem")))
    return found


def post(invoke: Invoke, body: bytes, signature: str | None = "sign", **options: Any) -> int:
    if signature == "sign":
        signature = sign(body)
    answer = invoke(api_event(body, signature, **options))
    assert answer["body"] == ""
    return int(answer["statusCode"])


# --- accepted --------------------------------------------------------------------------------------------


def test_a_signed_pending_buyer_cancellation_is_queued_once_to_be_decided(
    invoke: Invoke, stack: Stack, output: Callable[[], str]
):
    assert post(invoke, encoded(notification())) == 200
    [message] = stack.messages()
    body = json.loads(message["Body"])
    assert body["kind"] == "to_decide"
    assert body["tts_notification_id"] == "7327112393057371910"
    assert body["shop_id"] == SHOP_ID
    assert body["cancellation"] == {
        "order_id": "576486316948490001",
        "cancel_id": "4035318504086604100",
        "cancel_status": "CANCELLATION_REQUEST_PENDING",
        "cancellations_role": "BUYER",
        "create_time": 1699999990,
    }
    assert message["MessageAttributes"]["kind"]["StringValue"] == "to_decide"
    assert stack.parked() == []
    assert ("WebhookAccepted", "QueuedToDecide", None) in counted(output)


@pytest.mark.parametrize(
    ("status", "role"),
    [
        ("CANCELLATION_REQUEST_SUCCESS", "BUYER"),
        ("CANCELLATION_REQUEST_CANCELLED", "BUYER"),
        ("CANCELLATION_REQUEST_PENDING", "SELLER"),
        ("CANCELLATION_REQUEST_COMPLETE", "SYSTEM"),
    ],
)
def test_other_type_11_changes_are_queued_as_status_updates(
    invoke: Invoke, stack: Stack, status: str, role: str
):
    assert post(invoke, encoded(notification(status=status, role=role))) == 200
    [message] = stack.messages()
    assert json.loads(message["Body"])["kind"] == "status_update"


def test_a_repeated_notification_is_answered_200_and_queued_once(
    invoke: Invoke, stack: Stack, output: Callable[[], str]
):
    body = encoded(notification())
    assert [post(invoke, body) for _ in range(3)] == [200, 200, 200]
    # The same id in another body (TikTok's retry re-serialised, or a replay): still once.
    assert post(invoke, encoded(notification(timestamp=1700000999))) == 200
    assert len(stack.messages()) == 1
    assert [c for c in counted(output) if c[1] == "Duplicate"] == [("WebhookAccepted", "Duplicate", None)] * 3
    [record] = stack.dynamodb.scan(TableName=TABLE_NAME)["Items"]
    assert record["id"]["S"].startswith("tiktok-webhook")


def test_ids_sent_as_numbers_are_queued_as_their_exact_text(invoke: Invoke, stack: Stack):
    body = (
        b'{"type": 11, "tts_notification_id": 9007199254740993, "shop_id": 7494049642642441621, '
        b'"timestamp": 1700000000, "data": {"order_id": 576486316948490001, "cancellations_role": "BUYER", '
        b'"cancel_status": "CANCELLATION_REQUEST_PENDING", "cancel_id": 4035318504086604100}}'
    )
    assert post(invoke, body) == 200
    [message] = stack.messages()
    queued = json.loads(message["Body"])
    assert queued["tts_notification_id"] == "9007199254740993"
    assert queued["shop_id"] == "7494049642642441621"
    assert queued["cancellation"]["order_id"] == "576486316948490001"
    assert queued["cancellation"]["cancel_id"] == "4035318504086604100"


def test_a_base64_encoded_body_is_verified_on_its_decoded_bytes(invoke: Invoke, stack: Stack):
    body = encoded(notification())
    assert post(invoke, body, encode=True) == 200
    assert len(stack.messages()) == 1


@pytest.mark.parametrize("header", ["authorization", "AUTHORIZATION", "Authorization"])
def test_the_header_is_found_in_any_case(invoke: Invoke, stack: Stack, header: str):
    assert post(invoke, encoded(notification()), header=header) == 200
    assert len(stack.messages()) == 1


@pytest.mark.parametrize(("kind", "queued_as"), [(6, "seller_deauthorized"), (7, "authorization_expiring")])
def test_a_sellers_notification_is_queued_as_its_kind(
    invoke: Invoke, stack: Stack, output: Callable[[], str], kind: int, queued_as: str
):
    assert post(invoke, encoded(notification(kind=kind, data={"anything": 1}))) == 200
    [message] = stack.messages()
    body = json.loads(message["Body"])
    assert body["kind"] == queued_as
    assert body["type"] == kind
    assert "cancellation" not in body
    assert ("WebhookAccepted", "QueuedSellerEvent", None) in counted(output)
    # Sent again (TikTok's retry): queued once.
    assert post(invoke, encoded(notification(kind=kind, data={"anything": 1}))) == 200
    assert stack.messages() == []


@pytest.mark.parametrize("kind", [12, 99])
def test_a_type_not_acted_on_is_ignored_and_counted(
    invoke: Invoke, stack: Stack, output: Callable[[], str], kind: int
):
    assert post(invoke, encoded(notification(kind=kind, data={"anything": 1}))) == 200
    assert stack.messages() == []
    assert stack.parked() == []
    assert ("WebhookAccepted", "IgnoredType", None) in counted(output)


# --- parked: signed, but unreadable ---------------------------------------------------------------------

UNREADABLE = {
    "not json": (b"{not json", "not_json", None),
    "not an object": (b"[1, 2]", "not_an_object", None),
    "type as text": (encoded(notification(kind="11")), "wrong_type", "type"),
    "id as a list": (encoded(notification(notification_id=[1])), "wrong_type", "tts_notification_id"),
    "shop_id null": (encoded(notification(shop_id=None)), "wrong_type", "shop_id"),
    "timestamp as text": (encoded(notification(timestamp="1700000000")), "wrong_type", "timestamp"),
    "data as text": (encoded(notification(data="x")), "wrong_type", "data"),
    "order_id as object": (
        encoded(notification(data={**notification()["data"], "order_id": {}})),
        "wrong_type",
        "data.order_id",
    ),
    "role as number": (
        encoded(notification(data={**notification()["data"], "cancellations_role": 1})),
        "wrong_type",
        "data.cancellations_role",
    ),
    "status as bool": (
        encoded(notification(data={**notification()["data"], "cancel_status": True})),
        "wrong_type",
        "data.cancel_status",
    ),
    "cancel_id as bool": (
        encoded(notification(data={**notification()["data"], "cancel_id": False})),
        "wrong_type",
        "data.cancel_id",
    ),
    "create_time as text": (
        encoded(notification(data={**notification()["data"], "create_time": "x"})),
        "wrong_type",
        "data.create_time",
    ),
    "no shop_id": (
        encoded({k: v for k, v in notification().items() if k != "shop_id"}),
        "missing_field",
        "shop_id",
    ),
    "not utf-8": (b'{"type": 11, "x": "\xff"}', "not_utf8", None),
}


@pytest.mark.parametrize("case", UNREADABLE)
def test_a_signed_body_that_cannot_be_read_is_parked_with_the_reason(
    invoke: Invoke, stack: Stack, output: Callable[[], str], case: str
):
    body, problem, field = UNREADABLE[case]
    assert post(invoke, body, encode=case == "not utf-8") == 200
    assert stack.messages() == []
    [parked] = stack.parked()
    attributes = {name: value["StringValue"] for name, value in parked["MessageAttributes"].items()}
    assert attributes["reason"] == problem
    assert attributes.get("field") == field
    if attributes["body_encoding"] == "base64":
        assert base64.b64decode(parked["Body"]) == body
    else:
        assert parked["Body"].encode() == body
    assert ("WebhookAccepted", "Parked", problem) in counted(output)
    text = output()
    assert sign(body) not in text
    assert DEFAULT_APP_SECRET not in text


# --- refused -------------------------------------------------------------------------------------------


def forged_cases() -> dict[str, tuple[bytes, str | None]]:
    body = encoded(notification())
    return {
        "unsigned": (body, None),
        "empty header": (body, ""),
        "forged": (body, "0" * 64),
        "another app's secret": (body, sign(body, app_secret="another-apps-secret")),
        "another app's key": (body, sign(body, app_key="another-app-key")),
        "tampered after signing": (body.replace(b"BUYER", b"SELLER"), sign(body)),
        "truncated": (body[:-5], sign(body)),
        "signature prefixed": (body, "sha256=" + sign(body)),
    }


@pytest.mark.parametrize("case", forged_cases())
def test_a_missing_or_wrong_signature_is_refused_401_and_nothing_is_queued(
    invoke: Invoke, stack: Stack, output: Callable[[], str], case: str
):
    body, signature = forged_cases()[case]
    assert post(invoke, body, signature) == 401
    assert stack.messages() == []
    assert stack.parked() == []
    reason = "Unsigned" if not signature else "BadSignature"
    assert counted(output) == [("WebhookRefused", reason, None)]
    text = output()
    assert DEFAULT_APP_SECRET not in text
    if signature:
        assert signature not in text


def test_a_body_over_64_kib_is_refused_413_before_the_signature(
    invoke: Invoke, stack: Stack, output: Callable[[], str]
):
    body = encoded(notification(padding="x" * (1024 * 1024)))
    assert post(invoke, body) == 413
    assert post(invoke, body, encode=True) == 413
    assert post(invoke, body, signature=None) == 413
    assert stack.messages() == []
    assert stack.parked() == []
    assert counted(output) == [("WebhookRefused", "TooLarge", None)] * 3


def test_no_app_secret_configured_refuses_every_webhook(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, output: Callable[[], str]
):
    import webhook_app
    from webhook_intake import dependencies

    body = encoded(notification())
    for variables in (
        environment(stack, TIKTOK_CREDENTIALS_SECRET=""),
        environment(stack, TIKTOK_CREDENTIALS_SECRET="no-such-secret"),
    ):
        with function_environment(monkeypatch, variables, dependencies.reset):
            answer = webhook_app.lambda_handler(api_event(body, sign(body)), FakeLambdaContext())
        assert answer["statusCode"] == 401
    # The template's placeholders are public: never a secret to verify with.
    stack.secrets.put_secret_value(
        SecretId=SECRET_NAME, SecretString=json.dumps({"app_key": "REPLACE_ME", "app_secret": "REPLACE_ME"})
    )
    with function_environment(monkeypatch, environment(stack), dependencies.reset):
        forged = sign(body, app_key="REPLACE_ME", app_secret="REPLACE_ME")
        answer = webhook_app.lambda_handler(api_event(body, forged), FakeLambdaContext())
    assert answer["statusCode"] == 401
    assert stack.messages() == []
    assert counted(output) == [("WebhookRefused", "NoAppSecret", None)] * 3


# --- failures: TikTok sends it again -----------------------------------------------------------------------


def test_when_the_queue_refuses_the_answer_is_5xx_and_tiktoks_retry_is_queued(
    invoke: Invoke, stack: Stack, output: Callable[[], str]
):
    body = encoded(notification())
    stack.sqs.delete_queue(QueueUrl=stack.queue_url)
    assert post(invoke, body) == 503
    # The dedupe record did not survive the failure.
    assert stack.dynamodb.scan(TableName=TABLE_NAME)["Items"] == []
    assert stack.sqs.create_queue(QueueName="WebhookQueue")["QueueUrl"] == stack.queue_url
    assert post(invoke, body) == 200
    assert len(stack.messages()) == 1
    assert [c[:2] for c in counted(output)] == [
        ("WebhookFailed", "QueueUnavailable"),
        ("WebhookAccepted", "QueuedToDecide"),
    ]


def test_when_parking_fails_the_answer_is_5xx(invoke: Invoke, stack: Stack):
    stack.sqs.delete_queue(QueueUrl=stack.dlq_url)
    assert post(invoke, b"{not json") == 503


def test_when_the_dedupe_store_fails_the_answer_is_5xx_and_nothing_is_queued(
    invoke: Invoke, stack: Stack, output: Callable[[], str]
):
    stack.dynamodb.delete_table(TableName=TABLE_NAME)
    assert post(invoke, encoded(notification())) == 503
    assert stack.messages() == []
    assert [c[:2] for c in counted(output)] == [("WebhookFailed", "DedupStoreUnavailable")]


def test_a_notification_being_queued_by_another_invocation_is_answered_5xx(invoke: Invoke, stack: Stack):
    body = encoded(notification())
    assert post(invoke, body) == 200
    [record] = stack.dynamodb.scan(TableName=TABLE_NAME)["Items"]
    # What an invocation still sending leaves: INPROGRESS, its in-progress expiry in the future.
    stack.dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={
            "id": record["id"],
            "expiration": record["expiration"],
            "status": {"S": "INPROGRESS"},
            "in_progress_expiration": {"N": str(int(time.time() * 1000) + 60_000)},
        },
    )
    stack.messages()
    from webhook_intake import dependencies

    dependencies.reset()  # another environment: no local cache of the completed record
    assert post(invoke, body) == 503
    assert stack.messages() == []


def test_nothing_secret_is_logged_for_an_accepted_webhook(
    invoke: Invoke, stack: Stack, output: Callable[[], str]
):
    body = encoded(notification())
    signature = sign(body)
    assert post(invoke, body, signature) == 200
    text = output()
    assert "webhook answered" in text
    assert signature not in text
    assert DEFAULT_APP_SECRET not in text
    assert body.decode() not in text

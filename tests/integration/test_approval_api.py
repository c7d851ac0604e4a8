"""The REST API adapter: every status the approval API answers, through the real entry handler."""

from __future__ import annotations

import json
import re
import time

import pytest
from approval.keys import tiktok_idempotency_key
from support.approvals import PENDING, SHIPPED, UNKNOWN, Aws, Invoke, api_event, body, header, load_event
from tiktok_emulator import Fault, TikTokEmulator
from tiktok_shop import sign

# A type name where a caller expects words (JSON's null is `null` in the body, never in the message).
PYTHON_TYPE_NAMES = re.compile(r"\b(None|NoneType|dict|int|str|float|bool|tuple)\b")


def assert_failure(response: dict, status: int, code: int, result_status: str) -> dict:
    assert response["statusCode"] == status, response["body"]
    payload = body(response)
    assert payload["code"] == code
    assert payload["data"] == {"success": False, "status": result_status}
    assert payload["message"]
    assert not PYTHON_TYPE_NAMES.search(payload["message"]), payload["message"]
    return payload


def test_approve_returns_the_seed_result_shape(invoke: Invoke, emulator: TikTokEmulator):
    response = invoke(load_event("api_approve.json"))
    assert response["statusCode"] == 200, response["body"]
    assert header(response, "Content-Type") == "application/json"
    assert header(response, "Idempotent-Replayed") is None
    [call] = emulator.recorder.calls
    assert body(response) == {
        "code": 0,
        "message": "Success",
        "request_id": body(response)["request_id"],
        "data": {"success": True, "status": "CANCELLATION_APPROVED"},
    }
    assert body(response)["request_id"]
    assert emulator.cancellation_state(PENDING[0]) == "approved"
    # Without a caller key, TikTok still gets one: derived from shop and cancel_id.
    assert call.query["idempotency_key"] == tiktok_idempotency_key(emulator.shop_cipher, PENDING[0])
    unsigned = {k: v for k, v in call.query.items() if k != "sign"}
    assert call.query["sign"] == sign(emulator.app_secret, call.path, unsigned)


def test_a_repeat_is_replayed_byte_for_byte_without_calling_tiktok(invoke: Invoke, emulator: TikTokEmulator):
    first = invoke(load_event("api_approve.json"))
    second = invoke(load_event("api_approve.json"))
    assert second["statusCode"] == 200
    assert second["body"] == first["body"]
    assert header(second, "Idempotent-Replayed") == "true"
    assert emulator.recorder.count() == 1


@pytest.mark.parametrize(
    ("event_file", "key"),
    [
        ("api_approve_header_key.json", "header"),
        ("api_approve_query_key.json", "query"),
    ],
)
def test_the_callers_key_reaches_tiktok(invoke: Invoke, emulator: TikTokEmulator, event_file: str, key: str):
    event = load_event(event_file)
    expected = (
        next(v for k, v in event["headers"].items() if k.lower() == "idempotency-key")
        if key == "header"
        else event["queryStringParameters"]["idempotency_key"]
    )
    response = invoke(event)
    assert response["statusCode"] == 200, response["body"]
    [call] = emulator.recorder.calls
    assert call.query["idempotency_key"] == expected


def test_the_same_key_in_header_and_query_is_fine(invoke: Invoke, emulator: TikTokEmulator):
    response = invoke(api_event(PENDING[3], header_key="k-1", query_key="k-1"))
    assert response["statusCode"] == 200


@pytest.mark.parametrize(
    "event",
    [
        load_event("api_bad_cancel_id.json"),
        load_event("api_conflicting_keys.json"),
        api_event(PENDING[0], header_key="k" * 256),
        api_event(PENDING[0], query_key="caf\u00e9"),
        api_event("a" * 65),
        api_event("has space"),
    ],
    ids=["bad-id-event", "conflicting-keys-event", "long-key", "non-ascii-key", "long-id", "space-in-id"],
)
def test_malformed_input_is_400_and_sends_nothing(invoke: Invoke, emulator: TikTokEmulator, event: dict):
    payload = assert_failure(invoke(event), 400, 400, "INVALID_REQUEST")
    assert payload["request_id"] is None
    assert emulator.recorder.count() == 0


def test_the_query_key_given_twice_differently_is_400(invoke: Invoke, emulator: TikTokEmulator):
    event = api_event(PENDING[0], query_key="a")
    event["multiValueQueryStringParameters"] = {"idempotency_key": ["a", "b"]}
    assert_failure(invoke(event), 400, 400, "INVALID_REQUEST")
    assert emulator.recorder.count() == 0


def test_unknown_route_is_404(invoke: Invoke):
    assert_failure(invoke(load_event("api_unknown_route.json")), 404, 404, "ROUTE_NOT_FOUND")


def test_wrong_method_is_405(invoke: Invoke, emulator: TikTokEmulator):
    response = invoke(load_event("api_wrong_method.json"))
    assert_failure(response, 405, 405, "METHOD_NOT_ALLOWED")
    assert header(response, "Allow") == "POST"
    assert emulator.recorder.count() == 0


@pytest.mark.parametrize(
    ("state", "status", "code", "result_status"),
    [
        # "approved" and "cancelled" are answered from Search Cancellations: see test_reconciliation.py.
        ("shipped", 409, 25001045, "CANCELLATION_STATE_CONFLICT"),
        ("other_seller", 403, 25020005, "NO_PERMISSION"),
        (None, 404, 25007006, "CANCELLATION_NOT_FOUND"),
    ],
)
def test_tiktok_business_errors_carry_tiktoks_code_and_request_id(
    invoke: Invoke, emulator: TikTokEmulator, state: str | None, status: int, code: int, result_status: str
):
    cancel_id = UNKNOWN
    if state is not None:
        cancel_id = PENDING[5]
        emulator.seed({cancel_id: state})
    payload = assert_failure(invoke(api_event(cancel_id)), status, code, result_status)
    [call] = emulator.recorder.calls
    assert payload["request_id"]
    assert call.code == code


def test_business_errors_are_not_stored(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    assert invoke(api_event(SHIPPED))["statusCode"] == 409
    assert invoke(api_event(SHIPPED))["statusCode"] == 409
    assert emulator.recorder.count() == 2
    assert aws.idempotency_records() == []


def test_a_key_reused_for_another_cancellation_is_422(invoke: Invoke, emulator: TikTokEmulator):
    assert invoke(api_event(PENDING[0], header_key="shared-key"))["statusCode"] == 200
    assert_failure(invoke(api_event(PENDING[1], header_key="shared-key")), 422, 422, "IDEMPOTENCY_KEY_REUSED")
    assert emulator.recorder.count() == 1
    assert emulator.cancellation_state(PENDING[1]) == "pending"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"app_secret": "wrong-secret"}, 106001),
        ({"access_token": "unknown-token"}, 36009004),
        ({"shop_cipher": "ROW_other"}, 36009004),
    ],
)
def test_upstream_configuration_errors_are_502(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, change: dict, code: int
):
    aws.put_credentials(**change)
    payload = assert_failure(invoke(api_event(PENDING[0])), 502, code, "UPSTREAM_CONFIGURATION_ERROR")
    assert payload["request_id"]
    for value in change.values():
        assert value not in json.dumps(payload)


def test_a_corrected_secret_is_picked_up_at_once(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    aws.put_credentials(app_secret="wrong-secret")
    assert invoke(api_event(PENDING[0]))["statusCode"] == 502  # caches the wrong secret
    aws.put_credentials()  # the operator fixes it
    response = invoke(api_event(PENDING[0]))
    assert response["statusCode"] == 200, response["body"]
    # Refused, re-read (unchanged: no second call); then refused, re-read (fixed), called again.
    assert [call.code for call in emulator.recorder.calls] == [106001, 106001, 0]


def test_the_environment_is_read_on_every_invocation(invoke: Invoke, emulator: TikTokEmulator, monkeypatch):
    assert invoke(api_event(PENDING[0]))["statusCode"] == 200
    monkeypatch.setenv("TIKTOK_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    response = invoke(api_event(PENDING[1]))
    assert response["statusCode"] == 503
    assert emulator.recorder.count() == 1


def test_a_missing_secret_key_is_502_naming_the_key(invoke: Invoke, emulator: TikTokEmulator, aws: Aws):
    aws.secrets.put_secret_value(
        SecretId="tiktok-shop/credentials", SecretString=json.dumps({"app_key": "k", "app_secret": "s"})
    )
    payload = assert_failure(invoke(api_event(PENDING[0])), 502, 502, "UPSTREAM_CONFIGURATION_ERROR")
    assert "'access_token'" in payload["message"]
    assert emulator.recorder.count() == 0


def test_an_expired_token_without_a_newer_one_is_502(invoke: Invoke, emulator: TikTokEmulator):
    emulator.expire_token()
    assert_failure(invoke(api_event(PENDING[0])), 502, 105002, "UPSTREAM_CONFIGURATION_ERROR")
    assert emulator.recorder.count() == 1


def test_a_rotated_token_is_picked_up_without_a_cold_start(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    assert invoke(api_event(PENDING[0]))["statusCode"] == 200  # caches the secret
    emulator.expire_token()
    emulator.add_access_token("rotated-token")
    aws.put_credentials(access_token="rotated-token")
    response = invoke(api_event(PENDING[1]))
    assert response["statusCode"] == 200, response["body"]
    calls = emulator.recorder.calls
    assert [c.code for c in calls] == [0, 105002, 0]
    assert calls[2].headers["x-tts-access-token"] == "rotated-token"
    assert calls[1].query["idempotency_key"] == calls[2].query["idempotency_key"]


def test_tiktok_unavailable_after_retries_is_503_with_retry_after(invoke: Invoke, emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="http_503"), times=None)
    response = invoke(api_event(PENDING[0]))
    assert_failure(response, 503, 503, "UPSTREAM_UNAVAILABLE")
    assert int(header(response, "Retry-After")) > 0
    assert emulator.recorder.count() == 4  # the default policy's attempts
    assert emulator.cancellation_state(PENDING[0]) == "pending"


def test_transient_failures_then_success_is_200(invoke: Invoke, emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="http_429"), times=2)
    assert invoke(api_event(PENDING[0]))["statusCode"] == 200
    calls = emulator.recorder.calls
    assert len(calls) == 3
    assert len({c.query["idempotency_key"] for c in calls}) == 1


def test_a_timeout_near_the_lambda_deadline_is_504(invoke: Invoke, emulator: TikTokEmulator):
    from lambda_context import FakeLambdaContext

    emulator.inject_fault(Fault(kind="read_timeout", delay=5.0), times=None)
    # 5 s left, 2 s kept for the answer and up to 1 s for reconciliation: the approval call gets 2 s, far less
    # than TikTok's 5 s of silence, and still some on a busy machine after the cold start's work.
    response = invoke(api_event(PENDING[0]), FakeLambdaContext(timeout_seconds=5))
    assert_failure(response, 504, 504, "UPSTREAM_TIMEOUT")
    assert int(header(response, "Retry-After")) > 0


def test_an_unexpected_tiktok_code_is_502(invoke: Invoke, emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="html", status=404), times=None)
    response = invoke(api_event(PENDING[0]))
    assert response["statusCode"] == 502
    assert body(response)["data"]["success"] is False


def test_api_gateways_29_second_limit_bounds_the_tiktok_wait(invoke: Invoke, emulator: TikTokEmulator):
    from lambda_context import FakeLambdaContext

    invoke(api_event(PENDING[1]))  # warm: a cold start is not what this measures
    emulator.inject_fault(Fault(kind="read_timeout", delay=5.0), times=None)
    event = api_event(PENDING[0])
    # API Gateway received the request 26 s ago: it gives up in 3 s, long before the function's 30 s.
    event["requestContext"]["requestTimeEpoch"] = int((time.time() - 26) * 1000)
    started = time.monotonic()
    response = invoke(event, FakeLambdaContext(timeout_seconds=30))
    # Answered while API Gateway still waits (unbounded, TikTok's 5 s silence would be waited out).
    assert time.monotonic() - started < 3.0
    assert_failure(response, 504, 504, "UPSTREAM_TIMEOUT")


@pytest.mark.parametrize("cancel_id", ["57600\U0001f600", '57"60', "57\\60", "57#60", "57`60"])
def test_a_post_with_an_unroutable_cancel_id_is_400(invoke: Invoke, emulator: TikTokEmulator, cancel_id: str):
    assert_failure(invoke(api_event(cancel_id)), 400, 400, "INVALID_REQUEST")
    assert emulator.recorder.count() == 0


@pytest.mark.parametrize(
    ("single", "multi", "status"),
    [(None, ["q-key"], 200), ("a", ["a", "a"], 200), ("a", ["a", "b"], 400)],
)
def test_repeated_query_keys(invoke: Invoke, emulator: TikTokEmulator, single, multi, status: int):
    event = api_event(PENDING[0])
    event["queryStringParameters"] = {"idempotency_key": single} if single else None
    event["multiValueQueryStringParameters"] = {"idempotency_key": multi}
    assert invoke(event)["statusCode"] == status
    if status == 200:
        assert emulator.recorder.calls[0].query["idempotency_key"] == multi[0]


@pytest.mark.parametrize(
    "change",
    [
        {"httpMethod": None},
        {"path": None},
        {"headers": ["x"], "multiValueHeaders": None},
        {"queryStringParameters": ["idempotency_key=x"]},
    ],
)
def test_a_malformed_api_envelope_still_answers_json(invoke: Invoke, emulator: TikTokEmulator, change: dict):
    response = invoke({**api_event(PENDING[0]), **change})
    assert response["statusCode"] == 400
    assert header(response, "Content-Type") == "application/json"
    assert body(response)["message"] == "malformed API Gateway event"
    assert not PYTHON_TYPE_NAMES.search(response["body"])
    assert body(response)["data"] == {"success": False, "status": "INVALID_REQUEST"}
    assert emulator.recorder.count() == 0


def test_a_percent_encoded_id_is_approved_decoded(invoke: Invoke, emulator: TikTokEmulator):
    # REST APIs hand the path over as the caller encoded it; a digit d encoded is %3d.
    event = api_event(PENDING[0])
    event["path"] = "/cancellations/" + PENDING[0][:-1] + "%3" + PENDING[0][-1] + "/approve"
    response = invoke(event)
    assert response["statusCode"] == 200, response["body"]
    assert emulator.cancellation_state(PENDING[0]) == "approved"


def test_the_key_header_is_read_in_any_case_from_either_map(invoke: Invoke, emulator: TikTokEmulator):
    event = api_event(PENDING[0])
    event["multiValueHeaders"] = {**event["multiValueHeaders"], "idempotency-key": ["lower-case-key"]}
    response = invoke(event)
    assert response["statusCode"] == 200, response["body"]
    [call] = emulator.recorder.calls
    assert call.query["idempotency_key"] == "lower-case-key"


@pytest.mark.parametrize("bad_token", [" sekrit-9", "sekrit-9\n", "sekrit-9\r", "sekrit-\u20ac9"])
def test_an_unsendable_token_is_a_configuration_error_that_shows_nothing(
    invoke: Invoke, emulator: TikTokEmulator, aws: Aws, bad_token: str
):
    aws.put_credentials(access_token=bad_token)
    response = invoke(api_event(PENDING[0]))
    payload = assert_failure(response, 502, 502, "UPSTREAM_CONFIGURATION_ERROR")
    assert "'access_token'" in payload["message"]
    assert "sekrit" not in response["body"]
    assert emulator.recorder.count() == 0


@pytest.mark.parametrize("field", ["cancel_id", "shop_id"])
def test_pathparameters_disagreeing_with_the_path_approve_nothing(
    invoke: Invoke, emulator: TikTokEmulator, field: str
):
    # A hand-made event whose pathParameters alone were edited: the path still names PENDING[0].
    event = api_event(PENDING[0])
    event["pathParameters"][field] = PENDING[1] if field == "cancel_id" else "7000000000000000102"
    payload = assert_failure(invoke(event), 400, 400, "INVALID_REQUEST")
    assert payload["message"].startswith(f"the event's pathParameters.{field} is '")
    assert f"/cancellations/{PENDING[0]}/approve" in payload["message"]
    assert emulator.recorder.count() == 0
    assert emulator.cancellation_state(PENDING[0]) == "pending"
    assert emulator.cancellation_state(PENDING[1]) == "pending"


def test_a_hand_made_event_without_pathparameters_approves_its_paths_cancellation(
    invoke: Invoke, emulator: TikTokEmulator
):
    event = api_event(PENDING[2])
    event["pathParameters"] = None
    response = invoke(event)
    assert response["statusCode"] == 200, response["body"]
    assert emulator.cancellation_state(PENDING[2]) == "approved"

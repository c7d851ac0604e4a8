"""The API adapter's own part, before any approval: routing, the key's sources, refusals, the response shape.

Every case here is answered before the service is built, so no AWS and no TikTok are needed; the answers
of real approvals are in tests/integration/test_approval_api.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from approval.errors import InvalidApprovalRequest
from approval.handlers import api
from approval.request_parsing import parse_approval_request, parse_json_request
from lambda_context import FakeLambdaContext
from support.approvals import api_event, body, header, load_event

CANCEL_ID = "5760001000000000001"
# A type name where a sender expects words: no answer may hold one (JSON's null is `null` in the body).
PYTHON_TYPE_NAMES = re.compile(r"\b(None|NoneType|dict|int|str|float|bool|tuple)\b")


def answer(event: dict[str, Any]) -> dict[str, Any]:
    response = api.handle(event, FakeLambdaContext())
    assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}
    assert response["isBase64Encoded"] is False
    assert header(response, "Content-Type") == "application/json"
    return response


def refused(event: dict[str, Any], status: int, result_status: str) -> str:
    response = answer(event)
    assert response["statusCode"] == status, response["body"]
    payload = body(response)
    # The seed's field order, byte for byte.
    assert list(payload) == ["code", "message", "request_id", "data"]
    assert payload["code"] == status
    assert payload["request_id"] is None
    assert payload["data"] == {"success": False, "status": result_status}
    message: str = payload["message"]
    assert not PYTHON_TYPE_NAMES.search(message), message
    return message


def with_path(path: str, method: str = "POST") -> dict[str, Any]:
    """A hand-made event for `path`: without pathParameters, which the path decides anyway."""
    event = api_event(CANCEL_ID)
    event["path"] = event["requestContext"]["path"] = path
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["pathParameters"] = None
    return event


def refusal_of(data: object) -> str:
    with pytest.raises(InvalidApprovalRequest) as raised:
        parse_approval_request(data)
    return raised.value.message


@pytest.mark.parametrize(
    "path", ["/nope", "/cancellations", "/cancellations//approve", f"/cancellations/{CANCEL_ID}/approve/x"]
)
def test_an_unknown_path_is_404(path: str):
    assert refused(with_path(path), 404, "ROUTE_NOT_FOUND") == f"no route {path}"


def test_the_sample_unknown_route_is_404():
    assert refused(load_event("api_unknown_route.json"), 404, "ROUTE_NOT_FOUND") == "no route /nope"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS"])
@pytest.mark.parametrize(
    "path", [f"/cancellations/{CANCEL_ID}/approve", f"/shops/7000/cancellations/{CANCEL_ID}/approve/"]
)
def test_another_method_on_an_approval_path_is_405(path: str, method: str):
    response = answer(with_path(path, method))
    assert response["statusCode"] == 405
    assert header(response, "Allow") == "POST"
    assert body(response)["message"] == f"method {method} not allowed; use POST"


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/cancellations/has%20space/approve", "'has space'"),
        ("/cancellations/a%2Fb/approve", "'a/b'"),  # an encoded '/' stays inside its segment
        ("/cancellations/57%2360/approve/", "'57#60'"),
        ("/cancellations/57600\U0001f600/approve", "'57600\U0001f600'"),
    ],
)
def test_ids_are_percent_decoded_before_they_are_checked(path: str, shown: str):
    message = refused(with_path(path), 400, "INVALID_REQUEST")
    assert message.startswith("invalid approval request: cancel_id ")
    assert message.endswith(f"(got {shown})")


def test_the_shop_id_comes_from_the_shop_route():
    message = refused(with_path(f"/shops/shop%201/cancellations/{CANCEL_ID}/approve"), 400, "INVALID_REQUEST")
    assert message.startswith("invalid approval request: shop_id ")
    assert message.endswith("(got 'shop 1')")


@pytest.mark.parametrize("cancel_id", ["has space", "57#60", '57"60', "a" * 65, "57\\60"])
def test_a_bad_cancel_id_reads_the_same_from_every_trigger(cancel_id: str):
    from_api = refused(api_event(cancel_id), 400, "INVALID_REQUEST")
    with pytest.raises(InvalidApprovalRequest) as from_sqs:
        parse_json_request(json.dumps({"cancel_id": cancel_id}))
    assert from_api == from_sqs.value.message == refusal_of({"cancel_id": cancel_id})


def test_a_bad_key_reads_the_same_from_the_header_as_from_a_message():
    from_api = refused(api_event(CANCEL_ID, header_key="caf\u00e9"), 400, "INVALID_REQUEST")
    assert from_api == refusal_of({"cancel_id": CANCEL_ID, "query": {"idempotency_key": "caf\u00e9"}})


def test_the_header_is_found_in_any_case_and_in_either_map():
    lower = api_event(CANCEL_ID, query_key="b")
    lower["headers"] = {"idempotency-key": "a"}
    lower["multiValueHeaders"] = None
    only_multi = api_event(CANCEL_ID, query_key="b")
    only_multi["headers"] = None
    only_multi["multiValueHeaders"] = {"IDEMPOTENCY-KEY": ["a"]}
    for event in (lower, only_multi):
        assert refused(event, 400, "INVALID_REQUEST") == (
            "the Idempotency-Key header and the idempotency_key query parameter differ"
        )


def test_header_and_query_given_differently_is_400():
    message = refused(load_event("api_conflicting_keys.json"), 400, "INVALID_REQUEST")
    assert message == "the Idempotency-Key header and the idempotency_key query parameter differ"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"multiValueHeaders": {"Idempotency-Key": ["a", "b"]}},
            "the Idempotency-Key header is given twice, with different values",
        ),
        (
            {"headers": {"Idempotency-Key": "a", "idempotency-key": "b"}, "multiValueHeaders": None},
            "the Idempotency-Key header is given twice, with different values",
        ),
        (
            {"multiValueQueryStringParameters": {"idempotency_key": ["a", "b"]}},
            "the idempotency_key query parameter is given twice, with different values",
        ),
        (
            {
                "queryStringParameters": {"idempotency_key": "b"},
                "multiValueQueryStringParameters": {"idempotency_key": ["a"]},
            },
            "the idempotency_key query parameter is given twice, with different values",
        ),
    ],
    ids=["header-multi", "header-cases", "query-multi", "query-both-maps"],
)
def test_a_key_given_twice_with_different_values_is_400(change: dict[str, Any], message: str):
    assert refused({**api_event(CANCEL_ID), **change}, 400, "INVALID_REQUEST") == message


@pytest.mark.parametrize(
    "change",
    [
        {"httpMethod": None},
        {"path": None},
        {"path": 5},
        {"requestContext": None},
        {"headers": ["x"], "multiValueHeaders": None},
        {"multiValueHeaders": {"Idempotency-Key": "k"}},
        {"headers": {"Idempotency-Key": 5}},
        {"queryStringParameters": ["idempotency_key=x"]},
        {"multiValueQueryStringParameters": {"idempotency_key": [None]}},
        {"pathParameters": ["cancel_id"]},
    ],
)
def test_an_event_that_is_not_a_rest_proxy_event_is_a_json_400(change: dict[str, Any]):
    event = {**api_event(CANCEL_ID), **change}
    assert refused(event, 400, "INVALID_REQUEST") == "malformed API Gateway event"


# --- pathParameters: the path decides, and an event whose pathParameters say otherwise is refused --------

EDIT_PATH = "the path decides what is approved: edit path (and pathParameters to match)"


def test_pathparameters_naming_another_cancellation_are_refused():
    event = api_event(CANCEL_ID)
    event["pathParameters"]["cancel_id"] = "5760001000000000002"  # edited, the path left as it was
    assert refused(event, 400, "INVALID_REQUEST") == (
        "the event's pathParameters.cancel_id is '5760001000000000002' but its path "
        f"/cancellations/{CANCEL_ID}/approve says '{CANCEL_ID}'; {EDIT_PATH}"
    )


def test_pathparameters_naming_another_shop_are_refused():
    event = api_event(CANCEL_ID, shop_id="7000000000000000102")
    event["pathParameters"]["shop_id"] = "7000000000000000103"
    assert refused(event, 400, "INVALID_REQUEST") == (
        "the event's pathParameters.shop_id is '7000000000000000103' but its path "
        f"/shops/7000000000000000102/cancellations/{CANCEL_ID}/approve says '7000000000000000102'; {EDIT_PATH}"
    )


def test_a_shop_in_pathparameters_but_not_in_the_path_is_refused():
    # It would otherwise approve for the default shop, not the one the event seems to name.
    event = api_event(CANCEL_ID)
    event["pathParameters"]["shop_id"] = "7000000000000000102"
    assert refused(event, 400, "INVALID_REQUEST") == (
        "the event's pathParameters.shop_id is '7000000000000000102' but its path "
        f"/cancellations/{CANCEL_ID}/approve names no shop; {EDIT_PATH}"
    )


def test_a_pathparameter_that_is_not_text_is_said_in_words():
    event = api_event(CANCEL_ID)
    event["pathParameters"]["cancel_id"] = 5760001000000000001
    assert refused(event, 400, "INVALID_REQUEST") == (
        f"the event's pathParameters.cancel_id is a number but its path /cancellations/{CANCEL_ID}/approve "
        f"says '{CANCEL_ID}'; {EDIT_PATH}"
    )


@pytest.mark.parametrize(
    "path_parameters",
    [
        None,  # a hand-made event may leave them out or null
        {},
        {"cancel_id": "has%20space"},  # as a REST API gives them: percent-encoded, as the path
        {"cancel_id": "has space"},  # decoded, as other tools give them
    ],
    ids=["null", "empty", "encoded", "decoded"],
)
def test_pathparameters_that_agree_or_are_absent_let_the_path_decide(path_parameters: Any):
    event = with_path("/cancellations/has%20space/approve")
    event["pathParameters"] = path_parameters
    # Past the check: the path's own cancel_id is what the parser refuses.
    message = refused(event, 400, "INVALID_REQUEST")
    assert message.startswith("invalid approval request: cancel_id ")
    assert message.endswith("(got 'has space')")


def test_the_sample_events_pathparameters_agree_with_their_paths():
    # api_bad_cancel_id.json carries them percent-encoded, as API Gateway REST does.
    message = refused(load_event("api_bad_cancel_id.json"), 400, "INVALID_REQUEST")
    assert message.startswith("invalid approval request: cancel_id ")

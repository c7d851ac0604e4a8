"""The one parser every trigger's request goes through: its rules, and messages a sender understands."""

from __future__ import annotations

import json
import re

import pytest
from approval.errors import InvalidApprovalRequest
from approval.models import ApprovalQuery, ApprovalRequest
from approval.request_parsing import parse_approval_request, parse_json_request

PYTHON_TYPE_NAMES = re.compile(r"\b(NoneType|dict|int|float|str|bool|tuple)\b|\(got list\)")
CANCEL_ID = "5760001000000000001"


def refusal(data: object) -> str:
    with pytest.raises(InvalidApprovalRequest) as raised:
        parse_approval_request(data)
    message = raised.value.message
    assert not PYTHON_TYPE_NAMES.search(message), message
    return message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"cancel_id": CANCEL_ID}, ApprovalRequest(CANCEL_ID)),
        ({"cancel_id": CANCEL_ID, "query": None}, ApprovalRequest(CANCEL_ID)),
        ({"cancel_id": CANCEL_ID, "query": {}}, ApprovalRequest(CANCEL_ID)),
        ({"cancel_id": CANCEL_ID, "query": {"idempotency_key": None}}, ApprovalRequest(CANCEL_ID)),
        (
            {"cancel_id": CANCEL_ID, "query": {"idempotency_key": "k-1"}},
            ApprovalRequest(CANCEL_ID, query=ApprovalQuery("k-1")),
        ),
        (
            {"shop_id": "7000000000000000102", "cancel_id": CANCEL_ID},
            ApprovalRequest(CANCEL_ID, shop_id="7000000000000000102"),
        ),
    ],
    ids=["minimal", "query-null", "query-empty", "key-null", "key", "shop"],
)
def test_a_good_request_is_parsed(data: dict, expected: ApprovalRequest):
    request = parse_approval_request(data)
    assert request == expected
    assert request.idempotency_key == expected.query.idempotency_key


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ([], "a list"),
        ("5760001", "text"),
        (None, "null"),
        (5760001, "a number"),
        (True, "true"),
        (False, "false"),
    ],
)
def test_a_request_that_is_not_an_object_says_what_it_is(data: object, kind: str):
    assert refusal(data) == f'an approval request is a JSON object like {{"cancel_id": "..."}}, not {kind}'


def test_cancel_id_is_required():
    assert refusal({}) == "invalid approval request: cancel_id: required"
    assert refusal({"query": {"idempotency_key": "k"}}) == "invalid approval request: cancel_id: required"


@pytest.mark.parametrize(
    ("cancel_id", "shown"),
    [
        (None, "null"),
        (5760001, "a number"),
        (57.5, "a number"),
        (True, "true"),
        ({"id": 1}, "an object"),
        (["5760001"], "a list"),
        ("", "''"),
        ("../x", "'../x'"),
        ("a" * 80, "'" + "a" * 67 + "...'"),
    ],
)
def test_a_bad_cancel_id_is_refused_in_plain_words(cancel_id: object, shown: str):
    assert refusal({"cancel_id": cancel_id}) == (
        "invalid approval request: cancel_id must be 1 to 64 characters of letters, digits, "
        f"'_' or '-' (got {shown})"
    )


def test_an_explicit_null_shop_id_is_refused():
    assert refusal({"shop_id": None, "cancel_id": CANCEL_ID}) == (
        "invalid approval request: shop_id must be a string; leave it out for the default shop"
    )


@pytest.mark.parametrize(("shop_id", "shown"), [("", "''"), ("shop 1", "'shop 1'"), (7000, "a number")])
def test_a_bad_shop_id_is_refused(shop_id: object, shown: str):
    assert refusal({"shop_id": shop_id, "cancel_id": CANCEL_ID}) == (
        "invalid approval request: shop_id must be 1 to 64 characters of letters, digits, "
        f"'_' or '-' (got {shown})"
    )


@pytest.mark.parametrize(("query", "kind"), [("k-1", "text"), (["k-1"], "a list"), (1, "a number")])
def test_a_query_that_is_not_an_object_is_refused(query: object, kind: str):
    assert refusal({"cancel_id": CANCEL_ID, "query": query}) == (
        f'invalid approval request: query: must be an object like {{"idempotency_key": "..."}}, not {kind}'
    )


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "idempotency_key must be a non-empty string (got '')"),
        (5, "idempotency_key must be a non-empty string (got a number)"),
        ({}, "idempotency_key must be a non-empty string (got an object)"),
        ("k" * 256, "idempotency_key must be at most 255 characters (got 256)"),
        ("caf\u00e9", "idempotency_key must hold printable ASCII characters only"),
        ("k\n1", "idempotency_key must hold printable ASCII characters only"),
    ],
)
def test_a_bad_idempotency_key_is_refused_with_its_dotted_path(key: object, problem: str):
    message = refusal({"cancel_id": CANCEL_ID, "query": {"idempotency_key": key}})
    assert message == f"invalid approval request: query.{problem}"


def test_unknown_fields_are_refused_by_name():
    assert refusal({"cancel_id": CANCEL_ID, "surprise": True, "page_size": 5}) == (
        "invalid approval request: "
        "surprise: unknown field (an approval request has cancel_id, shop_id and query); "
        "page_size: unknown field (an approval request has cancel_id, shop_id and query)"
    )
    assert refusal({"cancel_id": CANCEL_ID, "query": {"page_size": 5}}) == (
        "invalid approval request: query.page_size: unknown field (query has idempotency_key only)"
    )


def test_every_problem_is_reported_at_once():
    data = {
        "cancel_id": 5760001,
        "shop_id": None,
        "query": {"idempotency_key": "", "page_size": 5},
        "surprise": 1,
    }
    assert refusal(data) == (
        "invalid approval request: "
        "cancel_id must be 1 to 64 characters of letters, digits, '_' or '-' (got a number); "
        "shop_id must be a string; leave it out for the default shop; "
        "query.idempotency_key must be a non-empty string (got ''); "
        "query.page_size: unknown field (query has idempotency_key only); "
        "surprise: unknown field (an approval request has cancel_id, shop_id and query)"
    )


def test_a_refusal_is_counted_as_a_failed_approval(capsys: pytest.CaptureFixture[str]):
    refusal({})
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [(m["reason"], m["ApprovalFailed"]) for m in metrics] == [("InvalidRequest", [1.0])]


@pytest.mark.parametrize("body", [None, "", "{", "[" * 5000 + "]" * 5000, "not json"])
def test_a_body_that_is_not_json_is_refused(body: str | None):
    with pytest.raises(InvalidApprovalRequest) as raised:
        parse_json_request(body)
    assert raised.value.message == "the message body is not valid JSON"


def test_a_json_body_goes_through_the_same_rules():
    assert parse_json_request(json.dumps({"cancel_id": CANCEL_ID})) == ApprovalRequest(CANCEL_ID)
    with pytest.raises(InvalidApprovalRequest) as raised:
        parse_json_request("[]")
    assert raised.value.message.endswith("not a list")

"""Every HTTP answer of the API adapter is its error's row of OUTCOMES: status, Retry-After, body; the
adapter keeps no status or delay of its own (one rule, one place)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from approval.errors import OUTCOMES, ApprovalError, MethodNotAllowed, RateLimited
from approval.handlers import api
from support.approvals import body, header

API_SOURCE = Path(api.__file__).read_text(encoding="utf-8")


def an_error(kind: type[ApprovalError]) -> ApprovalError:
    if kind is MethodNotAllowed:
        return MethodNotAllowed("method GET not allowed; use POST", allow="POST")
    return kind("what went wrong")


@pytest.mark.parametrize("kind", list(OUTCOMES), ids=lambda kind: kind.__name__)
def test_each_row_is_answered_as_written(kind: type[ApprovalError]):
    row = OUTCOMES[kind]
    response = api.error_response(an_error(kind))
    assert response["statusCode"] == row.http_status
    assert body(response)["data"] == {"success": False, "status": row.status}
    expected = str(row.retry_after) if row.retryable and row.retry_after is not None else None
    assert header(response, "Retry-After") == expected


def test_every_retryable_row_but_a_bug_tells_the_caller_when_to_come_back():
    # A bug has no honest delay; every other retryable answer must say when.
    silent = [
        kind.__name__
        for kind, row in OUTCOMES.items()
        if row.retryable and row.retry_after is None and not row.api_only
    ]
    assert silent == []


def test_what_the_error_knows_wins_over_its_row():
    response = api.error_response(RateLimited("no slot before the deadline", retry_after=17.2))
    assert header(response, "Retry-After") == "18"


def test_a_refused_method_names_the_allowed_one():
    response = api.error_response(MethodNotAllowed("method GET not allowed; use POST", allow="POST"))
    assert response["statusCode"] == 405
    assert header(response, "Allow") == "POST"


def test_the_adapter_keeps_no_status_or_delay_of_its_own():
    # Success (200) is the only status the adapter names; failures take theirs from OUTCOMES.
    assert set(re.findall(r"HTTPStatus\.(\w+)", API_SOURCE)) == {"OK"}
    assert not re.search(r"RETRY_AFTER|Retry-After\"?\s*[:=]\s*\"?\d", API_SOURCE)

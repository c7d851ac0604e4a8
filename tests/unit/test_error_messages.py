"""What a direct caller reads of a failure: str(error) is Lambda's errorMessage, the class name its errorType.

awslambdaric (bootstrap.handle_event_request) answers an exception raised by the handler with
`make_error(str(value), etype.__name__, ...)`: `errorMessage` is str(error), `errorType` the class name,
which Step Functions' Retry and Catch match. Neither may speak Python: no `None`, no `code=`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from approval.errors import (
    ApprovalError,
    CancellationConflict,
    CancellationNotFound,
    IdempotencyKeyReused,
    InvalidApprovalRequest,
    TikTokUnavailable,
    from_tiktok,
)
from tiktok_shop import TikTokAPIError, TikTokTransportError

PYTHON_WORDS = re.compile(r"\b(None|NoneType|dict|int|str|float|bool|tuple)\b|(code=|request_id=)")
SHIPPED = "The order has already been shipped and the cancellation request cannot be approved."


def lambda_error(error: ApprovalError) -> dict[str, Any]:
    """The fields of the error object awslambdaric builds from an exception the handler raised."""
    return {"errorMessage": str(error), "errorType": type(error).__name__}


def test_code_and_request_id_are_said_in_words():
    error = CancellationConflict(SHIPPED, code=25001045, request_id="202601010000001A2B3C")
    assert lambda_error(error) == {
        "errorMessage": f"{SHIPPED} (TikTok code 25001045, request 202601010000001A2B3C)",
        "errorType": "CancellationConflict",
    }


def test_a_code_alone():
    error = CancellationNotFound("Order not found.", code=25007006)
    assert str(error) == "Order not found. (TikTok code 25007006)"


def test_a_request_id_alone():
    error = TikTokUnavailable("timed out waiting for TikTok", request_id="r-1")
    assert str(error) == "timed out waiting for TikTok (request r-1)"


@pytest.mark.parametrize(
    "error",
    [
        InvalidApprovalRequest("invalid approval request: cancel_id: required"),
        IdempotencyKeyReused("this idempotency key was already used for another cancel_id"),
        InvalidApprovalRequest("invalid approval request: cancel_id: required", request_id=""),
    ],
    ids=["invalid", "key-reused", "empty-request-id"],
)
def test_neither_known_leaves_the_message_alone(error: ApprovalError):
    assert str(error) == error.message
    assert "(" not in str(error)


def test_an_http_status_standing_in_for_a_code_is_called_so():
    # TikTokAPIError's code is the HTTP status when TikTok's body carried none.
    error = from_tiktok(TikTokAPIError("Bad gateway", code=502, http_status=502, request_id="log-1"))
    assert str(error) == "Bad gateway (HTTP 502, request log-1)"
    said_already = from_tiktok(TikTokAPIError("HTTP 503 from TikTok", code=503, http_status=503))
    assert str(said_already) == "HTTP 503 from TikTok"


def test_tiktoks_cancel_status_is_said_once():
    error = CancellationConflict(
        "the cancellation is no longer awaiting a decision (TikTok: CANCELLATION_REQUEST_CANCELLED)",
        code=25011012,
        request_id="r-2",
        cancel_status="CANCELLATION_REQUEST_CANCELLED",
    )
    assert str(error) == (
        "the cancellation is no longer awaiting a decision (TikTok: CANCELLATION_REQUEST_CANCELLED) "
        "(TikTok code 25011012, request r-2)"
    )
    pending = TikTokUnavailable("TikTok refused", code=25011012, cancel_status="CANCELLATION_REQUEST_PENDING")
    assert (
        str(pending)
        == "TikTok refused (TikTok code 25011012, cancellation status CANCELLATION_REQUEST_PENDING)"
    )


@pytest.mark.parametrize(
    "error",
    [
        from_tiktok(
            TikTokTransportError("connection to open-api.tiktokglobalshop.com failed or was dropped")
        ),
        from_tiktok(TikTokAPIError("Order not found.", code=25007006, http_status=200)),
        InvalidApprovalRequest("x"),
        TikTokUnavailable("the idempotency store could not be used just now; retry later"),
    ],
)
def test_no_error_text_speaks_python(error: ApprovalError):
    assert not PYTHON_WORDS.search(str(error)), str(error)

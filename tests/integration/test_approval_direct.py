"""Direct invocation: the event is the request; failures raise errors a Step Functions Catch can name."""

from __future__ import annotations

import re

import pytest
from approval.errors import (
    CancellationConflict,
    CancellationNotFound,
    InvalidApprovalRequest,
    TikTokUnavailable,
)
from support.approvals import PENDING, SHIPPED, UNKNOWN, Invoke, load_event
from tiktok_emulator import Fault, TikTokEmulator

# Lambda's errorMessage is str(error): words, never Python's (`None`, `code=None`, type names).
PYTHON_WORDS = re.compile(r"\b(None|NoneType|dict|int|str|float|bool|tuple)\b|code=|request_id=")


def test_direct_event_returns_the_result(invoke: Invoke, emulator: TikTokEmulator):
    event = load_event("direct_approve.json")
    result = invoke(event)
    assert result["code"] == 0
    assert result["data"] == {"success": True, "status": "CANCELLATION_APPROVED"}
    assert result["request_id"]
    [call] = emulator.recorder.calls
    assert call.query["idempotency_key"] == event["query"]["idempotency_key"]


def test_a_replay_returns_the_same_result(invoke: Invoke, emulator: TikTokEmulator):
    event = {"cancel_id": PENDING[0]}
    assert invoke(event) == invoke(event)
    assert emulator.recorder.count() == 1


@pytest.mark.parametrize(
    ("cancel_id", "error"), [(SHIPPED, CancellationConflict), (UNKNOWN, CancellationNotFound)]
)
def test_business_failures_raise_typed_errors(
    invoke: Invoke, emulator: TikTokEmulator, cancel_id: str, error
):
    with pytest.raises(error) as raised:
        invoke({"cancel_id": cancel_id})
    assert raised.value.request_id
    assert raised.value.code in (25001045, 25007006)
    # What Lambda puts in errorMessage: TikTok's message, then its code and request id in words.
    assert str(raised.value) == (
        f"{raised.value.message} (TikTok code {raised.value.code}, request {raised.value.request_id})"
    )


def test_transient_failure_raises_a_retryable_type(invoke: Invoke, emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="code_36009003"), times=None)
    with pytest.raises(TikTokUnavailable) as raised:
        invoke({"cancel_id": PENDING[0]})
    assert raised.value.retryable
    assert raised.value.code == 36009003


@pytest.mark.parametrize(
    ("event", "mentions"),
    [
        ({}, "cancel_id"),
        ({"cancel_id": "../x"}, "cancel_id"),
        ({"cancel_id": 5760001}, "cancel_id"),
        ({"cancel_id": PENDING[0], "query": {"idempotency_key": ""}}, "idempotency_key"),
        ({"cancel_id": PENDING[0], "query": {"page_size": 5}}, "page_size"),
        ({"cancel_id": PENDING[0], "surprise": True}, "surprise"),
        ([], "JSON object"),
        ("5760001", "JSON object"),
        (None, "JSON object"),
    ],
)
def test_malformed_events_raise_invalid_request(
    invoke: Invoke, emulator: TikTokEmulator, event, mentions: str
):
    with pytest.raises(InvalidApprovalRequest, match=mentions) as raised:
        invoke(event)
    assert emulator.recorder.count() == 0
    # Nothing known of TikTok: the message alone, with no "(code=None, request_id=None)".
    assert str(raised.value) == raised.value.message
    assert not PYTHON_WORDS.search(str(raised.value)), str(raised.value)

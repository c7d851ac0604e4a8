"""The entry handler tells its three triggers apart, and refuses any other AWS service's event in words."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from app import event_source
from approval.errors import InvalidApprovalRequest
from approval.other_services import other_service
from support.approvals import api_event, load_event, sqs_event
from unit.aws_event_samples import OTHER_SERVICE_EVENTS, SNS, SQS_RECORD, refusal

OTHER_EVENTS = [
    pytest.param(event, looks_like, id=name) for name, event, looks_like, _ in OTHER_SERVICE_EVENTS
]


def refused(event: Any) -> str:
    with pytest.raises(InvalidApprovalRequest) as raised:
        event_source(copy.deepcopy(event))
    # Its class name is the direct caller's errorType; its text (no code, no request id) the errorMessage.
    assert str(raised.value) == raised.value.message
    return raised.value.message


@pytest.mark.parametrize(("event", "looks_like"), OTHER_EVENTS)
def test_another_services_event_is_refused_saying_what_it_looks_like(event: dict[str, Any], looks_like: str):
    assert refused(event) == refusal(looks_like)


@pytest.mark.parametrize(
    ("event", "source"),
    [
        (load_event("api_approve.json"), "api"),
        (load_event("api_unknown_route.json"), "api"),
        (api_event("5760001000000000001", shop_id="7000"), "api"),
        (load_event("sqs_batch.json"), "sqs"),
        (sqs_event("not json"), "sqs"),
        (load_event("direct_approve.json"), "direct"),
        (load_event("direct_approve_shop.json"), "direct"),
        # Anything else is a direct request, refused (or not) by the one parser.
        ({}, "direct"),
        ({"cancel_id": "1", "surprise": True}, "direct"),
        ({"Records": "not a list"}, "direct"),
        ({"source": "aws.events"}, "direct"),
        ({"version": "2.0"}, "direct"),
        ([], "direct"),
        (None, "direct"),
        ("5760001000000000001", "direct"),
    ],
)
def test_the_three_triggers_are_recognised(event: Any, source: str):
    assert other_service(event) is None
    assert event_source(event) == source


@pytest.mark.parametrize(
    ("records", "looks_like"),
    [
        ([], "an event whose Records list is empty"),
        ([SQS_RECORD, "x"], "records of several sources: aws:sqs, no eventSource"),
        ([{**SQS_RECORD, "eventSource": "aws:ses"}], "an SES email receiving event"),
        ([{**SQS_RECORD, "eventSource": "aws:mq"}], "records from aws:mq"),
        ([{**SQS_RECORD, "eventSource": "my own"}], "records from an unknown source"),
        ([{**SQS_RECORD, "eventSource": None}], "records without an eventSource"),
        ([SNS["Records"][0], SNS["Records"][0]], "an SNS notification"),
    ],
)
def test_records_that_are_not_all_sqs_are_refused(records: list[Any], looks_like: str):
    assert refused({"Records": records}) == refusal(looks_like)


def test_which_other_services_are_answered_over_http():
    for name, event, _, answers_http in OTHER_SERVICE_EVENTS:
        service = other_service(event)
        assert service is not None, name
        assert service.answers_http is answers_http, name


def test_a_refusal_is_counted_as_an_invalid_request(capsys: pytest.CaptureFixture[str]):
    refused(SNS)
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [(m["reason"], m["ApprovalFailed"]) for m in metrics] == [("InvalidRequest", [1.0])]

"""Events of services the function is not wired to, through the real entry handler: refused in words,
nothing sent to TikTok, nothing parked, counted as refused requests.

An HTTP caller (an HTTP API, a function URL, a load balancer) waits for an HTTP answer: it gets the API's
400 JSON answer, not the bare 500 a raised error would become. Every other one raises
InvalidApprovalRequest, as every direct error does, so the invocation fails with that error type and the
service's own retries and failure destinations keep the event.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from approval.errors import InvalidApprovalRequest
from support.approvals import Aws, Invoke, body, header
from tiktok_emulator import TikTokEmulator
from unit.aws_event_samples import OTHER_SERVICE_EVENTS, refusal

OVER_HTTP = [pytest.param(e, like, id=name) for name, e, like, http in OTHER_SERVICE_EVENTS if http]
RAISED = [pytest.param(e, like, id=name) for name, e, like, http in OTHER_SERVICE_EVENTS if not http]


def refused_requests(output: str) -> list[tuple[str, list[float]]]:
    metrics = [json.loads(line) for line in output.splitlines() if '"ApprovalFailed"' in line]
    return [(m["reason"], m["ApprovalFailed"]) for m in metrics]


@pytest.mark.parametrize(("event", "looks_like"), OVER_HTTP)
def test_an_http_caller_of_another_kind_gets_a_json_400(
    invoke: Invoke,
    emulator: TikTokEmulator,
    aws: Aws,
    capsys: pytest.CaptureFixture[str],
    event: dict[str, Any],
    looks_like: str,
):
    response = invoke(event)
    assert response["statusCode"] == 400
    assert header(response, "Content-Type") == "application/json"
    assert body(response) == {
        "code": 400,
        "message": refusal(looks_like),
        "request_id": None,
        "data": {"success": False, "status": "INVALID_REQUEST"},
    }
    assert emulator.recorder.count() == 0
    assert refused_requests(capsys.readouterr().out) == [("InvalidRequest", [1.0])]


@pytest.mark.parametrize(("event", "looks_like"), RAISED)
def test_any_other_services_event_raises_invalid_request(
    invoke: Invoke,
    emulator: TikTokEmulator,
    aws: Aws,
    capsys: pytest.CaptureFixture[str],
    event: dict[str, Any],
    looks_like: str,
):
    with pytest.raises(InvalidApprovalRequest) as raised:
        invoke(event)
    # Lambda's errorType and errorMessage: the class name, and the message alone.
    assert type(raised.value).__name__ == "InvalidApprovalRequest"
    assert str(raised.value) == refusal(looks_like)
    assert emulator.recorder.count() == 0
    assert aws.dead_letters() == []
    assert refused_requests(capsys.readouterr().out) == [("InvalidRequest", [1.0])]

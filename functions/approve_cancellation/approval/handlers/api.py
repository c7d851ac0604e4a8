"""API Gateway (REST, proxy integration): `POST /cancellations/{cancel_id}/approve` for the default shop,
`POST /shops/{shop_id}/cancellations/{cancel_id}/approve` for a shop of the directory.

Routed by hand: two routes do not need Powertools' event handler, whose imports (and, with validation,
pydantic's) cost the API's every cold start tens of milliseconds. The path, the Idempotency-Key header and
the idempotency_key query parameter become the same request object SQS and direct callers send, checked by
the one parser. Every failure, the adapter's own (route, method, malformed event, a bug) included, is
answered by its row of errors.OUTCOMES: HTTP status, Retry-After, the result as the body.
"""

from __future__ import annotations

import json
import math
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.utilities.typing import LambdaContext
from function_plumbing.deadlines import earliest, invocation_deadline
from tiktok_shop.validation import describe_value

from .. import dependencies, time_budget
from ..errors import (
    ApprovalError,
    InternalError,
    InvalidApprovalRequest,
    MethodNotAllowed,
    RouteNotFound,
)
from ..models import ApprovalResult
from ..observability import logger, record_failure
from ..request_parsing import parse_approval_request
from .rest_event import MalformedEvent, RestRequest

# Any segment, not only a valid id: a bad id on our path is a 400 that says why, not a 404.
APPROVE_ROUTE = re.compile(r"^(?:/shops/(?P<shop_id>[^/]+))?/cancellations/(?P<cancel_id>[^/]+)/approve/?$")
KEY_HEADER = "Idempotency-Key"
KEY_PARAMETER = "idempotency_key"
REPLAYED_HEADER = "Idempotent-Replayed"
# TikTok had approved before this request's call (Seller Center, or an earlier attempt whose answer was
# lost): the same as data.already_approved in the body.
ALREADY_APPROVED_HEADER = "Already-Approved"


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return _answer(RestRequest.from_event(event), context)
    except MalformedEvent as error:
        logger.warning("malformed API Gateway event", extra={"reason": str(error)})
        return error_response(InvalidApprovalRequest("malformed API Gateway event"))
    except ApprovalError as error:
        return error_response(error)
    except Exception:
        # Logged with its stack for us; the caller gets the result shape, not an opaque 502 from API Gateway.
        logger.exception("unexpected error while approving")
        return error_response(InternalError("internal error; retry later"))


def _answer(request: RestRequest, context: LambdaContext) -> dict[str, Any]:
    route = APPROVE_ROUTE.match(request.path)
    if route is None:
        raise RouteNotFound(f"no route {request.path}")
    if request.method.upper() != "POST":
        raise MethodNotAllowed(f"method {request.method} not allowed; use POST", allow="POST")
    _path_parameters_agree(request, route)
    # Decoded per segment, as a router would: an encoded '/' stays inside its id (and is refused there).
    ids = {name: unquote(value) for name, value in route.groupdict().items() if value is not None}
    return _approve(request, context, {**ids, "query": {KEY_PARAMETER: _one_key(request)}})


def _approve(request: RestRequest, context: LambdaContext, data: dict[str, Any]) -> dict[str, Any]:
    approval = parse_approval_request(data)
    settings = dependencies.settings()
    service = dependencies.approval_service()
    service.register_lambda_context(context)
    # Whichever comes first: this invocation's end, or API Gateway giving up on the caller.
    deadline = earliest(
        invocation_deadline(context, settings.deadline_margin_seconds),
        time_budget.api_request_deadline(request.request_time_epoch_ms, settings.deadline_margin_seconds),
    )
    outcome = service.approve(approval, deadline=deadline)
    headers = {}
    if outcome.replayed:
        headers[REPLAYED_HEADER] = "true"
    if outcome.already_approved:
        headers[ALREADY_APPROVED_HEADER] = "true"
    return _json(HTTPStatus.OK, outcome.result, headers)


def _path_parameters_agree(request: RestRequest, route: re.Match[str]) -> None:
    """Refuse an event whose pathParameters name another cancellation or shop than its path: the path is
    what is approved, and API Gateway fills both alike, so only a hand-edited event disagrees, and whoever
    edited pathParameters alone expects the other cancellation. Either form of a value agrees: REST APIs
    leave pathParameters percent-encoded, as the path; other tools decode them."""
    given = request.path_parameters
    for name in ("shop_id", "cancel_id"):
        if name not in given:
            continue
        said, segment = given[name], route.group(name)
        if segment is None:
            path_says = "names no shop"
        elif said in (segment, unquote(segment)):
            continue
        else:
            path_says = f"says {describe_value(unquote(segment))}"
        raise _refused(
            f"the event's pathParameters.{name} is {describe_value(said)} but its path {request.path} "
            f"{path_says}; the path decides what is approved: edit path (and pathParameters to match)"
        )


def _one_key(request: RestRequest) -> str | None:
    header_keys = set(request.header_values(KEY_HEADER))
    query_keys = set(request.query_values(KEY_PARAMETER))
    if len(header_keys) > 1:
        raise _refused("the Idempotency-Key header is given twice, with different values")
    if len(query_keys) > 1:
        raise _refused("the idempotency_key query parameter is given twice, with different values")
    if header_keys and query_keys and header_keys != query_keys:
        raise _refused("the Idempotency-Key header and the idempotency_key query parameter differ")
    return next(iter(header_keys or query_keys), None)


def _refused(reason: str) -> ApprovalError:
    return record_failure(InvalidApprovalRequest(reason))


def error_response(error: ApprovalError) -> dict[str, Any]:
    """The error's row of errors.OUTCOMES as an HTTP answer (also for an HTTP API or load balancer event,
    which the entry handler refuses: their payload takes the same answer). Retry-After: what the error
    knows, else its row's."""
    outcome = error.outcome
    headers = error.answer_headers()
    retry_after = error.retry_after if error.retry_after is not None else outcome.retry_after
    if outcome.retryable and retry_after is not None:
        headers["Retry-After"] = str(math.ceil(retry_after))
    return _json(outcome.http_status, error.to_result(fallback_code=outcome.http_status), headers)


def _json(status: HTTPStatus, result: ApprovalResult, headers: dict[str, str]) -> dict[str, Any]:
    """A REST proxy response. Single-valued `headers`: every header here has one value."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps(result.to_dict(), separators=(",", ":")),
        "isBase64Encoded": False,
    }

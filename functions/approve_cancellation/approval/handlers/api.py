"""API Gateway (REST, proxy integration): `POST /cancellations/{cancel_id}/approve` for the default shop,
`POST /shops/{shop_id}/cancellations/{cancel_id}/approve` for a shop of the directory."""

from __future__ import annotations

import json
import math
import re
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from .. import dependencies
from ..deadline import api_request_deadline, earliest, invocation_deadline
from ..errors import (
    ApprovalError,
    ApprovalInProgress,
    InvalidApprovalRequest,
)
from ..models import ApprovalResult
from ..observability import logger
from ..request_parsing import parse_approval_request
from ..service import record_failure

APPROVE_ROUTE = re.compile(r"^(/shops/[^/]+)?/cancellations/[^/]+/approve/?$")
# Seconds to wait: a duplicate in progress ends within one TikTok call; an outage lasts longer.
RETRY_AFTER_IN_PROGRESS = "2"
RETRY_AFTER_UNAVAILABLE = "30"
REPLAYED_HEADER = "Idempotent-Replayed"
# TikTok had approved before this request's call (Seller Center, or an earlier attempt whose answer was
# lost): the same as data.already_approved in the body.
ALREADY_APPROVED_HEADER = "Already-Approved"

app = APIGatewayRestResolver(enable_validation=True)


@app.post("/cancellations/<cancel_id>/approve")
def approve_cancellation(
    cancel_id: str,
    header_key: Annotated[str | None, Header(alias="idempotency-key")] = None,
    # A list: API Gateway passes every value of a repeated query parameter.
    query_keys: Annotated[list[str] | None, Query(alias="idempotency_key")] = None,
) -> Response[str]:
    return _approve({"cancel_id": cancel_id}, header_key, query_keys or [])


@app.post("/shops/<shop_id>/cancellations/<cancel_id>/approve")
def approve_shop_cancellation(
    shop_id: str,
    cancel_id: str,
    header_key: Annotated[str | None, Header(alias="idempotency-key")] = None,
    query_keys: Annotated[list[str] | None, Query(alias="idempotency_key")] = None,
) -> Response[str]:
    return _approve({"shop_id": shop_id, "cancel_id": cancel_id}, header_key, query_keys or [])


def _approve(ids: dict[str, str], header_key: str | None, query_keys: list[str]) -> Response[str]:
    request = parse_approval_request({**ids, "query": {"idempotency_key": _one_key(header_key, query_keys)}})
    settings = dependencies.settings()
    service = dependencies.approval_service()
    service.register_lambda_context(app.lambda_context)
    # Whichever comes first: this invocation's end, or API Gateway giving up on the caller.
    deadline = earliest(
        invocation_deadline(app.lambda_context, settings.deadline_margin_seconds),
        api_request_deadline(
            app.current_event.request_context.request_time_epoch, settings.deadline_margin_seconds
        ),
    )
    outcome = service.approve(request, deadline=deadline)
    headers = {}
    if outcome.replayed:
        headers[REPLAYED_HEADER] = "true"
    if outcome.already_approved:
        headers[ALREADY_APPROVED_HEADER] = "true"
    return _json(HTTPStatus.OK, outcome.result, headers)


def _one_key(header_key: str | None, query_keys: list[str]) -> str | None:
    if len(set(query_keys)) > 1:
        raise record_failure(
            InvalidApprovalRequest(
                "the idempotency_key query parameter is given twice, with different values"
            )
        )
    query_key = query_keys[0] if query_keys else None
    if header_key is not None and query_key is not None and header_key != query_key:
        raise record_failure(
            InvalidApprovalRequest(
                "the Idempotency-Key header and the idempotency_key query parameter differ"
            )
        )
    return header_key if header_key is not None else query_key


@app.exception_handler(ApprovalError)
def approval_failed(error: ApprovalError) -> Response[str]:
    return _error_response(error)


@app.exception_handler(RequestValidationError)
def malformed_request(error: RequestValidationError) -> Response[str]:
    details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
    return _error_response(record_failure(InvalidApprovalRequest(f"invalid request: {details}")))


def _error_response(error: ApprovalError) -> Response[str]:
    status = error.outcome.http_status
    headers = {}
    if error.retryable:
        default = (
            RETRY_AFTER_IN_PROGRESS if isinstance(error, ApprovalInProgress) else RETRY_AFTER_UNAVAILABLE
        )
        known = error.retry_after
        headers["Retry-After"] = str(math.ceil(known)) if known is not None else default
    return _json(status, error.to_result(fallback_code=status).model_dump(mode="json"), headers)


@app.not_found
def unknown_route(error: NotFoundError) -> Response[str]:
    event = app.current_event
    if not APPROVE_ROUTE.match(event.path):
        return _failure(HTTPStatus.NOT_FOUND, "ROUTE_NOT_FOUND", f"no route {event.path}")
    if event.http_method.upper() == "POST":
        # Our path with an id Powertools' route pattern would not even match (quotes, '#', emoji).
        ids = "shop_id and cancel_id" if event.path.startswith("/shops/") else "cancel_id"
        return _error_response(
            record_failure(InvalidApprovalRequest(f"{ids} must be 1 to 64 letters, digits, '_' or '-'"))
        )
    message = f"method {event.http_method} not allowed; use POST"
    return _failure(HTTPStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", message, {"Allow": "POST"})


@app.exception_handler(Exception)
def unexpected(error: Exception) -> Response[str]:
    # Logged with its stack for us; the caller gets the result shape, not an opaque 502 from API Gateway.
    logger.exception("unexpected error while approving")
    return _failure(HTTPStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "internal error; retry later")


def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return app.resolve(event, context)
    except Exception:
        # An envelope Powertools cannot even route (API Gateway never sends one): still a JSON answer.
        logger.exception("malformed API Gateway event")
        result = ApprovalResult.failed(
            code=HTTPStatus.BAD_REQUEST,
            message="malformed API Gateway event",
            request_id=None,
            status="INVALID_REQUEST",
        )
        return {
            "statusCode": HTTPStatus.BAD_REQUEST,
            "headers": {"Content-Type": content_types.APPLICATION_JSON},
            "body": json.dumps(result.model_dump(mode="json"), separators=(",", ":")),
            "isBase64Encoded": False,
        }


def _failure(
    status: HTTPStatus, result_status: str, message: str, headers: dict[str, str] | None = None
) -> Response[str]:
    result = ApprovalResult.failed(code=status, message=message, request_id=None, status=result_status)
    return _json(status, result.model_dump(mode="json"), headers or {})


def _json(status: HTTPStatus, body: dict[str, Any], headers: dict[str, str]) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, separators=(",", ":")),
        headers=headers,
    )

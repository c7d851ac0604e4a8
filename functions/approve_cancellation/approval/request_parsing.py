"""Turn what a trigger received into an `ApprovalRequest`, or an `InvalidApprovalRequest` that says why.

The one set of rules for every trigger: the API builds the same object from its path, header and query
string that SQS carries as its body and a direct caller sends as its event, so a bad cancel_id reads the
same whichever way it came. Every problem is reported at once, in words the sender understands.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tiktok_shop import TikTokValidationError
from tiktok_shop.validation import (
    describe_kind,
    validate_cancel_id,
    validate_idempotency_key,
    validate_shop_id,
)

from .errors import InvalidApprovalRequest
from .models import ApprovalQuery, ApprovalRequest
from .observability import record_failure

REQUEST_FIELDS = ("cancel_id", "shop_id", "query")
QUERY_FIELDS = ("idempotency_key",)


def parse_approval_request(data: Any) -> ApprovalRequest:
    if not isinstance(data, dict):
        raise record_failure(
            InvalidApprovalRequest(
                f'an approval request is a JSON object like {{"cancel_id": "..."}}, not {describe_kind(data)}'
            )
        )
    problems: list[str] = []
    cancel_id = ""
    if "cancel_id" in data:
        cancel_id = _checked(problems, "cancel_id", validate_cancel_id, data["cancel_id"])
    else:
        problems.append("cancel_id: required")
    shop_id = None
    if "shop_id" in data:
        if data["shop_id"] is None:
            # A producer that failed to fill it in must not reach the default shop.
            problems.append("shop_id must be a string; leave it out for the default shop")
        else:
            shop_id = _checked(problems, "shop_id", validate_shop_id, data["shop_id"])
    query = _query(problems, data.get("query"))
    problems.extend(
        f"{name}: unknown field (an approval request has cancel_id, shop_id and query)"
        for name in data
        if name not in REQUEST_FIELDS
    )
    if problems:
        raise record_failure(InvalidApprovalRequest("invalid approval request: " + "; ".join(problems)))
    return ApprovalRequest(cancel_id=cancel_id, shop_id=shop_id, query=query)


def parse_json_request(body: str | None) -> ApprovalRequest:
    try:
        data = json.loads(body or "")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise record_failure(InvalidApprovalRequest("the message body is not valid JSON")) from None
    return parse_approval_request(data)


def _query(problems: list[str], query: Any) -> ApprovalQuery:
    if query is None:  # left out, or null: no query
        return ApprovalQuery()
    if not isinstance(query, dict):
        problems.append(
            f'query: must be an object like {{"idempotency_key": "..."}}, not {describe_kind(query)}'
        )
        return ApprovalQuery()
    key = query.get("idempotency_key")  # null: none given, as when left out
    if key is not None:
        key = _checked(problems, "query.idempotency_key", validate_idempotency_key, key)
    problems.extend(
        f"query.{name}: unknown field (query has idempotency_key only)"
        for name in query
        if name not in QUERY_FIELDS
    )
    return ApprovalQuery(key)


def _checked(problems: list[str], where: str, validate: Callable[[object], str], value: object) -> str:
    """The validated value; or, when the layer's check refuses it, its reason noted under `where`."""
    try:
        return validate(value)
    except TikTokValidationError as error:
        # The layer's reasons start with the field's own name ("cancel_id must be ..."): say it once.
        reason = str(error)
        leaf = where.rsplit(".", 1)[-1]
        problems.append(
            f"{where}{reason[len(leaf) :]}" if reason.startswith(f"{leaf} ") else f"{where}: {reason}"
        )
        return ""

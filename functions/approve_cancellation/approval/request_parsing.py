"""Turn what a trigger received into an `ApprovalRequest`, or an `InvalidApprovalRequest` that says why."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from .errors import InvalidApprovalRequest
from .models import ApprovalRequest
from .service import record_failure


def parse_approval_request(data: Any) -> ApprovalRequest:
    if not isinstance(data, dict):
        raise record_failure(
            InvalidApprovalRequest(
                f'an approval request is a JSON object like {{"cancel_id": "..."}}, not {type(data).__name__}'
            )
        )
    try:
        return ApprovalRequest.model_validate(data)
    except ValidationError as error:
        raise record_failure(InvalidApprovalRequest(_explain(error))) from None


def parse_json_request(body: str | None) -> ApprovalRequest:
    try:
        data = json.loads(body or "")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise record_failure(InvalidApprovalRequest("the message body is not valid JSON")) from None
    return parse_approval_request(data)


def _explain(error: ValidationError) -> str:
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"]) or "request"
        # Our own checks raise ValueError("..."); pydantic prefixes those with "Value error, ".
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    return "invalid approval request: " + "; ".join(problems)

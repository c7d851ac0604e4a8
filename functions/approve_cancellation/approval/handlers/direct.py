"""Direct invocation (Step Functions, another Lambda, `sam local invoke`): the event is the request.

Success returns the result object; failure raises the typed error, whose class name becomes the Lambda
error type a Step Functions Retry or Catch can match.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from function_plumbing.deadlines import invocation_deadline

from .. import dependencies
from ..request_parsing import parse_approval_request


def handle(event: Any, context: LambdaContext) -> dict[str, Any]:
    request = parse_approval_request(event)
    dependencies.approval_service().register_lambda_context(context)
    deadline = invocation_deadline(context, dependencies.settings().deadline_margin_seconds)
    return dependencies.approval_service().approve(request, deadline=deadline).result.to_dict()

"""How long TikTok calls may take: until shortly before this invocation would time out."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext

from . import time_budget


def api_request_deadline(request_time_epoch_ms: int | None, margin_seconds: float) -> float | None:
    """An absolute Unix time `margin_seconds` before API Gateway would stop waiting for this request."""
    if not request_time_epoch_ms:
        return None
    gives_up_at = request_time_epoch_ms / 1000 + time_budget.API_GATEWAY_TIMEOUT_SECONDS
    if not 0 < gives_up_at - time.time() <= time_budget.API_GATEWAY_TIMEOUT_SECONDS:
        # No caller can still be waiting: a replayed or hand-written event (sam local, tests). Ignore it.
        return None
    return gives_up_at - margin_seconds


def earliest(*deadlines: float | None) -> float | None:
    known = [deadline for deadline in deadlines if deadline is not None]
    return min(known) if known else None


def invocation_deadline(context: LambdaContext | None, margin_seconds: float) -> float | None:
    """An absolute Unix time `margin_seconds` before the invocation ends; None without a Lambda context."""
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return None
    remaining_seconds: float = context.get_remaining_time_in_millis() / 1000
    return time.time() + remaining_seconds - margin_seconds

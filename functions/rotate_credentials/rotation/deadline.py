"""How long TikTok calls may take: until shortly before this invocation would time out."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.typing import LambdaContext


def invocation_deadline(context: LambdaContext | None, margin_seconds: float) -> float | None:
    """An absolute Unix time `margin_seconds` before the invocation ends; None without a Lambda context."""
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return None
    remaining_seconds: float = context.get_remaining_time_in_millis() / 1000
    return time.time() + remaining_seconds - margin_seconds

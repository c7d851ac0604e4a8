"""Lambda's context object, for a handler called outside Lambda: the tests in process, and every function
process of lambda_runner.py (the crash tests, make bench). Never deployed: the product takes Lambda's own.

It imports `os` and `time` only: the runner loads it before a cold start's clock starts.
"""

from __future__ import annotations

import os
import time

ACCOUNT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


class FakeLambdaContext:
    """The attributes Lambda's context has (Powertools' Logger and idempotency read them), and a real clock
    behind the remaining time: an invocation of `timeout_seconds` that starts when the context is made."""

    def __init__(
        self,
        timeout_seconds: float = 30.0,
        function_name: str = "ApproveCancellationFunction",
        invoked_function_arn: str | None = None,
        memory_limit_in_mb: int = 512,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = invoked_function_arn or ACCOUNT_ARN + function_name
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = _request_id()
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._started = time.monotonic()

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


def _request_id() -> str:
    """A fresh id shaped as Lambda's (a UUID), without importing uuid (and what it imports) for it."""
    digits = os.urandom(16).hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"

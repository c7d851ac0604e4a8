"""Why an approval failed, as types: each trigger maps them to its own language in one place.

Their class names are the Lambda error types a direct caller (Step Functions) can Retry or Catch by name.
"""

from __future__ import annotations

from tiktok_shop import ErrorCategory, TikTokAPIError, TikTokTransportError

from .models import ApprovalResult


class ApprovalError(Exception):
    """Base: carries TikTok's code, message and request_id when TikTok answered."""

    status = "APPROVAL_FAILED"  # the result's data.status
    retryable = False  # whether asking again later may succeed (SQS redelivers these)
    reason = "Failed"  # the metric dimension

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        cancel_status: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        # TikTok's cancel_status, when Search Cancellations was asked (see reconciliation.py).
        self.cancel_status = cancel_status
        # Seconds after which asking again makes sense, when this error knows (the API's Retry-After).
        self.retry_after = retry_after

    def to_result(self, fallback_code: int) -> ApprovalResult:
        code = self.code if self.code is not None else fallback_code
        return ApprovalResult.failed(
            code=code,
            message=self.message,
            request_id=self.request_id,
            status=self.status,
            cancel_status=self.cancel_status,
        )

    def __str__(self) -> str:
        details = [f"code={self.code}", f"request_id={self.request_id}"]
        if self.cancel_status is not None:
            details.append(f"cancel_status={self.cancel_status}")
        return f"{self.message} ({', '.join(details)})"


class InvalidApprovalRequest(ApprovalError):
    status = "INVALID_REQUEST"
    reason = "InvalidRequest"


class CancellationNotFound(ApprovalError):
    status = "CANCELLATION_NOT_FOUND"
    reason = "NotFound"


class ApprovalForbidden(ApprovalError):
    status = "NO_PERMISSION"
    reason = "Forbidden"


class CancellationConflict(ApprovalError):
    """The cancellation cannot be approved in its current state (already decided, shipped, withdrawn)."""

    status = "CANCELLATION_STATE_CONFLICT"
    reason = "Conflict"


class ApprovalInProgress(ApprovalError):
    """The same approval is running in another invocation right now."""

    status = "APPROVAL_IN_PROGRESS"
    reason = "InProgress"
    retryable = True


class IdempotencyKeyReused(ApprovalError):
    status = "IDEMPOTENCY_KEY_REUSED"
    reason = "IdempotencyKeyReused"


class UpstreamConfigurationError(ApprovalError):
    """Credentials, sign, token, scope or secret problems: a person has to fix the configuration."""

    status = "UPSTREAM_CONFIGURATION_ERROR"
    reason = "Configuration"


class UpstreamError(ApprovalError):
    """TikTok answered with a code this project does not know."""

    status = "UPSTREAM_ERROR"
    reason = "UpstreamError"


class TikTokUnavailable(ApprovalError):
    """TikTok (or the idempotency store) kept failing transiently until the retries or the time ran out."""

    status = "UPSTREAM_UNAVAILABLE"
    reason = "Unavailable"
    retryable = True


class RateLimited(TikTokUnavailable):
    """The shop's shared request schedule had no slot before the deadline: nothing was sent to TikTok."""

    status = "RATE_LIMITED"
    reason = "RateLimited"


class TikTokTimeout(TikTokUnavailable):
    status = "UPSTREAM_TIMEOUT"
    reason = "Timeout"


_BY_CATEGORY: dict[ErrorCategory, type[ApprovalError]] = {
    ErrorCategory.TRANSIENT: TikTokUnavailable,
    ErrorCategory.TOKEN_EXPIRED: UpstreamConfigurationError,
    ErrorCategory.CONFIGURATION: UpstreamConfigurationError,
    ErrorCategory.CONFLICT: CancellationConflict,
    ErrorCategory.NOT_FOUND: CancellationNotFound,
    ErrorCategory.FORBIDDEN: ApprovalForbidden,
    ErrorCategory.INVALID_REQUEST: InvalidApprovalRequest,
    ErrorCategory.UNKNOWN: UpstreamError,
}


def from_tiktok(error: TikTokAPIError) -> ApprovalError:
    kind = _BY_CATEGORY[error.category]
    if isinstance(error, TikTokTransportError) and error.timed_out:
        kind = TikTokTimeout
    return kind(error.message, code=error.code, request_id=error.request_id)

"""The function's Logger, Tracer and Metrics (the layer's `function_plumbing.observability`), and what
every operation counts with them."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from function_plumbing.observability import observability
from tiktok_shop import TikTokAPIError, TikTokCode

if TYPE_CHECKING:
    from .errors import ApprovalError

    Failure = TypeVar("Failure", bound=ApprovalError)

SERVICE, NAMESPACE, logger, tracer, metrics = observability("cancellation-approver")

# --- what every operation counts --------------------------------------------------------------------------


def record_failure(error: Failure, *, shop_id: str | None = None) -> Failure:
    """Count and log a failed approval by reason; returns the error for `raise record_failure(...)`."""
    with single_metric(name="ApprovalFailed", unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="reason", value=error.reason)
    logger.warning(
        "approval failed",
        extra={
            "error": type(error).__name__,
            "code": error.code,
            "reason": error.message,
            "tiktok_request_id": error.request_id,
            "shop_id": shop_id,
        },
    )
    return error


def record_tiktok_attempt(attempt: int, error: TikTokAPIError | None) -> None:
    """One HTTP attempt at TikTok, retries included: with CancellationApproved, the retry overhead."""
    metrics.add_metric(name="TikTokAttempts", unit=MetricUnit.Count, value=1)
    if error is not None:
        metrics.add_metric(name="TikTokAttemptFailed", unit=MetricUnit.Count, value=1)
        if error.code == TikTokCode.TOO_MANY_REQUESTS or error.http_status == 429:
            metrics.add_metric(name="TikTokRateLimited", unit=MetricUnit.Count, value=1)


def record_reconciliation(found: str) -> None:
    """Search Cancellations settled an unclear answer: by what TikTok's state was (or SearchFailed)."""
    with single_metric(
        name="ApprovalReconciled", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="cancel_status", value=found)

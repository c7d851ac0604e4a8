"""One Logger, Tracer and Metrics for the whole function, configured by the POWERTOOLS_* environment.

The defaults here apply only where the environment names none (a bare `import app` in a test or script),
so that metrics never fail to flush for want of a namespace.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from tiktok_shop import TikTokAPIError, TikTokCode

if TYPE_CHECKING:
    from .errors import ApprovalError

    Failure = TypeVar("Failure", bound=ApprovalError)

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "cancellation-approver")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "TikTokShop")

logger = Logger(service=SERVICE)
# Only the libraries the function calls out with: botocore (DynamoDB, Secrets Manager, SQS) and requests
# (TikTok). patch_all would also look for, import and patch a dozen others at every cold start (sqlite3,
# database drivers, httpx) and patch httplib, which traces each of those same calls a second time.
TRACED_MODULES = ("botocore", "requests")
tracer = Tracer(service=SERVICE, patch_modules=TRACED_MODULES)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)


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

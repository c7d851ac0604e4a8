"""Lambda entry point of SweepCancellationsFunction: EventBridge Scheduler's call every SweepIntervalMinutes.

Named sweep_app so that it and the other functions' entry points can share a sys.path (tests, type checks).
"""

from __future__ import annotations

import time
from typing import Any

from autopilot import dependencies
from autopilot.observability import logger, metrics, tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from function_plumbing.deadlines import invocation_deadline

# Kept back from the invocation's end for the lease's release, the log and the metrics.
DEADLINE_MARGIN_SECONDS = 5.0
# Without a Lambda context (a script, a test): how long one run may take.
DEFAULT_RUN_SECONDS = 240.0


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    dependencies.check_sweep_settings()
    deadline = invocation_deadline(context, DEADLINE_MARGIN_SECONDS) or time.time() + DEFAULT_RUN_SECONDS
    report = dependencies.sweeper().sweep(deadline=deadline)
    metrics.add_metric(name="SweepFound", unit=MetricUnit.Count, value=report.found)
    metrics.add_metric(name="SweepNotDecided", unit=MetricUnit.Count, value=report.not_decided)
    if report.skipped:
        metrics.add_metric(name="SweepSkippedOverlap", unit=MetricUnit.Count, value=1)
    if report.failed_shops:
        metrics.add_metric(name="SweepShopFailed", unit=MetricUnit.Count, value=len(report.failed_shops))
    for shop_id, error in report.failed_shops.items():
        logger.warning("a shop could not be swept", extra={"shop_id": shop_id, "error": error})
    logger.info("sweep done", extra=report.to_json())
    return report.to_json()

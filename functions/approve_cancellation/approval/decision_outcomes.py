"""An approval the autopilot asked for ends on its decision-log record: approved, already approved, conflict
or failed. Only for ApprovalQueue messages the decider sent (their `origin` attribute); a caller's own
approval leaves the log alone. The approval is done by then: a log that cannot be written is logged and
counted, never turned into a failed approval."""

from __future__ import annotations

import json
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from decision_log import DecisionLog, DecisionLogError, Outcome

from .errors import ApprovalError, CancellationConflict
from .models import ApprovalOutcome
from .observability import logger, metrics

# What the decider puts on its messages (autopilot.approval_requests writes them).
ORIGIN_ATTRIBUTE: Final = "origin"
AUTOPILOT: Final = "autopilot"
TIKTOK_SHOP_ATTRIBUTE: Final = "tiktok_shop_id"


def autopilot_shop_id(attributes: dict[str, Any]) -> str | None:
    """TikTok's shop id when the message came from the decider, else None."""
    origin = (attributes.get(ORIGIN_ATTRIBUTE) or {}).get("stringValue")
    if origin != AUTOPILOT:
        return None
    shop_id = (attributes.get(TIKTOK_SHOP_ATTRIBUTE) or {}).get("stringValue")
    return shop_id if isinstance(shop_id, str) and shop_id else None


def any_from_autopilot(event: dict[str, Any]) -> bool:
    """Whether an SQS event holds a record the decider sent."""
    records = event.get("Records")
    return isinstance(records, list) and any(
        isinstance(record, dict) and autopilot_shop_id(record.get("messageAttributes") or {}) is not None
        for record in records
    )


def carried_attributes(attributes: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The decider's attributes of a message, as SendMessage takes them (for a message parked elsewhere)."""
    carried = {}
    for name in (ORIGIN_ATTRIBUTE, TIKTOK_SHOP_ATTRIBUTE):
        value = (attributes.get(name) or {}).get("stringValue")
        if isinstance(value, str) and value:
            carried[name] = {"DataType": "String", "StringValue": value[:256]}
    return carried


def outcome_of(result: ApprovalOutcome | ApprovalError) -> tuple[Outcome, str | None]:
    if isinstance(result, ApprovalOutcome):
        # A replay: the approval was made before this request (a caller's own, or an earlier delivery).
        done_before = result.already_approved or result.replayed
        return (Outcome.ALREADY_APPROVED if done_before else Outcome.APPROVED), None
    if isinstance(result, CancellationConflict):
        return Outcome.CONFLICT, result.message
    return Outcome.FAILED, f"{type(result).__name__}: {result.message}"


def after_approval(
    log: DecisionLog | None,
    attributes: dict[str, Any],
    body: str | None,
    result: ApprovalOutcome | ApprovalError,
) -> None:
    """Puts the approval's end on the autopilot's record, when the message came from the decider."""
    shop_id = autopilot_shop_id(attributes)
    if log is None or shop_id is None:
        return
    cancel_id = _cancel_id(body)
    if not cancel_id:
        return
    outcome, detail = outcome_of(result)
    try:
        log.record_outcome(shop_id=shop_id, cancel_id=cancel_id, outcome=outcome, detail=detail)
    except DecisionLogError as error:
        metrics.add_metric(name="DecisionLogWriteFailed", unit=MetricUnit.Count, value=1)
        logger.warning(
            "could not record the approval's outcome", extra={"error": str(error), "outcome": outcome.value}
        )


def _cancel_id(body: str | None) -> str:
    """The cancel_id of a message the decider wrote (it always reads; a hand-edited one may not)."""
    try:
        cancel_id = json.loads(body or "{}").get("cancel_id")
    except (ValueError, AttributeError):
        return ""
    return cancel_id if isinstance(cancel_id, str) else ""

"""The autopilot's decision log (DecisionsTable): one record per cancellation it saw, keyed by TikTok's
shop_id and cancel_id, with what TikTok said, the policy's decision and why, what was done, the outcome, and
when each step happened. Plain boto3, no Powertools: the operator's `make decisions` reads it too."""

from .log import DecisionLog, DecisionLogError, DecisionLogUnavailable
from .record import Outcome, StoredDecision

__all__ = ["DecisionLog", "DecisionLogError", "DecisionLogUnavailable", "Outcome", "StoredDecision"]

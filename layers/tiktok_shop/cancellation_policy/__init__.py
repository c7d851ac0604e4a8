"""The autopilot's policy: which buyers' cancellations a shop approves by itself (issue 20, item 3).

`policy.Policy` is a shop's rules as data (JSON in and out, validated: `PolicyError` when unreadable, so
the caller fails closed); `decision.decide(policy, cancellation, now=...)` applies them to what Search
Cancellations says. Pure: no AWS, no storage, no clock, no logging.

Not Powertools' Feature Flags: its rule engine answers one value per flag without saying which condition
decided, compares JSON numbers (floats) and treats a comparison that fails as "no match", while every
decision here needs its reasons on file, exact decimal amounts and missing data sent to a person; four
fixed rules read more plainly as code than as a generic rule schema (and the layer stays free of Powertools).
"""

from .decision import Decision, Verdict, decide, unreadable_policy
from .policy import (
    DEFAULT_DEADLINE_MARGIN,
    DEFAULT_POLICY,
    Mode,
    Policy,
    PolicyError,
    RefundRange,
    policy_from_json,
    policy_from_text,
    policy_to_json,
)

__all__ = [
    "DEFAULT_DEADLINE_MARGIN",
    "DEFAULT_POLICY",
    "Decision",
    "Mode",
    "Policy",
    "PolicyError",
    "RefundRange",
    "Verdict",
    "decide",
    "policy_from_json",
    "policy_from_text",
    "policy_to_json",
    "unreadable_policy",
]

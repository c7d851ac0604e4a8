"""The autopilot's rules: a shop's policy and TikTok's view of a cancellation in, a `Decision` out.

Pure: no clock (the caller passes `now`), no storage, no logging. It never rejects: the worst a
cancellation gets is a person's attention, or TikTok's own decision at its deadline.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from tiktok_shop.cancellations import Cancellation, CancelStatus
from tiktok_shop.orders import Order
from tiktok_shop.webhooks import CancellationRole

from .policy import Mode, Policy, PolicyError

# TikTok sends refund amounts as plain decimal text ("1.23"). Anything else (an exponent, NaN, a
# 100-digit number) is not trusted to be what TikTok meant: a person looks.
_TIKTOK_AMOUNT_PATTERN: Final = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,20})?")


class Verdict(StrEnum):
    APPROVE = "approve"  # every rule allows it: put an approval request on the queue
    NEEDS_REVIEW = "needs_review"  # a rule says no, or the data a rule needs is missing: a person decides
    LEAVE_TO_TIKTOK = "leave_to_tiktok"  # too close to (or past) TikTok's deadline: TikTok decides by itself
    NOTHING_TO_DECIDE = "nothing_to_decide"  # the autopilot is off, or not a buyer's pending request


@dataclass(frozen=True)
class Decision:
    """What the autopilot decided and why. `dry_run` is True when the shop's mode is observe: `verdict` is
    what it would have done, to be recorded and not acted on (no approval, no review event)."""

    verdict: Verdict
    reasons: tuple[str, ...]  # human-readable, one per rule that decided, for the decision log
    policy_version: int | str | None  # None: no readable policy
    dry_run: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))

    @property
    def approve(self) -> bool:
        """Whether to put an approval request on the queue."""
        return self.verdict is Verdict.APPROVE and not self.dry_run

    @property
    def escalate(self) -> bool:
        """Whether to ask a person."""
        return self.verdict is Verdict.NEEDS_REVIEW and not self.dry_run


def unreadable_policy(error: PolicyError) -> Decision:
    """The decision when the shop's policy cannot be read or is invalid: fail closed, nothing approved."""
    return Decision(
        verdict=Verdict.NEEDS_REVIEW,
        reasons=(f"the shop's policy is unreadable or invalid, so nothing is approved: {error.message}",),
        policy_version=None,
    )


def decide(policy: Policy, cancellation: Cancellation, *, now: float, order: Order | None = None) -> Decision:
    """Apply `policy` to `cancellation` (as Search Cancellations returned it) at `now` (Unix seconds), with
    the order as Get Order Detail returned it when the policy has a rule on the order's state.

    In order: mode off, or not a buyer's pending request: nothing to decide. Within `deadline_margin` of
    TikTok's deadline, or past it: leave it to TikTok. Then every rule is checked and every objection kept:
    no deadline, no role, a reason refused or not allowed, a refund total outside its currency's range or
    a currency without one, or missing data any rule needs: needs review. Otherwise: approve."""
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise ValueError(f"now must be a finite Unix time in seconds (got {now!r})")
    if policy.mode is Mode.OFF:
        return Decision(Verdict.NOTHING_TO_DECIDE, ("the autopilot is off for this shop",), policy.version)
    dry_run = policy.mode is Mode.OBSERVE

    def decision(verdict: Verdict, *reasons: str) -> Decision:
        return Decision(verdict, reasons, policy.version, dry_run=dry_run)

    not_ours = _not_a_buyers_pending_request(cancellation)
    if not_ours:
        return decision(Verdict.NOTHING_TO_DECIDE, not_ours)
    deadline = cancellation.response_deadline
    too_late = _too_late(deadline, policy.deadline_margin, now)
    if too_late:
        return decision(Verdict.LEAVE_TO_TIKTOK, too_late)

    passed: list[str] = []
    objections: list[str] = []
    if cancellation.role is None:
        objections.append("TikTok does not say who requested it")
    if deadline is None:
        objections.append("TikTok gives no response deadline, so the margin cannot be kept")
    else:
        passed.append(
            f"TikTok's deadline is {int(deadline - now)} s away, beyond the margin of"
            f" {policy.deadline_margin} s"
        )
    _check_reason(policy, cancellation.cancel_reason, passed, objections)
    _check_refund(policy, cancellation.refund_total, cancellation.refund_currency, passed, objections)
    if policy.approve_only_before_shipping:
        _check_shipping(order, passed, objections)
    if objections:
        return decision(Verdict.NEEDS_REVIEW, *objections)
    return decision(Verdict.APPROVE, *passed)


def _not_a_buyers_pending_request(cancellation: Cancellation) -> str | None:
    if cancellation.cancel_status != CancelStatus.PENDING:
        return f"TikTok shows it as {cancellation.cancel_status}, not pending"
    # An absent role is no answer: the rules go on, and it goes to a person.
    if cancellation.role is not None and cancellation.role != CancellationRole.BUYER:
        return f"requested by {cancellation.role}, not by the buyer"
    return None


def _too_late(deadline: int | None, margin: int, now: float) -> str | None:
    # Exactly at the margin is too late: the margin is the time the approval needs to reach TikTok.
    if deadline is None:
        return None
    if deadline - now <= 0:
        return f"TikTok's deadline passed {int(now - deadline)} s ago: TikTok decides"
    if deadline - now <= margin:
        return (
            f"TikTok's deadline is {int(deadline - now)} s away, within the policy's margin of {margin} s:"
            " TikTok decides"
        )
    return None


def _check_reason(policy: Policy, reason: str | None, passed: list[str], objections: list[str]) -> None:
    if not policy.allowed_reasons and not policy.refused_reasons:
        passed.append("the policy accepts any reason")
    elif reason is None:
        objections.append("TikTok gives no cancel_reason, and the policy has rules on reasons")
    elif reason in policy.refused_reasons:
        objections.append(f"the reason {reason!r} is refused by the policy")
    elif policy.allowed_reasons and reason not in policy.allowed_reasons:
        objections.append(f"the reason {reason!r} is not among the policy's allowed reasons")
    else:
        passed.append(f"the reason {reason!r} is allowed")


def _check_refund(
    policy: Policy, total: str | None, currency: str | None, passed: list[str], objections: list[str]
) -> None:
    if total is None or currency is None:
        missing = " and ".join(
            name for name, value in (("refund total", total), ("currency", currency)) if value is None
        )
        objections.append(f"TikTok gives no {missing}, so the refund range cannot be checked")
        return
    amount = _tiktok_amount(total)
    if amount is None:
        objections.append(f"the refund total {total[:40]!r} is not a decimal amount")
        return
    limits = policy.refund_limits.get(currency)
    if limits is None:
        objections.append(f"the policy has no refund range for {currency[:10]!r}")
    elif amount < limits.minimum:
        objections.append(f"the refund {total} {currency} is under the policy's minimum {limits.minimum}")
    elif amount > limits.maximum:
        objections.append(f"the refund {total} {currency} is over the policy's maximum {limits.maximum}")
    else:
        passed.append(f"the refund {total} {currency} is within {limits.minimum} to {limits.maximum}")


def _check_shipping(order: Order | None, passed: list[str], objections: list[str]) -> None:
    if order is None:
        objections.append("TikTok's order state is unknown, and the policy approves only before shipping")
    elif not order.not_shipped:
        objections.append(f"the order is {order.status}: the policy approves only before shipping")
    else:
        passed.append(f"the order is {order.status}, not shipped yet")


def _tiktok_amount(text: str) -> Decimal | None:
    # The pattern before Decimal: Decimal would read " 1.23", "1_000", "1e3" and "NaN" (which cannot even
    # be compared).
    return Decimal(text) if _TIKTOK_AMOUNT_PATTERN.fullmatch(text) else None

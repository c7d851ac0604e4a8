"""One record of the decision log, as read back (`make decisions`, the decider's "already decided?")."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """How a cancellation the autopilot saw ended, as far as this stack knows."""

    APPROVED = "approved"  # TikTok accepted our approval
    ALREADY_APPROVED = "already_approved"  # TikTok shows it approved already (Seller Center, an earlier try)
    CONFLICT = "conflict"  # no longer approvable (withdrawn, decided by TikTok)
    FAILED = "failed"  # the approval failed for good (see outcome_detail)
    UNKNOWN_SHOP = "unknown_shop"  # the webhook's shop is neither in the directory nor the default shop


_NUMBERS = frozenset(
    {
        "first_seen_at",
        "webhook_received_at",
        "deadline",
        "decided_at",
        "approval_queued_at",
        "review_published_at",
        "escalated_at",
        "outcome_at",
        "expires_at",
    }
)


@dataclass(frozen=True)
class StoredDecision:
    shop_id: str
    cancel_id: str
    order_id: str | None = None
    first_seen_at: int | None = None
    webhook_received_at: int | None = None
    notification_ids: tuple[str, ...] = ()
    webhook_statuses: tuple[str, ...] = ()
    tiktok_status: str | None = None
    cancel_reason: str | None = None
    refund_total: str | None = None
    currency: str | None = None
    deadline: int | None = None
    policy_version: str | None = None
    verdict: str | None = None
    reasons: tuple[str, ...] = ()
    dry_run: bool | None = None
    decided_at: int | None = None
    approval_queued_at: int | None = None
    review_published_at: int | None = None
    escalated_at: int | None = None
    outcome: str | None = None
    outcome_detail: str | None = None
    outcome_at: int | None = None
    expires_at: int | None = None

    @property
    def approval_decided(self) -> bool:
        """A live decision to approve (not a dry run) is on record."""
        return self.verdict == "approve" and self.dry_run is False

    @property
    def notifications(self) -> int:
        """How many distinct notifications TikTok sent for it."""
        return len(self.notification_ids)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> StoredDecision:
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = item.get(spec.name)
            if raw is None:
                continue
            if spec.name in _NUMBERS and "N" in raw:
                values[spec.name] = int(float(raw["N"]))
            elif "S" in raw:
                values[spec.name] = raw["S"]
            elif "BOOL" in raw:
                values[spec.name] = raw["BOOL"]
            elif "L" in raw:
                values[spec.name] = tuple(entry["S"] for entry in raw["L"] if "S" in entry)
            elif "SS" in raw:
                values[spec.name] = tuple(sorted(raw["SS"]))
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """Every field that is set, for `make decisions --json` and logs."""
        return {
            spec.name: list(value) if isinstance(value, tuple) else value
            for spec in fields(self)
            if (value := getattr(self, spec.name)) not in (None, ())
        }

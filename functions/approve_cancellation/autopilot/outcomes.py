"""What happened to one WebhookQueue message, and how each is counted: the one table of the decider's
outcomes (its metric and whether the message is done or goes back to SQS)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Outcome(StrEnum):
    APPROVAL_QUEUED = "approval_queued"  # the policy approves: an approval request is on ApprovalQueue
    APPROVAL_ALREADY_QUEUED = "approval_already_queued"  # decided and queued before (a repeat)
    REVIEW_PUBLISHED = "review_published"  # a rule objects: "needs review" published for a person
    REVIEW_ALREADY_PUBLISHED = "review_already_published"
    ESCALATED = "escalated"  # still waiting for a person, TikTok's deadline near: published once more
    RECORDED = "recorded"  # a dry run (observe), left to TikTok, or nothing to decide: on record only
    STATUS_NOTED = "status_noted"  # a status change other than a buyer's pending request
    AUTOPILOT_OFF = "autopilot_off"  # the shop's policy is off: nothing decided or recorded
    UNKNOWN_SHOP = "unknown_shop"  # neither the default shop nor in the directory: recorded, not retried
    POLICY_UNREADABLE = "policy_unreadable"  # failed closed: recorded as needs review, published, alarmed
    SHOP_INACTIVE = "shop_inactive"  # the shop's seller de-authorized the app: nothing decided, not retried
    SELLER_DEAUTHORIZED = "seller_deauthorized"  # type 6: the seller's directory shops marked inactive
    AUTHORIZATION_EXPIRING = "authorization_expiring"  # type 7: the seller must authorize again soon
    RETRY = "retry"  # a transient failure: SQS redelivers the message


@dataclass(frozen=True)
class Row:
    metric: str
    done: bool  # False: reported as a batch item failure, so SQS redelivers it


OUTCOMES: Final = {
    Outcome.APPROVAL_QUEUED: Row("AutopilotApprovalQueued", done=True),
    Outcome.APPROVAL_ALREADY_QUEUED: Row("AutopilotRepeat", done=True),
    Outcome.REVIEW_PUBLISHED: Row("AutopilotNeedsReview", done=True),
    Outcome.REVIEW_ALREADY_PUBLISHED: Row("AutopilotRepeat", done=True),
    Outcome.ESCALATED: Row("AutopilotEscalated", done=True),
    Outcome.RECORDED: Row("AutopilotRecorded", done=True),
    Outcome.STATUS_NOTED: Row("AutopilotStatusNoted", done=True),
    Outcome.AUTOPILOT_OFF: Row("AutopilotOff", done=True),
    Outcome.UNKNOWN_SHOP: Row("AutopilotUnknownShop", done=True),
    Outcome.POLICY_UNREADABLE: Row("AutopilotPolicyUnreadable", done=True),
    Outcome.SHOP_INACTIVE: Row("AutopilotShopInactive", done=True),
    Outcome.SELLER_DEAUTHORIZED: Row("SellerDeauthorized", done=True),
    Outcome.AUTHORIZATION_EXPIRING: Row("AuthorizationExpiring", done=True),
    Outcome.RETRY: Row("AutopilotRetry", done=False),
}

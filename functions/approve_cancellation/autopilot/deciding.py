"""decide: one cancellation notice in, the shop's policy applied to TikTok's view of it, the decision acted on
and recorded. One idempotent unit: a repeated notice finds the decision on record and does not act twice
(see decision_log.log for which decision stands).

Order: the shop's policy (off: nothing at all), the notice on record, the shop resolved (unknown: recorded,
done), TikTok's view from Search Cancellations (never the webhook's), the decision, then the action: an
approval request on ApprovalQueue (the approval's own idempotency makes it one approval at TikTok), or a
"needs review" event for a person. Never a rejection.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from approval.errors import ApprovalError, InvalidApprovalRequest, ShopNotFound, as_approval_error
from approval.service import CREDENTIAL_REJECTIONS
from approval.shop_access import ShopAccess, ShopResolver
from cancellation_policy import Decision, Mode, Policy, PolicyError, Verdict, decide, unreadable_policy
from decision_log import DecisionLog, StoredDecision
from decision_log import Outcome as RecordedOutcome
from policy_store.errors import PolicyStoreUnavailable
from policy_store.reader import PolicyReader
from tiktok_shop import Cancellation, Credentials, TikTokAPIError, TikTokShopClient
from tiktok_shop.orders import Order

from .approval_requests import ApprovalRequests
from .notices import CancellationNotice, Kind
from .outcomes import Outcome
from .review_events import ReviewEvents

T = TypeVar("T")
UNKNOWN_SHOP_DETAIL = (
    "the shop is neither the default shop nor in the shop directory: onboard it with make authorize"
)


class RetryLater(Exception):
    """A transient failure: the notice goes back to SQS and is decided again later."""


@dataclass(frozen=True)
class Decided:
    outcome: Outcome
    details: dict[str, Any]


class Decider:
    def __init__(
        self,
        *,
        shops: ShopResolver,
        client_for: Callable[[Credentials], TikTokShopClient],
        policies: PolicyReader,
        log: DecisionLog,
        approvals: ApprovalRequests,
        reviews: ReviewEvents,
        clock: Callable[[], float] = time.time,
        escalation_seconds: int = 0,
    ) -> None:
        self._shops = shops
        self._client_for = client_for
        self._policies = policies
        self._log = log
        self._approvals = approvals
        self._reviews = reviews
        self._clock = clock
        # How long before TikTok's deadline a pending "needs review" is published again (0: never).
        self._escalation_seconds = escalation_seconds

    def handle(self, notice: CancellationNotice, *, deadline: float | None = None) -> Decided:
        """Raises RetryLater when asking again may cure the failure; AWS's errors propagate (retried too)."""
        details: dict[str, Any] = {"shop_id": notice.shop_id, "cancel_id": notice.cancel_id}
        policy = self._policy(notice.shop_id)
        if isinstance(policy, Policy) and policy.mode is Mode.OFF:
            return Decided(Outcome.AUTOPILOT_OFF, details)
        self._log.note_webhook(
            shop_id=notice.shop_id,
            cancel_id=notice.cancel_id,
            order_id=notice.order_id,
            notification_id=notice.notification_id,
            cancel_status=notice.cancel_status,
            notified_at=notice.notified_at,
            received_at=notice.received_at,
        )
        if notice.kind is Kind.STATUS_UPDATE:
            return Decided(Outcome.STATUS_NOTED, {**details, "cancel_status": notice.cancel_status})
        shop = self._shop(notice.shop_id)
        if shop is None:
            self._log.record_outcome(
                shop_id=notice.shop_id,
                cancel_id=notice.cancel_id,
                outcome=RecordedOutcome.UNKNOWN_SHOP,
                detail=UNKNOWN_SHOP_DETAIL,
            )
            return Decided(Outcome.UNKNOWN_SHOP, details)
        view = self._tiktok_view(shop, notice, deadline)
        cancellation = view if isinstance(view, Cancellation) else _unread(notice)
        return self._decide(notice.shop_id, shop, policy, cancellation, view=view, deadline=deadline)

    def decide_found(
        self, shop_id: str, shop: ShopAccess, cancellation: Cancellation, *, deadline: float | None = None
    ) -> Decided:
        """A cancellation the sweeper found with Search Cancellations (so TikTok's view is in hand): the
        same decision, record and action as a webhook's, then the escalation if one is due."""
        policy = self._policy(shop_id)
        if isinstance(policy, Policy) and policy.mode is Mode.OFF:
            return Decided(Outcome.AUTOPILOT_OFF, {"shop_id": shop_id, "cancel_id": cancellation.cancel_id})
        return self._decide(shop_id, shop, policy, cancellation, view=cancellation, deadline=deadline)

    def _decide(
        self,
        shop_id: str,
        shop: ShopAccess,
        policy: Policy | PolicyError,
        cancellation: Cancellation,
        *,
        view: Cancellation | ApprovalError,
        deadline: float | None,
    ) -> Decided:
        details: dict[str, Any] = {"shop_id": shop_id, "cancel_id": cancellation.cancel_id}
        now = self._clock()
        if isinstance(policy, PolicyError):
            decision = (
                unreadable_policy(policy)
                if not isinstance(view, Cancellation) or view.pending
                # TikTok shows it decided: nothing to ask a person about, unreadable policy or not.
                else Decision(Verdict.NOTHING_TO_DECIDE, (f"TikTok shows it as {view.cancel_status}",), None)
            )
        elif isinstance(view, ApprovalError):
            # Refused for good (a revoked token, a shop TikTok does not know): a person has to look.
            decision = Decision(
                Verdict.NEEDS_REVIEW,
                (f"Search Cancellations failed, so TikTok's view is unknown: {view.message}",),
                policy.version,
                dry_run=policy.mode is Mode.OBSERVE,
            )
        else:
            order = self._order(shop, cancellation, deadline) if _needs_order(policy, cancellation) else None
            decision = decide(policy, cancellation, now=now, order=order)
        stored = self._log.record_decision(
            shop_id=shop_id,
            cancel_id=cancellation.cancel_id,
            cancellation=cancellation,
            decision=decision,
            decided_at=int(now),
        )
        details.update(verdict=stored.verdict, dry_run=stored.dry_run, policy_version=stored.policy_version)
        outcome = self._act(shop, shop_id, cancellation, decision, stored)
        if outcome is Outcome.REVIEW_ALREADY_PUBLISHED and self._escalation_due(cancellation, stored, now):
            self._reviews.publish(shop_id, cancellation, stored, escalation=True)
            self._log.mark_escalated(shop_id=shop_id, cancel_id=cancellation.cancel_id, at=int(now))
            outcome = Outcome.ESCALATED
        if isinstance(policy, PolicyError):
            return Decided(Outcome.POLICY_UNREADABLE, {**details, "policy_error": policy.message})
        return Decided(outcome, details)

    def _escalation_due(self, cancellation: Cancellation, stored: StoredDecision, now: float) -> bool:
        """A person was asked and TikTok still waits, its deadline nearer than the escalation window: ask
        once more, before TikTok decides by itself."""
        deadline = cancellation.response_deadline
        return (
            self._escalation_seconds > 0
            and stored.escalated_at is None
            and cancellation.pending
            and deadline is not None
            and now < deadline <= now + self._escalation_seconds
        )

    def _policy(self, shop_id: str) -> Policy | PolicyError:
        """The policy, or why it cannot be read (the decision then fails closed)."""
        try:
            return self._policies.policy_for(shop_id)
        except PolicyError as error:
            return error
        except PolicyStoreUnavailable as error:
            raise RetryLater(str(error)) from None

    def _shop(self, shop_id: str) -> ShopAccess | None:
        """The default shop when its secret names this shop_id (its approvals then carry no shop_id, as a
        caller's would), else the directory's entry, else None."""
        try:
            default: ShopAccess | None = self._shops.resolve(None)
        except InvalidApprovalRequest:
            default = None  # no default secret in this deployment
        if default is not None and self._default_shop_id(default) == shop_id:
            return default
        try:
            return self._shops.resolve(shop_id)
        except (ShopNotFound, InvalidApprovalRequest):
            return None
        except Exception as error:
            raise retry_or_raise(error) from None

    def _default_shop_id(self, default: ShopAccess) -> str | None:
        """None when the default secret cannot serve (still placeholders in a deployment of directory shops
        only, say): the directory is asked next. Raises RetryLater when reading it may work later."""
        try:
            return default.credentials().shop_id
        except Exception as error:
            failure = retry_or_raise(error)
            if isinstance(failure, RetryLater):
                raise failure from None
            return None

    def _tiktok_view(
        self, shop: ShopAccess, notice: CancellationNotice, deadline: float | None
    ) -> Cancellation | ApprovalError:
        """What TikTok says now, or why TikTok refused to say. Not listed (its search may lag behind its
        webhook): asked again later, and after SQS's redrive limit the notice is parked, never decided from
        the webhook alone."""
        try:
            found = self.call_tiktok(
                shop,
                lambda client: client.return_refund.find_cancellation(notice.cancel_id, deadline=deadline),
            )
        except Exception as error:
            failure = retry_or_raise(error)
            if isinstance(failure, RetryLater):
                raise failure from None
            return failure  # type: ignore[return-value]  # retry_or_raise returns ApprovalError otherwise
        if found is None:
            raise RetryLater(f"TikTok does not list cancellation {notice.cancel_id} yet")
        return found

    def _order(self, shop: ShopAccess, cancellation: Cancellation, deadline: float | None) -> Order | None:
        """The order's live state (Get Order Detail); None when TikTok will not say, which the policy's
        rule sends to a person."""
        assert cancellation.order_id is not None  # _needs_order checked it
        order_id = cancellation.order_id
        try:
            return self.call_tiktok(shop, lambda client: client.order.find_order(order_id, deadline=deadline))
        except Exception as error:
            failure = retry_or_raise(error)
            if isinstance(failure, RetryLater):
                raise failure from None
            return None

    def call_tiktok(self, shop: ShopAccess, call: Callable[[TikTokShopClient], T]) -> T:
        """`call` with the shop's cached credentials; when TikTok refuses them, once more with the shop's
        entry and secret read again (rotated, re-authorized or moved since they were cached), as the
        approval does. Refused again with the same credentials: asked again later (RetryLater), since a
        rotation or `make authorize` may fix them before TikTok's deadline."""
        credentials = shop.credentials()
        try:
            return call(self._client_for(credentials))
        except TikTokAPIError as error:
            if error.code not in CREDENTIAL_REJECTIONS:
                raise
            fresh = self._shops.refreshed(shop).credentials(force_refresh=True)
            if fresh == credentials:
                raise RetryLater(f"TikTok refused the shop's credentials: {error.message}") from None
            return call(self._client_for(fresh))

    def _act(
        self,
        shop: ShopAccess,
        shop_id: str,
        cancellation: Cancellation,
        decision: Decision,
        stored: StoredDecision,
    ) -> Outcome:
        """Acts on the decision that stands (`stored`), and asks for an approval only when this decision,
        made just now from TikTok's view and the current policy, says approve too: an approval recorded
        before a crash is not sent once the policy or TikTok says otherwise (the new decision replaced it)."""
        at = int(self._clock())
        if stored.approval_decided and stored.approval_queued_at is not None:
            return Outcome.APPROVAL_ALREADY_QUEUED
        if stored.approval_decided and decision.approve:
            self._approvals.request(cancel_id=cancellation.cancel_id, shop=shop, tiktok_shop_id=shop_id)
            self._log.mark_approval_queued(shop_id=shop_id, cancel_id=cancellation.cancel_id, at=at)
            return Outcome.APPROVAL_QUEUED
        if stored.verdict == Verdict.NEEDS_REVIEW and not stored.dry_run:
            if stored.review_published_at is not None:
                return Outcome.REVIEW_ALREADY_PUBLISHED
            self._reviews.publish(shop_id, cancellation, stored)
            self._log.mark_review_published(shop_id=shop_id, cancel_id=cancellation.cancel_id, at=at)
            return Outcome.REVIEW_PUBLISHED
        return Outcome.RECORDED


def _needs_order(policy: Policy, cancellation: Cancellation) -> bool:
    """Get Order Detail is asked only when a rule reads the order and there is something to decide."""
    return policy.approve_only_before_shipping and cancellation.pending and cancellation.order_id is not None


def _unread(notice: CancellationNotice) -> Cancellation:
    """The record's facts when TikTok would not say: what the webhook said, status unknown."""
    return Cancellation(cancel_id=notice.cancel_id, cancel_status="UNKNOWN", order_id=notice.order_id)


def retry_or_raise(error: Exception) -> Exception:
    """A library failure, classified once by the approval's mapping: RetryLater when asking again may cure
    it, else the ApprovalError that says what is wrong. A defect is raised as it is."""
    mapped: ApprovalError = as_approval_error(error)
    return RetryLater(mapped.message) if mapped.retryable else mapped

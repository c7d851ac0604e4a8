"""`make run`'s autopilot step: three buyers of the default shop cancel at the TikTok emulator, whose signed
webhooks reach TikTokWebhookFunction through the API front; DecideCancellationFunction decides them by the
shop's policy (WebhookQueue's event source mapping) and ApproveCancellationFunction approves what it asks
for (ApprovalQueue's). The one within the policy is approved at TikTok exactly once; the one over its refund
limit is published for a person (an EventBridge rule sends it to a queue here); the one the buyer withdrew is
left alone. The operator's own scripts set the policy and print the decision log (`make policy LOCAL=1`,
`make decisions LOCAL=1`).

The webhooks are all delivered, and queued, before the pollers start: the withdrawal then always comes
before the decider asks TikTok, so the step's outcome does not depend on timing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from local_stack.operator import run_operator_script
from local_stack.paths import WORK_DIR
from local_stack.provision import aws_client
from local_stack.queue_pollers import QueuePollers, messages_left, sqs_source
from local_stack.rotation import current_secret
from local_stack.stack import StackInfo
from local_stack.tiktok_admin import TikTokAdmin

POLICY: Final = {"version": 1, "mode": "approve", "refund_limits": {"USD": {"max": "50.00"}}}
WITHIN_LIMIT: Final = "20.00"
OVER_LIMIT: Final = "80.00"
CURRENCY: Final = "USD"
"""Not the default shop's own (GB): the buyer pays in USD, for which the policy has its range."""
REVIEW_RULE: Final = "autopilot-needs-review"
REVIEW_QUEUE: Final = "ReviewRequests"
REVIEW_PATTERN: Final = {
    "source": ["tiktok-shop.cancellation-autopilot"],
    "detail-type": ["Cancellation needs review"],
}
SETTLE_TIMEOUT: Final = 60.0
APPROVE_SUFFIX: Final = "/approve"


class StepLike(Protocol):
    """What this step needs of scenario.Step (which imports this module)."""

    def show(self, text: str) -> None: ...

    def expect(self, condition: bool, what: str) -> None: ...


@dataclass(frozen=True)
class Buyers:
    within: str
    over: str
    withdrawn: str

    def ids(self) -> tuple[str, str, str]:
        return self.within, self.over, self.withdrawn


class AutopilotStep:
    def __init__(self, info: StackInfo, tiktok: TikTokAdmin, *, timeout: float = 60.0) -> None:
        self.info = info
        self.tiktok = tiktok
        self.timeout = timeout
        self.sqs = aws_client("sqs", info.queue_endpoint)

    def run(self, step: StepLike) -> None:
        secret = current_secret(self.info)[1]
        shop_id = str(secret.get("shop_id", ""))
        step.expect(bool(shop_id), f"the default secret names its shop: shop_id {shop_id}")
        self._set_policy(step, shop_id)
        review_queue = self._review_rule(step)
        dead_letters_before = self._dead_letters()
        step.show(f"\nc. TikTok's webhooks -> {self.info.webhook_url} (the API front, API Gateway's route)")
        self.tiktok.configure_webhooks(
            url=self.info.webhook_url, app_key=str(secret["app_key"]), app_secret=str(secret["app_secret"])
        )
        try:
            buyers = self._buyers_cancel(step, shop_id)
            self._decide(step, buyers)
        finally:
            self.tiktok.configure_webhooks()  # off again: nothing after this step sends any
        self._deliveries(step, buyers)
        records = self._decision_log(step, shop_id)
        self._outcomes(step, buyers, records, review_queue)
        step.expect(self._dead_letters() == dead_letters_before, "nothing parked in either dead-letter queue")

    # -- a. to c.: the policy, a listener for the review events, the webhooks ------------------------------

    def _set_policy(self, step: StepLike, shop_id: str) -> None:
        set_policy(self.info, step, shop_id, timeout=self.timeout, label="a.")

    def _review_rule(self, step: StepLike) -> str:
        url, said = review_rule(self.info)
        step.show(f"\nb. {said}")
        return url

    # -- d. and e.: the buyers, the decisions ---------------------------------------------------------------

    def _buyers_cancel(self, step: StepLike, shop_id: str) -> Buyers:
        def cancel(total: str) -> str:
            created = self.tiktok.create_buyer_cancellation(
                shop_id=shop_id, refund_total=total, currency=CURRENCY
            )
            return str(created["cancel_id"])

        buyers = Buyers(cancel(WITHIN_LIMIT), cancel(OVER_LIMIT), cancel(WITHIN_LIMIT))
        self.tiktok.withdraw(buyers.withdrawn)
        step.show("\nd. three buyers cancel at TikTok (create_buyer_cancellation), each a webhook:")
        step.show(f"  {buyers.within} {WITHIN_LIMIT} {CURRENCY}: within the policy")
        step.show(f"  {buyers.over} {OVER_LIMIT} {CURRENCY}: over the policy's 50.00")
        step.show(
            f"  {buyers.withdrawn} {WITHIN_LIMIT} {CURRENCY}: withdrawn by the buyer at once (withdraw)"
        )
        settled = self.tiktok.wait_for_webhooks(timeout=10)
        queued = messages_left(self.sqs, self.info.resource_ref("WebhookQueue"))
        step.expect(
            bool(settled["settled"]) and queued == 4,
            "the four webhooks (three requests, one withdrawal) answered and queued on WebhookQueue",
        )
        return buyers

    def _decide(self, step: StepLike, buyers: Buyers) -> None:
        decider = sqs_source(self.info.decider_function)
        approval = sqs_source(self.info.function)
        step.show(
            "\ne. Lambda's SQS event source mappings (local/sqs_poller): "
            f"WebhookQueue -> {decider.function_id} (batch {decider.batch_size}), "
            f"ApprovalQueue -> {approval.function_id} (batch {approval.batch_size}), "
            "until both queues are empty and TikTok's webhooks settled"
        )
        started = time.perf_counter()

        with QueuePollers(self.info) as pollers:

            def settled() -> bool:
                return (
                    self.tiktok.cancellations().get(buyers.within) == "approved"
                    and bool(self.tiktok.wait_for_webhooks(timeout=0)["settled"])
                    and pollers.idle()
                )

            done = pollers.wait(settled, SETTLE_TIMEOUT)
        invocations = {queue: stats.invocations for queue, stats in pollers.stats.items()}
        step.show(
            f"  {time.perf_counter() - started:.1f} s; invocations: "
            + ", ".join(f"{queue} {count}" for queue, count in invocations.items())
        )
        step.expect(done, f"everything settled within {SETTLE_TIMEOUT:.0f} s")

    # -- f. to h.: what TikTok, the decision log and the review queue show ---------------------------------

    def _deliveries(self, step: StepLike, buyers: Buyers) -> None:
        ours = [d for d in self.tiktok.webhook_deliveries() if d["cancel_id"] in buyers.ids()]
        step.show("\nf. TikTok's webhook deliveries (webhook_deliveries):")
        step.show("\n".join(f"  {_delivery(delivery)}" for delivery in ours))
        step.expect(
            all(d["outcome"] == "delivered" and d["attempt"] == 1 for d in ours) and len(ours) == 5,
            "five webhooks (three requests, the withdrawal, the approval), each delivered at once",
        )

    def _decision_log(self, step: StepLike, shop_id: str) -> dict[str, dict[str, Any]]:
        step.show("\ng. make decisions LOCAL=1 (scripts/autopilot_operator.py decisions):")
        table = run_operator_script(self.info, "autopilot_operator.py", "decisions", timeout=self.timeout)
        step.show(_indented(table.stdout + table.stderr))
        records = decision_records(self.info, shop_id, timeout=self.timeout)
        step.expect(table.returncode == 0 and records is not None, "make decisions LOCAL=1 reads the log")
        return records or {}

    def _outcomes(
        self, step: StepLike, buyers: Buyers, records: Mapping[str, Mapping[str, Any]], review_queue: str
    ) -> None:
        within, over, withdrawn = (records.get(cancel_id, {}) for cancel_id in buyers.ids())
        approvals = self.tiktok.approvals()
        approve_calls = [
            c for c in self.tiktok.calls(buyers.within) if str(c["path"]).endswith(APPROVE_SUFFIX)
        ]
        step.expect(
            within.get("verdict") == "approve"
            and within.get("outcome") == "approved"
            and approvals.get(buyers.within) == 1
            and len(approve_calls) == 1,
            f"{buyers.within} ({WITHIN_LIMIT}): approved at TikTok exactly once (one call), outcome approved",
        )
        events = self._review_events(review_queue)
        step.show(f"\nh. the review queue {REVIEW_QUEUE}:")
        step.show("\n".join(f"  {describe_review(event)}" for event in events) or "  (nothing)")
        step.expect(
            over.get("verdict") == "needs_review"
            and "review_published_at" in over
            and "approval_queued_at" not in over
            and buyers.over not in approvals
            and [event["detail"]["cancel_id"] for event in events] == [buyers.over],
            f"{buyers.over} ({OVER_LIMIT}): needs review, no approval; one event reached {REVIEW_QUEUE}",
        )
        step.expect(
            withdrawn.get("verdict") == "nothing_to_decide"
            and "approval_queued_at" not in withdrawn
            and buyers.withdrawn not in approvals
            and self.tiktok.cancellations().get(buyers.withdrawn) == "cancelled",
            f"{buyers.withdrawn} (withdrawn): nothing to decide (Search showed it cancelled), no approval",
        )

    def _review_events(self, queue_url: str) -> list[dict[str, Any]]:
        moto_sqs = aws_client("sqs", self.info.moto_url)
        messages = moto_sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    def _dead_letters(self) -> tuple[int, int]:
        return (
            messages_left(self.sqs, self.info.resource_ref("WebhookDeadLetterQueue")),
            messages_left(self.sqs, self.info.resource_ref("ApprovalDeadLetterQueue")),
        )


def decision_records(info: StackInfo, shop_id: str, *, timeout: float) -> dict[str, dict[str, Any]] | None:
    """The shop's decision-log records by cancel_id, as `make decisions SHOP=<id> JSON=1 LOCAL=1` prints
    them; None when the command fails."""
    listed = run_operator_script(
        info, "autopilot_operator.py", "decisions", f"--shop={shop_id}", "--json", timeout=timeout
    )
    if listed.returncode != 0:
        return None
    return {str(record["cancel_id"]): record for record in json.loads(listed.stdout)}


def set_policy(info: StackInfo, step: StepLike, shop_id: str, *, timeout: float, label: str) -> None:
    """POLICY for the default shop, as `make policy SHOP=<id> FILE=... LOCAL=1` sets it (make run's autopilot
    and sweeper steps), shown under `label` and checked."""
    path = WORK_DIR / "autopilot-policy.json"
    path.write_text(json.dumps(POLICY) + "\n", encoding="utf-8")
    step.show(
        f"{label} the default shop's policy, as make policy SHOP={shop_id} FILE={path.name} LOCAL=1 sets it "
        "(scripts/autopilot_operator.py, PolicyWriter against moto's PoliciesTable):"
    )
    step.show(f"  {json.dumps(POLICY)}")
    done = run_operator_script(
        info, "autopilot_operator.py", "policy", shop_id, f"--file={path}", timeout=timeout
    )
    step.show(_indented(done.stdout + done.stderr))
    step.expect(done.returncode == 0, "the policy is set: mode approve, refunds up to 50.00 USD")


def review_rule(info: StackInfo) -> tuple[str, str]:
    """An EventBridge rule sending the needs-review events to the SQS queue REVIEW_QUEUE (made once, the same
    after); returns the queue's URL and what was done."""
    # EventBridge is moto's main server's (the deciders' AWS_ENDPOINT_URL), and so is the rule's target.
    moto_sqs = aws_client("sqs", info.moto_url)
    url = str(moto_sqs.create_queue(QueueName=REVIEW_QUEUE)["QueueUrl"])
    arn = moto_sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = aws_client("events", info.moto_url)
    events.put_rule(Name=REVIEW_RULE, EventPattern=json.dumps(REVIEW_PATTERN))
    events.put_targets(Rule=REVIEW_RULE, Targets=[{"Id": "review-queue", "Arn": arn}])
    said = (
        f"an EventBridge rule on the default bus, {REVIEW_RULE} ({json.dumps(REVIEW_PATTERN)}), "
        f"sends the needs-review events to the SQS queue {REVIEW_QUEUE} (where a person's tool listens)"
    )
    return url, said


def _delivery(delivery: Mapping[str, Any]) -> str:
    answer = f"HTTP {delivery['status_code']}" if delivery.get("status_code") else str(delivery.get("error"))
    return (
        f"{delivery['cancel_id']} {delivery['cancel_status']:<30} attempt {delivery['attempt']}: "
        f"{delivery['outcome']} ({answer})"
    )


def describe_review(event: Mapping[str, Any]) -> str:
    """One needs-review event, on one line."""
    detail = event.get("detail") or {}
    return (
        f"{event.get('detail-type')} from {event.get('source')}: cancel_id {detail.get('cancel_id')}, "
        f"{detail.get('refund_total')} {detail.get('currency')}; {'; '.join(detail.get('reasons') or [])}"
    )


def _indented(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.rstrip().splitlines())

"""`make run`'s sweeper step: with TikTok's webhooks off, three buyers of the default shop cancel at the
TikTok emulator and nothing tells the stack. One invocation of SweepCancellationsFunction (what EventBridge
Scheduler does every SweepIntervalMinutes in AWS; nothing schedules it locally) finds them with Search
Cancellations and decides them by the shop's policy, as a webhook's would be: the two within the policy are
approved at TikTok once each (ApprovalQueue's event source mapping runs the approval function), the one over
its refund limit is published for a person. The sweep's report and the decision log's rows are printed.

The sweep also finds whatever else is pending in the shops it serves (the seed file's cancellations, the
autopilot step's one under review) and decides those as well: the checks are about this step's three.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from local_stack.autopilot_step import (
    APPROVE_SUFFIX,
    CURRENCY,
    OVER_LIMIT,
    REVIEW_QUEUE,
    SETTLE_TIMEOUT,
    StepLike,
    decision_records,
    describe_review,
    review_rule,
    set_policy,
)
from local_stack.invoke import Invocation, invoke
from local_stack.operator import run_operator_script
from local_stack.provision import aws_client
from local_stack.queue_pollers import QueuePollers, messages_left, sqs_source
from local_stack.rotation import current_secret
from local_stack.side_effects import DeadLetterQueue
from local_stack.stack import StackInfo
from local_stack.tiktok_admin import TikTokAdmin

WITHIN_LIMIT: Final = ("20.00", "35.00")
LEAVING_SELLER: Final = "emulator-de"
"""Onboarded by step 6 (its DE shop in the directory): it de-authorizes the app before the sweep."""
SWEEP_EVENT: Final[dict[str, Any]] = {}
"""What the schedule sends: the template's ScheduleV2 event has no Input, and the handler reads none."""
SWEEP_TIMEOUT: Final = 330.0
"""Longer than the function's Timeout (300 s): the runtime enforces that one."""


def sweep_now(info: StackInfo, timeout: float = SWEEP_TIMEOUT) -> Invocation:
    """One run of the sweeper, as the schedule would start it: `.payload` is its report (`found`,
    `outcomes`, `failed_shops`, `not_decided`, `skipped`)."""
    if not info.sweeper_invoke_url:
        raise ValueError("the stack runs no sweeper")
    return invoke(info.sweeper_invoke_url, SWEEP_EVENT, timeout=timeout)


@dataclass(frozen=True)
class Buyers:
    within: tuple[str, str]
    over: str

    def ids(self) -> tuple[str, ...]:
        return (*self.within, self.over)


class SweepStep:
    def __init__(self, info: StackInfo, tiktok: TikTokAdmin, *, timeout: float = 60.0) -> None:
        self.info = info
        self.tiktok = tiktok
        self.timeout = timeout
        self.sqs = aws_client("sqs", info.queue_endpoint)

    def run(self, step: StepLike) -> None:
        shop_id = str(current_secret(self.info)[1].get("shop_id", ""))
        step.expect(bool(shop_id), f"the default secret names its shop: shop_id {shop_id}")
        leaving = self._seller_leaves(step)
        self.tiktok.configure_webhooks(url=None)
        step.show("a. TikTok's webhooks off (configure_webhooks(url=None)): no notification reaches us")
        set_policy(self.info, step, shop_id, timeout=self.timeout, label="b.")
        review_queue, said = review_rule(self.info)
        step.show(f"\nc. {said}")
        parked_before = DeadLetterQueue(self.info).ids()
        webhook_dead_letters = self._webhook_dead_letters()
        buyers = self._buyers_cancel(step, shop_id)
        searched_before = self._calls_for(leaving)
        report = self._sweep(step, buyers)
        step.expect(
            self._calls_for(leaving) == searched_before,
            f"the de-authorized seller's shop ({', '.join(leaving)}) was not searched",
        )
        records = self._decision_log(step, shop_id, buyers)
        self._outcomes(step, buyers, records, review_queue)
        step.expect(
            report.get("skipped") is False
            and not report.get("failed_shops")
            and not report.get("not_decided"),
            "the sweep ran (no overlap), every shop swept, nothing left undecided",
        )
        self._parked(step, buyers, parked_before)
        step.expect(
            self._webhook_dead_letters() == webhook_dead_letters, "nothing parked in WebhookDeadLetterQueue"
        )

    def _seller_leaves(self, step: StepLike) -> list[str]:
        """The seller de-authorizes the app at TikTok: TikTok's type-6 webhooks reach the decider, which marks
        the seller's directory shops inactive. Returns their shop ciphers."""
        self.tiktok.configure_webhooks(url=self.info.webhook_url)
        left = self.tiktok.deauthorize_seller(seller=LEAVING_SELLER)
        shop_ids = [str(shop_id) for shop_id in left["shop_ids"]]
        with QueuePollers(self.info) as pollers:
            settled = self.tiktok.wait_for_webhooks(timeout=SETTLE_TIMEOUT)
            pollers.wait(
                lambda: (
                    messages_left(self.sqs, self.info.resource_ref("WebhookQueue")) == 0 and pollers.idle()
                ),
                SETTLE_TIMEOUT,
            )
        dynamodb = aws_client("dynamodb", self.info.moto_url)
        items = [
            dynamodb.get_item(
                TableName=self.info.resource_ref("ShopsTable"), Key={"shop_id": {"S": shop_id}}
            ).get("Item", {})
            for shop_id in shop_ids
        ]
        step.show(
            f"0. the seller {LEAVING_SELLER} de-authorizes the app (deauthorize_seller): its token revoked, "
            f"TikTok's type-6 webhook for its shop(s) {', '.join(shop_ids)} decided"
        )
        step.expect(
            bool(settled.get("settled"))
            and bool(items)
            and all(item.get("active", {}).get("BOOL") is False for item in items),
            "its directory shop(s) marked inactive (active false)",
        )
        return [str(item["shop_cipher"]["S"]) for item in items]

    def _calls_for(self, ciphers: list[str]) -> int:
        return len(
            [c for c in self.tiktok.calls() if dict(c.get("query") or {}).get("shop_cipher") in ciphers]
        )

    def _buyers_cancel(self, step: StepLike, shop_id: str) -> Buyers:
        def cancel(total: str) -> str:
            created = self.tiktok.create_buyer_cancellation(
                shop_id=shop_id, refund_total=total, currency=CURRENCY
            )
            return str(created["cancel_id"])

        buyers = Buyers((cancel(WITHIN_LIMIT[0]), cancel(WITHIN_LIMIT[1])), cancel(OVER_LIMIT))
        step.show("\nd. three buyers cancel at TikTok (create_buyer_cancellation), no webhook sent:")
        for cancel_id, total in zip(buyers.within, WITHIN_LIMIT, strict=True):
            step.show(f"  {cancel_id} {total} {CURRENCY}: within the policy")
        step.show(f"  {buyers.over} {OVER_LIMIT} {CURRENCY}: over the policy's 50.00")
        step.expect(
            not any(self.tiktok.webhook_deliveries(cancel_id) for cancel_id in buyers.ids())
            and messages_left(self.sqs, self.info.resource_ref("WebhookQueue")) == 0,
            "no webhook delivered, nothing on WebhookQueue: only a sweep can find them",
        )
        return buyers

    def _sweep(self, step: StepLike, buyers: Buyers) -> dict[str, Any]:
        approval = sqs_source(self.info.function)
        step.show(
            f"\ne. one run of {self.info.sweeper_function} (the schedule's call: {json.dumps(SWEEP_EVENT)}), "
            f"ApprovalQueue -> {approval.function_id} (batch {approval.batch_size}) polled meanwhile:"
        )
        started = time.perf_counter()
        with QueuePollers(self.info) as pollers:
            invocation = sweep_now(self.info)

            def settled() -> bool:
                states = self.tiktok.cancellations()
                return all(states.get(cancel_id) == "approved" for cancel_id in buyers.within) and (
                    pollers.idle()
                )

            done = pollers.wait(settled, SETTLE_TIMEOUT)
        report: dict[str, Any] = invocation.payload if isinstance(invocation.payload, dict) else {}
        step.show(f"  the sweep's report ({invocation.seconds:.1f} s): {json.dumps(invocation.payload)}")
        step.show(
            f"  {time.perf_counter() - started:.1f} s to the approvals; invocations: "
            + ", ".join(f"{queue} {stats.invocations}" for queue, stats in pollers.stats.items())
        )
        step.expect(not invocation.function_error and bool(report), "the sweeper returned its report")
        step.expect(
            int(report.get("found", 0)) >= len(buyers.ids()),
            f"it found {report.get('found')} pending cancellations in {report.get('shops')} shops, "
            "these three among them",
        )
        step.expect(done, f"the approvals it asked for were made within {SETTLE_TIMEOUT:.0f} s")
        return report

    def _decision_log(self, step: StepLike, shop_id: str, buyers: Buyers) -> dict[str, dict[str, Any]]:
        step.show(f"\nf. make decisions SHOP={shop_id} LOCAL=1, the rows of these three:")
        table = run_operator_script(
            self.info, "autopilot_operator.py", "decisions", f"--shop={shop_id}", timeout=self.timeout
        )
        lines = (table.stdout + table.stderr).rstrip().splitlines()
        ours = [line for line in lines[1:] if any(cancel_id in line for cancel_id in buyers.ids())]
        step.show("\n".join(f"  {line}" for line in [*lines[:1], *ours, *lines[-1:]]))
        records = decision_records(self.info, shop_id, timeout=self.timeout)
        step.expect(table.returncode == 0 and records is not None, "make decisions LOCAL=1 reads the log")
        return records or {}

    def _outcomes(
        self, step: StepLike, buyers: Buyers, records: Mapping[str, Mapping[str, Any]], review_queue: str
    ) -> None:
        approvals = self.tiktok.approvals()
        step.show("\ng. TikTok's approve calls for them (calls):")
        for cancel_id in buyers.ids():
            calls = self._approve_calls(cancel_id)
            answers = ", ".join(f"HTTP {c['status']} code {c['code']}" for c in calls) or "none"
            step.show(f"  {cancel_id}: {len(calls)} ({answers})")
        for cancel_id, total in zip(buyers.within, WITHIN_LIMIT, strict=True):
            record = records.get(cancel_id, {})
            calls = self._approve_calls(cancel_id)
            step.expect(
                record.get("verdict") == "approve"
                and record.get("outcome") == "approved"
                and "webhook_received_at" not in record
                and approvals.get(cancel_id) == 1
                and len(calls) == 1
                and calls[0]["status"] == 200,
                f"{cancel_id} ({total}): found by the sweep, approved at TikTok exactly once (one call)",
            )
        over = records.get(buyers.over, {})
        events = [e for e in self._review_events(review_queue) if e["detail"]["cancel_id"] in buyers.ids()]
        step.show(f"\nh. the review queue {REVIEW_QUEUE}, the events of these three:")
        step.show("\n".join(f"  {describe_review(event)}" for event in events) or "  (nothing)")
        step.expect(
            over.get("verdict") == "needs_review"
            and "review_published_at" in over
            and "approval_queued_at" not in over
            and buyers.over not in approvals
            and not self._approve_calls(buyers.over)
            and [event["detail"]["cancel_id"] for event in events] == [buyers.over],
            f"{buyers.over} ({OVER_LIMIT}): needs review, no approve call; one event reached {REVIEW_QUEUE}",
        )

    def _approve_calls(self, cancel_id: str) -> list[dict[str, Any]]:
        return [c for c in self.tiktok.calls(cancel_id) if str(c["path"]).endswith(APPROVE_SUFFIX)]

    def _review_events(self, queue_url: str) -> list[dict[str, Any]]:
        """Every event on the queue now (earlier steps' and the seed's included), each taken off it."""
        moto_sqs = aws_client("sqs", self.info.moto_url)
        events: list[dict[str, Any]] = []
        while True:
            received = moto_sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            messages = received.get("Messages", [])
            if not messages:
                return events
            for message in messages:
                events.append(json.loads(message["Body"]))
                moto_sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _parked(self, step: StepLike, buyers: Buyers, before: set[str]) -> None:
        """The seed's shipped orders' cancellations, which the emulator lists as pending, are approved too
        and refused by TikTok (25001045): parked, as every permanent failure is. None of these three."""
        parked = [letter for letter in DeadLetterQueue(self.info).peek() if letter.message_id not in before]
        step.show(
            f"\ni. ApprovalDeadLetterQueue: {len(parked)} new (the other pending ones the sweep decided):"
        )
        step.show(
            "\n".join(
                f"  {letter.body}: {letter.attributes.get('error_type')} {letter.attributes.get('code', '')}"
                for letter in parked
            )
            or "  (nothing)"
        )
        step.expect(
            not [letter for letter in parked if any(c in letter.body for c in buyers.ids())],
            "none of these three parked in ApprovalDeadLetterQueue",
        )

    def _webhook_dead_letters(self) -> int:
        return messages_left(self.sqs, self.info.resource_ref("WebhookDeadLetterQueue"))

"""`make bench-autopilot`: buyers' cancellations of three shops, each from its creation at TikTok (the emulator)
to its approval at TikTok, through the local stack's whole autopilot: TikTok's signed webhook, the API front,
TikTokWebhookFunction, WebhookQueue, DecideCancellationFunction (Search Cancellations, the shop's policy),
ApprovalQueue and ApproveCancellationFunction. Figures, not a timed test.

The shops are the seed file's two other sellers' (a UK and a FR shop of emulator-cb, a DE shop of
emulator-de), onboarded with `make authorize` as make run's many-shops step does; each gets a policy that
approves (mode approve, a range for its currency), set with the operator's script. The cancellations are
created at a steady pace, round robin across the shops; the first of each shop warms the functions up (cold
starts are make bench's figure) and is not counted. Times come from one clock (the machine's): a
cancellation's creation as the control call returned, the emulator's arrival time of the approve call that
succeeded, and the end of the webhook delivery that the function answered. The goal: approved within
seconds, p99 at most 10 s, each exactly once.

Named autopilot_latency, not autopilot: that is the decider's package, on the same import path in the tests
and mypy.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from backlog import counts
from figures import ms
from local_stack.operator import run_operator_script
from local_stack.paths import RUNTIME_VENV, WORK_DIR
from local_stack.queue_pollers import QueuePollers, sqs_source
from local_stack.rotation import current_secret
from local_stack.stack import LocalStack, StackInfo
from local_stack.tiktok_admin import TikTokAdmin
from tiktok_emulator.buyer_cancellations import currency_of_region

SELLERS: Final = ("emulator-cb", "emulator-de")
"""In tiktok_emulator/seed.json: a UK and a FR shop, and a DE shop (what make run's many-shops step onboards)."""
GOAL_P99_SECONDS: Final = 10.0
APPROVE_SUFFIX: Final = "/approve"
REFUND_TOTAL: Final = "25.00"
POLICY_MAX: Final = "100.00"
PENDING: Final = "CANCELLATION_REQUEST_PENDING"
Say = Callable[[str], None]


@dataclass(frozen=True)
class Shop:
    shop_id: str
    region: str

    @property
    def currency(self) -> str:
        return currency_of_region(self.region)


@dataclass(frozen=True)
class Result:
    shops: tuple[Shop, ...]
    rate: float
    created: dict[str, float]
    """cancel_id -> when the control call creating it returned (the machine's clock)."""
    approved_at: dict[str, float]
    """cancel_id -> arrival at TikTok of the approve call that succeeded."""
    webhook_answered_at: dict[str, float]
    """cancel_id -> end of the delivery of its PENDING webhook that the webhook function answered."""
    approvals: Counter[int]
    """how many approvals TikTok counted per cancellation -> how many cancellations."""
    deliveries: Counter[str]
    """webhook delivery attempts by outcome (delivered, retrying, given_up, lost)."""
    delivered_by_status: Counter[str]
    tiktok_calls: int
    rejected: int
    """429s TikTok (the emulator) answered, any endpoint."""
    settled: bool
    seconds: float
    invocations: dict[str, int]

    def latencies(self) -> list[float]:
        return [self.approved_at[c] - self.created[c] for c in self.created if c in self.approved_at]

    def webhook_latencies(self) -> list[float]:
        return [
            self.webhook_answered_at[c] - self.created[c]
            for c in self.created
            if c in self.webhook_answered_at
        ]

    def met(self) -> bool:
        latencies = self.latencies()
        return (
            len(latencies) == len(self.created)
            and percentile(latencies, 99) <= GOAL_P99_SECONDS
            and self.approvals == Counter({1: len(self.created)})
        )


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank: the smallest value that `p` percent of the values do not exceed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@contextmanager
def autopilot_stack(runtime_venv: Path, say: Say, name: str = "bench-autopilot") -> Iterator[StackInfo]:
    stack = LocalStack(name, runtime_venv=runtime_venv.resolve(), say=lambda _: None)
    info = stack.start()
    say(f"local stack up ({info.layout} layout, Python {info.runtime_python})")
    try:
        yield info
    finally:
        stack.stop(quiet=True)


def onboard_shops(info: StackInfo, tiktok: TikTokAdmin) -> tuple[Shop, ...]:
    """The seed's two other sellers, as `make authorize CODE=... SELLER=... LOCAL=1` onboards them, then a
    policy that approves for each of their shops, as `make policy SHOP=... FILE=... LOCAL=1` sets it."""
    for seller in SELLERS:
        code = tiktok.issue_auth_code(seller=seller)
        _operator(info, "authorize.py", f"--code={code}", f"--seller={seller}", "--no-rotation")
    shops = tuple(
        Shop(str(shop["id"]), str(shop["region"]))
        for seller in tiktok.sellers()
        if seller["open_id"] in SELLERS
        for shop in seller["shops"]
    )
    for shop in shops:
        policy = WORK_DIR / f"bench-autopilot-policy-{shop.shop_id}.json"
        document = {
            "version": "bench",
            "mode": "approve",
            "refund_limits": {shop.currency: {"max": POLICY_MAX}},
        }
        policy.write_text(json.dumps(document), encoding="utf-8")
        _operator(info, "autopilot_operator.py", "policy", shop.shop_id, f"--file={policy}")
    return shops


def _operator(info: StackInfo, script: str, *arguments: str) -> None:
    done = run_operator_script(info, script, *arguments)
    if done.returncode != 0:
        raise RuntimeError(f"{script} {arguments[0]} failed: {done.stdout}{done.stderr}")


def run_scenario(info: StackInfo, cancellations: int, rate: float, say: Say = print) -> Result:
    """The benchmark's scenario on a running stack: onboarding, policies, webhooks to the API front, the
    pollers, a warm-up cancellation per shop, then `cancellations` created at `rate` per second."""
    tiktok = TikTokAdmin(info.tiktok_url)
    shops = onboard_shops(info, tiktok)
    secret = current_secret(info)[1]
    tiktok.configure_webhooks(
        url=info.webhook_url, app_key=str(secret["app_key"]), app_secret=str(secret["app_secret"])
    )
    with QueuePollers(info) as pollers:
        warm_up = [_create(tiktok, shop)[0] for shop in shops]
        if not _wait_approved(tiktok, warm_up, timeout=120):
            raise RuntimeError(f"the warm-up cancellations were not approved: {tiktok.approvals()}")
        say(f"warmed up; {cancellations} cancellations at {rate:g}/s")
        before = {name: stats.invocations for name, stats in pollers.stats.items()}
        calls_before = len(tiktok.calls())
        started = time.perf_counter()
        created: dict[str, float] = {}
        for n in range(cancellations):
            _sleep_until(started + n / rate)
            cancel_id, at = _create(tiktok, shops[n % len(shops)])
            created[cancel_id] = at
        settled = _wait_approved(tiktok, list(created), timeout=120 + cancellations / rate)
        # The approvals' own webhooks (status updates) are part of the load: let them through too.
        settled = (
            pollers.wait(lambda: bool(tiktok.wait_for_webhooks(timeout=0)["settled"]) and pollers.idle(), 60)
            and settled
        )
        seconds = time.perf_counter() - started
        invocations = {name: stats.invocations - before[name] for name, stats in pollers.stats.items()}
    tiktok.configure_webhooks()
    return _result(
        tiktok,
        shops=shops,
        rate=rate,
        created=created,
        calls_before=calls_before,
        settled=settled,
        seconds=seconds,
        invocations=invocations,
    )


def _create(tiktok: TikTokAdmin, shop: Shop) -> tuple[str, float]:
    made = tiktok.create_buyer_cancellation(shop_id=shop.shop_id, refund_total=REFUND_TOTAL)
    return str(made["cancel_id"]), time.time()


def _sleep_until(moment: float) -> None:
    wait = moment - time.perf_counter()
    if wait > 0:
        time.sleep(wait)


def _wait_approved(tiktok: TikTokAdmin, cancel_ids: Sequence[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = tiktok.cancellations()
        if all(states.get(cancel_id) == "approved" for cancel_id in cancel_ids):
            return True
        time.sleep(0.5)
    return False


def _result(
    tiktok: TikTokAdmin,
    *,
    shops: tuple[Shop, ...],
    rate: float,
    created: Mapping[str, float],
    calls_before: int,
    settled: bool,
    seconds: float,
    invocations: dict[str, int],
) -> Result:
    calls = tiktok.calls()[calls_before:]
    approved_at: dict[str, float] = {}
    for call in calls:
        cancel_id = call.get("cancel_id")
        succeeded = call["status"] == 200 and call.get("code") == 0
        if cancel_id in created and str(call["path"]).endswith(APPROVE_SUFFIX) and succeeded:
            approved_at.setdefault(str(cancel_id), float(call["timestamp"]))
    deliveries = [d for d in tiktok.webhook_deliveries() if d["cancel_id"] in created]
    answered = {
        str(d["cancel_id"]): float(d["time"])
        for d in reversed(deliveries)
        if d["cancel_status"] == PENDING and d["outcome"] == "delivered"
    }
    approvals = tiktok.approvals()
    return Result(
        shops=shops,
        rate=rate,
        created=dict(created),
        approved_at=approved_at,
        webhook_answered_at=answered,
        approvals=Counter(approvals.get(cancel_id, 0) for cancel_id in created),
        deliveries=Counter(str(d["outcome"]) for d in deliveries),
        delivered_by_status=Counter(
            str(d["cancel_status"]) for d in deliveries if d["outcome"] == "delivered"
        ),
        tiktok_calls=len(calls),
        rejected=sum(1 for call in calls if call["status"] == 429),
        settled=settled,
        seconds=seconds,
        invocations=invocations,
    )


def report(result: Result) -> list[str]:
    def row(name: str, values: Sequence[str]) -> str:
        return f"  {name:<40}" + "".join(f"{value:>12}" for value in values)

    def spread(samples: Sequence[float]) -> list[str]:
        return [ms(percentile(samples, p)) for p in (50, 99)] + [ms(max(samples)) if samples else "n/a"]

    decider, approval = sqs_source("DecideCancellationFunction"), sqs_source("ApproveCancellationFunction")
    shops = ", ".join(f"{shop.shop_id} ({shop.region}, {shop.currency})" for shop in result.shops)
    latencies = result.latencies()
    p99 = percentile(latencies, 99)
    delivered = result.deliveries["delivered"]
    attempts = sum(result.deliveries.values())
    statuses = ", ".join(
        f"{n} {status.removeprefix('CANCELLATION_REQUEST_')}"
        for status, n in sorted(result.delivered_by_status.items())
    )
    return [
        f"bench-autopilot: {len(result.created)} buyers' cancellations across {len(result.shops)} shops, created "
        f"at {result.rate:g}/s round robin: webhook -> API front -> TikTokWebhookFunction -> WebhookQueue -> "
        "DecideCancellationFunction -> ApprovalQueue -> ApproveCancellationFunction -> TikTok",
        f"  shops: {shops}; each policy approves up to {POLICY_MAX}",
        f"  one environment of each function; event source mappings: decider batch {decider.batch_size}, "
        f"approval batch {approval.batch_size}, window {decider.batching_window:g} s",
        row("", ["p50", "p99", "max"]),
        row("creation -> webhook answered (queued)", spread(result.webhook_latencies())),
        row("creation -> approval at TikTok", spread(latencies)),
        row("approved", [f"{len(latencies)} of {len(result.created)}"]),
        row("approvals per cancellation", [counts(result.approvals)]),
        row("webhooks delivered", [f"{delivered} of {attempts}"])
        + f"  ({statuses}); retried {result.deliveries['retrying']}, given up "
        f"{result.deliveries['given_up']}, lost {result.deliveries['lost']}",
        row("429s from TikTok", [str(result.rejected)]) + f"  of {result.tiktok_calls} calls",
        row(f"invocations in {result.seconds:.1f} s", [str(n) for n in result.invocations.values()])
        + f"  ({', '.join(result.invocations)})",
        f"  goal: within seconds, p99 <= {GOAL_P99_SECONDS:g} s, each approved exactly once: "
        f"{'met' if result.met() else 'NOT MET'} (p99 {ms(p99)})"
        + ("" if result.settled else "; not everything settled in time"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-autopilot", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cancellations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="cancellations created per second (5)")
    parser.add_argument("--runtime-venv", default=str(RUNTIME_VENV))
    args = parser.parse_args(argv)
    if args.cancellations < 1 or args.rate <= 0:
        parser.error("--cancellations and --rate must be positive")

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with autopilot_stack(Path(args.runtime_venv), say) as info:
        result = run_scenario(info, args.cancellations, args.rate, say)
    print("\n".join(report(result)), flush=True)
    return 0 if result.met() else 1


if __name__ == "__main__":
    sys.exit(main())

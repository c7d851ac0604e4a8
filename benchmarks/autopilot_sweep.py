"""`make bench-sweeper`: the autopilot's sweeper (SweepCancellationsFunction) on the local stack, at TikTok's
rate limit (the emulator's 50 requests/s per app, shop and API; the functions' own limiter as deployed,
TIKTOK_RATE_LIMIT_PER_SECOND and RATE_LIMIT_TABLE from the template). Figures, not a timed test.

a. Backlog, webhooks off: cancellations pending across the three shops make bench-autopilot onboards, found
   and decided by sweeper runs (invoked one after the other, as the schedule would start them, until every one
   is approved; a run that runs out of time leaves the rest to the next): the time from the first run's start
   to the last approval at TikTok, the runs it took, the approve and search calls per second at each shop
   against TikTok's 50/s, TikTok's 429s, and approvals per cancellation (exactly one each).
b. Lossy webhooks: cancellations created while TikTok's webhooks lose a share of the notifications
   (configure_webhooks(loss_share=...)); once the webhooks have settled, one sweeper run: how many were decided
   through the webhook, how many by the sweep, and how many are left undecided (none: one sweep interval
   decides them all).

Nothing schedules the sweeper locally (no EventBridge Scheduler): this invokes its runtime. ApprovalQueue's
and WebhookQueue's event source mappings run throughout (local_stack/queue_pollers.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from autopilot_latency import REFUND_TOTAL, Shop, autopilot_stack, onboard_shops
from backlog import counts
from local_stack.paths import RUNTIME_VENV
from local_stack.provision import aws_client
from local_stack.queue_pollers import QueuePollers
from local_stack.rotation import current_secret
from local_stack.stack import StackInfo
from local_stack.sweep_step import sweep_now
from local_stack.tiktok_admin import TikTokAdmin

TIKTOK_LIMIT: Final = 50.0
"""TikTok's limit per app, shop and API (tiktok-shop-api.md), and the emulator's."""
APPROVE_SUFFIX: Final = "/approve"
SEARCH_PATH: Final = "/return_refund/202309/cancellations/search"
SETTLE_TIMEOUT: Final = 300.0
Say = Callable[[str], None]


@dataclass(frozen=True)
class ShopCalls:
    shop: Shop
    approve: list[float]
    """Arrival times at TikTok of the approve calls (every one, answered or not)."""
    search: list[float]

    @staticmethod
    def rate(times: Sequence[float]) -> float:
        """Calls per second from the first to the last (one call: 0)."""
        span = max(times) - min(times) if len(times) > 1 else 0.0
        return (len(times) - 1) / span if span > 0 else 0.0

    @staticmethod
    def peak(times: Sequence[float]) -> int:
        """The most calls in any one second (a sliding window, as the emulator counts)."""
        window: deque[float] = deque()
        most = 0
        for moment in sorted(times):
            window.append(moment)
            while window[0] <= moment - 1.0:
                window.popleft()
            most = max(most, len(window))
        return most


@dataclass
class Backlog:
    shops: tuple[Shop, ...]
    cancellations: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    run_seconds: list[float] = field(default_factory=list)
    seconds_to_last_approval: float = 0.0
    approvals: Counter[int] = field(default_factory=Counter)
    calls: list[ShopCalls] = field(default_factory=list)
    rejected: int = 0
    tiktok_calls: int = 0
    settled: bool = False

    def met(self) -> bool:
        return self.settled and self.approvals == Counter({1: self.cancellations}) and self.rejected == 0


@dataclass
class Lossy:
    cancellations: int
    loss_share: float
    by_webhook: int = 0
    by_sweep: int = 0
    left: int = 0
    deliveries: Counter[str] = field(default_factory=Counter)
    sweep: dict[str, Any] = field(default_factory=dict)
    approvals: Counter[int] = field(default_factory=Counter)
    settled: bool = False

    def met(self) -> bool:
        return self.settled and self.left == 0 and self.approvals == Counter({1: self.cancellations})


def run_backlog(
    info: StackInfo,
    *,
    tiktok: TikTokAdmin,
    shops: tuple[Shop, ...],
    cancellations: int,
    max_runs: int,
    say: Say,
) -> Backlog:
    """Webhooks off, TikTok's limit on; `cancellations` pending round robin, then sweeper runs until every one
    is approved (at most `max_runs`)."""
    tiktok.configure_webhooks(url=None)
    tiktok.set_rate_limit(TIKTOK_LIMIT)
    created = [_create(tiktok, shops[n % len(shops)]) for n in range(cancellations)]
    say(f"a. {cancellations} pending, webhooks off; sweeping")
    result = Backlog(shops=shops, cancellations=cancellations)
    calls_before = len(tiktok.calls())
    started = time.time()
    with QueuePollers(info) as pollers:
        while len(result.runs) < max_runs:
            invocation = sweep_now(info)
            if invocation.function_error or not isinstance(invocation.payload, dict):
                raise RuntimeError(f"the sweeper failed: {invocation.payload}")
            result.runs.append(invocation.payload)
            result.run_seconds.append(invocation.seconds)
            say(f"   run {len(result.runs)} ({invocation.seconds:.1f} s): {invocation.payload}")
            result.settled = pollers.wait(
                lambda: pollers.idle() and _all_approved(tiktok, created), SETTLE_TIMEOUT
            )
            if _all_approved(tiktok, created):
                break
    calls = tiktok.calls()[calls_before:]
    approve_times = [
        float(c["timestamp"])
        for c in calls
        if c.get("cancel_id") in set(created) and _is_approve(c) and c["status"] == 200 and c.get("code") == 0
    ]
    result.seconds_to_last_approval = max(approve_times, default=started) - started
    approvals = tiktok.approvals()
    result.approvals = Counter(approvals.get(cancel_id, 0) for cancel_id in created)
    ciphers = {
        str(shop["id"]): str(shop["cipher"]) for seller in tiktok.sellers() for shop in seller["shops"]
    }
    result.calls = _by_shop(calls, shops, ciphers)
    result.rejected = sum(1 for c in calls if c["status"] == 429)
    result.tiktok_calls = len(calls)
    return result


def run_lossy(
    info: StackInfo,
    *,
    tiktok: TikTokAdmin,
    shops: tuple[Shop, ...],
    cancellations: int,
    loss_share: float,
    rate: float,
    say: Say,
) -> Lossy:
    """Webhooks on, losing `loss_share` of them; `cancellations` created at `rate` per second; once the
    webhooks settled and the queues are empty, one sweeper run."""
    secret = current_secret(info)[1]
    tiktok.configure_webhooks(
        url=info.webhook_url,
        app_key=str(secret["app_key"]),
        app_secret=str(secret["app_secret"]),
        loss_share=loss_share,
    )
    result = Lossy(cancellations=cancellations, loss_share=loss_share)
    say(f"b. {cancellations} cancellations at {rate:g}/s, webhooks losing {loss_share:.0%}")
    try:
        with QueuePollers(info) as pollers:
            created: list[str] = []
            started = time.perf_counter()
            for n in range(cancellations):
                _sleep_until(started + n / rate)
                created.append(_create(tiktok, shops[n % len(shops)]))

            def quiet() -> bool:
                return bool(tiktok.wait_for_webhooks(timeout=0)["settled"]) and pollers.idle()

            pollers.wait(quiet, SETTLE_TIMEOUT)
            result.by_webhook = len(_decided(info, created))
            invocation = sweep_now(info)
            result.sweep = invocation.payload if isinstance(invocation.payload, dict) else {}
            say(f"   sweep ({invocation.seconds:.1f} s): {invocation.payload}")
            decided = _decided(info, created)
            result.settled = pollers.wait(
                lambda: quiet() and _all_approved(tiktok, _approvable(info, created)), SETTLE_TIMEOUT
            )
            result.by_sweep = len(decided) - result.by_webhook
            result.left = len(created) - len(decided)
    finally:
        tiktok.configure_webhooks(url=None)
    result.deliveries = Counter(
        str(d["outcome"])
        for d in tiktok.webhook_deliveries()
        if d["cancel_id"] in set(created) and d["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    )
    approvals = tiktok.approvals()
    result.approvals = Counter(approvals.get(cancel_id, 0) for cancel_id in created)
    return result


def _create(tiktok: TikTokAdmin, shop: Shop) -> str:
    made = tiktok.create_buyer_cancellation(shop_id=shop.shop_id, refund_total=REFUND_TOTAL)
    return str(made["cancel_id"])


def _sleep_until(moment: float) -> None:
    wait = moment - time.perf_counter()
    if wait > 0:
        time.sleep(wait)


def _all_approved(tiktok: TikTokAdmin, cancel_ids: Sequence[str]) -> bool:
    states = tiktok.cancellations()
    return all(states.get(cancel_id) == "approved" for cancel_id in cancel_ids)


def _is_approve(call: Mapping[str, Any]) -> bool:
    return str(call["path"]).endswith(APPROVE_SUFFIX)


def _decision_records(info: StackInfo) -> dict[str, dict[str, Any]]:
    dynamodb = aws_client("dynamodb", info.moto_url)
    records: dict[str, dict[str, Any]] = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=info.resource_ref("DecisionsTable")):
        for item in page["Items"]:
            records[item["cancel_id"]["S"]] = {
                name: next(iter(value.values())) for name, value in item.items()
            }
    return records


def _decided(info: StackInfo, cancel_ids: Sequence[str]) -> list[str]:
    """Those with a decision on record (a verdict)."""
    records = _decision_records(info)
    return [cancel_id for cancel_id in cancel_ids if records.get(cancel_id, {}).get("verdict")]


def _approvable(info: StackInfo, cancel_ids: Sequence[str]) -> list[str]:
    """Those whose decision was to approve (all of them, with the benchmark's policy)."""
    records = _decision_records(info)
    return [cancel_id for cancel_id in cancel_ids if records.get(cancel_id, {}).get("verdict") == "approve"]


def _by_shop(
    calls: Sequence[Mapping[str, Any]], shops: Sequence[Shop], ciphers: Mapping[str, str]
) -> list[ShopCalls]:
    """`ciphers`: shop_id -> shop_cipher (the calls name the shop by its cipher)."""
    result = []
    for shop in shops:
        mine = [c for c in calls if (c.get("query") or {}).get("shop_cipher") == ciphers[shop.shop_id]]
        result.append(
            ShopCalls(
                shop=shop,
                approve=[float(c["timestamp"]) for c in mine if _is_approve(c)],
                search=[float(c["timestamp"]) for c in mine if str(c["path"]) == SEARCH_PATH],
            )
        )
    return result


def report(backlog: Backlog | None, lossy: Lossy | None) -> list[str]:
    lines: list[str] = []
    if backlog is not None:
        lines += _backlog_lines(backlog)
    if lossy is not None:
        lines += _lossy_lines(lossy)
    return lines


def _backlog_lines(result: Backlog) -> list[str]:
    def row(name: str, values: Sequence[str]) -> str:
        return f"  {name:<34}" + "".join(f"{value:>12}" for value in values)

    found = [int(run.get("found", 0)) for run in result.runs]
    not_decided = [int(run.get("not_decided", 0)) for run in result.runs]
    lines = [
        f"bench-sweeper a: {result.cancellations} pending cancellations across {len(result.shops)} shops, "
        "webhooks off, TikTok's limit 50/s per shop and API, the functions' limiter as deployed (47.5/s per "
        "shop): SweepCancellationsFunction runs -> ApprovalQueue -> ApproveCancellationFunction -> TikTok",
        row("sweeper runs", [str(len(result.runs))])
        + "  (found "
        + ", ".join(map(str, found))
        + "; not decided "
        + ", ".join(map(str, not_decided))
        + "; "
        + ", ".join(f"{seconds:.1f} s" for seconds in result.run_seconds)
        + ")",
        row("first run's start -> last approval", [f"{result.seconds_to_last_approval:.1f} s"])
        + f"  ({result.cancellations / max(result.seconds_to_last_approval, 1e-9):.1f} approvals/s)",
        row("approvals per cancellation", [counts(result.approvals)]),
        row("429s from TikTok", [str(result.rejected)]) + f"  of {result.tiktok_calls} calls",
        row("per shop", ["approve", "mean/s", "peak/s", "of 50/s", "search", "peak/s", "of 50/s"]),
    ]
    for each in result.calls:
        approve_peak, search_peak = ShopCalls.peak(each.approve), ShopCalls.peak(each.search)
        lines.append(
            row(
                f"{each.shop.shop_id} ({each.shop.region})",
                [
                    str(len(each.approve)),
                    f"{ShopCalls.rate(each.approve):.1f}",
                    str(approve_peak),
                    f"{approve_peak / TIKTOK_LIMIT:.0%}",
                    str(len(each.search)),
                    str(search_peak),
                    f"{search_peak / TIKTOK_LIMIT:.0%}",
                ],
            )
        )
    lines.append(
        f"  every one approved exactly once, no 429: {'yes' if result.met() else 'NO'}"
        + ("" if result.settled else "; not everything settled in time")
    )
    return lines


def _lossy_lines(result: Lossy) -> list[str]:
    def row(name: str, values: Sequence[str]) -> str:
        return f"  {name:<34}" + "".join(f"{value:>12}" for value in values)

    return [
        f"bench-sweeper b: {result.cancellations} cancellations, webhooks losing {result.loss_share:.0%}, then "
        "one sweeper run (one SweepIntervalMinutes)",
        row("PENDING webhooks", [counts(result.deliveries)]),
        row("decided through the webhook", [str(result.by_webhook)]),
        row("decided by the sweep", [str(result.by_sweep)]) + f"  (its report: {result.sweep})",
        row("left undecided", [str(result.left)]),
        row("approvals per cancellation", [counts(result.approvals)]),
        f"  every one decided within one sweep interval, approved once: {'yes' if result.met() else 'NO'}"
        + ("" if result.settled else "; not everything settled in time"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-sweeper", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cancellations", type=int, default=1000, help="a.'s backlog (1000)")
    parser.add_argument("--max-runs", type=int, default=5, help="a.'s sweeper runs at most (5)")
    parser.add_argument("--lossy", type=int, default=200, help="b.'s cancellations (200; 0: skip b.)")
    parser.add_argument("--loss-share", type=float, default=0.3, help="b.'s lost webhooks (0.3)")
    parser.add_argument("--rate", type=float, default=5.0, help="b.'s cancellations per second (5)")
    parser.add_argument("--runtime-venv", default=str(RUNTIME_VENV))
    args = parser.parse_args(argv)
    if args.cancellations < 0 or args.lossy < 0 or args.max_runs < 1 or args.rate <= 0:
        parser.error("counts must not be negative; --max-runs and --rate must be positive")

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with autopilot_stack(Path(args.runtime_venv), say, name="bench-sweeper") as info:
        tiktok = TikTokAdmin(info.tiktok_url, timeout=60)
        shops = onboard_shops(info, tiktok)
        backlog = (
            run_backlog(
                info,
                tiktok=tiktok,
                shops=shops,
                cancellations=args.cancellations,
                max_runs=args.max_runs,
                say=say,
            )
            if args.cancellations
            else None
        )
        lossy = (
            run_lossy(
                info,
                tiktok=tiktok,
                shops=shops,
                cancellations=args.lossy,
                loss_share=args.loss_share,
                rate=args.rate,
                say=say,
            )
            if args.lossy
            else None
        )
    print("\n".join(report(backlog, lossy)), flush=True)
    met = (backlog is None or backlog.met()) and (lossy is None or lossy.met())
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

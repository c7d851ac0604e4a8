"""`make bench-bulk`: a backlog for one shop drained at TikTok's rate limit, with the shared limiter and
without it, side by side in one run. Figures, not a timed test.

Both runs queue the same number of pending cancellations at once in moto's SQS and drain them through the
SQS poller driver into QueueMaximumConcurrency function environments, the TikTok emulator limiting at the
given rate per app, shop and API and answering after the given latency. Each run has a stack of its own:
the function's TIKTOK_RATE_LIMIT_PER_SECOND is the limit (limiter on) or 0 (off). Every environment first
approves one warm-up cancellation of its own (cold starts are `make bench`'s figure); the drain time runs
from the pollers' start to the last message's deletion, and every count is of the backlog's cancellations.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from backlog import QueueSettings, counts, drain, running_stack, tiktok
from local_stack.paths import LOGS, RUNTIME_VENV

FIRST_ID = 5763000000000000000
APPROVE_SUFFIX = "/approve"
GOAL_SHARE_OF_LIMIT = 0.90
GOAL_MAX_429_SHARE = 0.01
CAPACITY = "capacity (no limit)"


@dataclass(frozen=True)
class Run:
    label: str
    seconds: float
    calls: int  # approve attempts at TikTok, retries included
    rejected: int  # 429s TikTok (the emulator) sent
    redeliveries: int
    dead_lettered: int
    per_cancellation: Counter[int]
    left: int
    failed_open: int  # reservations the limiter's store could not answer in time: sent without a slot
    busiest_second: int  # most approve calls TikTok received within any one second (sliding)

    @property
    def approvals(self) -> int:
        return sum(times * count for times, count in self.per_cancellation.items())

    def rate(self) -> float:
        return self.approvals / self.seconds if self.seconds else 0.0

    def share_429(self) -> float:
        return self.rejected / self.calls if self.calls else 0.0

    def meets_goal(self, limit: float, cancellations: int) -> bool:
        return (
            self.rate() >= GOAL_SHARE_OF_LIMIT * limit
            and self.share_429() <= GOAL_MAX_429_SHARE
            and self.dead_lettered == 0
            and self.per_cancellation == Counter({1: cancellations})
        )


def run_once(
    args: argparse.Namespace, settings: QueueSettings, *, limiter: bool, tiktok_limits: bool = True
) -> Run:
    ids = [str(FIRST_ID + n) for n in range(args.cancellations)]
    warm_up = [str(FIRST_ID - 1 - n) for n in range(settings.concurrency)]
    parameters = {**settings.parameters(), "TikTokRateLimitPerSecond": f"{args.limit:g}" if limiter else "0"}
    name = "bulk-" + ("on" if limiter else "off" if tiktok_limits else "capacity")
    with running_stack(
        name, settings, Path(args.runtime_venv), parameters, queues_apart=not args.shared_moto
    ) as info:
        emulator = tiktok(info)
        emulator.set_rate_limit(args.limit if tiktok_limits else None)
        emulator.seed(dict.fromkeys(ids + warm_up, "pending"))
        emulator.inject_fault({"kind": "latency", "delay": args.latency}, times=None)
        bodies = [json.dumps({"cancel_id": cancel_id}) for cancel_id in ids]
        drained = drain(
            info,
            settings,
            bodies,
            visibility=args.visibility_timeout,
            timeout=args.timeout,
            warm_up=[json.dumps({"cancel_id": cancel_id}) for cancel_id in warm_up],
        )
        approvals = emulator.approvals()
        measured = set(ids)
        calls = [
            call
            for call in emulator.calls()
            if call["path"].endswith(APPROVE_SUFFIX) and call.get("cancel_id") in measured
        ]
        return Run(
            label=("limiter on" if limiter else "limiter off") if tiktok_limits else CAPACITY,
            seconds=drained.emptied,
            calls=len(calls),
            rejected=sum(1 for call in calls if call["status"] == HTTPStatus.TOO_MANY_REQUESTS),
            redeliveries=drained.stats.redeliveries,
            dead_lettered=len(drained.parked),
            per_cancellation=Counter(approvals.get(cancel_id, 0) for cancel_id in ids),
            left=drained.left,
            failed_open=_log_lines(name, "rate limiter store failed"),
            busiest_second=_busiest_second(sorted(float(call["timestamp"]) for call in calls)),
        )


def _goal(run: Run, args: argparse.Namespace) -> str:
    if run.label == CAPACITY:
        return "n/a (no limit)"
    return "met" if run.meets_goal(args.limit, args.cancellations) else "NOT MET"


def _busiest_second(arrivals: Sequence[float]) -> int:
    """The most arrivals within one second of each other (the emulator's window)."""
    busiest, first = 0, 0
    for last, at in enumerate(arrivals):
        while at - arrivals[first] >= 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


def _log_lines(stack: str, text: str) -> int:
    """How many lines of the stack's function logs contain `text` (each environment logs to its own)."""
    return sum(
        line.count(text) for log in LOGS.glob(f"{stack}-lambda*.log") for line in log.open(errors="replace")
    )


def report(args: argparse.Namespace, settings: QueueSettings, runs: Sequence[Run]) -> list[str]:
    def row(name: str, values: Sequence[str]) -> str:
        return f"  {name:<34}" + "".join(f"{value:>24}" for value in values)

    return [
        f"bench-bulk: {args.cancellations} pending cancellations of one shop queued at once; TikTok limits "
        f"at {args.limit:g} requests/s per app, shop and API and answers in {args.latency * 1000:.0f} ms",
        f"  queue: {settings.describe(args.visibility_timeout)}",
        row("", [run.label for run in runs]),
        row("drain time", [f"{run.seconds:.1f} s" for run in runs]),
        row(
            "approvals per second",
            [f"{run.rate():.1f} ({run.rate() / args.limit:.0%} of limit)" for run in runs],
        ),
        row("approve calls at TikTok", [str(run.calls) for run in runs]),
        row("retries", [str(run.calls - args.cancellations) for run in runs]),
        row("429s", [f"{run.rejected} ({run.share_429():.1%} of calls)" for run in runs]),
        row("busiest second at TikTok (calls)", [str(run.busiest_second) for run in runs]),
        row("redeliveries", [str(run.redeliveries) for run in runs]),
        row("limiter store failures (sent unpaced)", [str(run.failed_open) for run in runs]),
        row("dead-lettered", [str(run.dead_lettered) for run in runs]),
        row("left in the queue", [str(run.left) for run in runs]),
        row("approvals per cancellation", [counts(run.per_cancellation) for run in runs]),
        row(
            f"goal (>= {GOAL_SHARE_OF_LIMIT:.0%} of limit, <= {GOAL_MAX_429_SHARE:.0%} 429s, 0 dead, once)",
            [_goal(run, args) for run in runs],
        ),
        f"  per shop at this limit: {args.limit * 0.95:.1f} approvals/s paced (95% of the limit), "
        f"{args.limit * 0.95 * 3600:,.0f} per hour",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-bulk", description=__doc__.splitlines()[0])
    parser.add_argument("--cancellations", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=50.0, help="TikTok's rate limit per second (50)")
    parser.add_argument("--latency", type=float, default=0.15, help="TikTok's answer time in seconds (0.15)")
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=30,
        help="seconds; shorter than the template's 190 s so that the limiter-off run's redeliveries end in "
        "minutes (30)",
    )
    parser.add_argument("--timeout", type=float, default=1500.0, help="give up a run after this many seconds")
    parser.add_argument("--only", choices=("on", "off"), help="run one side only")
    parser.add_argument(
        "--shared-moto",
        action="store_true",
        help="the queues in the same moto server as DynamoDB (by default a server of their own: one moto "
        "process serving both saturates below the limit)",
    )
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="also drain with neither limiter nor TikTok limit: what this machine can drive",
    )
    parser.add_argument(
        "--batch-concurrency",
        type=int,
        choices=range(1, 11),
        metavar="1-10",
        help="instead of the template's",
    )
    parser.add_argument("--queue-concurrency", type=int, metavar="N", help="instead of the template's (>= 2)")
    parser.add_argument("--runtime-venv", default=str(RUNTIME_VENV))
    args = parser.parse_args(argv)
    if args.queue_concurrency is not None and args.queue_concurrency < 2:
        parser.error("--queue-concurrency: Lambda's MaximumConcurrency is at least 2")
    settings = QueueSettings.from_template().overridden(args.batch_concurrency, args.queue_concurrency)
    sides = [side for side in (True, False) if args.only is None or side == (args.only == "on")]
    runs = [run_once(args, settings, limiter=side) for side in sides]
    if args.capacity:
        runs.append(run_once(args, settings, limiter=False, tiktok_limits=False))
    print("\n".join(report(args, settings, runs)), flush=True)
    limited = [run for run in runs if run.label == "limiter on"]
    return 0 if all(run.meets_goal(args.limit, args.cancellations) for run in limited) else 1


if __name__ == "__main__":
    sys.exit(main())

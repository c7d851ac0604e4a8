"""`make soak`: thousands of approvals through moto's SQS under at-least-once delivery and faults.

The built function runs in as many Runtime Interface Emulators as the template's QueueMaximumConcurrency, fed
by the SQS poller driver (local/sqs_poller) with the template's batch size, batching window,
visibility timeout and redrive. The workload: duplicate messages, transient TikTok faults (some absorbed by
the retries inside one call, some that fail a whole delivery, some where TikTok approves and the answer is
lost), permanent failures and cancellations approved elsewhere. It prints what TikTok approved per
cancellation, the dead-letter queue against the expected permanent set, lost messages, time and throughput,
and exits non-zero when an invariant breaks. Figures, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backlog import Drained, QueueSettings, counts, drain, max_ms, median_ms, running_stack, tiktok
from local_stack.paths import RUNTIME_VENV

FIRST_ID = 5762000000000000000
# Transient faults by kind, as fractions of the transient share: (kind, times, what it exercises).
TRANSIENT_MIX: tuple[tuple[str, int, float], ...] = (
    ("http_503", 2, 0.4),  # absorbed by the retries inside one call
    ("code_36009003", 1, 0.2),  # likewise, TikTok's usual transient code in an HTTP 200
    ("lost_answer", 1, 0.2),  # TikTok approves, the answer is lost: the retry must not approve again
    ("drop", 4, 0.2),  # every attempt of the first delivery fails: SQS redelivers
)


@dataclass
class Workload:
    approvable: list[str]
    permanent: list[str]  # shipped: TikTok refuses for good (25001045)
    already_approved: list[str]  # approved in Seller Center before the message arrives
    faults: dict[str, tuple[str, int]]  # cancel_id -> (fault kind, times)
    messages: list[str] = field(default_factory=list)  # bodies, duplicates included, shuffled

    @classmethod
    def build(
        cls,
        *,
        approvals: int,
        duplicates: float,
        transient: float,
        permanent: int,
        approved: int,
        seed: int,
    ) -> Workload:
        rng = random.Random(seed)
        ids = [str(FIRST_ID + n) for n in range(approvals + permanent + approved)]
        work = cls(ids[:approvals], ids[approvals : approvals + permanent], ids[approvals + permanent :], {})
        faulted = rng.sample(work.approvable, round(transient * approvals))
        start = 0
        for kind, times, share in TRANSIENT_MIX:
            count = round(share * len(faulted))
            work.faults.update(dict.fromkeys(faulted[start : start + count], (kind, times)))
            start += count
        bodies = [_body(cancel_id, rng) for cancel_id in ids]
        # Duplicates repeat an approvable message exactly: the same body, hence the same idempotency key.
        bodies += rng.sample(bodies[:approvals], round(duplicates * approvals))
        rng.shuffle(bodies)
        work.messages = bodies
        return work


def _body(cancel_id: str, rng: random.Random) -> str:
    # Half the callers pass their own key; the others rely on the cancel_id.
    if rng.random() < 0.5:
        return json.dumps({"cancel_id": cancel_id, "query": {"idempotency_key": f"soak-{cancel_id}"}})
    return json.dumps({"cancel_id": cancel_id})


@dataclass(frozen=True)
class Report:
    lines: list[str]
    ok: bool


def run(args: argparse.Namespace) -> Report:
    settings = QueueSettings.from_template()
    visibility = args.visibility_timeout or settings.visibility_timeout
    work = Workload.build(
        approvals=args.approvals,
        duplicates=args.duplicates,
        transient=args.transient,
        permanent=args.permanent,
        approved=args.already_approved,
        seed=args.seed,
    )
    with running_stack("soak", settings, Path(args.runtime_venv)) as info:
        emulator = tiktok(info)
        emulator.set_repeated_key_mode(args.repeated_key)
        emulator.seed(
            {
                **dict.fromkeys(work.approvable, "pending"),
                **dict.fromkeys(work.permanent, "shipped"),
                **dict.fromkeys(work.already_approved, "approved"),
            }
        )
        for cancel_id, (kind, times) in work.faults.items():
            emulator.inject_fault({"kind": kind}, cancel_id=cancel_id, times=times)
        if args.latency:
            emulator.inject_fault(
                {"kind": "latency", "delay": args.latency}, times=None
            )  # after the targeted: they win
        drained = drain(info, settings, work.messages, visibility=visibility, timeout=args.timeout)
        return _report(
            args,
            settings=settings,
            visibility=visibility,
            work=work,
            drained=drained,
            approvals=emulator.approvals(),
            states=emulator.cancellations(),
        )


def _report(
    args: argparse.Namespace,
    *,
    settings: QueueSettings,
    visibility: int,
    work: Workload,
    drained: Drained,
    approvals: dict[str, int],
    states: dict[str, str],
) -> Report:
    stats, parked_ids = drained.stats, drained.parked_ids
    per_cancellation = Counter(approvals.get(cancel_id, 0) for cancel_id in work.approvable)
    double = sum(n for times, n in per_cancellation.items() if times > 1)
    missing = per_cancellation.get(0, 0)
    approved_elsewhere_ok = all(
        states.get(c) == "approved" and approvals.get(c, 0) == 0 and c not in parked_ids
        for c in work.already_approved
    )
    dlq_matches = parked_ids == Counter(work.permanent)
    sent = set(work.approvable) | set(work.permanent) | set(work.already_approved)
    settled = {c for c in sent if states.get(c) in ("approved", "complete")} | set(parked_ids)
    lost = len(sent - settled)
    fault_kinds = Counter(kind for kind, _ in work.faults.values())
    lines = [
        f"soak: {len(work.messages)} messages for {len(sent)} cancellations; TikTok repeated-key mode "
        f"{args.repeated_key}",
        f"  queue: {settings.describe(visibility)}",
        f"  workload: {len(work.messages) - len(sent)} duplicate messages, "
        f"{len(work.faults)} transient faults ({counts(fault_kinds)}), {len(work.permanent)} permanent, "
        f"{len(work.already_approved)} already approved"
        + (f", TikTok latency {args.latency * 1000:.0f} ms" if args.latency else ""),
        f"  approvals per approvable cancellation at TikTok: {counts(per_cancellation)} "
        f"-> double approvals {double}, never approved {missing}",
        f"  already approved elsewhere: {len(work.already_approved)} acknowledged as approved, "
        f"none approved again: {'yes' if approved_elsewhere_ok else 'NO'}",
        f"  dead-letter queue: {sum(parked_ids.values())} messages ({counts(drained.reasons)}); equals the "
        f"permanent set: {'yes' if dlq_matches else 'NO'}",
        f"  lost messages: {lost}; left in the queue: {drained.left}",
        f"  poller: {stats.invocations} invocations, {stats.received} received, {stats.redeliveries} "
        f"redeliveries, {stats.reported_failures} batch item failures, {stats.function_errors} function errors",
        f"  invocation time: median {median_ms(stats.batches)} ms, slowest {max_ms(stats.batches)} ms",
        f"  receiving as many messages as were sent took {drained.first_pass:.1f} s "
        f"({len(work.messages) / drained.first_pass:.1f} messages/s); then the redeliveries waited for the "
        "visibility timeout",
        f"  elapsed {drained.elapsed:.1f} s in all",
    ]
    ok = (
        double == 0
        and missing == 0
        and approved_elsewhere_ok
        and dlq_matches
        and lost == 0
        and drained.left == 0
    )
    lines.append("soak: PASSED" if ok else "soak: FAILED")
    return Report(lines, ok)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=2000, help="approvable cancellations (default 2000)")
    parser.add_argument("--duplicates", type=float, default=0.10, help="share of duplicate messages (0.10)")
    parser.add_argument("--transient", type=float, default=0.05, help="share with transient faults (0.05)")
    parser.add_argument("--permanent", type=int, default=20, help="shipped orders: permanent failures (20)")
    parser.add_argument("--already-approved", type=int, default=20, help="approved elsewhere first (20)")
    parser.add_argument("--repeated-key", choices=("replay", "reprocess"), default="reprocess")
    parser.add_argument("--latency", type=float, default=0.0, help="TikTok's answer time in seconds (0)")
    parser.add_argument(
        "--visibility-timeout", type=int, default=0, help="override the template's, in seconds (0: keep)"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runtime-venv", default=str(RUNTIME_VENV))
    args = parser.parse_args(argv)
    report = run(args)
    print("\n".join(report.lines), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: cold start, warm approval, replay and an SQS batch, each beside its I/O floor.

Every figure is measured in the same run as its floor, interleaved (figure and floor alternate which goes
first), in processes run as Lambda runs the function: `make build`'s output with the runtime's Python
(python3.13), the environment the template declares, tracing on, a fresh trace header per invocation.
AWS is moto in server mode and TikTok the project's emulator, both on loopback. Medians; "noise" is half
the interquartile range. The machine is shared: the noise column says how much to trust a ratio.

    python benchmarks/performance.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from itertools import count
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for part in ("local", "tests"):
    sys.path.insert(0, str(ROOT / part))

from artefacts import import_profile, inspect  # noqa: E402
from environments import (  # noqa: E402
    SEQUENTIAL_BATCH,
    Environment,
    World,
    cold_start_imports,
    interleaved,
    load_average,
    one_shot,
    world,
)
from figures import EXIT_GOAL_MISSED, HEADER, Pair, goals  # noqa: E402
from support.approvals import api_event, sqs_event  # noqa: E402
from tiktok_emulator import Fault  # noqa: E402

TRIGGERS = ("api", "sqs", "direct")
EXPECT = {"api": "approved", "sqs": "batch", "direct": "approved"}
LATENCY_SECONDS = 0.2
BATCH_SIZE = 10
_ids = count(1)


def new_id() -> str:
    return f"5760009{next(_ids):012d}"


def event_for(trigger: str, cancel_id: str) -> object:
    if trigger == "api":
        return api_event(cancel_id)
    if trigger == "sqs":
        return sqs_event(json.dumps({"cancel_id": cancel_id}))
    return {"cancel_id": cancel_id}


def cold_starts(w: World, rounds: int) -> list[Pair]:
    """Per trigger: with our layer, with AWS's public layer, and the floor, interleaved."""
    floor_name = "boto3+requests, same I/O"
    ours = [Pair(f"cold start, {t} trigger", 1.25, floor_name) for t in TRIGGERS]
    public = [Pair("  the same, AWS's public layer", None, floor_name) for _ in TRIGGERS]
    for n in range(rounds):
        for trigger, mine, theirs in zip(TRIGGERS, ours, public, strict=True):
            cancel_id, public_id, floor_id = new_id(), new_id(), new_id()
            w.seed([cancel_id, public_id, floor_id])
            ours_s, public_s, floor_s = interleaved(
                n,
                lambda t=trigger, i=cancel_id: one_shot(w, "function", event_for(t, i), EXPECT[t]),
                lambda t=trigger, i=public_id: one_shot(w, "function", event_for(t, i), EXPECT[t], "public"),
                lambda i=floor_id: one_shot(w, "floor", {"approve": i}, "true"),
            )
            mine.add(ours_s, floor_s)
            theirs.add(public_s, floor_s)
    return [pair for both in zip(ours, public, strict=True) for pair in both]


REPLAYED = ("api", "direct")


def warm(w: World, rounds: int) -> list[Pair]:
    """Approvals, then replays of them: in another warm environment (a DynamoDB read, what the goal is
    about) and in the one that approved (Powertools' local cache: no call at all)."""
    approvals = [
        Pair(f"warm approval, {t} trigger", 1.10, "PutItem+slot+TikTok+UpdateItem") for t in TRIGGERS
    ]
    elsewhere = [Pair(f"replay, {t} trigger", 1.20, "one GetItem") for t in REPLAYED]
    cached = [Pair("  the same, local cache", None, "one GetItem") for _ in REPLAYED]
    with (
        Environment(w, "function") as function,
        Environment(w, "function") as other,
        Environment(w, "floor") as floor,
    ):
        for _ in range(2):  # the first is the cold start; the second warms the lazy paths
            for trigger in TRIGGERS:
                ids = [new_id(), new_id(), new_id()]
                w.seed(ids)
                function.run(event_for(trigger, ids[0]), EXPECT[trigger])
                other.run(event_for(trigger, ids[1]), EXPECT[trigger])
                floor.run({"approve": ids[2]}, "true")
        for n in range(rounds):
            done: dict[str, tuple[str, str]] = {}
            for trigger, pair in zip(TRIGGERS, approvals, strict=True):
                cancel_id, floor_id = new_id(), new_id()
                w.seed([cancel_id, floor_id])
                done[trigger] = (cancel_id, floor_id)
                event = event_for(trigger, cancel_id)
                pair.add(
                    *interleaved(
                        n,
                        lambda e=event, t=trigger: function.run(e, EXPECT[t]),
                        lambda i=floor_id: floor.run({"approve": i}, "true"),
                    )
                )
            for trigger, far, near in zip(REPLAYED, elsewhere, cached, strict=True):
                cancel_id, floor_id = done[trigger]
                event = event_for(trigger, cancel_id)
                expect = "replayed" if trigger == "api" else "approved"
                far_s, near_s, floor_s = interleaved(
                    n,
                    lambda e=event, x=expect: other.run(e, x),
                    lambda e=event, x=expect: function.run(e, x),
                    lambda i=floor_id: floor.run({"read": i}, "true"),
                )
                far.add(far_s, floor_s)
                near.add(near_s, floor_s)
    return approvals + [pair for both in zip(elsewhere, cached, strict=True) for pair in both]


TRACING_OFF = {"POWERTOOLS_TRACE_DISABLED": "true"}


def xray(w: World, cold_rounds: int, warm_rounds: int) -> list[Pair]:
    """What tracing costs as deployed, direct trigger: the same function with Powertools' Tracer switched off
    (POWERTOOLS_TRACE_DISABLED). The SDK is imported either way; its import time is in the profile below."""
    cold = Pair("cold start, traced", None, "the same, tracing off")
    warm_pair = Pair("warm approval, traced", None, "the same, tracing off")
    # Each replays what the other approved: another environment's replay, a DynamoDB read.
    replay = Pair("replay, traced", None, "the same, tracing off")
    for n in range(cold_rounds):
        ids = [new_id(), new_id()]
        w.seed(ids)
        cold.add(
            *interleaved(
                n,
                lambda i=ids[0]: one_shot(w, "function", event_for("direct", i), "approved"),
                lambda i=ids[1]: _untraced_once(w, i),
            )
        )
    with Environment(w, "function") as traced, Environment(w, "function", overrides=TRACING_OFF) as untraced:
        for n in range(warm_rounds + 2):
            ids = [new_id(), new_id()]
            w.seed(ids)
            seconds = interleaved(
                n,
                lambda i=ids[0]: traced.run(event_for("direct", i), "approved"),
                lambda i=ids[1]: untraced.run(event_for("direct", i), "approved"),
            )
            replayed = interleaved(
                n,
                lambda i=ids[1]: traced.run(event_for("direct", i), "approved"),
                lambda i=ids[0]: untraced.run(event_for("direct", i), "approved"),
            )
            if n >= 2:  # the cold start and the first warm one are not counted
                warm_pair.add(*seconds)
                replay.add(*replayed)
    return [cold, warm_pair, replay]


def _untraced_once(w: World, cancel_id: str) -> float:
    with Environment(w, "function", overrides=TRACING_OFF) as environment:
        return environment.init_seconds + environment.run(event_for("direct", cancel_id), "approved")


def batches(w: World, rounds: int) -> list[Pair]:
    """A batch of 10 with TikTok answering in 200 ms, BATCH_CONCURRENCY=10."""
    concurrent = Pair(f"SQS batch of {BATCH_SIZE}, concurrency 10", 1.30, "one approval (round trip)")
    parallel = Pair(
        f"SQS batch of {BATCH_SIZE}, concurrency 10", None, f"{BATCH_SIZE} plain ones in parallel"
    )
    default = Pair(f"SQS batch of {BATCH_SIZE}, concurrency 5", None, "one approval (round trip)")
    sequential = Pair("Powertools BatchProcessor, sequential", None, "one approval (round trip)")

    def batch_event() -> dict[str, object]:
        ids = [new_id() for _ in range(BATCH_SIZE)]
        w.seed(ids)
        return sqs_event(*(json.dumps({"cancel_id": i}) for i in ids))

    def floor_ids(n: int) -> list[str]:
        ids = [new_id() for _ in range(n)]
        w.seed(ids)
        return ids

    w.emulator.inject_fault(Fault(kind="latency", delay=LATENCY_SECONDS), times=None)
    try:
        with (
            Environment(w, "function", overrides={"BATCH_CONCURRENCY": "10"}) as function,
            # The template's default BatchConcurrency, which is also its SQS batch size.
            Environment(w, "function", overrides={"BATCH_CONCURRENCY": "5"}) as by_five,
            Environment(w, "floor") as floor,
        ):
            function.run(batch_event(), "batch")  # the first invocations, not counted
            by_five.run(batch_event(), "batch")
            floor.run({"approve_in_parallel": floor_ids(BATCH_SIZE)}, "true")
            for n in range(rounds):
                event = batch_event()
                figure, one = interleaved(
                    n,
                    lambda e=event: function.run(e, "batch"),
                    lambda: floor.run({"approve": floor_ids(1)[0]}, "true"),
                )
                concurrent.add(figure, one)
                parallel.add(figure, floor.run({"approve_in_parallel": floor_ids(BATCH_SIZE)}, "true"))
                if n % 2 == 0:  # slower: fewer rounds
                    default.add(by_five.run(batch_event(), "batch"), one)
                    sequential.add(function.run(batch_event(), "batch", handler=SEQUENTIAL_BATCH), one)
    finally:
        w.emulator.clear_faults()
    return [concurrent, parallel, default, sequential]


def import_profiles(w: World) -> list[str]:
    floor_id = new_id()
    w.seed([floor_id])
    floor = cold_start_imports(w, "floor", {"approve": floor_id}, "true")
    lines = []
    for trigger in TRIGGERS:
        cancel_id = new_id()
        w.seed([cancel_id])
        function = cold_start_imports(w, "function", event_for(trigger, cancel_id), EXPECT[trigger])
        lines.append(f"  {trigger} trigger (cumulative, two outer levels):")
        lines.extend(import_profile(function, floor))
        xray_us = sum(i.own_us for i in function if i.module.split(".")[0] in XRAY_PACKAGES)
        lines.append(f"    X-Ray SDK imports (aws_xray_sdk, wrapt): {xray_us / 1000:.1f} ms self time")
    return lines


XRAY_PACKAGES = ("aws_xray_sdk", "wrapt")


def artefacts(w: World) -> list[str]:
    tag = f"cpython-{w.runtime.minor.replace('.', '')}"
    ours, public = w.deployed.ours, w.deployed.public
    assert public is not None  # world() lays it out unless told not to
    [powertools, tiktok_shop] = ours.python_path
    return [
        inspect("ApproveCancellationFunction", ours.function_dir, tag).line(),
        inspect("PowertoolsLayer", powertools.parent, tag).line(),
        inspect("TikTokShopLayer", tiktok_shop.parent, tag).line(),
        inspect("(AWS's public Powertools layer)", public.python_path[0].parent, tag).line(),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds only: checks the benchmark runs")
    quick = parser.parse_args().quick
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    cold_rounds, warm_rounds, batch_rounds = (2, 3, 2) if quick else (15, 40, 8)
    with world() as w:
        print(f"make bench: {w.describe()}")
        print("deployment (what sam deploy uploads, from .aws-sam/build, measured in a read-only copy):")
        print("\n".join(artefacts(w)))
        sections = [
            (
                f"cold start: fresh process, import + first invocation; {cold_rounds} pairs",
                cold_starts,
                cold_rounds,
            ),
            (f"warm: {warm_rounds} pairs each", warm, warm_rounds),
            (
                f"X-Ray SDK, direct trigger: {cold_rounds} cold pairs, {warm_rounds} warm",
                lambda w, _: xray(w, cold_rounds, warm_rounds),
                0,
            ),
            (
                f"SQS batch, TikTok latency {LATENCY_SECONDS * 1000:.0f} ms; {batch_rounds} pairs",
                batches,
                batch_rounds,
            ),
        ]
        pairs: list[Pair] = []
        for title, measure, rounds in sections:
            measured = measure(w, rounds)
            print(f"{title}:\n{HEADER}")
            print("\n".join(pair.line() for pair in measured), flush=True)
            pairs.extend(measured)
        print("-X importtime of the cold start, per trigger:")
        print("\n".join(import_profiles(w)))
        print(f"X-Ray segments received by the daemon stand-in: {w.xray.datagrams}")
        missed = [pair.name for pair in pairs if not pair.met]
        print(goals(missed))
        print(f"load average at the end {load_average()} (2 shared cores; figures move with it)")
    sys.exit(EXIT_GOAL_MISSED if missed else 0)


if __name__ == "__main__":
    main()

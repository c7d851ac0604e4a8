"""make bench-autopilot's scenario (benchmarks/autopilot_latency.py) with a handful of cancellations, so that
it cannot rot: every cancellation approved exactly once, every webhook delivered, the report's lines there.
Counts only: the figures themselves are the benchmark's, never a test's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from autopilot_latency import Result, autopilot_stack, report, run_scenario
from e2e_helpers import RUNTIME_VENV_PATH

CANCELLATIONS = 6


@pytest.fixture(scope="module")
def result() -> Iterator[Result]:
    with autopilot_stack(RUNTIME_VENV_PATH, say=print) as info:
        yield run_scenario(info, CANCELLATIONS, rate=20.0, say=print)


def test_every_cancellation_of_the_three_shops_is_approved_exactly_once(result: Result):
    assert len(result.shops) == 3
    assert result.settled
    assert result.approvals == Counter({1: CANCELLATIONS})
    assert sorted(result.approved_at) == sorted(result.created)


def test_every_webhook_is_delivered_once_and_answered(result: Result):
    # A request and its approval per cancellation, each delivered at its first attempt.
    assert result.deliveries == Counter({"delivered": 2 * CANCELLATIONS})
    assert sorted(result.webhook_answered_at) == sorted(result.created)


def test_the_report_prints_each_figure_and_the_goal(result: Result):
    lines = "\n".join(report(result))

    for figure in (
        "creation -> webhook answered (queued)",
        "creation -> approval at TikTok",
        f"1: {CANCELLATIONS}",
        "webhooks delivered",
        "429s from TikTok",
        "goal: within seconds, p99 <= 10 s, each approved exactly once:",
    ):
        assert figure in lines

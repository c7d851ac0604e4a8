"""make bench-sweeper's scenario (benchmarks/autopilot_sweep.py) with a handful of cancellations, so that it
cannot rot: the backlog found by the sweeper and approved exactly once each with no 429, the lossy webhooks'
cancellations all decided after one sweep, the report's lines there. Counts only: the figures themselves are
the benchmark's, never a test's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from autopilot_latency import autopilot_stack, onboard_shops
from autopilot_sweep import Backlog, Lossy, report, run_backlog, run_lossy
from e2e_helpers import RUNTIME_VENV_PATH
from local_stack.tiktok_admin import TikTokAdmin

BACKLOG = 9
LOSSY = 10


@pytest.fixture(scope="module")
def results() -> Iterator[tuple[Backlog, Lossy]]:
    with autopilot_stack(RUNTIME_VENV_PATH, say=print, name="e2e-sweeper") as info:
        tiktok = TikTokAdmin(info.tiktok_url, timeout=60)
        shops = onboard_shops(info, tiktok)
        backlog = run_backlog(info, tiktok=tiktok, shops=shops, cancellations=BACKLOG, max_runs=2, say=print)
        lossy = run_lossy(
            info, tiktok=tiktok, shops=shops, cancellations=LOSSY, loss_share=0.5, rate=20.0, say=print
        )
        yield backlog, lossy


def test_the_backlog_is_found_by_one_sweep_and_approved_exactly_once(results: tuple[Backlog, Lossy]):
    backlog, _ = results
    assert len(backlog.shops) == 3
    assert backlog.settled
    assert len(backlog.runs) == 1
    assert backlog.approvals == Counter({1: BACKLOG})
    assert backlog.rejected == 0
    assert sum(len(each.approve) for each in backlog.calls) >= BACKLOG
    assert all(each.search for each in backlog.calls), "each shop searched"


def test_lost_webhooks_are_made_up_for_by_one_sweep(results: tuple[Backlog, Lossy]):
    _, lossy = results
    assert lossy.settled
    assert lossy.left == 0
    assert lossy.by_webhook + lossy.by_sweep == LOSSY
    assert lossy.by_webhook == lossy.deliveries["delivered"]
    assert lossy.by_sweep == lossy.deliveries["lost"]
    assert lossy.approvals == Counter({1: LOSSY})


def test_the_report_prints_each_figure(results: tuple[Backlog, Lossy]):
    lines = "\n".join(report(*results))

    for figure in (
        "sweeper runs",
        "first run's start -> last approval",
        f"1: {BACKLOG}",
        "429s from TikTok",
        "of 50/s",
        "decided through the webhook",
        "decided by the sweep",
        "left undecided",
    ):
        assert figure in lines

"""make bench-webhook's scenario (benchmarks/webhook_answer.py), a few rounds on the build the local stack
runs, so that it cannot rot between benchmark runs: every webhook answered as the figure assumes (200 or
401, the floor's True) and queued once, every figure filled and printed. Nothing here is timed."""

from __future__ import annotations

from e2e_helpers import RUNTIME_VENV_PATH
from environments import world
from figures import WithinLimit
from local_stack.paths import BUILD_DIR
from local_stack.stack import StackInfo
from webhook_answer import FUNCTION_ID, TIKTOK_LIMIT_SECONDS, Measured, measure, report

COLD, WARM = 2, 3
# Cold: the function and the floor per round. Warm: two warm-up rounds of both, then one of each per round.
# The import profile: one of each.
VALID_WEBHOOKS = 2 * COLD + 2 * 2 + 2 * WARM + 2


def test_the_scenario_answers_queues_and_reports_every_figure(stack: StackInfo):
    # CI's machine kind has python3.13: the stack runs the sam build output, as make bench-webhook measures.
    assert stack.layout == "build", "the local stack did not run the sam build output (no python3.13?)"
    with world(
        say=lambda _: None,
        function_id=FUNCTION_ID,
        public_layer=False,
        build_dir=BUILD_DIR,
        runtime_venv=RUNTIME_VENV_PATH,
    ) as w:
        measured = measure(w, COLD, WARM)
        segments = w.xray.datagrams

    cold_answer, warm_answer, forged = measured.limits
    cold_start, warm_pair = measured.pairs
    assert (len(cold_answer.samples), len(cold_start.figure), len(cold_start.floor)) == (COLD, COLD, COLD)
    assert (len(warm_answer.samples), len(warm_pair.figure), len(forged.samples)) == (WARM, WARM, WARM)
    assert measured.issued == VALID_WEBHOOKS
    assert measured.queued == measured.issued, "a webhook was not queued, or queued twice"
    assert segments > 0, "the function ran without tracing, unlike deployed"
    lines = "\n".join(report(measured, COLD, WARM))
    for figure in (cold_answer, warm_answer):
        for p in ("p50", "p99"):
            assert f"{figure.name:<34} {p} " in lines
    assert "limit 3000.0 ms" in lines
    assert f"{forged.name:<34} p50 " in lines
    assert "for information" in lines
    assert f"goal <= {cold_start.goal:.2f}x" in lines
    assert "imports beyond the floor's" in lines


def test_a_percentile_over_the_limit_misses_the_goal():
    answer = WithinLimit("answer", TIKTOK_LIMIT_SECONDS, samples=[0.2, 0.3, 3.2])
    measured = Measured(limits=[answer], pairs=[])

    p50, p99 = answer.lines()
    assert p50.endswith("limit 3000.0 ms  met")
    assert p99.endswith("limit 3000.0 ms  NOT MET")
    assert measured.missed == ["answer"]
    assert Measured(limits=[WithinLimit("answer", None, samples=[9.0])], pairs=[]).missed == []

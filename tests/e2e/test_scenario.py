"""`make run`'s scenario, the one definition of the local steps, run here step by step: each step's checks
are this test's assertions, so the e2e suite and `make run` can never check different things."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from local_stack.scenario import Scenario, Step, StepFailed
from local_stack.stack import StackInfo

STEP_TITLES = [title for title, _ in Scenario.STEPS]


@pytest.fixture(scope="module")
def scenario(stack: StackInfo) -> Scenario:
    """One Scenario for the module: the replay step compares with the approval step's answer."""
    return Scenario(stack, say=print)


@pytest.mark.parametrize("title", STEP_TITLES)
def test_scenario_step(scenario: Scenario, title: str) -> None:
    actions: dict[str, Callable[[Step], None]] = dict(scenario.steps())
    step = Step(title)
    try:
        actions[title](step)
    except StepFailed as failed:
        pytest.fail(f"expected {failed}\n" + "\n".join(step.lines), pytrace=False)
    assert any(line.startswith("  ✔") for line in step.lines), "the step checked nothing"

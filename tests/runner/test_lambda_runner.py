"""The function runner (local/lambda_runner.py, driven by local/function_process.py) that the crash tests
kill and make bench measures with: Lambda's init and sys.path, a fresh context per invocation, errors
answered by class, a second handler, a process killed mid-invocation."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from function_process import RUNNER, FunctionProcess

HANDLER = textwrap.dedent(
    """
    import os, sys, time

    def lambda_handler(event, context):
        if event == "fail":
            raise LookupError("no such cancellation")
        if event == "sleep":
            time.sleep(60)
        return {
            "remaining_ms": context.get_remaining_time_in_millis(),
            "request_id": context.aws_request_id,
            "function_name": context.function_name,
            "path": sys.path,
            "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        }

    def other(event, context):
        return ["other", event]
    """
)


@pytest.fixture
def task_root(tmp_path: Path) -> Path:
    root = tmp_path / "task"
    root.mkdir()
    (root / "handler.py").write_text(HANDLER)
    return root


def start(task_root: Path, handler: str = "handler.lambda_handler", **options) -> FunctionProcess:
    env = {**os.environ, "LAMBDA_TASK_ROOT": str(task_root)}
    env.pop("PYTHONPATH", None)
    return FunctionProcess(handler, timeout_seconds=options.pop("timeout_seconds", 3.0), env=env, **options)


def test_the_init_imports_the_handler_with_the_task_root_first_and_the_runners_folder_off_the_path(
    task_root: Path, tmp_path: Path
):
    extra = tmp_path / "extra"
    with start(task_root, paths=(extra,)) as process:
        assert process.init_seconds > 0
        answer = process.invoke({})
    path = answer["result"]["path"]
    assert path[0] == str(task_root)
    assert str(RUNNER.parent) not in path
    assert path[-1] == str(extra)  # after everything the function's own imports find
    assert answer["seconds"] > 0


def test_each_invocation_gets_a_fresh_context_of_the_timeout(task_root: Path):
    with start(task_root, timeout_seconds=2.0) as process:
        first, second = (process.invoke({})["result"] for _ in range(2))
    assert 1000 < first["remaining_ms"] <= 2000
    assert 1000 < second["remaining_ms"] <= 2000
    assert first["request_id"] != second["request_id"]
    assert first["function_name"] == "ApproveCancellationFunction"


def test_an_error_is_answered_by_its_class_and_the_process_serves_on(task_root: Path):
    with start(task_root) as process:
        failed = process.invoke("fail")
        assert failed["error"] == "LookupError"
        assert failed["message"] == "no such cancellation"
        assert "result" in process.invoke({})


def test_another_handler_and_a_trace_header_per_invocation(task_root: Path):
    with start(task_root) as process:
        assert process.invoke(7, handler="handler.other")["result"] == ["other", 7]
        traced = process.invoke({}, trace_id="Root=1-abc;Sampled=1")["result"]
        assert traced["trace_id"] == "Root=1-abc;Sampled=1"


def test_a_handler_that_cannot_be_imported_fails_the_start(task_root: Path):
    with pytest.raises(RuntimeError, match="ended"):
        start(task_root, handler="missing.lambda_handler")


def test_a_process_killed_mid_invocation_answers_nothing(task_root: Path):
    process = start(task_root)
    process.send("sleep")
    with pytest.raises(TimeoutError):
        process.answer(timeout=0.3)
    process.kill()
    assert process.killed

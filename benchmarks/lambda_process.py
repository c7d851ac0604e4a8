"""One execution environment for `make bench`: a fresh interpreter, run the way Lambda runs the function.

    python lambda_process.py function RESULTS_FD   the function: its handler imported at the first command
    python lambda_process.py floor RESULTS_FD      the same I/O with plain boto3 and requests calls

Commands arrive on stdin, one JSON object a line; for each, one JSON line goes to RESULTS_FD with the
seconds it took and whether its answer was the expected one. The first command's time is therefore the cold
start: importing the handler (or boto3 and requests) and serving the first invocation. Stdout and stderr
are the function's (logs, EMF metrics, warnings). Nothing but the standard library is imported before a
command's clock starts.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

Handler = Callable[[Any, Any], Any]


class ScriptContext:
    """Lambda's context as a script has none: the attributes Powertools reads, and Lambda's longest timeout."""

    function_name = "ApproveCancellationFunction"
    function_version = "$LATEST"
    invoked_function_arn = ""
    memory_limit_in_mb = 0
    aws_request_id = ""
    log_group_name = ""
    log_stream_name = ""

    def __init__(self) -> None:
        self._ends_at = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends_at - time.monotonic()) * 1000))


class Function:
    """The deployed handler, imported lazily so that the first command pays for the import."""

    def __init__(self) -> None:
        # Lambda puts the task root first on sys.path, before the layers (/opt/python).
        sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
        self._handler: Handler | None = None

    def run(self, command: dict[str, Any]) -> Any:
        if self._handler is None:
            import app

            self._handler = app.lambda_handler
        if command["kind"] == "sequential_batch":
            return self._sequential_batch(command["event"])
        return self._handler(command["event"], ScriptContext())

    @staticmethod
    def _sequential_batch(event: dict[str, Any]) -> Any:
        """The pattern most Powertools services use: BatchProcessor, one record after the other, each
        doing exactly what the function's own record handler does."""
        from approval.handlers import sqs
        from aws_lambda_powertools.utilities.batch import (
            BatchProcessor,
            EventType,
            process_partial_response,
        )

        return process_partial_response(
            event=event,
            record_handler=lambda record: sqs._approve_record(record, None),
            processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
        )


class Floor:
    def __init__(self) -> None:
        from plain_io import PlainIO  # not in the function's environment: its imports are the function's

        self._io = PlainIO()

    def run(self, command: dict[str, Any]) -> Any:
        kind = command["kind"]
        if kind == "approve":
            return self._io.approve(command["cancel_id"])
        if kind == "read":
            return self._io.read(command["cancel_id"])
        if kind == "parallel_approvals":
            from concurrent.futures import ThreadPoolExecutor

            self._io.ensure_connected()  # once, before the threads share the clients
            ids = command["cancel_ids"]
            with ThreadPoolExecutor(max_workers=len(ids)) as workers:
                return all(workers.map(self._io.approve, ids))
        raise ValueError(f"unknown floor command {kind!r}")


def as_expected(expect: str, answer: Any) -> bool:
    """Checked after the clock stopped: a figure only counts if the approval really happened."""
    if expect == "true":
        return answer is True
    if expect == "batch":
        return answer == {"batchItemFailures": []}
    if isinstance(answer, dict) and "statusCode" in answer:  # API Gateway proxy response
        # REST proxy responses carry headers in either map, as the resolver chose.
        headers = {**(answer.get("headers") or {}), **(answer.get("multiValueHeaders") or {})}
        replayed = headers.get("Idempotent-Replayed") in ("true", ["true"])
        body = json.loads(answer["body"])
        return answer["statusCode"] == 200 and body["code"] == 0 and replayed == (expect == "replayed")
    return isinstance(answer, dict) and answer.get("code") == 0 and answer["data"]["success"] is True


def main() -> None:
    mode, results_fd = sys.argv[1], int(sys.argv[2])
    server: Function | Floor = Function() if mode == "function" else Floor()
    with os.fdopen(results_fd, "w", buffering=1) as results:
        for line in sys.stdin:
            command = json.loads(line)
            # The Lambda runtime sets the trace header of each invocation in the environment.
            os.environ["_X_AMZN_TRACE_ID"] = command["trace_id"]
            started = time.perf_counter()
            answer = server.run(command)
            seconds = time.perf_counter() - started
            ok = as_expected(command["expect"], answer)
            results.write(json.dumps({"seconds": seconds, "ok": ok, "answer": None if ok else repr(answer)}))
            results.write("\n")


if __name__ == "__main__":
    main()

"""One Lambda execution environment as a process of its own, fed one invocation per JSON line on stdin.

    python local/lambda_runner.py RESULTS_FD TIMEOUT_SECONDS HANDLER [PATH ...]

In local/, with the other stand-ins for what AWS runs, so that tests/ and benchmarks/ both start it and
neither imports the other (function_process.py is the parent's side).

Init, as Lambda's: $LAMBDA_TASK_ROOT first on sys.path (this folder off it; each PATH at the end, for
handlers that are not the function's), HANDLER ("module.function") imported, then {"ready": true,
"seconds": <init>} on RESULTS_FD. Then each stdin line is one invocation with a fresh context of
TIMEOUT_SECONDS: {"event": ..., "handler": another "module.function" or null, "trace_id": "<X-Ray header>"
or null}, answered on RESULTS_FD by {"seconds": ..., "result": ...} or {"seconds": ...,
"error": "<class>", "message": ...}. Stdout and stderr stay the function's (logs, EMF metrics).

For make bench: nothing but json, os, sys, time (and lambda_context.py, which takes two of them) is imported
before the init's clock starts, so that init plus the first invocation is the cold start. For the crash
tests: the process can be killed (SIGKILL) mid-invocation, as Lambda tears a sandbox down.
"""

from __future__ import annotations

import json
import os
import sys
import time

from lambda_context import FakeLambdaContext

# Not `typing.TYPE_CHECKING`: typing would be imported before the clock (mypy reads this name alike).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

    Handler = Callable[[Any, Any], Any]


def load(name: str) -> Handler:
    module, _, function = name.rpartition(".")
    handler: Handler = getattr(__import__(module, fromlist=[function]), function)
    return handler


def say(results: TextIO, **answer: Any) -> None:
    results.write(json.dumps(answer) + "\n")


def serve(results: TextIO, handler_name: str, timeout_seconds: float) -> None:
    started = time.perf_counter()
    handlers = {handler_name: load(handler_name)}
    say(results, ready=True, seconds=time.perf_counter() - started)
    for line in sys.stdin:
        command = json.loads(line)
        # The Lambda runtime sets each invocation's trace header in the environment (none: none).
        if command.get("trace_id"):
            os.environ["_X_AMZN_TRACE_ID"] = command["trace_id"]
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        name = command.get("handler") or handler_name
        context = FakeLambdaContext(timeout_seconds)
        started = time.perf_counter()
        try:
            if name not in handlers:
                handlers[name] = load(name)
            result = handlers[name](command["event"], context)
        except Exception as error:
            seconds = time.perf_counter() - started
            say(results, seconds=seconds, error=type(error).__name__, message=str(error))
        else:
            say(results, seconds=time.perf_counter() - started, result=result)


def main() -> None:
    results_fd, timeout_seconds, handler_name, *paths = sys.argv[1:]
    # Lambda's sys.path: the task root, then the layers and the runtime (PYTHONPATH); the runner's is not the
    # function's.
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    if task_root:
        sys.path.insert(0, task_root)
    sys.path.extend(paths)
    with os.fdopen(int(results_fd), "w", buffering=1) as results:
        serve(results, handler_name, float(timeout_seconds))


if __name__ == "__main__":
    main()

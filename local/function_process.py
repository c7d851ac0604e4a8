"""The parent's side of lambda_runner.py: start a function process, invoke it, read its answers, kill it.

The crash tests start it with the tests' Python and the source layout; make bench with the runtime's Python,
the deployed layout and the environment Lambda would give it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

RUNNER = Path(__file__).with_name("lambda_runner.py")
Output = IO[Any] | int | None


class FunctionProcess:
    """One execution environment: `init_seconds` is its init's (the handler's import); every answer is the
    runner's JSON line, {"seconds", "result"} or {"seconds", "error", "message"}."""

    def __init__(
        self,
        handler: str = "app.lambda_handler",
        *,
        timeout_seconds: float,
        env: Mapping[str, str],
        python: str | Path = sys.executable,
        python_options: Sequence[str] = (),
        paths: Sequence[Path] = (),
        stdout: Output = subprocess.DEVNULL,
        stderr: Output = subprocess.DEVNULL,
        start_timeout: float = 60,
    ) -> None:
        """`stdout` and `stderr` receive the function's own output (Powertools logs, EMF metrics); `paths` go
        at the end of its sys.path, for handlers that are not the function's."""
        reader, writer = os.pipe()
        try:
            self._process = subprocess.Popen(  # noqa: S603 - argv built here, never a shell string
                [str(python), *python_options, str(RUNNER), str(writer), str(timeout_seconds), handler]
                + [str(path) for path in paths],
                stdin=subprocess.PIPE,
                stdout=stdout,
                stderr=stderr,
                env=dict(env),
                pass_fds=(writer,),
            )
        except BaseException:
            os.close(reader)
            raise
        finally:
            os.close(writer)
        assert self._process.stdin is not None
        self._stdin = self._process.stdin
        self._results: int | None = reader
        self._buffer = b""
        try:
            ready = self._read_line(start_timeout)
            if ready.get("ready") is not True:
                raise RuntimeError(f"the function process did not start: {ready!r}")
        except BaseException:
            self.kill()
            raise
        self.init_seconds = float(ready["seconds"])

    def send(self, event: Any, *, handler: str | None = None, trace_id: str | None = None) -> None:
        command = {"event": event, "handler": handler, "trace_id": trace_id}
        self._stdin.write(json.dumps(command).encode() + b"\n")
        self._stdin.flush()

    def answer(self, timeout: float = 30) -> dict[str, Any]:
        return self._read_line(timeout)

    def invoke(
        self, event: Any, *, handler: str | None = None, trace_id: str | None = None, timeout: float = 30
    ) -> dict[str, Any]:
        self.send(event, handler=handler, trace_id=trace_id)
        return self.answer(timeout)

    def kill(self) -> None:
        """SIGKILL: no exception handler, no finally, no flush runs, as when Lambda's sandbox is torn down."""
        if self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=10)
        self._release()

    @property
    def killed(self) -> bool:
        return self._process.poll() == -signal.SIGKILL

    def close(self, timeout: float = 60) -> None:
        """The end of its input: the runner returns once the invocation under way (if any) has answered."""
        self._stdin.close()
        try:
            self._process.wait(timeout=timeout)
        finally:
            if self._process.poll() is None:  # it did not answer in time: not left running
                self.kill()
            self._release()

    def __enter__(self) -> FunctionProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _release(self) -> None:
        self._stdin.close()
        if self._results is not None:
            os.close(self._results)
            self._results = None

    def _read_line(self, timeout: float) -> dict[str, Any]:
        if self._results is None:
            raise RuntimeError("the function process was closed")
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer from the function process within {timeout} s")
            readable, _, _ = select.select([self._results], [], [], left)
            if readable:
                chunk = os.read(self._results, 65536)
                if not chunk:
                    raise RuntimeError(f"the function process ended (exit {self._process.wait()})")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

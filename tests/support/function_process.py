"""A function process of its own, as Lambda runs one, for tests that kill it for real.

`python -m support.function_process TIMEOUT` imports the handler, says {"ready": true}, then serves one
invocation per JSON line on stdin (a fresh Lambda context of TIMEOUT seconds each) and answers one JSON
line on stdout: {"result": ...} or {"error": "<class>", "message": ...}. The parent's environment (moto,
the TikTok emulator) is inherited.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = [
    ROOT / "layers/tiktok_shop",
    ROOT / "functions/approve_cancellation",
    ROOT / "tests",
    ROOT / "local",
]


class FunctionProcess:
    """The parent's side: start, invoke, read the answer, kill with SIGKILL."""

    def __init__(self, timeout_seconds: float, log: IO[str] | None = None) -> None:
        """`log` receives the function's own output (Powertools logs), for a failing test's report."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, PYTHONPATH)), "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "support.function_process", str(timeout_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log if log is not None else subprocess.DEVNULL,
            env=env,
        )
        self._buffer = b""
        ready = self._read_line(timeout=60)
        if ready != {"ready": True}:
            self.kill()
            raise RuntimeError(f"the function process did not start: {ready!r}")

    @property
    def pid(self) -> int:
        return self._process.pid

    def send(self, event: Any) -> None:
        stdin = self._stream(self._process.stdin)
        stdin.write(json.dumps(event).encode() + b"\n")
        stdin.flush()

    def answer(self, timeout: float = 30) -> dict[str, Any]:
        return self._read_line(timeout)

    def invoke(self, event: Any, timeout: float = 30) -> dict[str, Any]:
        self.send(event)
        return self.answer(timeout)

    def kill(self) -> None:
        """SIGKILL: no exception handler, no finally, no flush runs, as when Lambda's sandbox is torn down."""
        if self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=10)
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()

    @property
    def killed(self) -> bool:
        return self._process.poll() == -signal.SIGKILL

    def _read_line(self, timeout: float) -> dict[str, Any]:
        stdout = self._stream(self._process.stdout)
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer from the function process within {timeout} s")
            readable, _, _ = select.select([stdout], [], [], left)
            if readable:
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(f"the function process ended (exit {self._process.wait()})")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    @staticmethod
    def _stream(stream: IO[bytes] | None) -> IO[bytes]:
        if stream is None:
            raise RuntimeError("the function process has no pipe")
        return stream


def serve(timeout_seconds: float) -> None:
    # Powertools logs to stdout: the answers get a stream of their own, the logs go to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr
    import app
    from lambda_context import FakeLambdaContext

    print(json.dumps({"ready": True}), file=answers, flush=True)
    for line in sys.stdin:
        event = json.loads(line)
        try:
            answer: dict[str, Any] = {
                "result": app.lambda_handler(event, FakeLambdaContext(timeout_seconds=timeout_seconds))
            }
        except Exception as error:
            answer = {"error": type(error).__name__, "message": str(error)}
        print(json.dumps(answer), file=answers, flush=True)


if __name__ == "__main__":
    serve(float(sys.argv[1]))

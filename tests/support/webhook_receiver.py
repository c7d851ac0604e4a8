"""A webhook receiver on 127.0.0.1 for the emulator's webhook tests: records every POST and answers with the
statuses it is given, in order (then 200), optionally after waiting for the test's go-ahead."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes
    at: float
    """time.monotonic() on arrival."""

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, answers: Iterable[int] = ()) -> None:
        self.answers = list(answers)
        self.received: list[Received] = []
        self.go_ahead = threading.Event()
        self.go_ahead.set()
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.go_ahead.wait(10)
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body, time.monotonic()))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver._lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/tiktok"

    def bodies(self) -> list[Any]:
        with self._lock:
            return [item.json() for item in self.received]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self._lock:
            self._lock.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.go_ahead.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

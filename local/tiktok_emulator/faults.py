"""Failures the emulator can be told to produce, and the queue that hands them out one request at a time."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeGuard, get_args

from tiktok_emulator import codes
from tiktok_emulator.wire import Answer, envelope, html_answer

FaultKind = Literal[
    "latency",
    "http_429",
    "http_500",
    "http_503",
    "code_36009003",
    "drop",
    "read_timeout",
    "html",
    "lost_answer",
]
FAULT_KINDS: Final[frozenset[str]] = frozenset(get_args(FaultKind))

# Long enough that any sane client read timeout fires first; stop() cuts the wait short anyway.
READ_TIMEOUT_DEFAULT_DELAY: Final = 5.0


_ENVELOPES: Final[dict[str, tuple[int, int, str]]] = {
    "http_429": (429, codes.TOO_MANY_REQUESTS, "Too many requests. Please retry after a while."),
    "http_500": (500, codes.INTERNAL_ERROR, "Internal error. Please try again"),
    "code_36009003": (200, codes.INTERNAL_ERROR, "Internal error. Please try again"),
    "read_timeout": (504, codes.REQUEST_TIMEOUT, "Request timeout. Please try again"),
}


def is_fault_kind(value: object) -> TypeGuard[FaultKind]:
    return isinstance(value, str) and value in FAULT_KINDS


@dataclass(frozen=True)
class Fault:
    """One failure, applied before any check or state change, so a faulted request changes nothing.

    - latency: wait `delay` seconds, then answer normally (this one does reach the endpoint);
      `delay` means nothing to the other kinds but read_timeout;
    - http_429: HTTP 429 with code 36009002; http_500: HTTP 500 with code 36009003;
    - http_503: HTTP 503 with an HTML page and no TikTok code, as the load balancer in front answers;
    - code_36009003: HTTP 200 with code 36009003, TikTok's usual way of reporting a transient error;
    - drop: close the connection at once without answering;
    - read_timeout: say nothing for `delay` seconds (default 5), then answer HTTP 504 with code 36009007;
    - html: a "502 Bad Gateway" HTML page with HTTP `status` (default 200);
    - lost_answer: process the request (an approval is applied), wait `delay` seconds (default 0), then
      close the connection without answering: TikTok acted, the client cannot know. The one kind that
      changes state.
    """

    kind: FaultKind
    delay: float | None = None
    status: int | None = None

    def __post_init__(self) -> None:
        if not is_fault_kind(self.kind):
            raise ValueError(f"fault kind must be one of {sorted(FAULT_KINDS)}, got {self.kind!r}")
        if self.delay is not None and not (math.isfinite(self.delay) and self.delay >= 0):
            raise ValueError(f"fault delay must be a non-negative number of seconds, got {self.delay!r}")
        if self.status is not None and (self.kind != "html" or not 100 <= self.status <= 599):
            raise ValueError("a fault status is only for kind 'html', and must be an HTTP status")

    @property
    def wait_seconds(self) -> float:
        """Only latency and read_timeout wait; the other kinds ignore `delay`, so that one parametrized
        test can pass the same delay to every kind and still get an immediate drop or error."""
        if self.kind == "latency":
            return self.delay or 0.0
        if self.kind == "read_timeout":
            return READ_TIMEOUT_DEFAULT_DELAY if self.delay is None else self.delay
        return 0.0

    @property
    def answer_delay(self) -> float:
        """lost_answer's wait after processing, before the connection is closed."""
        return (self.delay or 0.0) if self.kind == "lost_answer" else 0.0

    @property
    def client_gives_up(self) -> bool:
        """Whether the client is meant to see no answer: such calls are recorded with status 0."""
        return self.kind in {"drop", "read_timeout", "lost_answer"}

    def canned_answer(self, request_id: str) -> Answer | None:
        """The answer that replaces the endpoint's, or None when the request goes on (latency) or gets
        no answer at all (drop)."""
        if self.kind in _ENVELOPES:
            http_status, code, message = _ENVELOPES[self.kind]
            return envelope(code, message, request_id, http_status=http_status)
        if self.kind == "http_503":
            return html_answer(503, "503 Service Temporarily Unavailable")
        if self.kind == "html":
            return html_answer(self.status or 200, "502 Bad Gateway")
        return None

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "delay": self.delay, "status": self.status}


@dataclass
class _ArmedFault:
    fault: Fault
    cancel_id: str | None
    remaining: int | None


class FaultPlan:
    """Faults in the order they were injected; each request takes the first one that targets it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_ArmedFault] = []

    def inject(self, fault: Fault, cancel_id: str | None = None, times: int | None = 1) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, or None for 'until cleared', got {times!r}")
        with self._lock:
            self._armed.append(_ArmedFault(fault, cancel_id, times))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, cancel_id: str | None) -> Fault | None:
        with self._lock:
            for armed in self._armed:
                if armed.cancel_id is not None and armed.cancel_id != cancel_id:
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        self._armed.remove(armed)
                return armed.fault
        return None

    def to_json(self) -> list[dict[str, object]]:
        with self._lock:
            return [
                {**armed.fault.to_json(), "cancel_id": armed.cancel_id, "times": armed.remaining}
                for armed in self._armed
            ]


def fault_from_json(raw: object) -> Fault:
    """Reads `{"kind", "delay"?, "status"?}` (Fault.to_json's shape), as the inject_fault control takes it."""
    if not isinstance(raw, Mapping):
        raise ValueError(
            f'fault must be an object, {{"kind": ..., "delay"?: ..., "status"?: ...}}, got {raw!r}'
        )
    unknown = set(raw) - {"kind", "delay", "status"}
    if unknown:
        raise ValueError(f"fault has unknown keys {sorted(unknown)}; expected kind, delay, status")
    kind, delay, status = raw.get("kind"), raw.get("delay"), raw.get("status")
    if not is_fault_kind(kind):
        raise ValueError(f"fault kind must be one of {sorted(FAULT_KINDS)}, got {kind!r}")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, int | float)):
        raise ValueError(f"fault delay must be a number of seconds, got {delay!r}")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        raise ValueError(f"fault status must be an integer, got {status!r}")
    return Fault(kind, None if delay is None else float(delay), status)

"""Every API request the emulator received, in arrival order, with what it answered.

The auth host's token endpoints carry the app secret, the refresh token and the authorization code in their
query: those values are never recorded (the key stays, its value is "***"), so that the `calls` control,
a test failure or a printed call list cannot show them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

REDACTED: Final = "***"
REDACTED_QUERY_KEYS: Final = frozenset({"app_secret", "refresh_token", "auth_code"})
"""Query parameters whose values the recorder never keeps (the token endpoints' credentials)."""


def redacted_query(query: Mapping[str, str]) -> dict[str, str]:
    """`query` with the values of REDACTED_QUERY_KEYS replaced by "***"."""
    return {name: REDACTED if name in REDACTED_QUERY_KEYS else value for name, value in query.items()}


@dataclass(frozen=True)
class RecordedCall:
    method: str
    path: str
    query: dict[str, str]
    """As received, except the values of REDACTED_QUERY_KEYS (see redacted_query)."""
    headers: dict[str, str]
    body: bytes
    cancel_id: str | None
    status: int
    """HTTP status answered; 0 while the answer is pending, or when the client got none (drop,
    read_timeout)."""
    code: int | None
    """TikTok's code answered, None for answers without one (HTML pages, no answer)."""
    timestamp: float
    """Emulator clock at arrival."""

    def to_json(self) -> dict[str, object]:
        fields = dataclasses.asdict(self)
        fields["body"] = self.body.decode(errors="replace")
        return fields


@dataclass
class CallTicket:
    """Where an arrived call sits in the record until its answer is known."""

    call: RecordedCall


class CallRecorder:
    """Thread-safe: handler threads add calls while tests read them.

    A call is recorded on arrival, so a test that gave up waiting (read_timeout) still sees it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets: list[CallTicket] = []

    def arrived(self, call: RecordedCall) -> CallTicket:
        ticket = CallTicket(call)
        with self._lock:
            self._tickets.append(ticket)
        return ticket

    def answered(self, ticket: CallTicket, status: int, code: int | None) -> None:
        with self._lock:
            ticket.call = dataclasses.replace(ticket.call, status=status, code=code)

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return [ticket.call for ticket in self._tickets]

    def count(self, cancel_id: str | None = None) -> int:
        """All calls, or only those for `cancel_id`."""
        calls = self.calls
        if cancel_id is None:
            return len(calls)
        return sum(1 for call in calls if call.cancel_id == cancel_id)

    def clear(self) -> None:
        with self._lock:
            self._tickets.clear()

"""Deadlines as absolute Unix times: the moment a piece of work must end by, so that every step after it
(a retry, a wait for a request slot) measures what is left against the same clock."""

from __future__ import annotations

import time


def invocation_deadline(context: object | None, margin_seconds: float) -> float | None:
    """`margin_seconds` before the invocation ends; None without a Lambda context (a script, a test):
    whatever has Lambda's `get_remaining_time_in_millis`."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    remaining_seconds: float = remaining() / 1000
    return time.time() + remaining_seconds - margin_seconds


def earliest(*deadlines: float | None) -> float | None:
    """The first of the known deadlines; None when none is known."""
    known = [deadline for deadline in deadlines if deadline is not None]
    return min(known) if known else None

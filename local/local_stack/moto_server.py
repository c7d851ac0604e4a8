"""moto's server, as `moto_server` runs it, with fixes to its SQS backend so that a deep queue drains as
SQS does. `python -m local_stack.moto_server -H host -p port` (what `moto_server` takes), with `local/` on the
path; the local stack starts every moto server through it. Written for moto 5.2.5.

- Speed. moto checks every message it hands out against the queue's retention period by asking for the
  queue's attributes, which recomputes all of them, three scans of every queued message, three times per
  message. With 2,000 queued a receive of 10 costs about half a second of moto's CPU, and a backlog drains
  at a few messages per second whatever the function does (py-spy: 51% of the server's time in
  `Queue.attributes`). The fix reads the retention period off the queue: the same comparison on the same
  value, without the scans.
- Speed, again: those scans, and every visibility check, read the clock through moto's `unix_time`, which
  builds two datetimes per call (a few microseconds, times every queued message per receive). The fix gives
  moto's SQS module the same clock from `time.time()`.
- Atomicity. moto's threaded server runs requests at once, and its queue rebuilds the message list to
  delete one: two deletes at the same moment lose one of the removals, and that deleted message comes back
  after its visibility timeout (measured: 15 of 2,000 in one drain), which SQS never does. The fix runs each
  delete and each receive under the queue's own lock, the one moto already holds to add a message; a
  long-polling receive releases it while it waits.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import wraps
from typing import Any

from moto.core import utils as moto_utils
from moto.server import main as moto_main
from moto.sqs import models as sqs_models
from moto.sqs.models import Message, Queue, SQSBackend


def within_retention(backend: SQSBackend, queue_name: str, message: Message) -> bool:
    """moto's own rule (kept while sent + retention lies ahead), read from the queue's attribute."""
    queue = backend.get_queue(queue_name)
    retention = queue.message_retention_period  # type: ignore[attr-defined]  # set by name from the attributes
    retain_until = float(retention) + float(message.sent_timestamp or 0) / 1000
    return retain_until > time.time()


def unix_time(dt: datetime | None = None) -> float:
    """moto's `unix_time`: seconds since the epoch, of `dt` (naive UTC) or of now."""
    return time.time() if dt is None else moto_utils.unix_time(dt)


def unix_time_millis(dt: datetime | None = None) -> float:
    """moto's `unix_time_millis`: milliseconds since the epoch, of `dt` (naive UTC) or of now."""
    return time.time() * 1000.0 if dt is None else moto_utils.unix_time_millis(dt)


def _holding_the_queue_lock(
    method: Callable[..., Any], queue_of: Callable[[Any, str], Queue]
) -> Callable[..., Any]:
    """`method` run under its queue's lock, a Condition: moto's wait for messages inside a receive releases
    it while it waits."""

    @wraps(method)
    def locked(owner: Any, name_or_handle: str, *args: Any, **kwargs: Any) -> Any:
        with queue_of(owner, name_or_handle)._messages_lock:
            return method(owner, name_or_handle, *args, **kwargs)

    return locked


# What install() replaces: (owner, attribute, the replacement made from moto's original).
FIXES: tuple[tuple[Any, str, Callable[[Callable[..., Any]], Callable[..., Any]]], ...] = (
    (SQSBackend, "is_message_valid_based_on_retention_period", lambda _: within_retention),
    (SQSBackend, "receive_message", lambda receive: _holding_the_queue_lock(receive, SQSBackend.get_queue)),
    (Queue, "delete_message", lambda delete: _holding_the_queue_lock(delete, lambda queue, _: queue)),
    (sqs_models, "unix_time", lambda _: unix_time),
    (sqs_models, "unix_time_millis", lambda _: unix_time_millis),
)


def install() -> dict[str, Callable[..., Any]]:
    """Put the fixes in place; returns moto's originals by name (for the tests that compare them). Refuses to
    start if moto no longer has what it replaces: a newer moto needs these fixes re-examined."""
    originals = {name: getattr(owner, name, None) for owner, name, _ in FIXES}
    missing = [name for name, original in originals.items() if original is None]
    if missing:
        raise SystemExit(
            f"moto has no {', '.join(missing)}: local/local_stack/moto_server.py was written for moto 5.2.5; "
            "check whether the new version still scans the queue per message and rebuilds its message list "
            "unlocked, then update or drop the fixes"
        )
    for owner, name, fix in FIXES:
        setattr(owner, name, fix(originals[name]))  # type: ignore[arg-type]
    return originals  # type: ignore[return-value]


def main(argv: Sequence[str] | None = None) -> None:
    install()
    moto_main(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()

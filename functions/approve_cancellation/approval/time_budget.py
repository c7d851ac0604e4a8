"""Every number an approval's time depends on, in one place, and what they add up to.

An invocation's TikTok work ends at its deadline: `DEADLINE_MARGIN_SECONDS` before the earlier of the
invocation's end (the template's Timeout) and API Gateway's wait (29 s, API requests only). Inside that:
- the approval call stops `RECONCILIATION_RESERVE_SECONDS` early (at most a third of the time left), so
  Search Cancellations can still settle an unclear answer;
- the layer's retry policy starts no retry with less than `TIKTOK_MIN_ATTEMPT_SECONDS` left (the first
  attempt needs only some time), and each attempt's (connect, read) timeouts are clipped to the time left
  once it has its slot, so no TikTok call outlives the deadline;
- the rate limiter reserves no slot later than `LIMITER_MIN_CALL_SECONDS` before the deadline and starts no
  write to its store after that moment, and each write gives up within that time, so a reservation never
  outlives the deadline either.
After the deadline the margin holds the idempotency record's update and the answer. That store keeps
botocore's own timeouts and retries: a shorter read timeout would let a retried conditional write find its
own in-progress record and answer "in progress" to itself. A store slower than the margin ends the
invocation by its Timeout; the in-progress record expires with it and the retry reconciles.

tests/unit/test_time_budget.py checks these numbers against each other and against template.yaml.
"""

from __future__ import annotations

import time
from typing import Final

# --- set in template.yaml (checked by the test) ---------------------------------------------------------
FUNCTION_TIMEOUT_SECONDS: Final = 30  # Globals.Function.Timeout
SQS_BATCHING_WINDOW_SECONDS: Final = 1  # the queue event's MaximumBatchingWindowInSeconds
# Lambda's guidance: at least 6 x the function's timeout plus the batching window, or a message whose
# invocation Lambda is still retrying reappears and runs twice in parallel.
QUEUE_VISIBILITY_TIMEOUT_SECONDS: Final = 190

# --- AWS's, not ours --------------------------------------------------------------------------------------
# API Gateway REST answers 504 on its own after 29 s, counted from when it received the request.
API_GATEWAY_TIMEOUT_SECONDS: Final = 29.0

# --- the deadline -----------------------------------------------------------------------------------------
# The default of DEADLINE_MARGIN_SECONDS: kept after the deadline for the record's update and the answer.
DEADLINE_MARGIN_SECONDS: Final = 2.0
RECONCILIATION_RESERVE_SECONDS: Final = 1.0
# ... and never more than this share of the time left, so a short invocation still tries the approval.
RECONCILIATION_RESERVE_SHARE: Final = 1 / 3

# --- TikTok calls (passed to the tiktok_shop layer explicitly) -------------------------------------------
# Connect a little over a multiple of 3 s (TCP's retransmission window), read well over TikTok's seconds.
TIKTOK_CONNECT_TIMEOUT_SECONDS: Final = 3.05
TIKTOK_READ_TIMEOUT_SECONDS: Final = 10.0
TIKTOK_MAX_ATTEMPTS: Final = 4
# Full-jitter backoff: after the n-th failure, uniform in [0, min(max, base x 2^(n-1))]; a Retry-After
# longer than that is waited for, up to the max.
TIKTOK_BASE_DELAY_SECONDS: Final = 0.2
TIKTOK_MAX_DELAY_SECONDS: Final = 5.0
TIKTOK_MIN_ATTEMPT_SECONDS: Final = 0.5

# --- the rate limiter -------------------------------------------------------------------------------------
LIMITER_MIN_CALL_SECONDS: Final = 1.0
# Without a deadline (a script), never wait longer than this for a slot.
LIMITER_MAX_WAIT_SECONDS: Final = 10.0
# One attempt, no retry: a store that does not answer at once is skipped (the limiter fails open; TikTok's
# own 429 is retried), rather than waited for.
LIMITER_STORE_CONNECT_TIMEOUT_SECONDS: Final = 0.25
LIMITER_STORE_READ_TIMEOUT_SECONDS: Final = 0.75
LIMITER_STORE_ATTEMPTS: Final = 1


def tiktok_timeout() -> tuple[float, float]:
    return (TIKTOK_CONNECT_TIMEOUT_SECONDS, TIKTOK_READ_TIMEOUT_SECONDS)


def tiktok_attempt_worst_case() -> float:
    """The longest one TikTok attempt can take when the deadline does not clip it."""
    return TIKTOK_CONNECT_TIMEOUT_SECONDS + TIKTOK_READ_TIMEOUT_SECONDS


def tiktok_unclipped_worst_case() -> float:
    """Every attempt timing out, the longest backoffs between them, then one Search Cancellations attempt:
    what the deadline cuts short."""
    backoffs = sum(
        min(TIKTOK_MAX_DELAY_SECONDS, TIKTOK_BASE_DELAY_SECONDS * 2.0 ** (failure - 1))
        for failure in range(1, TIKTOK_MAX_ATTEMPTS)
    )
    return TIKTOK_MAX_ATTEMPTS * tiktok_attempt_worst_case() + backoffs + tiktok_attempt_worst_case()


def limiter_store_worst_case() -> float:
    """The longest one write to the limiter's store can take before the limiter gives up on it."""
    return LIMITER_STORE_ATTEMPTS * (
        LIMITER_STORE_CONNECT_TIMEOUT_SECONDS + LIMITER_STORE_READ_TIMEOUT_SECONDS
    )


def tiktok_window(*, api: bool, function_timeout: float = FUNCTION_TIMEOUT_SECONDS) -> float:
    """Seconds from the start of an invocation to the approval call's deadline, with the full reserve."""
    wait = min(function_timeout, API_GATEWAY_TIMEOUT_SECONDS) if api else function_timeout
    return wait - DEADLINE_MARGIN_SECONDS - RECONCILIATION_RESERVE_SECONDS


def least_time_to_try() -> float:
    """The least time an invocation can have left and still call TikTok once, with the rate limiter on
    (the template's default); with less, the approval is OUT_OF_TIME and nothing is sent."""
    # The call's deadline is x - min(reserve, share * x) from now, x being the time before the deadline;
    # the limiter needs LIMITER_MIN_CALL_SECONDS of it. Solved for the smallest x.
    call, reserve, share = (
        LIMITER_MIN_CALL_SECONDS,
        RECONCILIATION_RESERVE_SECONDS,
        RECONCILIATION_RESERVE_SHARE,
    )
    return DEADLINE_MARGIN_SECONDS + min(call / (1 - share), call + reserve)


def api_request_deadline(request_time_epoch_ms: int | None, margin_seconds: float) -> float | None:
    """An absolute Unix time `margin_seconds` before API Gateway would stop waiting for this request."""
    if not request_time_epoch_ms:
        return None
    gives_up_at = request_time_epoch_ms / 1000 + API_GATEWAY_TIMEOUT_SECONDS
    if not 0 < gives_up_at - time.time() <= API_GATEWAY_TIMEOUT_SECONDS:
        # No caller can still be waiting: a replayed or hand-written event (sam local, tests). Ignore it.
        return None
    return gives_up_at - margin_seconds

"""Retries with exponential backoff and full jitter, bounded by attempts and by the caller's deadline.

Hand-written rather than urllib3's `Retry`: that one resends the same signed URL and cannot see the
TikTok codes inside HTTP 200 answers, while every attempt here needs a fresh timestamp and sign.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .codes import ErrorCategory
from .errors import DeadlineReached, TikTokAPIError

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. `retry_on` names the failure categories worth another try."""

    max_attempts: int = 4
    base_delay: float = 0.2
    max_delay: float = 5.0
    retry_on: frozenset[ErrorCategory] = frozenset({ErrorCategory.TRANSIENT})
    # An attempt that cannot get this much time before the deadline is not started.
    min_attempt_time: float = 0.5
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    jitter: Callable[[float, float], float] = field(default=random.uniform, compare=False, repr=False)
    # Told after every attempt: its number and its error (None on success). For metrics, not control.
    on_attempt: Callable[[int, TikTokAPIError | None], None] | None = field(
        default=None, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("delays must satisfy 0 <= base_delay <= max_delay")

    @classmethod
    def no_retries(cls) -> RetryPolicy:
        return cls(max_attempts=1)

    def backoff(self, attempt: int) -> float:
        """Delay after the `attempt`-th failure: uniform in [0, min(cap, base * 2^(attempt-1))]."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self.jitter(0.0, ceiling)

    def should_retry(self, error: TikTokAPIError, attempt: int) -> bool:
        return attempt < self.max_attempts and error.category in self.retry_on

    def call(self, operation: Callable[[float | None], T], *, deadline: float | None = None) -> T:
        """Run `operation(time_left)` until it succeeds, fails permanently, or runs out of attempts or time.

        `deadline` is an absolute time on `clock` (Unix seconds by default); `time_left` tells the
        operation how long its own network wait may last (None: no deadline).
        """
        attempt = 0
        previous: TikTokAPIError | None = None
        while True:
            attempt += 1
            time_left = None if deadline is None else deadline - self.clock()
            try:
                if time_left is not None and time_left <= 0:
                    raise DeadlineReached("no time left before the deadline; request not sent")
                result = operation(time_left)
            except DeadlineReached as error:
                # Nothing sent this time: an earlier attempt's error is what is known of TikTok.
                error.attempts = attempt
                raise previous or error from None
            except TikTokAPIError as error:
                error.attempts = attempt
                previous = error
                self._report(attempt, error)
                if not self.should_retry(error, attempt):
                    raise
                delay = self.backoff(attempt)
                if error.retry_after is not None:
                    delay = max(delay, min(error.retry_after, self.max_delay))
                if deadline is not None and self.clock() + delay + self.min_attempt_time > deadline:
                    logger.warning(
                        "giving up before the deadline", extra={"attempt": attempt, "code": error.code}
                    )
                    raise
                logger.info(
                    "retrying TikTok call",
                    extra={"attempt": attempt, "code": error.code, "delay": round(delay, 3)},
                )
                self.sleep(delay)
            else:
                self._report(attempt, None)
                return result

    def _report(self, attempt: int, error: TikTokAPIError | None) -> None:
        if self.on_attempt is not None:
            self.on_attempt(attempt, error)

"""TikTok's rate limit: 50 requests per second per API, counted per app and shop (tiktok-shop-api.md).

TikTok does not document its algorithm; the emulator counts strictly, over a sliding one-second window, on
each request's arrival (before any injected latency, as a gateway in front of the API would), so that a
client that bursts above the rate at any moment meets HTTP 429 with code 36009002 as it would at the
strictest reading of the limit. Requests with another app's key are not counted.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Final

DEFAULT_RATE_LIMIT: Final = 50.0
WINDOW_SECONDS: Final = 1.0


class RateLimit:
    """`limit` requests per sliding second per (app_key, shop, endpoint); None: no limit."""

    def __init__(
        self, limit: float | None = DEFAULT_RATE_LIMIT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._limit = limit
        self._recent: dict[tuple[str, str, str], deque[float]] = {}
        self._rejected = 0
        self._admitted = 0

    @property
    def limit(self) -> float | None:
        return self._limit

    def set_limit(self, limit: float | None) -> None:
        if limit is not None and not limit > 0:
            raise ValueError(
                f"the rate limit must be a positive number of requests per second, got {limit!r}"
            )
        with self._lock:
            self._limit = limit
            self._recent.clear()

    def admit(self, app_key: str, shop: str, endpoint: str) -> bool:
        """Counts the request; False when it is over the limit (it is then not counted as admitted)."""
        with self._lock:
            if self._limit is None:
                self._admitted += 1
                return True
            now = self._clock()
            recent = self._recent.setdefault((app_key, shop, endpoint), deque())
            while recent and recent[0] <= now - WINDOW_SECONDS:
                recent.popleft()
            if len(recent) >= self._limit:
                self._rejected += 1
                return False
            recent.append(now)
            self._admitted += 1
            return True

    def counts(self) -> dict[str, object]:
        with self._lock:
            return {"limit": self._limit, "admitted": self._admitted, "rejected": self._rejected}

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._rejected = 0
            self._admitted = 0

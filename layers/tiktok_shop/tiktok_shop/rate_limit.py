"""The hook through which a client paces its requests under TikTok's rate limit (50 requests per second
per API, counted per app and shop). The layer only calls it; a limiter shared by every process that calls
for a shop (the approval function's lives in DynamoDB) implements it."""

from __future__ import annotations

from typing import Protocol

from .errors import TikTokShopError


class RequestSlotUnavailable(TikTokShopError):
    """No request slot before the deadline: the request was not sent. Ask again after `retry_after` s."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class RateLimiter(Protocol):
    def acquire(self, app_key: str, shop_cipher: str, deadline: float | None, api: str = "") -> None:
        """Return when this request may be sent (waiting if need be); raise RequestSlotUnavailable when the
        schedule has no slot before `deadline` (a Unix time; None: no deadline), and DeadlineReached when
        the deadline leaves the request no time at all, whatever the schedule. `api` names the endpoint
        (its path template): TikTok counts each API's calls apart, so each gets a schedule of its own."""
        ...

"""Typed errors. None of them ever carries a secret, an access token, a sign or a signed URL."""

from __future__ import annotations

from .codes import ErrorCategory, categorize


class TikTokShopError(Exception):
    """Base of every error this package raises."""


class TikTokValidationError(TikTokShopError, ValueError):
    """The request was refused before anything was sent: an argument is missing or malformed."""


class CredentialsError(TikTokShopError, ValueError):
    """The credentials secret is unreadable, not a JSON object, or lacks a key. Names keys, never values."""


class CredentialsUnavailableError(TikTokShopError):
    """The credentials secret could not be read just now (throttling, a timeout, a Secrets Manager fault)."""


class TikTokAPIError(TikTokShopError):
    """TikTok answered with a failure, or did not answer usably.

    `code` is TikTok's code, or the HTTP status when the body carries none; `http_status` is None when
    no HTTP answer arrived at all (see `TikTokTransportError`).
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None,
        request_id: str | None = None,
        http_status: int | None = None,
        category: ErrorCategory | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status
        self.category = category or categorize(code, http_status)
        self.retry_after = retry_after
        self.attempts = attempts

    @property
    def retryable(self) -> bool:
        return self.category is ErrorCategory.TRANSIENT

    @property
    def token_expired(self) -> bool:
        return self.category is ErrorCategory.TOKEN_EXPIRED

    def __str__(self) -> str:
        details = [f"code={self.code}", f"http_status={self.http_status}", f"request_id={self.request_id}"]
        details.append(f"retryable={self.retryable}")
        if self.attempts > 1:
            details.append(f"attempts={self.attempts}")
        return f"{self.message} ({', '.join(details)})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}, request_id={self.request_id!r})"


class TikTokTransportError(TikTokAPIError):
    """No HTTP answer: connection refused or reset, a timeout, a TLS failure."""

    def __init__(
        self, message: str, *, retryable: bool = True, timed_out: bool = False, attempts: int = 1
    ) -> None:
        self.timed_out = timed_out
        super().__init__(
            message,
            code=None,
            http_status=None,
            category=ErrorCategory.TRANSIENT if retryable else ErrorCategory.CONFIGURATION,
            attempts=attempts,
        )


class DeadlineReached(TikTokTransportError):
    """The deadline left no time to send the request: this attempt sent nothing. Never retried; after an
    earlier failed attempt, that attempt's error is raised instead, since it says what TikTok may have
    seen."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message, retryable=True, timed_out=True, attempts=attempts)

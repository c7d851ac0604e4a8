"""Why an approval failed, as types, and what each means for every caller, in one table (OUTCOMES).

Their class names are the Lambda error types a direct caller (Step Functions) can Retry or Catch by name;
the API answers each with its row's HTTP status, SQS redelivers the retryable ones and parks the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Final

from shop_directory import ShopDirectoryError, ShopDirectoryUnavailable
from tiktok_shop import (
    CredentialsError,
    CredentialsUnavailableError,
    DeadlineReached,
    ErrorCategory,
    RequestSlotUnavailable,
    TikTokAPIError,
    TikTokTransportError,
    TikTokValidationError,
)

from .models import ApprovalResult


class ApprovalError(Exception):
    """Base: carries TikTok's code, message and request_id when TikTok answered. What each kind means for
    a caller (status, HTTP status, retry, metric reason) is its row in OUTCOMES below."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        cancel_status: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        # TikTok's cancel_status, when Search Cancellations was asked (see reconciliation.py).
        self.cancel_status = cancel_status
        # Seconds after which asking again makes sense, when this error knows (the API's Retry-After).
        self.retry_after = retry_after

    @property
    def outcome(self) -> Outcome:
        return outcome_of(type(self))

    @property
    def status(self) -> str:
        return self.outcome.status

    @property
    def retryable(self) -> bool:
        return self.outcome.retryable

    @property
    def reason(self) -> str:
        return self.outcome.reason

    def to_result(self, fallback_code: int) -> ApprovalResult:
        code = self.code if self.code is not None else fallback_code
        return ApprovalResult.failed(
            code=code,
            message=self.message,
            request_id=self.request_id,
            status=self.status,
            cancel_status=self.cancel_status,
        )

    def answer_headers(self) -> dict[str, str]:
        """Headers the API adds to this error's answer besides Retry-After (none by default)."""
        return {}

    def __str__(self) -> str:
        """The message, then what is known of TikTok's answer, in words: `... (TikTok code 25001045,
        request 2026...)`, or the message alone. Lambda makes it a direct caller's errorMessage (Step
        Functions: the error's cause); the class name is the errorType, which a Retry or Catch matches."""
        known = self._known_details()
        return f"{self.message} ({', '.join(known)})" if known else self.message

    def _known_details(self) -> list[str]:
        """What the message does not say already."""
        details = []
        if self.code is not None:
            # The layer's code is the HTTP status when TikTok's body had none; TikTok's own have 6+ digits.
            details.append(f"HTTP {self.code}" if 100 <= self.code <= 599 else f"TikTok code {self.code}")
        if self.request_id:
            details.append(f"request {self.request_id}")
        details = [detail for detail in details if detail not in self.message]
        if self.cancel_status and self.cancel_status not in self.message:
            details.append(f"cancellation status {self.cancel_status}")
        return details


class InvalidApprovalRequest(ApprovalError):
    """The request is malformed (checked here, or refused by TikTok as such)."""


class CancellationNotFound(ApprovalError):
    """TikTok knows no such order or cancellation."""


class ShopNotFound(ApprovalError):
    """The request names a shop_id the shop directory does not hold: nothing was sent to TikTok."""


class ShopInactive(ApprovalError):
    """The shop's seller de-authorized the app (TikTok's webhook type 6): its directory entry is marked
    inactive and nothing is sent to TikTok until the seller authorizes again (make authorize)."""


class ApprovalForbidden(ApprovalError):
    """The order is not this shop's to decide."""


class CancellationConflict(ApprovalError):
    """The cancellation cannot be approved in its current state (already decided, shipped, withdrawn)."""


class ApprovalInProgress(ApprovalError):
    """The same approval is running in another invocation right now."""


class IdempotencyKeyReused(ApprovalError):
    """The idempotency key was used before for another cancel_id."""


class UpstreamConfigurationError(ApprovalError):
    """Credentials, sign, token, scope or secret problems: a person has to fix the configuration."""


class UpstreamError(ApprovalError):
    """TikTok answered with a code this project does not know."""


class TikTokUnavailable(ApprovalError):
    """TikTok (or the idempotency store) kept failing transiently until the retries or the time ran out."""


class RateLimited(TikTokUnavailable):
    """The shop's shared request schedule had no slot before the deadline: nothing was sent to TikTok."""


class TikTokTimeout(TikTokUnavailable):
    """TikTok did not answer in time."""


class OutOfTime(TikTokUnavailable):
    """The invocation, or API Gateway's wait, was nearly over before TikTok could be called: nothing was
    sent. Not TikTok's doing, nor the rate limit's."""


class RouteNotFound(ApprovalError):
    """An API event for a path this function does not serve (only a hand-made event reaches the function:
    API Gateway answers an unknown path itself)."""


class MethodNotAllowed(ApprovalError):
    """An API event whose method is not the route's (hand-made only, as RouteNotFound)."""

    def __init__(self, message: str, *, allow: str) -> None:
        super().__init__(message)
        self.allow = allow

    def answer_headers(self) -> dict[str, str]:
        return {"Allow": self.allow}


class InternalError(ApprovalError):
    """A bug: an exception no rule expected, answered over HTTP in the result's shape (logged with its
    stack); a direct or SQS invocation raises the exception itself."""


@dataclass(frozen=True)
class Outcome:
    """What one kind of failure is for every caller. `retryable`: asking again later may succeed (SQS
    redelivers it, the API says Retry-After); otherwise SQS parks it in the dead-letter queue at once."""

    status: str  # the result's data.status
    http_status: HTTPStatus  # the API's answer
    retryable: bool
    reason: str  # the ApprovalFailed metric's dimension
    when: str  # for the README's error table, besides the TikTok codes of the error's categories
    # The API's Retry-After, in seconds, when the error itself knows no better (RateLimited does).
    retry_after: int | None = None
    # Only the API adapter answers it (an API event's route or method, a bug): no SQS or direct row.
    api_only: bool = False


# THE table: each trigger, the metrics and the README's error table read it (scripts/error_table.py).
OUTCOMES: Final[dict[type[ApprovalError], Outcome]] = {
    InvalidApprovalRequest: Outcome(
        status="INVALID_REQUEST",
        http_status=HTTPStatus.BAD_REQUEST,
        retryable=False,
        reason="InvalidRequest",
        when=(
            "malformed cancel_id, shop_id or key, conflicting keys; no shop_id where the deployment "
            "has no default shop; a malformed API Gateway event, or one whose `pathParameters` disagree "
            "with its `path`; an event of "
            "another AWS service (HTTP API, EventBridge, SNS, S3, a stream)"
        ),
    ),
    ApprovalForbidden: Outcome(
        status="NO_PERMISSION",
        http_status=HTTPStatus.FORBIDDEN,
        retryable=False,
        reason="Forbidden",
        when="the order is not this shop's",
    ),
    CancellationNotFound: Outcome(
        status="CANCELLATION_NOT_FOUND",
        http_status=HTTPStatus.NOT_FOUND,
        retryable=False,
        reason="NotFound",
        when="no such order or cancellation",
    ),
    ShopNotFound: Outcome(
        status="SHOP_NOT_FOUND",
        http_status=HTTPStatus.NOT_FOUND,
        retryable=False,
        reason="ShopNotFound",
        when="the shop_id is not in the shop directory (`make shops` lists it); TikTok is not called",
    ),
    # 403, not 404 or 503: the shop is known, and we may no longer act for it (the seller withdrew the
    # app's access). Permanent: only the seller can undo it, days later if ever, so SQS parks the request
    # at once (redrive it after make authorize) rather than burning its retries against TikTok's refusal.
    ShopInactive: Outcome(
        status="SHOP_INACTIVE",
        http_status=HTTPStatus.FORBIDDEN,
        retryable=False,
        reason="ShopInactive",
        when=(
            "the shop's seller de-authorized the app (webhook type 6): its directory entry is inactive; "
            "TikTok is not called. The seller authorizes again, then make authorize reactivates its shops"
        ),
    ),
    CancellationConflict: Outcome(
        status="CANCELLATION_STATE_CONFLICT",
        http_status=HTTPStatus.CONFLICT,
        retryable=False,
        reason="Conflict",
        when=(
            "the cancellation cannot be approved in its state; after 25011012, 25020009 or 25020003 only "
            "when Search Cancellations shows it decided otherwise (`data.cancel_status`, e.g. withdrawn: "
            "`CANCELLATION_REQUEST_CANCELLED`)"
        ),
    ),
    ApprovalInProgress: Outcome(
        status="APPROVAL_IN_PROGRESS",
        http_status=HTTPStatus.CONFLICT,
        retryable=True,
        reason="InProgress",
        when="the same key is being approved right now",
        retry_after=2,
    ),
    IdempotencyKeyReused: Outcome(
        status="IDEMPOTENCY_KEY_REUSED",
        http_status=HTTPStatus.UNPROCESSABLE_ENTITY,
        retryable=False,
        reason="IdempotencyKeyReused",
        when="the key was used for another cancel_id: use a new key",
    ),
    UpstreamConfigurationError: Outcome(
        status="UPSTREAM_CONFIGURATION_ERROR",
        http_status=HTTPStatus.BAD_GATEWAY,
        retryable=False,
        reason="Configuration",
        when=(
            "bad sign, app key, token, scope or shop cipher, a token expired with no newer one in the "
            "secret, a secret key missing: fix the secret; a TIKTOK_API_BASE_URL the client refuses: fix "
            "the setting"
        ),
    ),
    UpstreamError: Outcome(
        status="UPSTREAM_ERROR",
        http_status=HTTPStatus.BAD_GATEWAY,
        retryable=False,
        reason="UpstreamError",
        when="a TikTok code this project does not know",
    ),
    TikTokUnavailable: Outcome(
        status="UPSTREAM_UNAVAILABLE",
        http_status=HTTPStatus.SERVICE_UNAVAILABLE,
        retryable=True,
        reason="Unavailable",
        when=(
            "TikTok kept failing transiently until the retries or the time ran out; an unclear answer "
            "that Search Cancellations still shows pending, or a failed search; the idempotency store, "
            "Secrets Manager or the shop directory briefly unavailable"
        ),
        retry_after=30,
    ),
    RateLimited: Outcome(
        status="RATE_LIMITED",
        http_status=HTTPStatus.SERVICE_UNAVAILABLE,
        retryable=True,
        reason="RateLimited",
        when=(
            "the shop's shared request schedule had no slot before the deadline; nothing was sent "
            "(`Retry-After`: when it frees up)"
        ),
        retry_after=30,
    ),
    TikTokTimeout: Outcome(
        status="UPSTREAM_TIMEOUT",
        http_status=HTTPStatus.GATEWAY_TIMEOUT,
        retryable=True,
        reason="Timeout",
        when="TikTok did not answer in time",
        retry_after=30,
    ),
    OutOfTime: Outcome(
        status="OUT_OF_TIME",
        http_status=HTTPStatus.SERVICE_UNAVAILABLE,
        retryable=True,
        reason="OutOfTime",
        when=(
            "the invocation's time, or API Gateway's 29 s, ran out before TikTok could be called (a batch "
            "waiting long for its slots, a short function Timeout); nothing was sent"
        ),
        retry_after=2,
    ),
    RouteNotFound: Outcome(
        status="ROUTE_NOT_FOUND",
        http_status=HTTPStatus.NOT_FOUND,
        retryable=False,
        reason="RouteNotFound",
        when="unknown path, in a hand-made API event only (API Gateway answers 403 first)",
        api_only=True,
    ),
    MethodNotAllowed: Outcome(
        status="METHOD_NOT_ALLOWED",
        http_status=HTTPStatus.METHOD_NOT_ALLOWED,
        retryable=False,
        reason="MethodNotAllowed",
        when="not POST (header `Allow: POST`), in a hand-made API event only (API Gateway answers 403 first)",
        api_only=True,
    ),
    InternalError: Outcome(
        status="INTERNAL_ERROR",
        http_status=HTTPStatus.INTERNAL_SERVER_ERROR,
        retryable=True,
        reason="InternalError",
        when=(
            "a bug: logged with its stack (a direct invocation raises the unexpected error itself, SQS "
            "redelivers the message)"
        ),
        api_only=True,
    ),
}

# A TikTok failure's category (the layer's code table, tiktok_shop/codes.py) -> the error it becomes.
ERROR_BY_CATEGORY: Final[dict[ErrorCategory, type[ApprovalError]]] = {
    ErrorCategory.TRANSIENT: TikTokUnavailable,
    ErrorCategory.TOKEN_EXPIRED: UpstreamConfigurationError,
    ErrorCategory.CONFIGURATION: UpstreamConfigurationError,
    ErrorCategory.CONFLICT: CancellationConflict,
    ErrorCategory.NOT_FOUND: CancellationNotFound,
    ErrorCategory.FORBIDDEN: ApprovalForbidden,
    ErrorCategory.INVALID_REQUEST: InvalidApprovalRequest,
    ErrorCategory.UNKNOWN: UpstreamError,
}


def outcome_of(kind: type[ApprovalError]) -> Outcome:
    """The table's row for `kind`, or for its nearest listed base class."""
    for cls in kind.__mro__:
        if cls in OUTCOMES:
            return OUTCOMES[cls]
    raise LookupError(f"{kind.__name__} has no row in OUTCOMES")  # a programming error: add its row


# What the libraries an approval calls raise, besides TikTok's own answers (from_tiktok).
LIBRARY_ERRORS: Final = (
    TikTokAPIError,
    TikTokValidationError,
    CredentialsError,
    CredentialsUnavailableError,
    RequestSlotUnavailable,
    ShopDirectoryError,
)


def as_approval_error(error: Exception) -> ApprovalError:
    """A failure of the libraries an approval calls, as the ApprovalError it answers with: the one place
    they are mapped. Anything else is a defect, raised as it is. (The idempotency store's own errors are
    settled in service.approve: what they mean depends on what TikTok answered before the store failed.)"""
    if isinstance(error, ApprovalError):
        return error
    if isinstance(error, TikTokAPIError):
        return from_tiktok(error)
    if isinstance(error, RequestSlotUnavailable):
        # Nothing was sent: the shop's requests are paced under TikTok's limit and none was free in time.
        return RateLimited(error.message, retry_after=error.retry_after)
    if isinstance(error, CredentialsUnavailableError | ShopDirectoryUnavailable):
        return TikTokUnavailable(str(error))
    if isinstance(error, CredentialsError | ShopDirectoryError | TikTokValidationError):
        # A secret, the directory or what the client refuses to send (the request itself was validated
        # when it was parsed): configuration someone must fix.
        return UpstreamConfigurationError(str(error))
    raise error


def from_tiktok(error: TikTokAPIError) -> ApprovalError:
    kind = ERROR_BY_CATEGORY[error.category]
    if isinstance(error, DeadlineReached):
        kind = OutOfTime
    elif isinstance(error, TikTokTransportError) and error.timed_out:
        kind = TikTokTimeout
    return kind(error.message, code=error.code, request_id=error.request_id)

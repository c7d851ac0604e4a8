"""Truth over assumptions: when an approval attempt ends without a clear answer, TikTok's state decides.

TikTok does not document what a repeated `idempotency_key` does. If it processes the repeat against the
current state, an approval that succeeded before a crash is answered "cannot approve" on the retry; an
approval made in Seller Center is answered the same way. And a timeout or a dropped connection says
nothing about whether TikTok acted. In those cases the service asks Search Cancellations and answers from
what TikTok reports, by the table below. Never a guessed success.
"""

from __future__ import annotations

from typing import Final

from tiktok_shop import (
    Cancellation,
    CancelStatus,
    DeadlineReached,
    TikTokAPIError,
    TikTokCode,
    TikTokTransportError,
)

from .errors import ApprovalError, CancellationConflict, TikTokTimeout, TikTokUnavailable, from_tiktok
from .models import ApprovalResult

# TikTok says the cancellation can no longer be approved: possibly because an earlier attempt did it.
CANNOT_APPROVE_NOW: Final = frozenset(
    {
        TikTokCode.CANNOT_APPROVE_IN_STATUS,  # 25011012
        TikTokCode.ALREADY_CANCELLED,  # 25020009
        TikTokCode.DECISION_STATUS_MISMATCH,  # 25020003
    }
)


def outcome_unknown(error: TikTokAPIError) -> bool:
    """No usable answer after the request may have reached TikTok: a timeout, a dropped connection, or
    TikTok's own gateway timing out (36009007). TikTok may or may not have approved. Not when the deadline
    came before anything was sent (DeadlineReached)."""
    if isinstance(error, DeadlineReached):
        return False
    if isinstance(error, TikTokTransportError):
        return error.retryable
    return error.code == TikTokCode.REQUEST_TIMEOUT


def needs_reconciliation(error: TikTokAPIError) -> bool:
    return error.code in CANNOT_APPROVE_NOW or outcome_unknown(error)


def reconcile(
    attempt_error: TikTokAPIError, found: Cancellation | None, search_request_id: str | None
) -> ApprovalResult:
    """The answer to give after `attempt_error`, given what Search Cancellations found (None: not listed).

    | TikTok's cancel_status              | answer                                                   |
    |-------------------------------------|----------------------------------------------------------|
    | SUCCESS or COMPLETE                 | success, marked `already_approved` (stored, replayed)    |
    | PENDING                             | transient: nothing was decided, ask again later          |
    | CANCELLED or any other              | conflict (409 / dead-letter queue) with `cancel_status`  |
    | not listed                          | the attempt's own error (conflict, or transient)         |

    Raises the ApprovalError to answer with; returns the success result to store.
    """
    if found is None:
        raise from_tiktok(attempt_error)
    if found.approved:
        return ApprovalResult.found_approved(request_id=search_request_id)
    if found.cancel_status == CancelStatus.PENDING:
        raise _still_pending(attempt_error)
    raise CancellationConflict(
        f"the cancellation is no longer awaiting a decision (TikTok: {found.cancel_status})",
        code=attempt_error.code,
        request_id=attempt_error.request_id,
        cancel_status=found.cancel_status,
    )


def search_failed(attempt_error: TikTokAPIError, search_error: TikTokAPIError) -> ApprovalError:
    """Without TikTok's state there is no answer yet: transient, whatever the attempt said (a timeout
    stays a timeout)."""
    kind = TikTokTimeout if isinstance(from_tiktok(attempt_error), TikTokTimeout) else TikTokUnavailable
    return kind(
        f"the approval ended without a clear answer ({attempt_error.message}) and Search Cancellations "
        f"failed too ({search_error.message}); retry later",
        code=attempt_error.code,
        request_id=attempt_error.request_id,
    )


def _still_pending(attempt_error: TikTokAPIError) -> ApprovalError:
    if outcome_unknown(attempt_error):
        return from_tiktok(attempt_error)  # TikTokUnavailable or TikTokTimeout, as before
    # TikTok refused the approval yet still lists the request as pending: its search may lag behind its
    # decision, so asking again later (not a conflict in the dead-letter queue) is the safe answer.
    return TikTokUnavailable(
        f"TikTok refused the approval ({attempt_error.message}) but still lists the cancellation as "
        "pending; retry later",
        code=attempt_error.code,
        request_id=attempt_error.request_id,
        cancel_status=CancelStatus.PENDING,
    )

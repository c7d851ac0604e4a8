"""The reconciliation table: from an unclear approval attempt and TikTok's state to one answer."""

import pytest
from approval.errors import CancellationConflict, CancellationNotFound, TikTokTimeout, TikTokUnavailable
from approval.reconciliation import needs_reconciliation, outcome_unknown, reconcile, search_failed
from tiktok_shop import Cancellation, TikTokAPIError, TikTokTransportError

REJECTED = TikTokAPIError("reverse status cannot approve application", code=25011012, request_id="r-1")
TIMED_OUT = TikTokTransportError("timed out waiting for tiktok.test to answer", timed_out=True)
DROPPED = TikTokTransportError("connection to tiktok.test failed or was dropped")


def found(status: str) -> Cancellation:
    return Cancellation(cancel_id="5760001", cancel_status=status)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (REJECTED, True),
        (TikTokAPIError("reverse already cancelled", code=25020009), True),
        (TikTokAPIError("decision does not match reverse status", code=25020003), True),
        (TIMED_OUT, True),
        (DROPPED, True),
        (TikTokAPIError("Request timeout", code=36009007, http_status=504), True),
        (TikTokAPIError("shipped", code=25001045), False),
        (TikTokAPIError("not found", code=25007006), False),
        (TikTokAPIError("too many requests", code=36009002, http_status=429), False),
        (TikTokAPIError("internal error", code=36009003), False),
        (TikTokTransportError("TLS with tiktok.test failed", retryable=False), False),
    ],
)
def test_which_attempts_are_reconciled(error: TikTokAPIError, expected: bool):
    assert needs_reconciliation(error) is expected


@pytest.mark.parametrize("status", ["CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"])
@pytest.mark.parametrize("error", [REJECTED, TIMED_OUT, DROPPED])
def test_approved_is_a_marked_success(status: str, error: TikTokAPIError):
    result = reconcile(error, found(status), "search-request").to_dict()
    assert result == {
        "code": 0,
        "message": "Success",
        "request_id": "search-request",
        "data": {"success": True, "status": "CANCELLATION_APPROVED", "already_approved": True},
    }


@pytest.mark.parametrize("status", ["CANCELLATION_REQUEST_CANCELLED", "SOMETHING_UNDOCUMENTED"])
@pytest.mark.parametrize("error", [REJECTED, TIMED_OUT])
def test_any_other_decided_state_is_a_conflict_with_tiktoks_status(status: str, error: TikTokAPIError):
    with pytest.raises(CancellationConflict) as raised:
        reconcile(error, found(status), "search-request")
    assert raised.value.cancel_status == status
    assert raised.value.code == error.code
    assert raised.value.to_result(409).data.cancel_status == status


def test_pending_after_an_unknown_outcome_is_transient_as_the_attempt_was():
    with pytest.raises(TikTokTimeout):
        reconcile(TIMED_OUT, found("CANCELLATION_REQUEST_PENDING"), "s")
    with pytest.raises(TikTokUnavailable) as raised:
        reconcile(DROPPED, found("CANCELLATION_REQUEST_PENDING"), "s")
    assert raised.value.retryable


def test_pending_after_a_rejection_is_transient_not_a_conflict():
    with pytest.raises(TikTokUnavailable) as raised:
        reconcile(REJECTED, found("CANCELLATION_REQUEST_PENDING"), "s")
    assert raised.value.retryable
    assert raised.value.code == 25011012
    assert raised.value.cancel_status == "CANCELLATION_REQUEST_PENDING"


def test_not_listed_keeps_the_attempts_own_answer():
    with pytest.raises(CancellationConflict) as conflict:
        reconcile(REJECTED, None, "s")
    assert conflict.value.cancel_status is None
    with pytest.raises(TikTokTimeout):
        reconcile(TIMED_OUT, None, "s")
    with pytest.raises(CancellationNotFound):
        reconcile(TikTokAPIError("order not found", code=25007006), None, "s")


def test_a_failed_search_is_transient_and_a_timeout_stays_one():
    search_error = TikTokAPIError("internal error", code=36009003)
    assert isinstance(search_failed(TIMED_OUT, search_error), TikTokTimeout)
    failed = search_failed(REJECTED, search_error)
    assert type(failed) is TikTokUnavailable
    assert failed.retryable
    assert "Search Cancellations failed too" in failed.message


def test_only_answers_without_a_verdict_count_as_unknown():
    assert outcome_unknown(TIMED_OUT)
    assert outcome_unknown(DROPPED)
    assert not outcome_unknown(REJECTED)

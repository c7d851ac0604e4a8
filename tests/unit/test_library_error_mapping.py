"""errors.as_approval_error: the one place a library's failure becomes the ApprovalError an approval
answers with (its OUTCOMES row decides the HTTP status, the SQS disposition and the metric)."""

from __future__ import annotations

import pytest
from approval.errors import (
    LIBRARY_ERRORS,
    ApprovalError,
    CancellationNotFound,
    OutOfTime,
    RateLimited,
    TikTokUnavailable,
    UpstreamConfigurationError,
    as_approval_error,
)
from shop_directory import ShopDirectoryError, ShopDirectoryUnavailable
from tiktok_shop import (
    CredentialsError,
    CredentialsUnavailableError,
    DeadlineReached,
    RequestSlotUnavailable,
    TikTokAPIError,
    TikTokValidationError,
)

CASES = [
    (CredentialsError("the credentials secret lacks access_token"), UpstreamConfigurationError),
    (CredentialsUnavailableError("Secrets Manager throttled"), TikTokUnavailable),
    (ShopDirectoryError("shop 7: shop directory item lacks shop_cipher"), UpstreamConfigurationError),
    (ShopDirectoryUnavailable("cannot read the shop directory ShopsTable: throttled"), TikTokUnavailable),
    (TikTokValidationError("shop_cipher is not text"), UpstreamConfigurationError),
    (RequestSlotUnavailable("no request slot before the deadline", retry_after=1.5), RateLimited),
    (TikTokAPIError("cancellation not found", code=25007006, request_id="r-1"), CancellationNotFound),
    (DeadlineReached("no time left for another attempt"), OutOfTime),
]


@pytest.mark.parametrize(("error", "kind"), CASES, ids=[type(error).__name__ for error, _ in CASES])
def test_each_library_error_answers_as_its_kind_with_its_words(error: Exception, kind: type[ApprovalError]):
    mapped = as_approval_error(error)
    assert type(mapped) is kind
    assert getattr(error, "message", str(error)) in str(mapped)


def test_every_library_error_the_service_catches_has_a_case():
    assert {type(error) for error, _ in CASES} >= set(LIBRARY_ERRORS)


def test_tiktoks_code_and_request_id_and_the_wait_are_kept():
    mapped = as_approval_error(TikTokAPIError("gone", code=25007006, request_id="r-1"))
    assert (mapped.code, mapped.request_id) == (25007006, "r-1")
    assert as_approval_error(RequestSlotUnavailable("full", retry_after=1.5)).retry_after == 1.5


def test_an_approval_error_passes_through_unchanged():
    error = CancellationNotFound("gone", code=25007006)
    assert as_approval_error(error) is error


def test_anything_else_is_a_defect_raised_as_it_is():
    with pytest.raises(KeyError):
        as_approval_error(KeyError("not a library failure"))

"""The time budget adds up: its numbers agree with template.yaml and with each other, and the function passes
them to the layer and the limiter's store as they are written."""

from __future__ import annotations

import boto3
import pytest
from approval import dependencies, time_budget
from approval.settings import Settings
from support.cfn_template import ROOT, function_environment, function_property, resource
from tiktok_shop import Credentials

FUNCTION = "ApproveCancellationFunction"


def test_the_template_deploys_the_budgets_timeout_and_batching_window():
    assert function_property(FUNCTION, "Timeout") == time_budget.FUNCTION_TIMEOUT_SECONDS
    sqs = resource(FUNCTION)["Properties"]["Events"]["Sqs"]["Properties"]
    assert sqs["MaximumBatchingWindowInSeconds"] == time_budget.SQS_BATCHING_WINDOW_SECONDS
    # The margin is the budget's unless the template says otherwise, and it does not.
    assert "DEADLINE_MARGIN_SECONDS" not in function_environment(FUNCTION)
    assert Settings(idempotency_table="t", tiktok_credentials_secret="s").deadline_margin_seconds == (
        time_budget.DEADLINE_MARGIN_SECONDS
    )


def test_a_queued_message_stays_hidden_while_lambda_may_still_be_retrying_it():
    visibility = resource("ApprovalQueue")["Properties"]["VisibilityTimeout"]
    assert visibility == time_budget.QUEUE_VISIBILITY_TIMEOUT_SECONDS
    assert visibility >= 6 * time_budget.FUNCTION_TIMEOUT_SECONDS + time_budget.SQS_BATCHING_WINDOW_SECONDS


def test_the_function_outlives_api_gateways_wait_so_an_api_request_ends_on_its_own_deadline():
    assert time_budget.FUNCTION_TIMEOUT_SECONDS >= time_budget.API_GATEWAY_TIMEOUT_SECONDS


@pytest.mark.parametrize("api", [True, False], ids=["api", "sqs-or-direct"])
def test_one_whole_tiktok_attempt_fits_before_the_deadline_with_the_reserve_kept(api: bool):
    # A TikTok answer that comes just inside the read timeout is still heard, and Search Cancellations still
    # has its reserve after it.
    assert time_budget.tiktok_window(api=api) >= time_budget.tiktok_attempt_worst_case()


def test_the_deadline_not_the_attempt_count_is_what_bounds_the_tiktok_work():
    # Left to its attempts, the retry policy could outlast the invocation: every call is clipped instead.
    assert time_budget.tiktok_unclipped_worst_case() > time_budget.tiktok_window(api=False)


def test_a_reservation_never_outlives_the_deadline():
    # The limiter starts no reservation later than LIMITER_MIN_CALL_SECONDS before the deadline, and its
    # store gives up within that time.
    assert time_budget.limiter_store_worst_case() <= time_budget.LIMITER_MIN_CALL_SECONDS


def test_a_reserved_slot_leaves_time_for_an_attempt_the_retry_policy_would_start():
    assert time_budget.LIMITER_MIN_CALL_SECONDS >= time_budget.TIKTOK_MIN_ATTEMPT_SECONDS
    assert time_budget.RECONCILIATION_RESERVE_SECONDS >= time_budget.TIKTOK_MIN_ATTEMPT_SECONDS


def test_the_least_time_to_try_is_three_and_a_half_seconds_at_the_defaults():
    # 2 s of margin, then x - x/3 >= 1 s for the call: x = 1.5 s.
    assert time_budget.least_time_to_try() == pytest.approx(3.5)
    assert time_budget.least_time_to_try() < time_budget.tiktok_window(api=True)


def test_the_function_passes_the_budgets_numbers_to_the_layer(monkeypatch: pytest.MonkeyPatch):
    # Building the service reaches no AWS service: a region is all boto3 needs.
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
        "TIKTOK_CREDENTIALS_SECRET": "tiktok-shop/credentials",
    }.items():
        monkeypatch.setenv(name, value)
    dependencies.reset()
    service = dependencies.approval_service()
    client = service._client_factory(Credentials("key", "secret", "token", "cipher"))
    assert client.timeout == (
        time_budget.TIKTOK_CONNECT_TIMEOUT_SECONDS,
        time_budget.TIKTOK_READ_TIMEOUT_SECONDS,
    )
    policy = client.retry_policy
    assert (policy.max_attempts, policy.base_delay, policy.max_delay, policy.min_attempt_time) == (
        time_budget.TIKTOK_MAX_ATTEMPTS,
        time_budget.TIKTOK_BASE_DELAY_SECONDS,
        time_budget.TIKTOK_MAX_DELAY_SECONDS,
        time_budget.TIKTOK_MIN_ATTEMPT_SECONDS,
    )
    dependencies.reset()


def test_the_limiters_store_client_gives_up_as_the_budget_says(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # As botocore reads it: its own max_attempts would count retries, not attempts.
    config = boto3.client("dynamodb", config=dependencies.limiter_store_config()).meta.config
    assert config.connect_timeout == time_budget.LIMITER_STORE_CONNECT_TIMEOUT_SECONDS
    assert config.read_timeout == time_budget.LIMITER_STORE_READ_TIMEOUT_SECONDS
    assert config.retries["total_max_attempts"] == time_budget.LIMITER_STORE_ATTEMPTS


def test_the_readme_states_the_budget_as_it_is():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## How long an approval may take", 1)[1].split("\n## ", 1)[0]
    text = " ".join(section.split())
    b = time_budget
    # The full-jitter ceilings after each failed attempt but the last.
    caps = [
        min(b.TIKTOK_MAX_DELAY_SECONDS, b.TIKTOK_BASE_DELAY_SECONDS * 2**n)
        for n in range(b.TIKTOK_MAX_ATTEMPTS - 1)
    ]
    for phrase in [
        f"{b.DEADLINE_MARGIN_SECONDS:g} s (`DEADLINE_MARGIN_SECONDS`)",
        f"the function's Timeout ({b.FUNCTION_TIMEOUT_SECONDS} s)",
        f"API Gateway's {b.API_GATEWAY_TIMEOUT_SECONDS:g} s",
        f"up to {b.RECONCILIATION_RESERVE_SECONDS:g} s of that kept back",
        f"{b.TIKTOK_CONNECT_TIMEOUT_SECONDS:g} s to connect and {b.TIKTOK_READ_TIMEOUT_SECONDS:g} s to read",
        f"up to {b.TIKTOK_MAX_ATTEMPTS} attempts",
        f"at most {caps[0]:g} s, then {', '.join(f'{cap:g} s' for cap in caps[1:])}",
        f"a `Retry-After` up to {b.TIKTOK_MAX_DELAY_SECONDS:g} s",
        f"gives up within {b.limiter_store_worst_case():g} s",
        f"less than {b.least_time_to_try():g} s left",
        f"visibility timeout ({b.QUEUE_VISIBILITY_TIMEOUT_SECONDS} s)",
        f"batching window ({b.SQS_BATCHING_WINDOW_SECONDS} s)",
    ]:
        assert phrase in text, phrase

"""Settings read from the environment: the shared reader, and both functions' bounds and cross-checks."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError, dataclass
from typing import Optional

import pytest
from approval import settings as approval_settings
from function_plumbing import settings as plumbing_settings
from function_plumbing.settings import SettingsError, read_environment, variable
from rotation import settings as rotation_settings
from support.cfn_template import ROOT
from tiktok_shop import DEFAULT_AUTH_BASE_URL, DEFAULT_BASE_URL

Approval = approval_settings.Settings
Rotation = rotation_settings.Settings
# The least an approval function needs: a table for its records, a shop to approve for.
APPROVAL_BASE = {
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "TIKTOK_CREDENTIALS_SECRET": "tiktok-shop/credentials",
}


def problems(settings: type, environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as raised:
        settings.from_environ(environ)
    message = str(raised.value)
    assert message == "invalid function environment: " + "; ".join(raised.value.problems)
    return message.removeprefix("invalid function environment: ")


# --- the reader ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    name: str = variable(min_length=3)
    label: Optional[str] = None  # noqa: UP045  # the older spelling is read too
    count: int = variable(2, at_most=5)
    ratio: float = variable(0.5, at_least=0, at_most=1)
    anything: float = 1.0


def test_defaults_fill_what_is_not_given_and_empty_counts_as_not_given():
    sample = read_environment(Sample, {"NAME": "abc", "LABEL": "", "COUNT": "", "name": "ignored"})
    assert sample == Sample(name="abc", label=None, count=2, ratio=0.5, anything=1.0)


def test_values_are_read_as_their_fields_types():
    sample = read_environment(
        Sample, {"NAME": "abcd", "LABEL": "x", "COUNT": "-3", "RATIO": "1", "ANYTHING": "-1e3"}
    )
    assert sample == Sample(name="abcd", label="x", count=-3, ratio=1.0, anything=-1000.0)
    assert isinstance(sample.ratio, float)


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({}, "NAME: must be set"),
        ({"NAME": "ab"}, 'NAME: must be at least 3 characters long (got "ab")'),
        ({"NAME": "abc", "COUNT": "6"}, 'COUNT: must be a whole number of at most 5 (got "6")'),
        ({"NAME": "abc", "COUNT": "2.0"}, 'COUNT: must be a whole number of at most 5 (got "2.0")'),
        ({"NAME": "abc", "COUNT": "two"}, 'COUNT: must be a whole number of at most 5 (got "two")'),
        ({"NAME": "abc", "RATIO": "1.01"}, 'RATIO: must be a number from 0 to 1 (got "1.01")'),
        ({"NAME": "abc", "RATIO": "nan"}, 'RATIO: must be a number from 0 to 1 (got "nan")'),
        ({"NAME": "abc", "ANYTHING": "inf"}, 'ANYTHING: must be a number (got "inf")'),
        ({"NAME": "abc", "ANYTHING": "\u00e9"}, 'ANYTHING: must be a number (got "\u00e9")'),
    ],
)
def test_a_bad_variable_is_named_with_why(environ: dict[str, str], problem: str):
    with pytest.raises(SettingsError) as raised:
        read_environment(Sample, environ)
    assert raised.value.problems == (problem,)
    assert str(raised.value) == f"invalid function environment: {problem}"


def test_every_bad_variable_is_reported_at_once():
    with pytest.raises(SettingsError) as raised:
        read_environment(Sample, {"COUNT": "x", "RATIO": "-1"})
    assert raised.value.problems == (
        "NAME: must be set",
        'COUNT: must be a whole number of at most 5 (got "x")',
        'RATIO: must be a number from 0 to 1 (got "-1")',
    )


def test_a_field_of_a_kind_the_reader_cannot_read_is_a_programming_error():
    @dataclass(frozen=True)
    class Flagged:
        enabled: bool = False

    for environ in ({"ENABLED": "true"}, {}):
        with pytest.raises(TypeError, match="a setting is text, a whole number or a number"):
            read_environment(Flagged, environ)


def test_both_functions_raise_the_readers_error():
    assert (
        approval_settings.SettingsError is rotation_settings.SettingsError is plumbing_settings.SettingsError
    )


# --- the approval function ----------------------------------------------------------------------------


def test_the_approval_defaults():
    settings = Approval.from_environ(APPROVAL_BASE)
    assert settings == Approval(
        tiktok_credentials_secret="tiktok-shop/credentials",
        idempotency_table="IdempotencyTable",
        tiktok_api_base_url=DEFAULT_BASE_URL,
        idempotency_expiry_seconds=48 * 3600,
        batch_concurrency=5,
        credentials_cache_seconds=300,
        shops_cache_seconds=60,
        deadline_margin_seconds=2.0,
        tiktok_rate_limit_per_second=0,
    )
    assert not settings.rate_limited


def test_settings_are_a_cache_key():
    """dependencies.py keys its built objects on them: equal environments, equal and hashable settings."""
    first, second = Approval.from_environ(APPROVAL_BASE), Approval.from_environ(dict(APPROVAL_BASE))
    assert first == second
    assert hash(first) == hash(second)
    assert first != Approval.from_environ({**APPROVAL_BASE, "BATCH_CONCURRENCY": "6"})
    with pytest.raises(FrozenInstanceError):
        first.batch_concurrency = 6  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "good", "bad", "problem"),
    [
        ("IDEMPOTENCY_EXPIRY_SECONDS", "60", "59", "must be a whole number of at least 60"),
        ("BATCH_CONCURRENCY", "1", "0", "must be a whole number from 1 to 10"),
        ("BATCH_CONCURRENCY", "10", "11", "must be a whole number from 1 to 10"),
        ("BATCH_CONCURRENCY", "10", "abc", "must be a whole number from 1 to 10"),
        ("CREDENTIALS_CACHE_SECONDS", "0", "-1", "must be a whole number of at least 0"),
        ("SHOPS_CACHE_SECONDS", "0", "-1", "must be a whole number of at least 0"),
        ("SHOPS_CACHE_SECONDS", "0", "1.5", "must be a whole number of at least 0"),
        ("DEADLINE_MARGIN_SECONDS", "0", "-0.5", "must be a number of at least 0"),
        ("DEADLINE_MARGIN_SECONDS", "0.25", "inf", "must be a number of at least 0"),
        ("TIKTOK_RATE_LIMIT_PER_SECOND", "0", "-1", "must be a number of at least 0"),
    ],
)
def test_each_approval_bound(name: str, good: str, bad: str, problem: str):
    Approval.from_environ({**APPROVAL_BASE, name: good})
    assert problems(Approval, {**APPROVAL_BASE, name: bad}) == f'{name}: {problem} (got "{bad}")'


def test_the_idempotency_table_is_required():
    environ = {"TIKTOK_CREDENTIALS_SECRET": "s", "IDEMPOTENCY_TABLE": ""}
    assert problems(Approval, environ) == "IDEMPOTENCY_TABLE: must be set"


def test_the_example_message():
    with pytest.raises(SettingsError) as raised:
        Approval.from_environ({**APPROVAL_BASE, "BATCH_CONCURRENCY": "abc"})
    assert str(raised.value) == (
        'invalid function environment: BATCH_CONCURRENCY: must be a whole number from 1 to 10 (got "abc")'
    )


@pytest.mark.parametrize(
    "environ",
    [
        {"TIKTOK_CREDENTIALS_SECRET": "s"},
        {"SHOPS_TABLE": "ShopsTable"},
        {"TIKTOK_CREDENTIALS_SECRET": "s", "SHOPS_TABLE": "ShopsTable"},
    ],
)
def test_a_deployment_serves_the_default_shop_the_directory_or_both(environ: dict[str, str]):
    Approval.from_environ({"IDEMPOTENCY_TABLE": "t", **environ})


def test_no_shop_to_approve_for_is_refused():
    environ = {"IDEMPOTENCY_TABLE": "t", "TIKTOK_CREDENTIALS_SECRET": "", "SHOPS_TABLE": ""}
    assert problems(Approval, environ) == (
        "TIKTOK_CREDENTIALS_SECRET or SHOPS_TABLE: neither is set, so there is no shop to approve for"
    )


def test_the_rate_limiter_needs_its_table():
    limited = {**APPROVAL_BASE, "TIKTOK_RATE_LIMIT_PER_SECOND": "40"}
    assert problems(Approval, limited) == (
        "RATE_LIMIT_TABLE: must be set when TIKTOK_RATE_LIMIT_PER_SECOND is (the shared schedule lives there)"
    )
    settings = Approval.from_environ({**limited, "RATE_LIMIT_TABLE": "RateLimitTable"})
    assert settings.rate_limited
    assert settings.tiktok_rate_limit_per_second == 40.0


def test_both_cross_checks_are_reported_together():
    environ = {"IDEMPOTENCY_TABLE": "t", "TIKTOK_RATE_LIMIT_PER_SECOND": "40"}
    assert problems(Approval, environ).count(";") == 1


def test_cross_checks_run_only_once_every_variable_is_well_formed():
    assert problems(Approval, {"BATCH_CONCURRENCY": "0"}) == (
        'IDEMPOTENCY_TABLE: must be set; BATCH_CONCURRENCY: must be a whole number from 1 to 10 (got "0")'
    )


# --- the rotation function ----------------------------------------------------------------------------


def test_the_rotation_defaults():
    assert Rotation.from_environ({}) == Rotation(
        tiktok_api_base_url=DEFAULT_BASE_URL,
        tiktok_auth_base_url=DEFAULT_AUTH_BASE_URL,
        refresh_token_warning_days=14,
        deadline_margin_seconds=2.0,
        shops_table=None,
        seller_secret_prefix=None,
    )
    assert hash(Rotation.from_environ({})) == hash(Rotation.from_environ({"SHOPS_TABLE": ""}))


@pytest.mark.parametrize(
    ("name", "good", "bad", "problem"),
    [
        ("REFRESH_TOKEN_WARNING_DAYS", "0", "-1", "must be a whole number of at least 0"),
        ("REFRESH_TOKEN_WARNING_DAYS", "30", "two weeks", "must be a whole number of at least 0"),
        ("DEADLINE_MARGIN_SECONDS", "0", "-1", "must be a number of at least 0"),
    ],
)
def test_each_rotation_bound(name: str, good: str, bad: str, problem: str):
    Rotation.from_environ({name: good})
    assert problems(Rotation, {name: bad}) == f'{name}: {problem} (got "{bad}")'


# --- deadlines, the AWS environment, observability: the rest of the shared plumbing ----------------------


def test_an_invocation_deadline_is_the_margin_before_the_context_runs_out():
    from function_plumbing.deadlines import invocation_deadline
    from lambda_context import FakeLambdaContext

    before = time.time()
    deadline = invocation_deadline(FakeLambdaContext(timeout_seconds=10), margin_seconds=2)
    assert deadline is not None
    assert before + 7.9 <= deadline <= time.time() + 8


@pytest.mark.parametrize("context", [None, object()])
def test_without_a_lambda_context_there_is_no_invocation_deadline(context: object):
    from function_plumbing.deadlines import invocation_deadline

    assert invocation_deadline(context, margin_seconds=2) is None


def test_the_earliest_deadline_ignores_unknown_ones():
    from function_plumbing.deadlines import earliest

    assert earliest(None, 5.0, 3.0, None) == 3.0
    assert earliest(None, None) is None
    assert earliest() is None


def test_an_api_deadline_counts_from_when_api_gateway_received_the_request():
    from approval.time_budget import API_GATEWAY_TIMEOUT_SECONDS, api_request_deadline

    received = time.time() - 4
    deadline = api_request_deadline(int(received * 1000), margin_seconds=2)
    assert deadline == pytest.approx(received + API_GATEWAY_TIMEOUT_SECONDS - 2, abs=0.002)
    # A replayed event (nobody can still be waiting) and one without a time: no API deadline.
    assert api_request_deadline(int((time.time() - 3600) * 1000), margin_seconds=2) is None
    assert api_request_deadline(None, margin_seconds=2) is None


def test_the_aws_environment_key_changes_with_the_endpoint():
    from function_plumbing.settings import AWS_VARIABLES, aws_environment

    local = aws_environment({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_REGION": "us-east-1"})
    assert len(local) == len(AWS_VARIABLES)
    assert local != aws_environment({"AWS_REGION": "us-east-1"})
    assert aws_environment({}) == (None,) * len(AWS_VARIABLES)


def test_observability_is_named_by_the_environment_else_the_functions_default(
    monkeypatch: pytest.MonkeyPatch,
):
    from function_plumbing.observability import observability

    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    default = observability("some-function")
    assert (default.service, default.namespace) == ("some-function", "TikTokShop")
    assert default.logger.service == "some-function"

    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "approver-prod")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Shops")
    urllib3_logger = logging.getLogger("urllib3")
    monkeypatch.setattr(urllib3_logger, "level", logging.DEBUG)
    named = observability("some-function")
    assert (named.service, named.namespace) == ("approver-prod", "Shops")
    # urllib3's DEBUG request lines carry TikTok's token queries: never written, whatever the root level.
    assert urllib3_logger.level == logging.INFO


def test_both_functions_build_their_observability_with_the_shared_plumbing():
    from approval import observability as approval_observability
    from function_plumbing import observability as shared
    from rotation import observability as rotation_observability

    for module in (approval_observability, rotation_observability):
        assert module.observability is shared.observability
        assert module.logger.service == module.SERVICE
        assert module.metrics.namespace == module.NAMESPACE


def test_the_directory_writer_imports_without_powertools_or_a_function():
    """The operator's scripts run with only the layer on their path."""
    code = (
        "import sys; import shop_directory.writer; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('aws_lambda_powertools', 'approval', 'rotation')]; "
        "sys.exit(f'imported {loaded}' if loaded else 0)"
    )
    layer = str(ROOT / "layers/tiktok_shop")
    finished = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env={**os.environ, "PYTHONPATH": layer},
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr


def test_one_aws_session_per_aws_environment(monkeypatch: pytest.MonkeyPatch):
    from function_plumbing.settings import aws_session, forget_aws_session

    forget_aws_session()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    first = aws_session()
    assert aws_session() is first
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:2")
    assert aws_session() is not first
    again = aws_session()
    forget_aws_session()
    assert aws_session() is not again

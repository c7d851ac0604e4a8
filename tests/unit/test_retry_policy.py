from collections.abc import Callable

import pytest
from tiktok_shop import DeadlineReached, ErrorCategory, RetryPolicy, TikTokAPIError, TikTokTransportError


class FakeTime:
    """A clock that only moves when the policy sleeps: tests run without real sleeping."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def policy(fake: FakeTime, **kwargs: object) -> RetryPolicy:
    return RetryPolicy(clock=fake.clock, sleep=fake.sleep, jitter=lambda low, high: high, **kwargs)  # type: ignore[arg-type]


def failing(errors: list[Exception], result: str = "ok") -> tuple[Callable[[float | None], str], list]:
    budgets: list[float | None] = []

    def operation(time_left: float | None) -> str:
        budgets.append(time_left)
        if errors:
            raise errors.pop(0)
        return result

    return operation, budgets


def transient() -> TikTokAPIError:
    return TikTokAPIError("busy", code=36009002, http_status=429)


def test_exponential_backoff_capped():
    fake = FakeTime()
    retry = policy(fake, base_delay=0.5, max_delay=3.0)
    assert [retry.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_draws_between_zero_and_the_ceiling():
    draws: list[tuple[float, float]] = []
    retry = RetryPolicy(base_delay=0.25, jitter=lambda low, high: draws.append((low, high)) or low)
    assert retry.backoff(3) == 0.0
    assert draws == [(0.0, 1.0)]


def test_real_jitter_stays_in_bounds():
    retry = RetryPolicy(base_delay=0.1, max_delay=0.4)
    delays = [retry.backoff(5) for _ in range(200)]
    assert all(0.0 <= d <= 0.4 for d in delays)
    assert len(set(delays)) > 1


def test_transient_failures_are_retried_until_success():
    fake = FakeTime()
    operation, budgets = failing([transient(), TikTokTransportError("reset")])
    assert policy(fake, base_delay=0.1).call(operation) == "ok"
    assert fake.sleeps == [0.1, 0.2]
    assert budgets == [None, None, None]


def test_permanent_failures_raise_at_once():
    fake = FakeTime()
    operation, budgets = failing([TikTokAPIError("gone", code=25007006, http_status=200)])
    with pytest.raises(TikTokAPIError) as raised:
        policy(fake).call(operation)
    assert raised.value.code == 25007006
    assert (len(budgets), fake.sleeps) == (1, [])


def test_attempts_are_bounded_and_counted_on_the_error():
    fake = FakeTime()
    operation, budgets = failing([transient() for _ in range(10)])
    with pytest.raises(TikTokAPIError) as raised:
        policy(fake, max_attempts=3).call(operation)
    assert len(budgets) == 3
    assert raised.value.attempts == 3
    assert len(fake.sleeps) == 2


def test_the_deadline_stops_retries_before_a_sleep_would_cross_it():
    fake = FakeTime(now=100.0)
    operation, budgets = failing([transient() for _ in range(10)])
    with pytest.raises(TikTokAPIError):
        policy(fake, base_delay=1.0, max_delay=8.0, max_attempts=10, min_attempt_time=0.5).call(
            operation, deadline=105.0
        )
    # Attempts at 100, 101 and 103 (sleeps 1 and 2); the next sleep (4 s) would end past 105 - 0.5.
    assert fake.sleeps == [1.0, 2.0]
    assert budgets == [5.0, 4.0, 2.0]
    assert fake.now <= 105.0


def test_an_expired_deadline_sends_nothing():
    fake = FakeTime(now=200.0)
    operation, budgets = failing([])
    with pytest.raises(DeadlineReached, match="deadline") as reached:
        policy(fake).call(operation, deadline=199.0)
    assert budgets == []
    assert reached.value.timed_out
    assert reached.value.attempts == 1


def test_an_attempt_that_could_not_be_sent_is_not_retried():
    fake = FakeTime(now=200.0)
    operation, budgets = failing([DeadlineReached("no time left for a slot"), transient()])
    with pytest.raises(DeadlineReached):
        policy(fake).call(operation, deadline=210.0)
    assert len(budgets) == 1
    assert fake.sleeps == []


def test_after_a_failed_attempt_an_unsendable_one_raises_what_tiktok_said():
    # The first attempt may have reached TikTok: its error, not "nothing was sent", is the truth.
    fake = FakeTime(now=200.0)
    timed_out = TikTokTransportError("read timed out", timed_out=True)
    operation, budgets = failing([timed_out, DeadlineReached("no time left for a slot")])
    with pytest.raises(TikTokTransportError) as raised:
        policy(fake).call(operation, deadline=210.0)
    assert raised.value is timed_out
    assert len(budgets) == 2


def test_retry_after_lengthens_the_wait_within_the_cap():
    fake = FakeTime()
    slow_down = TikTokAPIError("busy", code=36009002, http_status=429, retry_after=2.5)
    very_slow = TikTokAPIError("busy", code=36009002, http_status=429, retry_after=600)
    operation, _ = failing([slow_down, very_slow])
    policy(fake, base_delay=0.1, max_delay=4.0).call(operation)
    assert fake.sleeps == [2.5, 4.0]


def test_which_failures_are_retried_is_configurable():
    fake = FakeTime()
    expired = TikTokAPIError("expired", code=105002, http_status=200)
    operation, budgets = failing([expired])
    retry = policy(fake, retry_on=frozenset({ErrorCategory.TRANSIENT, ErrorCategory.TOKEN_EXPIRED}))
    assert retry.call(operation) == "ok"
    assert len(budgets) == 2


def test_no_retries_policy_makes_one_attempt():
    operation, budgets = failing([transient()])
    with pytest.raises(TikTokAPIError):
        RetryPolicy.no_retries().call(operation)
    assert len(budgets) == 1


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_delay": -1}, {"base_delay": 5, "max_delay": 1}]
)
def test_nonsensical_policies_are_refused(kwargs: dict):
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**kwargs)


def test_every_attempt_is_reported_with_its_outcome():
    fake = FakeTime()
    reports: list[tuple[int, int | None]] = []
    operation, _ = failing([transient(), transient()])
    retry = RetryPolicy(
        clock=fake.clock,
        sleep=fake.sleep,
        on_attempt=lambda attempt, error: reports.append((attempt, None if error is None else error.code)),
    )
    assert retry.call(operation) == "ok"
    assert reports == [(1, 36009002), (2, 36009002), (3, None)]

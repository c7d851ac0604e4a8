"""The tiktok_shop client against the TikTok emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
from tiktok_emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SHOP_CIPHER,
    Fault,
    TikTokEmulator,
)
from tiktok_shop import (
    RetryPolicy,
    TikTokAPIError,
    TikTokShopClient,
    TikTokTransportError,
    TikTokValidationError,
    sign,
)

CANCEL_ID = "5760001000000000001"
PATH = f"/return_refund/202309/cancellations/{CANCEL_ID}/approve"


@pytest.fixture
def emulator(tiktok_emulator: TikTokEmulator) -> TikTokEmulator:
    tiktok_emulator.seed({CANCEL_ID: "pending", "5760001000000000901": "shipped"})
    return tiktok_emulator


def make_client(emulator: TikTokEmulator, **kwargs: object) -> TikTokShopClient:
    settings: dict[str, object] = {
        "app_key": DEFAULT_APP_KEY,
        "app_secret": DEFAULT_APP_SECRET,
        "base_url": emulator.url,
        "timeout": (1.0, 1.0),
        "retry_policy": RetryPolicy(base_delay=0.01, max_delay=0.05),
        **kwargs,
    }
    client = TikTokShopClient(**settings)  # type: ignore[arg-type]
    client.set_access_token(DEFAULT_ACCESS_TOKEN)
    client.set_shop_cipher(DEFAULT_SHOP_CIPHER)
    return client


def approve(client: TikTokShopClient, key: str | None = "key-1", **kwargs: object) -> dict:
    query = {"idempotency_key": key} if key is not None else None
    return client.return_refund.approve_cancellation(cancel_id=CANCEL_ID, query=query, **kwargs)  # type: ignore[arg-type]


def test_approval_succeeds_and_sends_exactly_the_documented_request(emulator: TikTokEmulator):
    envelope = approve(make_client(emulator), key="8f14e45f-ceea-467f-a0e6-3c3b2e1a0001")
    assert envelope["code"] == 0
    assert envelope["request_id"]
    assert emulator.cancellation_state(CANCEL_ID) == "approved"
    [call] = emulator.recorder.calls
    assert (call.method, call.path) == ("POST", PATH)
    assert set(call.query) == {"app_key", "timestamp", "shop_cipher", "idempotency_key", "sign"}
    assert call.query["idempotency_key"] == "8f14e45f-ceea-467f-a0e6-3c3b2e1a0001"
    assert abs(int(call.query["timestamp"]) - time.time()) < 5
    assert call.query["sign"] == sign(
        DEFAULT_APP_SECRET, PATH, {k: v for k, v in call.query.items() if k != "sign"}
    )
    assert call.headers["x-tts-access-token"] == DEFAULT_ACCESS_TOKEN
    assert call.headers["content-type"] == "application/json"
    assert call.headers["user-agent"].startswith("tiktok-cancellation-approver/")
    assert call.body == b""


def test_keys_needing_percent_encoding_arrive_as_signed(emulator: TikTokEmulator):
    key = "a b+c&d=e/f%20g"
    approve(make_client(emulator), key=key)
    [call] = emulator.recorder.calls
    assert call.query["idempotency_key"] == key
    assert call.code == 0


def test_a_business_error_raises_at_once_with_tiktoks_details(emulator: TikTokEmulator):
    client = make_client(emulator)
    with pytest.raises(TikTokAPIError) as raised:
        client.return_refund.approve_cancellation(cancel_id="5760001000000000901")
    error = raised.value
    assert (error.code, error.http_status, error.retryable) == (25001045, 200, False)
    assert error.request_id
    assert emulator.recorder.count() == 1


def test_a_wrong_secret_is_a_sign_error(emulator: TikTokEmulator):
    with pytest.raises(TikTokAPIError) as raised:
        approve(make_client(emulator, app_secret="not-the-secret"))
    assert raised.value.code == 106001
    assert not raised.value.retryable
    assert "not-the-secret" not in str(raised.value)
    assert emulator.recorder.count() == 1


def test_an_expired_token_is_reported_as_such(emulator: TikTokEmulator):
    emulator.expire_token()
    with pytest.raises(TikTokAPIError) as raised:
        approve(make_client(emulator))
    assert raised.value.code == 105002
    assert raised.value.token_expired
    assert emulator.recorder.count() == 1


def test_bad_input_sends_nothing(emulator: TikTokEmulator):
    client = make_client(emulator)
    for cancel_id in ("../approve", "1/2", "1?a=b", "1#x", "1%2F", " 1", ""):
        with pytest.raises(TikTokValidationError):
            client.return_refund.approve_cancellation(cancel_id=cancel_id)
    with pytest.raises(TikTokValidationError):
        approve(client, key="k" * 256)
    client.set_shop_cipher("")
    with pytest.raises(TikTokValidationError, match="shop_cipher"):
        approve(client)
    assert emulator.recorder.count() == 0


@pytest.mark.parametrize(
    ("fault", "http_status"),
    [
        (Fault(kind="http_429"), 429),
        (Fault(kind="http_500"), 500),
        (Fault(kind="http_503"), 503),
        (Fault(kind="code_36009003"), 200),
        (Fault(kind="html"), 200),
    ],
)
def test_each_transient_answer_is_retried_until_success(
    emulator: TikTokEmulator, fault: Fault, http_status: int
):
    emulator.inject_fault(fault, times=2)
    assert approve(make_client(emulator))["code"] == 0
    calls = emulator.recorder.calls
    assert len(calls) == 3
    assert [c.status for c in calls] == [http_status, http_status, 200]
    # The same idempotency key on every attempt; a fresh sign whenever the timestamp moved.
    assert {c.query["idempotency_key"] for c in calls} == {"key-1"}
    for call in calls:
        unsigned = {k: v for k, v in call.query.items() if k != "sign"}
        assert call.query["sign"] == sign(DEFAULT_APP_SECRET, PATH, unsigned)
    assert emulator.cancellation_state(CANCEL_ID) == "approved"


@pytest.mark.parametrize("kind", ["drop", "read_timeout"])
def test_lost_connections_are_retried_as_transport_errors(emulator: TikTokEmulator, kind: str):
    emulator.inject_fault(Fault(kind=kind, delay=0.5), times=1)  # type: ignore[arg-type]
    client = make_client(emulator, timeout=(1.0, 0.2))
    assert approve(client)["code"] == 0
    assert emulator.recorder.count() == 2


@pytest.mark.parametrize("kind", ["drop", "read_timeout"])
def test_transport_failures_have_no_http_status(emulator: TikTokEmulator, kind: str):
    emulator.inject_fault(Fault(kind=kind, delay=0.5), times=None)  # type: ignore[arg-type]
    client = make_client(
        emulator, timeout=(1.0, 0.2), retry_policy=RetryPolicy(max_attempts=2, base_delay=0.01)
    )
    with pytest.raises(TikTokTransportError) as raised:
        approve(client)
    assert raised.value.http_status is None
    assert raised.value.timed_out is (kind == "read_timeout")
    assert raised.value.attempts == 2
    assert emulator.recorder.count() == 2


def test_connection_refused_is_a_retryable_transport_error():
    client = TikTokShopClient(
        app_key="k",
        app_secret="s",
        base_url="http://127.0.0.1:9",  # discard port: nothing listens
        retry_policy=RetryPolicy(max_attempts=2, base_delay=0.01),
    )
    client.set_access_token("t")
    client.set_shop_cipher("c")
    with pytest.raises(TikTokTransportError) as raised:
        approve(client)
    assert raised.value.retryable
    assert raised.value.attempts == 2
    assert "sign=" not in str(raised.value)


def test_retries_give_up_at_the_attempt_limit(emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="http_429"), times=None)
    with pytest.raises(TikTokAPIError) as raised:
        approve(make_client(emulator, retry_policy=RetryPolicy(max_attempts=3, base_delay=0.01)))
    assert (raised.value.code, raised.value.attempts) == (36009002, 3)
    assert emulator.recorder.count() == 3
    assert emulator.cancellation_state(CANCEL_ID) == "pending"


def test_retries_give_up_inside_the_deadline(emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="http_503"), times=None)
    policy = RetryPolicy(max_attempts=50, base_delay=0.2, max_delay=0.2, min_attempt_time=0.1)
    started = time.time()
    deadline = started + 1.0
    with pytest.raises(TikTokAPIError) as raised:
        approve(make_client(emulator, retry_policy=policy), deadline=deadline)
    assert time.time() <= deadline + 0.05
    assert 2 <= raised.value.attempts < 50
    assert emulator.recorder.count() == raised.value.attempts


def test_a_slow_answer_is_cut_at_the_deadline(emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="read_timeout", delay=3.0), times=None)
    client = make_client(emulator, timeout=(5.0, 5.0))
    started = time.time()
    with pytest.raises(TikTokTransportError) as raised:
        approve(client, deadline=started + 0.6)
    assert raised.value.timed_out
    assert time.time() - started < 1.0


def test_the_idempotency_key_makes_tiktok_approve_once(emulator: TikTokEmulator):
    client = make_client(emulator)
    first = approve(client, key="same")
    second = approve(client, key="same")
    assert first == second
    assert emulator.recorder.count() == 2
    assert emulator.cancellation_state(CANCEL_ID) == "approved"


def test_cancel_id_and_query_may_be_given_positionally(emulator: TikTokEmulator):
    client = make_client(emulator)
    assert client.return_refund.approve_cancellation(CANCEL_ID, {"idempotency_key": "pos-1"})["code"] == 0
    assert emulator.recorder.calls[0].query["idempotency_key"] == "pos-1"


def test_search_cancellations_reads_the_emulators_state(emulator: TikTokEmulator):
    client = make_client(emulator)
    approve(client)
    page = client.return_refund.search_cancellations(cancel_ids=[CANCEL_ID, "5760001000000000901"])
    assert {c.cancel_id: c.cancel_status for c in page.cancellations} == {
        CANCEL_ID: "CANCELLATION_REQUEST_SUCCESS",
        "5760001000000000901": "CANCELLATION_REQUEST_PENDING",
    }
    assert page.total_count == 2
    assert page.request_id
    search = emulator.recorder.calls[-1]
    assert search.body == b'{"cancel_ids":["5760001000000000001","5760001000000000901"]}'


def test_find_cancellation_picks_the_one_asked_for(emulator: TikTokEmulator):
    client = make_client(emulator)
    found = client.return_refund.find_cancellation(CANCEL_ID)
    assert found is not None
    assert found.pending
    assert found.response_deadline is not None
    assert client.return_refund.find_cancellation("5760001999999999999") is None


def test_search_retries_transient_failures_like_approve(emulator: TikTokEmulator):
    emulator.inject_fault(Fault(kind="http_429"), times=2)
    found = make_client(emulator).return_refund.find_cancellation(CANCEL_ID)
    assert found is not None
    assert [call.code for call in emulator.recorder.calls] == [36009002, 36009002, 0]


def test_search_errors_are_typed(emulator: TikTokEmulator):
    with pytest.raises(TikTokAPIError) as raised:
        make_client(emulator, app_secret="wrong").return_refund.find_cancellation(CANCEL_ID)
    assert raised.value.code == 106001
    assert not raised.value.retryable

"""The call recorder: every API request, rejected or faulted, in order; never the control calls."""

from concurrent.futures import ThreadPoolExecutor

from emulator_http import Shop, approve_path, control
from tiktok_emulator import Fault, RecordedCall, TikTokEmulator

CANCEL_ID = "5760001"


def test_a_call_is_recorded_with_what_was_sent_and_answered(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    shop.approve(CANCEL_ID, query={"idempotency_key": "a b/ü"}, body=b"{}")

    (call,) = tiktok_emulator.recorder.calls
    assert isinstance(call, RecordedCall)
    assert call.method == "POST"
    assert call.path == approve_path(CANCEL_ID)
    assert call.query["idempotency_key"] == "a b/ü"
    assert set(call.query) == {"app_key", "timestamp", "shop_cipher", "idempotency_key", "sign"}
    assert call.headers["x-tts-access-token"] == tiktok_emulator.access_token
    assert call.headers["content-type"] == "application/json"
    assert all(name == name.lower() for name in call.headers)
    assert call.body == b"{}"
    assert (call.cancel_id, call.status, call.code) == (CANCEL_ID, 200, 0)
    assert call.timestamp > 0


def test_rejected_and_faulted_calls_are_recorded_in_order(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="http_429"))
    shop.approve(CANCEL_ID)
    shop.approve(CANCEL_ID, query={"sign": "bad"})
    shop.approve(CANCEL_ID)
    shop.send("GET", "/nowhere")

    answered = [(call.cancel_id, call.status, call.code) for call in tiktok_emulator.recorder.calls]

    assert answered == [
        (CANCEL_ID, 429, 36009002),
        (CANCEL_ID, 200, 106001),
        (CANCEL_ID, 200, 25007006),
        (None, 404, 36009009),
    ]


def test_count_by_cancel_id_and_clear(shop, tiktok_emulator):
    shop.approve("a")
    shop.approve("b")
    shop.approve("b")

    assert tiktok_emulator.recorder.count() == 3
    assert tiktok_emulator.recorder.count("b") == 2
    assert tiktok_emulator.recorder.count("c") == 0

    tiktok_emulator.recorder.clear()

    assert tiktok_emulator.recorder.calls == []


def test_control_calls_are_not_recorded(tiktok_emulator):
    control(tiktok_emulator, "seed", {"cancellations": {CANCEL_ID: "pending"}})
    control(tiktok_emulator, "calls")
    control(tiktok_emulator, "no_such_control")

    assert tiktok_emulator.recorder.count() == 0


def test_concurrent_calls_are_all_recorded(shop, tiktok_emulator):
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda i: shop.approve(str(i)), range(40)))

    calls = tiktok_emulator.recorder.calls
    assert len(calls) == 40
    assert {call.cancel_id for call in calls} == {str(i) for i in range(40)}


def test_reset_restores_the_constructors_world():
    with TikTokEmulator(cancellations={CANCEL_ID: "pending"}) as emulator:
        emulator_shop = Shop(emulator)
        emulator_shop.approve(CANCEL_ID, query={"idempotency_key": "k"})
        emulator.seed({"other": "shipped"})
        emulator.inject_fault(Fault(kind="http_500"), times=None)
        emulator.expire_token()

        emulator.reset()

        assert emulator.cancellations() == {CANCEL_ID: "pending"}
        assert emulator.recorder.count() == 0
        assert (
            emulator_shop.approve(CANCEL_ID, query={"idempotency_key": "k"}).code == 0
        )  # no replay, no fault

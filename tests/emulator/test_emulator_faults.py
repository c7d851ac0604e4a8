"""Each fault kind behaves as the client would see it, is consumed per request, and changes no state."""

import http.client
import socket
import time

import pytest
from emulator_http import Shop, control
from tiktok_emulator import Fault, TikTokEmulator

CANCEL_ID = "5760001"


@pytest.fixture(autouse=True)
def pending(tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("http_429", 429, 36009002), ("http_500", 500, 36009003), ("code_36009003", 200, 36009003)],
)
def test_json_faults_answer_tiktoks_envelope(shop, tiktok_emulator, kind, status, code):
    tiktok_emulator.inject_fault(Fault(kind=kind))

    reply = shop.approve(CANCEL_ID)

    assert (reply.status, reply.content_type) == (status, "application/json")
    body = reply.json()
    assert (body["code"], body["data"]) == (code, None)
    assert body["message"]
    assert body["request_id"]
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "pending"
    assert tiktok_emulator.recorder.calls[-1].status == status
    assert tiktok_emulator.recorder.calls[-1].code == code


def test_429_message_says_too_many_requests(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="http_429"))

    assert shop.approve(CANCEL_ID).json()["message"].startswith("Too many requests")


def test_503_is_an_html_page_without_code(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="http_503"))

    reply = shop.approve(CANCEL_ID)

    assert reply.status == 503
    assert reply.content_type.startswith("text/html")
    assert b"503" in reply.body
    assert tiktok_emulator.recorder.calls[-1].code is None


@pytest.mark.parametrize(("status", "expected"), [(None, 200), (502, 502)])
def test_html_fault_is_a_bad_gateway_page(shop, tiktok_emulator, status, expected):
    tiktok_emulator.inject_fault(Fault(kind="html", status=status))

    reply = shop.approve(CANCEL_ID)

    assert reply.status == expected
    assert reply.content_type.startswith("text/html")
    assert reply.body.startswith(b"<html>")
    assert b"502 Bad Gateway" in reply.body
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "pending"


def test_latency_delays_then_answers_normally(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="latency", delay=0.3))

    started = time.monotonic()
    reply = shop.approve(CANCEL_ID)

    assert time.monotonic() - started >= 0.3
    assert reply.code == 0
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "approved"


def test_drop_closes_the_connection_without_answering_at_once(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="drop", delay=2.0))  # delay is for latency and read_timeout only

    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        shop.approve(CANCEL_ID, timeout=1.0)

    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "pending"
    (call,) = tiktok_emulator.recorder.calls
    assert (call.status, call.code, call.cancel_id) == (0, None, CANCEL_ID)


def test_read_timeout_makes_an_impatient_client_time_out(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="read_timeout", delay=1.0))

    started = time.monotonic()
    with pytest.raises(socket.timeout):
        shop.approve(CANCEL_ID, timeout=0.1)

    assert time.monotonic() - started < 1.0  # gave up before the emulator's answer
    (call,) = tiktok_emulator.recorder.calls
    assert (call.status, call.code) == (0, None)
    assert shop.approve(CANCEL_ID).code == 0  # the fault is spent; the timed-out request changed nothing


def test_read_timeout_answers_504_to_a_patient_client(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="read_timeout", delay=0.3))

    started = time.monotonic()
    reply = shop.approve(CANCEL_ID, timeout=2)

    assert time.monotonic() - started >= 0.3
    assert (reply.status, reply.code) == (504, 36009007)
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "pending"


def test_read_timeout_waits_five_seconds_by_default_yet_stop_is_prompt():
    assert Fault(kind="read_timeout").wait_seconds == 5.0
    emulator = TikTokEmulator().start()
    try:
        emulator.inject_fault(Fault(kind="read_timeout"))
        with pytest.raises(socket.timeout):
            Shop(emulator).approve(CANCEL_ID, timeout=0.2)
    finally:
        started = time.monotonic()
        emulator.stop()

    assert time.monotonic() - started < 3.0  # not the fault's 5 s


def test_times_counts_matching_requests_then_the_fault_is_gone(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="http_429"), cancel_id=None, times=2)

    statuses = [shop.approve(CANCEL_ID).status for _ in range(3)]

    assert statuses == [429, 429, 200]
    assert tiktok_emulator.cancellation_state(CANCEL_ID) == "approved"


def test_times_none_lasts_until_cleared(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="code_36009003"), times=None)

    assert [shop.approve(CANCEL_ID).code for _ in range(4)] == [36009003] * 4

    tiktok_emulator.clear_faults()

    assert shop.approve(CANCEL_ID).code == 0


def test_default_is_one_shot(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="http_500"))

    assert [shop.approve(CANCEL_ID).status for _ in range(2)] == [500, 200]


def test_fault_for_one_cancel_id_spares_the_others(shop, tiktok_emulator):
    tiktok_emulator.seed({"5760002": "pending"})
    tiktok_emulator.inject_fault(Fault(kind="http_500"), cancel_id="5760002", times=None)

    assert shop.approve(CANCEL_ID).code == 0
    assert shop.approve("5760002").status == 500


def test_faults_queue_in_injection_order(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="http_429"), times=1)
    tiktok_emulator.inject_fault(Fault(kind="http_503"), times=1)

    assert [shop.approve(CANCEL_ID).status for _ in range(3)] == [429, 503, 200]


def test_faults_apply_before_auth(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="http_429"))

    assert shop.approve(CANCEL_ID, query={"sign": "bad"}).status == 429


def test_a_faulted_request_does_not_claim_its_idempotency_key(shop, tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="code_36009003"))

    assert shop.approve(CANCEL_ID, query={"idempotency_key": "k"}).code == 36009003
    assert shop.approve(CANCEL_ID, query={"idempotency_key": "k"}).code == 0


def test_control_calls_are_not_faulted(tiktok_emulator):
    tiktok_emulator.inject_fault(Fault(kind="drop"), times=None)

    assert control(tiktok_emulator, "cancellations")[0] == 200


@pytest.mark.parametrize(
    "arguments",
    [{"kind": "explode"}, {"kind": "latency", "delay": -1}, {"kind": "http_429", "status": 500}],
)
def test_invalid_faults_are_refused(arguments):
    with pytest.raises(ValueError, match="fault"):
        Fault(**arguments)


def test_times_must_be_positive(tiktok_emulator):
    with pytest.raises(ValueError, match="at least 1"):
        tiktok_emulator.inject_fault(Fault(kind="drop"), times=0)

"""The local stack's moto server (local_stack/moto_server.py): moto's SQS with its retention check read off the
queue, so that handing out a message no longer recomputes every queue attribute, and its clock from
time.time() (the same answers as moto's), and with deletes and receives under the queue's lock, so that
concurrent deletes all stick."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from local_stack import moto_server
from moto import mock_aws
from moto.core import utils as moto_utils
from moto.sqs.models import Queue, SQSBackend, sqs_backends

ACCOUNT = "123456789012"
REGION = "us-east-1"
ORIGINAL_CHECK = SQSBackend.is_message_valid_based_on_retention_period
REPLACED = [(owner, name) for owner, name, _ in moto_server.FIXES]


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    """install() in place for one test; monkeypatch puts moto's own methods back afterwards."""
    for owner, name in REPLACED:
        monkeypatch.setattr(owner, name, getattr(owner, name))
    originals = moto_server.install()
    assert originals["is_message_valid_based_on_retention_period"] is ORIGINAL_CHECK


def _queue(sqs: Any, messages: int, retention: int = 60) -> tuple[str, Queue]:
    url = sqs.create_queue(QueueName="deep", Attributes={"MessageRetentionPeriod": str(retention)})[
        "QueueUrl"
    ]
    for start in range(0, messages, 10):
        entries = [{"Id": str(n), "MessageBody": f"m{start + n}"} for n in range(min(10, messages - start))]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    return url, sqs_backends[ACCOUNT][REGION].get_queue("deep")


def test_the_check_gives_motos_answer_inside_and_past_the_retention_period(sqs):
    _, queue = _queue(sqs, 2, retention=60)
    fresh, stale = queue._messages[:2]
    stale.sent_timestamp = int((time.time() - 61) * 1000)
    backend = sqs_backends[ACCOUNT][REGION]

    answers = [
        (ORIGINAL_CHECK(backend, "deep", m), moto_server.within_retention(backend, "deep", m))
        for m in (fresh, stale)
    ]

    assert answers == [(True, True), (False, False)]


def test_the_clock_is_motos_clock():
    then = datetime(2026, 12, 1, 6, 40, 0, 123000)
    now = [moto_utils.unix_time(), moto_server.unix_time(), moto_utils.unix_time_millis() / 1000]

    assert moto_server.unix_time(then) == moto_utils.unix_time(then) == 1796107200.123
    assert moto_server.unix_time_millis(then) == moto_utils.unix_time_millis(then)
    assert max(now) - min(now) < 0.05
    assert abs(moto_server.unix_time_millis() - moto_utils.unix_time_millis()) < 50


def _attribute_computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted = [0]
    original = Queue.attributes

    def counting(queue: Queue) -> dict[str, Any]:
        counted[0] += 1
        return original.fget(queue)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Queue, "attributes", property(counting))
    return counted


def test_motos_own_receive_recomputes_the_queues_attributes_for_every_message(sqs, monkeypatch):
    url, _ = _queue(sqs, 50)
    counted = _attribute_computations(monkeypatch)

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    assert len(received) == 10
    assert counted[0] >= 10, "moto no longer scans per message: local_stack/moto_server.py may be unneeded"


def test_with_the_fix_a_receive_computes_no_queue_attributes_and_still_delivers(sqs, fixed, monkeypatch):
    url, _ = _queue(sqs, 50)
    counted = _attribute_computations(monkeypatch)

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    assert [m["Body"] for m in received] == [f"m{n}" for n in range(10)]
    assert counted[0] == 0


def test_concurrent_deletes_all_stick(sqs, fixed):
    url, queue = _queue(sqs, 400)
    handles = [
        m["ReceiptHandle"]
        for _ in range(40)
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert len(handles) == 400
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can: moto's unlocked rebuild loses deletes
    try:
        threads = [
            threading.Thread(target=lambda part=handles[n::8]: [queue.delete_message(h) for h in part])
            for n in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    assert queue._messages == []


@pytest.mark.parametrize("operation", ["delete", "receive"])
def test_a_delete_or_a_receive_waits_for_the_queues_lock(sqs, fixed, operation):
    url, queue = _queue(sqs, 2)
    handle = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]["ReceiptHandle"]
    backend = sqs_backends[ACCOUNT][REGION]
    done = threading.Event()

    def act() -> None:
        if operation == "delete":
            queue.delete_message(handle)
        else:
            backend.receive_message("deep", 1, 0, 30)
        done.set()

    with queue._messages_lock:
        worker = threading.Thread(target=act)
        worker.start()
        assert not done.wait(0.3), f"the {operation} ran while another held the queue's lock"
    worker.join(timeout=5)

    assert done.is_set()


def test_a_long_polling_receive_lets_others_at_the_queue_while_it_waits(sqs, fixed):
    url, _ = _queue(sqs, 0)
    backend = sqs_backends[ACCOUNT][REGION]
    got: list[Any] = []
    waiting = threading.Thread(target=lambda: got.extend(backend.receive_message("deep", 1, 5, 30)))
    waiting.start()
    time.sleep(0.3)
    started = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody="late")
    waiting.join(timeout=10)

    assert [m.body for m in got] == ["late"]
    assert time.monotonic() - started < 2, "the send waited for the receive's long poll to end"


@pytest.mark.parametrize(("owner", "name"), REPLACED)
def test_install_refuses_a_moto_without_what_it_replaces(monkeypatch, owner, name):
    monkeypatch.delattr(owner, name)

    with pytest.raises(SystemExit, match=f"moto has no {name}: .*written for moto 5.2.5"):
        moto_server.install()

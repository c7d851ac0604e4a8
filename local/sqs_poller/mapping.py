"""Lambda's SQS event source mapping, as AWS documents it, driven against any SQS endpoint.

Per poller: receive up to `batch_size` messages (long polling), gathering for up to the batching window;
invoke the function synchronously with the batch; with ReportBatchItemFailures, delete every message not
listed in `batchItemFailures`; on a function error, or an answer that names a message not in the batch,
delete nothing (the whole batch comes back after the visibility timeout). Redrive to the dead-letter queue
after maxReceiveCount is the queue's own (moto does it on receive). `concurrency` pollers run at once,
each invoking its own function environment, as ScalingConfig.MaximumConcurrency allows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqs_poller.event import sqs_event

# One function environment: takes the event, returns the function's result (or raises for an error).
Invoke = Callable[[dict[str, Any]], Any]
# Lambda long-polls with the longest wait SQS allows; the driver waits less, to notice a drained queue.
RECEIVE_WAIT_SECONDS = 1


class FunctionError(RuntimeError):
    """The invocation failed as a whole (an unhandled error, a timeout): Lambda keeps the batch."""


@dataclass(frozen=True)
class BatchOutcome:
    message_ids: tuple[str, ...]
    failed_ids: tuple[str, ...]
    function_error: str | None
    seconds: float


@dataclass
class MappingStats:
    received: int = 0
    invocations: int = 0
    deleted: int = 0
    reported_failures: int = 0
    function_errors: int = 0
    redeliveries: int = 0  # messages received with ApproximateReceiveCount > 1
    batches: list[BatchOutcome] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    # (seconds since start, messages received so far), one entry per receive that got any
    progress: list[tuple[float, int]] = field(default_factory=list)
    last_deleted: float = 0.0  # seconds since start when a message was last deleted

    def seconds_to_receive(self, count: int) -> float | None:
        """When the `count`-th message (redeliveries included) had been received."""
        return next((at for at, received in self.progress if received >= count), None)

    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class EventSourceMapping:
    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        region: str,
        batch_size: int,
        batching_window_seconds: float,
        functions: Sequence[Invoke],
    ) -> None:
        if not 1 <= batch_size <= 10:
            raise ValueError("an SQS batch holds 1 to 10 messages (standard queue, no batching window)")
        if not functions:
            raise ValueError("at least one function environment is needed")
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._batch_size = batch_size
        self._window = batching_window_seconds
        self._functions = list(functions)
        self.stats = MappingStats()

    def run(self, until: Callable[[], bool], poll_timeout: float = 600.0) -> MappingStats:
        """Poll with one poller per function environment until `until()` is true (checked between
        batches) or `poll_timeout` seconds passed."""
        stop = threading.Event()
        self.stats.started = time.perf_counter()
        deadline = time.monotonic() + poll_timeout
        errors: list[BaseException] = []

        def poller(invoke: Invoke) -> None:
            try:
                while not stop.is_set() and time.monotonic() < deadline:
                    if until():
                        stop.set()
                        return
                    self._one_batch(invoke)
            except BaseException as error:  # reported by run(), which must not hang on a dead poller
                errors.append(error)
                stop.set()

        threads = [
            threading.Thread(target=poller, args=(invoke,), name=f"sqs-poller-{n}", daemon=True)
            for n, invoke in enumerate(self._functions, start=1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return self.stats

    def _one_batch(self, invoke: Invoke) -> None:
        messages = self._receive()
        if not messages:
            return
        started = time.perf_counter()
        ids = tuple(str(m["MessageId"]) for m in messages)
        try:
            result = invoke(sqs_event(messages, self._queue_arn, self._region))
            failed = _failed_ids(result, set(ids))
            error = None
        except FunctionError as function_error:
            failed, error = ids, str(function_error)
        keep = set(failed)
        done = [m for m in messages if m["MessageId"] not in keep]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                for n, m in enumerate(done[start : start + 10])
            ]
            answer = self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)
            if answer.get("Failed"):
                raise RuntimeError(f"DeleteMessageBatch failed: {answer['Failed']}")
        with self.stats.lock:
            if done:
                self.stats.last_deleted = time.perf_counter() - self.stats.started
            self.stats.invocations += 1
            self.stats.deleted += len(done)
            self.stats.reported_failures += 0 if error else len(failed)
            self.stats.function_errors += 1 if error else 0
            self.stats.batches.append(BatchOutcome(ids, tuple(failed), error, time.perf_counter() - started))

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        gather_until = time.monotonic() + self._window
        wait = RECEIVE_WAIT_SECONDS
        while len(messages) < self._batch_size:
            answer = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=self._batch_size - len(messages),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = answer.get("Messages", [])
            messages.extend(received)
            if not received or time.monotonic() >= gather_until:
                break
            wait = 0  # within the batching window: take what is there now
        with self.stats.lock:
            self.stats.received += len(messages)
            if messages:
                self.stats.progress.append((time.perf_counter() - self.stats.started, self.stats.received))
            self.stats.redeliveries += sum(
                1 for m in messages if int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")) > 1
            )
        return messages


def _failed_ids(result: Any, batch: set[str]) -> tuple[str, ...]:
    """The batchItemFailures identifiers; an answer Lambda cannot read fails the whole batch, as AWS does
    for an invalid partial-batch response."""
    if not isinstance(result, dict):
        raise FunctionError(f"the function returned {type(result).__name__}, not a batch response")
    failures = result.get("batchItemFailures", [])
    if not isinstance(failures, list):
        raise FunctionError("batchItemFailures is not a list")
    ids = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in batch:
            raise FunctionError(f"batchItemFailures names {identifier!r}, not a message of this batch")
        ids.append(identifier)
    return tuple(ids)

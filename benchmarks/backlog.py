"""A backlog of approvals in moto's SQS drained through the SQS poller driver into the built function, as
Lambda would run it: what `make soak` and `make bench-bulk` share.

The function runs in as many Runtime Interface Emulators as the template's QueueMaximumConcurrency, with
the template's batch size, batching window, visibility timeout and redrive (local/sqs_poller).
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from local_stack.provision import aws_client
from local_stack.queue_pollers import messages_left, runtime_function
from local_stack.stack import LocalStack, StackInfo
from local_stack.template import load_template
from local_stack.template_env import REGION
from local_stack.tiktok_admin import TikTokAdmin
from sqs_poller import BatchOutcome, EventSourceMapping, MappingStats
from sqs_poller.event import sqs_event
from sqs_poller.mapping import Invoke


@dataclass(frozen=True)
class QueueSettings:
    batch_size: int
    batching_window: float
    concurrency: int
    visibility_timeout: int
    max_receive_count: int

    @classmethod
    def from_template(cls) -> QueueSettings:
        template = load_template()
        parameters = template["Parameters"]
        queue = template["Resources"]["ApprovalQueue"]["Properties"]
        events = template["Resources"]["ApproveCancellationFunction"]["Properties"]["Events"]
        [sqs] = [event["Properties"] for event in events.values() if event["Type"] == "SQS"]
        return cls(
            batch_size=int(parameters["BatchConcurrency"]["Default"]),
            batching_window=float(sqs.get("MaximumBatchingWindowInSeconds", 0)),
            concurrency=int(parameters["QueueMaximumConcurrency"]["Default"]),
            visibility_timeout=int(queue["VisibilityTimeout"]),
            max_receive_count=int(queue["RedrivePolicy"]["maxReceiveCount"]),
        )

    def overridden(self, batch_size: int | None, concurrency: int | None) -> QueueSettings:
        """With BatchConcurrency / QueueMaximumConcurrency as `sam deploy --parameter-overrides` sets them."""
        return replace(
            self,
            batch_size=self.batch_size if batch_size is None else batch_size,
            concurrency=self.concurrency if concurrency is None else concurrency,
        )

    def parameters(self) -> dict[str, str]:
        """The template parameters these settings stand for (the function reads BATCH_CONCURRENCY)."""
        return {"BatchConcurrency": str(self.batch_size), "QueueMaximumConcurrency": str(self.concurrency)}

    def describe(self, visibility: int) -> str:
        shortened = (
            "" if visibility == self.visibility_timeout else f" (template: {self.visibility_timeout} s)"
        )
        return (
            f"batch size {self.batch_size}, batching window {self.batching_window:g} s, {self.concurrency} "
            f"function environments, visibility timeout {visibility} s{shortened}, maxReceiveCount "
            f"{self.max_receive_count}"
        )


@contextmanager
def running_stack(
    name: str,
    settings: QueueSettings,
    runtime_venv: Path,
    parameters: Mapping[str, str] | None = None,
    *,
    queues_apart: bool = False,
) -> Iterator[StackInfo]:
    stack = LocalStack(
        name,
        function_runtimes=settings.concurrency,
        runtime_venv=runtime_venv.resolve(),
        parameters=parameters,
        say=lambda _: None,
        queues_apart=queues_apart,
    )
    info = stack.start()
    try:
        yield info
    finally:
        stack.stop(quiet=True)


@dataclass(frozen=True)
class Drained:
    stats: MappingStats
    elapsed: float
    first_pass: float  # until as many messages as were sent had been received
    parked: list[dict[str, Any]]  # the dead-letter queue's messages, received and deleted
    left: int

    @property
    def emptied(self) -> float:
        """Seconds until the last message left the queue: its deletion. moto's redrive to the dead-letter
        queue leaves no time, so with anything dead-lettered, until the driver found the queue empty."""
        return self.stats.last_deleted if self.stats.last_deleted and not self.parked else self.elapsed

    @property
    def parked_ids(self) -> Counter[str]:
        return Counter(str(json.loads(m["Body"]).get("cancel_id")) for m in self.parked)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(
            m.get("MessageAttributes", {}).get("error_type", {}).get("StringValue", "redrive")
            for m in self.parked
        )


def drain(
    info: StackInfo,
    settings: QueueSettings,
    bodies: Sequence[str],
    *,
    visibility: int,
    timeout: float,
    warm_up: Sequence[str] = (),
) -> Drained:
    """Queue `bodies` at once, then poll until the queue is empty (or `timeout` seconds passed).
    `warm_up`: one message body per function environment, each approved by its environment before the
    pollers start, so that the drain measures warm environments (make bench measures cold starts)."""
    sqs = aws_client("sqs", info.queue_endpoint)
    queue_url = info.resource_ref("ApprovalQueue")
    if visibility != settings.visibility_timeout:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": str(visibility)})
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(chunk)]
        )
    queue_arn = str(info.resources["ApprovalQueue"]["attributes"]["Arn"])
    environments = [runtime_function(url) for url in info.invoke_urls]
    mapping = EventSourceMapping(
        sqs=sqs,
        queue_url=queue_url,
        queue_arn=queue_arn,
        region=REGION,
        batch_size=settings.batch_size,
        batching_window_seconds=settings.batching_window,
        functions=environments,
    )
    _warm_up(environments, queue_arn, warm_up)
    started = time.perf_counter()
    stats = mapping.run(until=_drained(sqs, queue_url, mapping.stats), poll_timeout=timeout)
    elapsed = time.perf_counter() - started
    return Drained(
        stats=stats,
        elapsed=elapsed,
        first_pass=stats.seconds_to_receive(len(bodies)) or elapsed,
        parked=_receive_all(sqs, info.resource_ref("ApprovalDeadLetterQueue")),
        left=messages_left(sqs, queue_url),
    )


def tiktok(info: StackInfo) -> TikTokAdmin:
    return TikTokAdmin(info.tiktok_url)


def median_ms(batches: Sequence[BatchOutcome]) -> int:
    return round(statistics.median(b.seconds for b in batches) * 1000) if batches else 0


def max_ms(batches: Sequence[BatchOutcome]) -> int:
    return round(max(b.seconds for b in batches) * 1000) if batches else 0


def counts(counter: Counter[Any]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(counter.items(), key=str)) or "none"


def _warm_up(environments: Sequence[Invoke], queue_arn: str, bodies: Sequence[str]) -> None:
    """Each body, in an SQS event of one record, to an environment of its own, all at once: every
    environment then has imported its code and built its clients. Any record failing stops the benchmark."""
    if not bodies:
        return
    if len(bodies) != len(environments):
        raise ValueError(f"{len(bodies)} warm-up bodies for {len(environments)} function environments")
    events = [
        sqs_event(
            [{"MessageId": f"warm-up-{n}", "ReceiptHandle": f"warm-up-{n}", "Body": body}], queue_arn, REGION
        )
        for n, body in enumerate(bodies)
    ]
    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        answers = list(pool.map(lambda function, event: function(event), environments, events))
    failed = [answer for answer in answers if not isinstance(answer, dict) or answer.get("batchItemFailures")]
    if failed:
        raise RuntimeError(f"the warm-up approvals failed: {failed}")


def _drained(sqs: Any, queue_url: str, stats: MappingStats) -> Any:
    checked = {"at": 0.0, "empty": False}
    asking = threading.Lock()

    def drained() -> bool:
        # Only once receives have come back empty for a second, at most twice a second, one poller at a
        # time: the pollers ask between batches, and moto's GetQueueAttributes scans every queued message
        # several times over, which with thousands queued costs its server more than the receives do.
        last_received = stats.progress[-1][0] if stats.progress else None
        if last_received is not None and time.perf_counter() - stats.started - last_received < 1.0:
            return False
        if time.monotonic() - checked["at"] >= 0.5 and asking.acquire(blocking=False):
            try:
                checked["empty"] = messages_left(sqs, queue_url) == 0
                checked["at"] = time.monotonic()
            finally:
                asking.release()
        return bool(checked["empty"])

    return drained


def _receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", []):
        messages.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)],
        )
    return messages

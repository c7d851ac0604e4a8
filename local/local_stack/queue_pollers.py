"""Lambda's SQS event source mappings for the local stack's functions, played by the SQS poller driver
(local/sqs_poller, docs/sqs-poller.md) while they are wanted: WebhookQueue -> the decider's runtime and
ApprovalQueue -> the approval function's runtimes, each with the batch size and batching window its event
declares in the template. `make run`'s autopilot step and `make bench-autopilot` run them for their duration
(`with QueuePollers(info): ...`); `make local-up` in a process of its own
(`python -m local_stack.queue_pollers STATE_FILE`), for as long as the stack runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import requests
from sqs_poller import EventSourceMapping, MappingStats
from sqs_poller.mapping import FunctionError, Invoke

from local_stack.invoke import invoke
from local_stack.provision import aws_client
from local_stack.stack import StackInfo, load_state
from local_stack.template import load_template, resource
from local_stack.template_env import REGION, Resolver

INVOCATION_TIMEOUT: Final = 120.0
"""Longer than any function's timeout: the runtime enforces the function's own."""
_FOREVER: Final = float("inf")


@dataclass(frozen=True)
class SqsSource:
    """One SQS event of a function in the template: the mapping Lambda makes from it."""

    function_id: str
    queue_id: str
    batch_size: int
    batching_window: float


def sqs_source(
    function_id: str, template: dict[str, Any] | None = None, parameters: Mapping[str, str] | None = None
) -> SqsSource:
    """The function's one SQS event, its `!Ref`s to parameters resolved (defaults, or `parameters`)."""
    template = template or load_template()
    events = resource(function_id, template)["Properties"].get("Events", {})
    [declared] = [event["Properties"] for event in events.values() if event.get("Type") == "SQS"]
    resolver = Resolver(template, {}, parameters)
    queue = declared["Queue"]
    return SqsSource(
        function_id=function_id,
        queue_id=str(queue["Fn::GetAtt"][0]),
        batch_size=int(resolver.resolve(declared.get("BatchSize", 10))),
        batching_window=float(resolver.resolve(declared.get("MaximumBatchingWindowInSeconds", 0))),
    )


def runtime_function(url: str) -> Invoke:
    """One function environment (a Runtime Interface Emulator) as the poller driver invokes it."""

    def call(event: dict[str, Any]) -> Any:
        try:
            invocation = invoke(url, event, timeout=INVOCATION_TIMEOUT)
        except requests.RequestException as error:  # the runtime itself failed: Lambda keeps the batch
            raise FunctionError(type(error).__name__) from None
        if invocation.function_error:
            raise FunctionError(str(invocation.payload.get("errorType")))
        return invocation.payload

    return call


def messages_left(sqs: Any, queue_url: str) -> int:
    """Visible and in-flight messages (moto counts them exactly; SQS approximately)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)


class QueuePollers:
    """The stack's SQS event source mappings, polling while the `with` block runs (or until `stop()`)."""

    def __init__(self, info: StackInfo, parameters: Mapping[str, str] | None = None) -> None:
        if not info.decider_invoke_url:
            raise ValueError("the stack runs no decider: nothing to poll for")
        template = load_template()
        self.sqs = aws_client("sqs", info.queue_endpoint)
        environments: dict[str, Sequence[str]] = {
            info.decider_function: [info.decider_invoke_url],
            info.function: info.invoke_urls,
        }
        self.mappings: dict[str, EventSourceMapping] = {}
        self.queue_urls: dict[str, str] = {}
        for function_id, urls in environments.items():
            source = sqs_source(function_id, template, parameters)
            self.queue_urls[source.queue_id] = info.resource_ref(source.queue_id)
            self.mappings[source.queue_id] = EventSourceMapping(
                sqs=self.sqs,
                queue_url=info.resource_ref(source.queue_id),
                queue_arn=str(info.resources[source.queue_id]["attributes"]["Arn"]),
                region=REGION,
                batch_size=source.batch_size,
                batching_window_seconds=source.batching_window,
                functions=[runtime_function(url) for url in urls],
            )
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []

    @property
    def stats(self) -> dict[str, MappingStats]:
        """By queue logical ID."""
        return {queue_id: mapping.stats for queue_id, mapping in self.mappings.items()}

    def start(self) -> None:
        for queue_id, mapping in self.mappings.items():
            thread = threading.Thread(
                target=self._poll, args=(mapping,), name=f"mapping-{queue_id}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _poll(self, mapping: EventSourceMapping) -> None:
        try:
            mapping.run(until=self._stopping.is_set, poll_timeout=_FOREVER)
        except BaseException as error:  # re-raised by stop(): a dead mapping must not pass unnoticed
            self._errors.append(error)

    def idle(self) -> bool:
        """Nothing waiting or in flight on any of the queues."""
        return all(messages_left(self.sqs, url) == 0 for url in self.queue_urls.values())

    def stop(self) -> None:
        """Stops polling (within a receive's wait, a second, plus an invocation under way)."""
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        if self._errors:
            raise self._errors[0]

    def wait(self, until: Callable[[], bool], timeout: float) -> bool:
        """Waits for `until()` while polling, checking every 0.2 s; False if `timeout` seconds passed. A
        mapping that died raises here at once, rather than after the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if self._errors:
                raise self._errors[0]
            if until():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)

    def __enter__(self) -> QueuePollers:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """`make local-up`'s pollers: until SIGTERM (make local-down)."""
    parser = argparse.ArgumentParser(prog="python -m local_stack.queue_pollers")
    parser.add_argument("state_file", type=Path, help="the stack's StackInfo as JSON (save_state's format)")
    args = parser.parse_args(argv)
    info = load_state(args.state_file)
    if info is None:
        print(f"no stack described in {args.state_file}", file=sys.stderr)
        return 2
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    pollers = QueuePollers(info)
    for queue_id, url in pollers.queue_urls.items():
        print(f"polling {queue_id} ({url})", file=sys.stderr, flush=True)
    with pollers:
        stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

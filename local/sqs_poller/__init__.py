"""A driver that plays Lambda's SQS poller (the event source mapping) against moto, for the local stack,
soaks and benchmarks. Never deployed. What it does and does not model: docs/sqs-poller.md."""

from sqs_poller.event import sqs_event
from sqs_poller.mapping import BatchOutcome, EventSourceMapping, MappingStats

__all__ = ["BatchOutcome", "EventSourceMapping", "MappingStats", "sqs_event"]

"""The local stack's SQS event source mappings (local_stack/queue_pollers.py) read from template.yaml: each
function's SQS event, its queue and batch settings. The mappings at work are make run's autopilot step
(tests/e2e) and the driver's own tests (tests/poller)."""

from __future__ import annotations

from local_stack.queue_pollers import SqsSource, sqs_source


def test_the_decider_polls_webhook_queue_with_its_event_s_batch_settings():
    assert sqs_source("DecideCancellationFunction") == SqsSource(
        function_id="DecideCancellationFunction", queue_id="WebhookQueue", batch_size=10, batching_window=1.0
    )


def test_the_approval_s_batch_size_is_the_batch_concurrency_parameter_or_its_override():
    assert sqs_source("ApproveCancellationFunction").queue_id == "ApprovalQueue"
    assert sqs_source("ApproveCancellationFunction").batch_size == 5  # BatchConcurrency's default
    assert sqs_source("ApproveCancellationFunction", parameters={"BatchConcurrency": "3"}).batch_size == 3

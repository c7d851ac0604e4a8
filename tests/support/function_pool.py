"""One invocation of the approval function in a worker process, as one Lambda execution environment.

The fault matrix runs its cells in a pool of these processes at once: botocore's and TikTok's backoffs
are sleeps, and in sequence the matrix would take minutes. Each invocation gets its environment (its own
AWS access key id, by which the fault proxy scopes faults to it) and fresh dependencies, and reports what
the trigger answered and every line the function wrote (Powertools, stdlib logging, EMF on stdout).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext
from lambda_context import FakeLambdaContext

from support.approvals import api_event
from support.fault_matrix import Trigger

# Imported once in the fork server, so that each worker forks with them loaded instead of importing.
_PRELOAD = ["boto3", "botocore.session", "requests", "aws_lambda_powertools"]


@dataclass(frozen=True)
class Invocation:
    trigger: Trigger
    cancel_id: str
    message_id: str
    environment: dict[str, str]
    lambda_timeout: float = 30.0


@dataclass(frozen=True)
class Answer:
    """What the trigger's caller received: an API response, an SQS batch response, a result or an error."""

    trigger: Trigger
    response: Any = None
    error_type: str | None = None
    output: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def sqs_record(cancel_id: str, message_id: str) -> dict[str, Any]:
    from support.approvals import sqs_event

    [record] = sqs_event(json.dumps({"cancel_id": cancel_id}))["Records"]
    return {**record, "messageId": message_id}


def event_for(invocation: Invocation) -> Any:
    if invocation.trigger == "api":
        return api_event(invocation.cancel_id)
    if invocation.trigger == "sqs":
        return {"Records": [sqs_record(invocation.cancel_id, invocation.message_id)]}
    return {"cancel_id": invocation.cancel_id}


def invoke(invocation: Invocation) -> Answer:
    """Runs in a worker: the handler as Lambda calls it, with everything it writes captured."""
    os.environ.update(invocation.environment)
    os.environ.pop("AWS_PROFILE", None)  # a developer's profile must never send a case to a real account
    import app
    from approval import dependencies
    from approval.observability import logger

    dependencies.reset()
    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    # The layer logs through the standard library (retries, failed calls): Lambda prints those too.
    stdlib = logging.StreamHandler(buffer)
    root = logging.getLogger()
    root.addHandler(stdlib)
    root.setLevel(logging.INFO)
    context = FakeLambdaContext(timeout_seconds=invocation.lambda_timeout)
    try:
        with contextlib.redirect_stdout(buffer):
            try:
                response = app.lambda_handler(event_for(invocation), cast(LambdaContext, context))
            except Exception as error:
                return Answer(invocation.trigger, error_type=type(error).__name__, output=buffer.getvalue())
        return Answer(invocation.trigger, response=response, output=buffer.getvalue())
    finally:
        root.removeHandler(stdlib)
        handler.setStream(previous)


def function_processes(workers: int) -> ProcessPoolExecutor:
    """Forked from a fork server started afresh: the test process's server threads never reach them."""
    context = get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)

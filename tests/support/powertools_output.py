"""Read what a function wrote: its Powertools Logger's lines and the EMF metrics it printed."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from aws_lambda_powertools import Logger


@contextmanager
def captured_output(logger: Logger, capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    # The Logger's handler holds the stdout it saw at import, before pytest's capture: swap its stream.
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield lambda: buffer.getvalue() + capsys.readouterr().out
    finally:
        handler.setStream(previous)

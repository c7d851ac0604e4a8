"""Point a function at the test stack: set its environment, and rebuild its cached dependencies around it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import pytest


@contextmanager
def function_environment(
    monkeypatch: pytest.MonkeyPatch, values: Mapping[str, str], reset: Callable[[], None]
) -> Iterator[None]:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    reset()
    try:
        yield
    finally:
        reset()

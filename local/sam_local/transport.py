"""The Scenario's transport for make sam-local: every invocation a real `sam local invoke`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local_stack.invoke import Invocation
from local_stack.template_env import FUNCTION_ID, ROTATION_FUNCTION_ID

from sam_local.sam_cli import SamLocal


@dataclass(frozen=True)
class SamInvokeTransport:
    sam: SamLocal

    def approve(self, event: Any, event_file: str | None = None) -> Invocation:
        return self.sam.invoke(FUNCTION_ID, event, event_file)

    def rotation_step(self, event: dict[str, str]) -> Invocation:
        return self.sam.invoke(ROTATION_FUNCTION_ID, event)

"""The sweeper's own environment; its deciding reads the decider's and the approval's settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from function_plumbing.settings import read_environment, variable


@dataclass(frozen=True, kw_only=True)
class SweepSettings:
    sweep_state_table: str = variable(min_length=1)
    # Pages of 50 per shop and run: bounds one shop's share of a run; the next run resumes after them.
    sweep_max_pages: int = variable(10, at_least=1, at_most=100)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> SweepSettings:
        return read_environment(cls, os.environ if environ is None else environ)

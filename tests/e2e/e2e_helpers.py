"""Helpers for the e2e tests (beside conftest.py, which holds the fixtures)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal, cast

from local_stack.paths import ROOT, RUNTIME_VENV

LAYOUT = cast(Literal["auto", "build", "source"], os.environ.get("LOCAL_STACK_LAYOUT", "auto"))
RUNTIME_VENV_PATH = Path(os.environ.get("LOCAL_STACK_RUNTIME_VENV", str(RUNTIME_VENV))).resolve()


def local_stack_command(*arguments: str) -> list[str]:
    """`python -m local_stack ...` as mk/local.mk runs it (PYTHONPATH=local comes from the environment)."""
    return [sys.executable, "-m", "local_stack", "--runtime-venv", str(RUNTIME_VENV_PATH), *arguments]


def local_stack_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "local"), "PYTHONUNBUFFERED": "1"}

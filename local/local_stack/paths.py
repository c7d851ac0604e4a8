"""Where things live: the repository, the template, and the local stack's working directory."""

from __future__ import annotations

from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
TEMPLATE: Final = ROOT / "template.yaml"
EVENTS: Final = ROOT / "events"
WORK_DIR: Final = ROOT / ".local-stack"
"""Logs, state, builds: everything the local stack writes (ignored by git)."""
LOGS: Final = WORK_DIR / "logs"
STATE_FILE: Final = WORK_DIR / "state.json"
BUILD_DIR: Final = WORK_DIR / "build"
BUILD_CACHE: Final = WORK_DIR / "build-cache"
SOURCE_LAYERS: Final = WORK_DIR / "source-layers"
"""The source layout's stand-in for what sam build installs into each layer (links into the dev venv)."""
DEV_VENV: Final = ROOT / ".venv"
SAM_VENV: Final = ROOT / ".venv-sam"
RUNTIME_VENV: Final = ROOT / ".venv-runtime"
RUNTIME_REQUIREMENTS: Final = ROOT / "local" / "runtime-requirements.txt"

"""Where make sam-local keeps what it builds and logs (ignored by git)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from local_stack.paths import ROOT

WORK_DIR: Final = ROOT / ".sam-local"
BUILD_DIR: Final = WORK_DIR / "build"
BUILT_TEMPLATE: Final = BUILD_DIR / "template.yaml"
LOGS: Final = WORK_DIR / "logs"
EVENTS_DIR: Final = WORK_DIR / "events"
"""Events made during the run (the rotation steps, an approval for another cancel_id), for `-e`."""
ENV_VARS: Final = WORK_DIR / "env.json"
BASE_IMAGE_SCRIPT: Final = Path(__file__).with_name("base_image.sh")

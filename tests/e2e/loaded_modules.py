"""A second handler for the function's process (local/lambda_runner.py): the modules it has imported."""

from __future__ import annotations

import sys


def lambda_handler(event: object, context: object) -> list[str]:
    return sorted(sys.modules)

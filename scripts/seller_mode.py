"""Which of authorize.py's two modes a command line asks for: the single credentials secret, or a seller's
own secret and the shop directory (seller_onboarding.py). Apart from both so that the single-secret mode
imports nothing new and runs with only the layer on PYTHONPATH, as it always has."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Final

from operator_common import EXIT_BAD_INPUT, OperatorError

OPEN_ID: Final = ""  # `--seller` without a name: the seller is the token grant's open_id
DEFAULT_ROTATION_DAYS: Final = 3
SELLER_FLAGS: Final = {
    "seller": "--seller",
    "shops_table": "--shops-table",
    "secret_prefix": "--secret-prefix",
    "rotation_function_arn": "--rotation-function-arn",
    "rotation_days": "--rotation-days",
    "no_rotation": "--no-rotation",
}


def seller_mode(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> bool:
    """A seller flag means seller mode; else a named secret (--secret-id, $TIKTOK_CREDENTIALS_SECRET) the
    single secret; else $SHOPS_TABLE seller mode. A flag beats the environment; --secret-id with a seller
    flag is refused (EXIT_BAD_INPUT)."""
    environ = os.environ if environ is None else environ
    given = [flag for attribute, flag in SELLER_FLAGS.items() if getattr(args, attribute) is not None]
    if given and args.secret_id:
        raise OperatorError(
            f"--secret-id names the single credentials secret; {', '.join(given)} only apply to a seller's "
            "own secret: give one or the other",
            EXIT_BAD_INPUT,
        )
    if given:
        return True
    if args.secret_id or environ.get("TIKTOK_CREDENTIALS_SECRET"):
        return False
    return bool(environ.get("SHOPS_TABLE"))

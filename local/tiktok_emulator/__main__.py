"""`python -m tiktok_emulator`: serve until SIGINT or SIGTERM.

Prints one JSON line to stdout ({"url", "app_key", "app_secret", "access_token", "shop_cipher", ...}) once
listening, so a parent process can read where to connect; logs one line per request to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from tiktok_emulator.emulator import TikTokEmulator


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_arguments(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s tiktok-emulator %(message)s"
    )
    try:
        emulator = TikTokEmulator(
            app_key=args.app_key,
            app_secret=args.app_secret,
            access_token=args.access_token,
            shop_cipher=args.shop_cipher,
            refresh_token=args.refresh_token,
            host=args.host,
            port=args.port,
            seed_file=args.seed,
            repeated_key=args.repeated_key,
            rate_limit=args.rate_limit or None,
        )
    except (OSError, ValueError) as error:
        print(f"tiktok-emulator: cannot load the seed file: {error}", file=sys.stderr)
        return 2

    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    with emulator:
        print(json.dumps(emulator.describe()), flush=True)
        logging.getLogger("tiktok_emulator").info(
            "listening on %s with %d cancellations", emulator.url, len(emulator.cancellations())
        )
        stop_requested.wait()
    logging.getLogger("tiktok_emulator").info("stopped")
    return 0


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tiktok_emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--seed", metavar="FILE", help="JSON seed file: {'cancellations': {id: state}, ...}")
    parser.add_argument("--app-key", help="overrides the seed file and the default")
    parser.add_argument("--app-secret", help="overrides the seed file and the default")
    parser.add_argument("--access-token", help="overrides the seed file and the default")
    parser.add_argument("--shop-cipher", help="overrides the seed file and the default")
    parser.add_argument("--refresh-token", help="overrides the seed file and the default")
    parser.add_argument(
        "--repeated-key",
        choices=("replay", "reprocess"),
        default="replay",
        help="what an approval with an idempotency_key seen before does (TikTok does not document it): "
        "replay the first answer (default) or process it again against the current state",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=50.0,
        help="requests per second per app, shop and endpoint, as TikTok limits them (default 50; 0: none)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())

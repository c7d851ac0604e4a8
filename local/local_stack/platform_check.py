"""The local stack runs on Linux only; elsewhere it stops before making any venv or starting anything."""

from __future__ import annotations

import sys
from typing import Final

WHY_LINUX: Final = (
    "the Lambda Runtime Interface Emulator binaries inside aws-sam-cli (aws-lambda-rie-x86_64/-arm64) are "
    "Linux executables, and the stack tracks and stops its processes through /proc and PR_SET_PDEATHSIG"
)


class UnsupportedPlatform(RuntimeError):
    pass


def unsupported_platform_message(platform: str) -> str | None:
    """Why the local stack cannot run on `platform` (a sys.platform value), or None on Linux."""
    if platform.startswith("linux"):
        return None
    return (
        f"the local stack (make run, local-up, invoke, soak, bench-bulk, the e2e tests) needs Linux; "
        f"this is {platform}: {WHY_LINUX}. Run it in a Linux VM, WSL 2 or a Linux container "
        "(a devcontainer, for one)."
    )


def require_linux(platform: str = sys.platform) -> None:
    message = unsupported_platform_message(platform)
    if message is not None:
        raise UnsupportedPlatform(message)


if __name__ == "__main__":  # mk/local.mk's check, before any venv exists: standard library only
    problem = unsupported_platform_message(sys.platform)
    if problem:
        print(f"make: {problem}", file=sys.stderr)
    sys.exit(69 if problem else 0)

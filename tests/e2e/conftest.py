"""e2e: the built function in the Lambda Runtime Interface Emulator (awslambdaric), exactly as `make run`
runs it: one local stack per session (moto, the TikTok emulator, the RIE), started by local_stack.

Needs .venv-sam (aws-sam-cli ships the RIE binary; `make sam-venv` makes it on first use) and makes the
runtime venv (.venv-runtime) itself. Without python3.13 the stack runs the source layout instead of the
`sam build` output, as `make run` does. LOCAL_STACK_LAYOUT (auto, build, source) and
LOCAL_STACK_RUNTIME_VENV override the defaults, e.g. to try the fallback on a machine that has 3.13.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_helpers import LAYOUT, RUNTIME_VENV_PATH
from local_stack.invoke import Invocation, invoke, load_event
from local_stack.paths import ROOT
from local_stack.platform_check import unsupported_platform_message
from local_stack.processes import port_in_use
from local_stack.stack import LocalStack, StackInfo
from local_stack.tiktok_admin import TikTokAdmin


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Elsewhere than on Linux the local stack cannot run: say why, once per test, instead of failing."""
    reason = unsupported_platform_message(sys.platform)
    if reason is None:
        return
    for item in items:
        if "tests/e2e" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.skip(reason=reason))


def _ensure_sam_venv() -> None:
    """The same make machinery as `make run`: `make sam-venv` (a no-op once .venv-sam is up to date)."""
    subprocess.run(
        ["make", "--no-print-directory", "sam-venv"], cwd=ROOT, check=True, stdin=subprocess.DEVNULL
    )


@pytest.fixture(scope="session")
def stack() -> Iterator[StackInfo]:
    _ensure_sam_venv()
    local = LocalStack("e2e", layout=LAYOUT, attached=True, runtime_venv=RUNTIME_VENV_PATH, say=print)
    info = local.start()
    try:
        yield info
    finally:
        busy = local.stop(quiet=True)
        # Clean teardown: every process gone (the RIE's runtime child included), every port free again.
        assert busy == [], f"ports still in use after the stack stopped: {busy}"
        assert not [p.name for p in info.processes if p.alive()], "processes outlived the stack"
        assert not [port for port in info.ports if port_in_use(port, info.host)]


@pytest.fixture(scope="session")
def tiktok(stack: StackInfo) -> TikTokAdmin:
    return TikTokAdmin(stack.tiktok_url)


@pytest.fixture
def call(stack: StackInfo):
    def invoke_event(event: Any) -> Invocation:
        payload = load_event(event) if isinstance(event, str) else event
        return invoke(stack.invoke_url, payload, timeout=60)

    return invoke_event

"""`python -m sam_local` (PYTHONPATH=local; run by mk/sam-local.mk once local/sam_local/with_docker_engine.sh
found or started a Docker engine): the base image, `sam build` (every layer included), the local stack
on the address SAM's containers reach, then every check, printed step by step; everything started is
stopped."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from typing import Final

from local_stack.__main__ import Interrupted, interruptible, say
from local_stack.processes import StartupError
from local_stack.runtime import find_runtime_python
from local_stack.stack import LocalStack, log_tails, sam_env_vars

from sam_local.base_image import BaseImageError, ensure_base_image
from sam_local.checks import SamLocalScenario
from sam_local.docker_engine import (
    DOCKER_DESKTOP_HOST,
    EngineError,
    bridge_gateway,
    is_local_address,
    remove_containers,
    sam_containers,
)
from sam_local.paths import ENV_VARS, EVENTS_DIR, LOGS, WORK_DIR
from sam_local.sam_cli import SamError, SamLocal, sam_environment, sam_log_tails

EXIT_FAILED: Final = 1
EXIT_SETUP: Final = 2
HOST_ARCHITECTURE: Final = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sam_local", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--architecture",
        choices=["x86_64", "arm64"],
        default=HOST_ARCHITECTURE.get(platform.machine().lower(), "x86_64"),
        help="Lambda architecture to run (default: the host's, so nothing runs under QEMU)",
    )
    parser.add_argument(
        "--base",
        choices=["standin", "aws"],
        default="standin",
        help="standin: the locally built base image (offline); aws: AWS's image, pulled by SAM as usual",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        with interruptible():
            ok = run(args.architecture, args.base)
    except Interrupted as interrupted:
        say(f"interrupted ({interrupted}); everything started was stopped")
        return 128 + interrupted.signum
    except (BaseImageError, SamError, EngineError, StartupError) as error:
        say(f"make sam-local FAILED: {error}")
        return EXIT_SETUP
    say(
        f"\nmake sam-local: {'all steps passed' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s"
    )
    return 0 if ok else EXIT_FAILED


def run(architecture: str, base: str) -> bool:
    timings: list[tuple[str, float]] = []

    def timed(what: str, since: float) -> None:
        timings.append((what, time.perf_counter() - since))

    for stale in (*EVENTS_DIR.glob("*.json"), *LOGS.glob("*.log")):
        stale.unlink()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    gateway = bridge_gateway()
    # A Linux engine's bridge gateway is this host's own address: the services listen there and the
    # containers reach them through it. Docker Desktop's bridge lives in its VM: loopback, and the name
    # Docker Desktop gives the host.
    on_bridge = is_local_address(gateway)
    services_host, container_host = (gateway, gateway) if on_bridge else ("127.0.0.1", DOCKER_DESKTOP_HOST)
    say(f"Docker engine: {os.environ.get('DOCKER_HOST', 'the default socket')}; bridge gateway {gateway}")
    say(f"architecture: {architecture} (template parameter Architecture; deployed default arm64)")

    since = time.perf_counter()
    image = ensure_base_image(architecture, say) if base == "standin" else None
    if image is None:
        say("base image: AWS's python3.13 image, pulled by SAM (SAM_LOCAL_BASE=aws)")
    timed("base image", since)

    sam = SamLocal(architecture, image)
    since = time.perf_counter()
    say(f"build: {sam.build(build_environment())}")
    timed("sam build", since)

    containers_before = sam_containers()
    stack = LocalStack("sam-local", host=services_host, runtimes=False, attached=True, say=say)
    try:
        since = time.perf_counter()
        info = stack.start()
        timed("local stack (moto, TikTok emulator) start", since)
        sam.sts_url = info.moto_url
        ENV_VARS.write_text(json.dumps(sam_env_vars(info, container_host), indent=2) + "\n", encoding="utf-8")
        say(f"--env-vars {ENV_VARS.relative_to(WORK_DIR.parent)}: the stack at {container_host}")
        since = time.perf_counter()
        scenario = SamLocalScenario(info, sam, container_host, say=say)
        ok = scenario.run()
        timed("the checks", since)
        if not ok:
            say(
                "\nsome steps failed; the logs' last lines:\n"
                + log_tails(info.processes)
                + "\n"
                + sam_log_tails()
            )
    finally:
        stack.stop()
        remove_containers(sam_containers() - containers_before)
    invokes = sam.invoke_seconds
    say("\ntimings:")
    for what, seconds in timings:
        say(f"  {what:<44} {seconds:6.1f} s")
    if invokes:
        say(
            f"  {'sam local invoke (' + str(len(invokes)) + ' runs)':<44} {sum(invokes):6.1f} s "
            f"(each {min(invokes):.1f}-{max(invokes):.1f} s)"
        )
    for command, seconds in sam.server_seconds:
        say(f"  {command + ' (start, requests, stop)':<44} {seconds:6.1f} s")
    return ok


def build_environment() -> dict[str, str]:
    """packaging/Makefile needs the runtime's interpreter (python3.13) on PATH: from PATH or pyenv."""
    environment = sam_environment()
    python = find_runtime_python("3.13")
    if python is None:
        raise SamError(
            "no python3.13 (the template's runtime) found for sam build: install it (pyenv install 3.13)"
        )
    environment["PATH"] = os.pathsep.join([str(python.parent), environment.get("PATH", "")])
    return environment


if __name__ == "__main__":
    sys.exit(main())

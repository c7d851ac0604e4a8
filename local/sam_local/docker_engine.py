"""The few things make sam-local asks the Docker engine (through the `docker` client and DOCKER_HOST, as SAM
itself reaches it)."""

from __future__ import annotations

import json
import socket
import subprocess
from typing import Final

DOCKER_DESKTOP_HOST: Final = "host.docker.internal"
SAM_CONTAINER_LABEL: Final = "sam.cli.container.type=lambda"


class EngineError(RuntimeError):
    pass


def docker(*args: str, timeout: float = 120.0) -> str:
    done = subprocess.run(  # noqa: S603
        ["docker", *args],  # noqa: S607 - the client on PATH, as SAM's own docker SDK finds the engine
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise EngineError(f"docker {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def image_exists(tag: str) -> bool:
    try:
        docker("image", "inspect", "--format", "{{.Id}}", tag)
    except EngineError:
        return False
    return True


def bridge_gateway() -> str:
    """The default bridge's gateway: the host's own address on the network SAM's containers join."""
    networks = json.loads(docker("network", "inspect", "bridge"))
    for config in networks[0]["IPAM"]["Config"] or []:
        if config.get("Gateway"):
            return str(config["Gateway"])
    raise EngineError("the bridge network has no gateway address")


def is_local_address(address: str) -> bool:
    """True when this host owns `address` (a Linux engine's bridge gateway); False for Docker Desktop, whose
    bridge lives in a VM of its own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def sam_containers() -> set[str]:
    """The ids of the Lambda containers SAM runs (it labels them), running or not."""
    return set(
        docker("ps", "--all", "--quiet", "--no-trunc", "--filter", f"label={SAM_CONTAINER_LABEL}").split()
    )


def remove_containers(ids: set[str]) -> None:
    if ids:
        docker("rm", "--force", *sorted(ids))

"""The offline stand-in for AWS's python3.13 Lambda base image: built once by base_image.sh (debootstrap of
a Debian release with Python 3.13, awslambdaric and boto3 from PyPI, /var/runtime/bootstrap), then reused by
its tag. The tag carries a digest of the recipe and of the runtime pins, so that changing either builds a new
image instead of silently reusing an old one."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Final

from local_stack.paths import DEV_VENV, RUNTIME_REQUIREMENTS

from sam_local.docker_engine import image_exists
from sam_local.paths import BASE_IMAGE_SCRIPT, LOGS, WORK_DIR

REPOSITORY: Final = "tiktok-approver/lambda-python-standin"


class BaseImageError(RuntimeError):
    pass


def runtime_pins(requirements: Path = RUNTIME_REQUIREMENTS) -> list[str]:
    """The python runtime's own packages, for /var/runtime: the pins of local/runtime-requirements.txt, the
    file .venv-runtime is made from (everything else comes from the functions' built layers)."""
    lines = (line.split("#", 1)[0].strip() for line in requirements.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def image_tag(architecture: str) -> str:
    recipe = hashlib.sha256(BASE_IMAGE_SCRIPT.read_bytes())
    recipe.update("\n".join(runtime_pins()).encode())
    return f"{REPOSITORY}:3.13-{architecture}-{recipe.hexdigest()[:12]}"


def ensure_base_image(architecture: str, say: Callable[[str], None]) -> str:
    """The stand-in's tag, built first if the engine has no image with it (needs root and debootstrap)."""
    tag = image_tag(architecture)
    if image_exists(tag):
        say(f"base image: {tag} (the stand-in, already built)")
        return tag
    if os.geteuid() != 0:
        raise BaseImageError(
            f"the stand-in base image {tag} is not built yet, and building it (debootstrap) needs root: "
            "run make sam-local as root once, or pass SAM_LOCAL_BASE=aws where AWS's image can be pulled"
        )
    say(f"base image: building {tag} (once; debootstrap, pip, docker import)")
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    pins = WORK_DIR / "runtime-pins.txt"
    pins.write_text("\n".join(runtime_pins()) + "\n", encoding="utf-8")
    log = LOGS / "base-image.log"
    with log.open("wb") as output:
        done = subprocess.run(  # noqa: S603
            [str(BASE_IMAGE_SCRIPT), tag, architecture, str(DEV_VENV / "bin" / "pip"), str(pins)],
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
            env={**os.environ, "TMPDIR": str(WORK_DIR)},
        )
    say(_quiet(log.read_text(encoding="utf-8", errors="replace")))
    if done.returncode != 0 or not image_exists(tag):
        raise BaseImageError(f"building the base image failed (exit {done.returncode}); see {log}")
    return tag


def _quiet(text: str) -> str:
    """The builder's own lines, without pip's notes about the machine's extra package indexes."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("WARNING: Location"))

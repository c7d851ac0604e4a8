"""The public Powertools layer, offline: SAM would download it into `--layer-cache-basedir`; here it is laid
out there beforehand, in the directory SAM looks for, with Powertools at the version local/runtime-
requirements.txt pins (the tests' version), as the layer holds it (`python/`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from local_stack.paths import DEV_VENV, ROOT, SAM_VENV
from packaging.requirements import Requirement

from sam_local.base_image import RUNTIME_PACKAGES, requirement_lines
from sam_local.paths import LAYER_CACHE

ACCOUNT_PARTITION: Final = "aws"
RUNTIME_OWNED: Final = ("boto3", "botocore", "s3transfer")
"""AWS builds its layer without these (the runtime has them); a copy here would shadow the runtime's boto3."""
WHEEL_ARCH: Final = {"x86_64": "x86_64", "arm64": "aarch64"}


class LayerError(RuntimeError):
    pass


def powertools_layer_arn(template: dict[str, Any], architecture: str, region: str) -> str:
    """The Powertools layer's ARN as SAM resolves it for ApproveCancellationFunction: the template's own
    `!Sub` with the parameters' defaults and the run's architecture and region."""
    layers = template["Resources"]["ApproveCancellationFunction"]["Properties"]["Layers"]
    subs = [layer["Fn::Sub"] for layer in layers if isinstance(layer, dict) and "Fn::Sub" in layer]
    if len(subs) != 1:
        raise LayerError("expected one public (Fn::Sub) layer on ApproveCancellationFunction")
    values = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    values.update({"Architecture": architecture, "AWS::Partition": ACCOUNT_PARTITION, "AWS::Region": region})
    arn = str(subs[0])
    for name, value in values.items():
        arn = arn.replace("${" + name + "}", value)
    if "${" in arn:
        raise LayerError(f"unresolved placeholder in the layer ARN {arn}")
    return arn


def sam_layer_directory(arn: str) -> str:
    """The directory name SAM's layer downloader uses for `arn`, computed by SAM's own code
    (samcli.lib.providers.provider.LayerVersion.name), so that it cannot drift from the SAM CLI pinned."""
    done = subprocess.run(  # noqa: S603
        [
            str(SAM_VENV / "bin" / "python"),
            "-c",
            "import sys; from samcli.lib.providers.provider import LayerVersion; "
            "print(LayerVersion(sys.argv[1], None).name)",
            arn,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise LayerError(f"cannot compute SAM's layer directory name: {done.stderr.strip()}")
    return done.stdout.strip()


def layer_pins() -> list[str]:
    """Powertools with its extras: what the public layer holds."""
    return [line for line in requirement_lines() if Requirement(line).name not in RUNTIME_PACKAGES]


def ensure_layer_cache(arn: str, architecture: str, say: Callable[[str], None]) -> Path:
    directory = LAYER_CACHE / sam_layer_directory(arn)
    pins = layer_pins()
    marker = LAYER_CACHE / f"{directory.name}.complete"  # beside it: SAM copies the whole directory
    if marker.exists() and marker.read_text(encoding="utf-8") == "\n".join(pins):
        say(f"Powertools layer: {_relative(directory)} (already laid out)")
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    say(f"Powertools layer: pip install {' '.join(pins)} into {_relative(directory)}/python")
    wheel_arch = WHEEL_ARCH[architecture]
    done = subprocess.run(  # noqa: S603
        [
            str(DEV_VENV / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--target",
            str(directory / "python"),
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            "3.13",
            "--platform",
            f"manylinux2014_{wheel_arch}",
            "--platform",
            f"manylinux_2_28_{wheel_arch}",
            *pins,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    if done.returncode != 0:
        raise LayerError(f"pip failed for the Powertools layer: {done.stderr.strip()[-2000:]}")
    for owned in RUNTIME_OWNED:
        for path in (directory / "python").glob(f"{owned}*"):
            shutil.rmtree(path)
    marker.write_text("\n".join(pins), encoding="utf-8")
    return directory


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

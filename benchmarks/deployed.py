"""What `make bench` runs: the `sam build` output exactly as `sam deploy` uploads it, in a read-only copy, and
AWS's public Powertools layer as its build lays it out, for comparison.

Lambda's /var/task and /opt are read-only: bytecode a cold start compiles is thrown away. The copy here is
made read-only and the processes run with PYTHONDONTWRITEBYTECODE (root ignores file modes); each copy's
file list is taken before the run and compared after it, so a figure can never profit from bytecode written
while measuring.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from local_stack.paths import ROOT
from local_stack.runtime import CodeLayout, RuntimeVenv

POWERTOOLS_LAYER_ID = "PowertoolsLayer"
POWERTOOLS_REQUIREMENTS = ROOT / "layers" / "powertools" / "requirements.txt"
PUBLIC_LAYER_DIR = ROOT / ".local-stack" / "bench" / "public-powertools-layer"
# The extras AWS's public layer carries (pydantic among them), installed as its build does: from PyPI, then
# the runtime's own packages removed and every bytecode file deleted.
PUBLIC_LAYER_EXTRAS = "tracer,validation,parser"
RUNTIME_OWNED = ("boto3", "botocore", "s3transfer")


def powertools_pin() -> str:
    """`aws-lambda-powertools==X.Y.Z`, as layers/powertools/requirements.txt pins it."""
    for line in POWERTOOLS_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if line.startswith("aws-lambda-powertools=="):
            return line.strip()
    raise RuntimeError(f"{POWERTOOLS_REQUIREMENTS} pins no aws-lambda-powertools")


def rebuilt_public_layer(runtime: RuntimeVenv, say: Callable[[str], None]) -> Path:
    """AWS's public Powertools layer's python/, rebuilt here the way its build makes it (no bytecode)."""
    name, version = powertools_pin().split("==")
    pin = f"{name}[{PUBLIC_LAYER_EXTRAS}]=={version}"
    target = PUBLIC_LAYER_DIR / "python"
    marker = PUBLIC_LAYER_DIR / ".pin"
    if marker.is_file() and marker.read_text(encoding="utf-8") == pin and target.is_dir():
        return target
    shutil.rmtree(PUBLIC_LAYER_DIR, ignore_errors=True)
    say(f"public layer: pip install {pin} into {target.relative_to(ROOT)} (no bytecode, no boto3)")
    pip = [str(runtime.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "--no-compile", "--target", str(target), pin],
        check=True,
        env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    for owned in RUNTIME_OWNED:
        for path in target.glob(f"{owned}*"):
            shutil.rmtree(path)
    for cache in [*target.rglob("__pycache__")]:
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(target / "bin", ignore_errors=True)
    marker.write_text(pin, encoding="utf-8")
    return target


@dataclass(frozen=True)
class Deployment:
    ours: CodeLayout
    public: CodeLayout | None  # None: not asked for

    def roots(self) -> list[Path]:
        public = self.public.python_path if self.public else ()
        return [self.ours.function_dir, *self.ours.python_path, *public]


def listing(roots: list[Path]) -> frozenset[tuple[str, int]]:
    return frozenset((str(path), path.stat().st_size) for root in roots for path in root.rglob("*"))


@contextmanager
def deployment(
    build: CodeLayout,
    layer_ids: tuple[str, ...],
    runtime: RuntimeVenv,
    work: Path,
    say: Callable[[str], None],
    *,
    public_layer: bool = True,
) -> Iterator[Deployment]:
    """The build copied into `work` read-only, and (if `public_layer`) the same with the public layer in our
    layer's place. Fails after the run if any file appeared, vanished or changed size in either."""
    function_dir = work / "task"
    shutil.copytree(build.function_dir, function_dir)
    layers = []
    for layer_id, path in zip(layer_ids, build.python_path, strict=True):
        layers.append(work / "opt" / layer_id / "python")
        shutil.copytree(path, layers[-1])
    ours = CodeLayout("build", function_dir, tuple(layers))
    public = None
    if public_layer:
        public_path = tuple(
            rebuilt_public_layer(runtime, say) if layer_id == POWERTOOLS_LAYER_ID else path
            for layer_id, path in zip(layer_ids, layers, strict=True)
        )
        public = replace(ours, python_path=public_path)
    laid_out = Deployment(ours, public)
    _set_writable(work, writable=False)
    before = listing(laid_out.roots())
    try:
        yield laid_out
    finally:
        after = listing(laid_out.roots())
        _set_writable(work, writable=True)
    if after != before:
        changed = sorted(name for name, _ in before ^ after)[:5]
        raise RuntimeError(f"the deployed code changed while it was measured: {changed}")
    say(f"read-only check: {len(before)} files of the deployed code unchanged by the run")


def _set_writable(root: Path, *, writable: bool) -> None:
    write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~write)

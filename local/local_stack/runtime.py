"""The Lambda runtime, locally: its Python, the runtime venv, the RIE binary, and the code to run (the
`sam build` output, or the source layout when no Python matching the template's runtime exists)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final, Literal

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from local_stack.paths import (
    BUILD_CACHE,
    BUILD_DIR,
    DEV_VENV,
    LOGS,
    ROOT,
    RUNTIME_REQUIREMENTS,
    RUNTIME_VENV,
    SAM_VENV,
    SOURCE_LAYERS,
    TEMPLATE,
)
from local_stack.processes import StartupError, tail
from local_stack.template_env import FunctionSpec, layer_content_uri

RUNTIME_PYTHON_VARIABLE: Final = "LOCAL_STACK_RUNTIME_PYTHON"
"""Overrides the search for the runtime's Python: a path or command, or "none" to pretend there is none."""

Layout = Literal["build", "source"]
Say = Callable[[str], None]


class RuntimeSetupError(RuntimeError):
    pass


# --- the runtime's Python ------------------------------------------------------------------------------


def python_version(executable: str | Path) -> str | None:
    """ "3.13.0" for a working interpreter, None for a missing or broken one (a pyenv shim of a version that
    is not selected fails, for one)."""
    try:
        done = subprocess.run(  # noqa: S603
            [str(executable), "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def find_runtime_python(minor: str) -> Path | None:
    """An interpreter of Python `minor` (e.g. "3.13"): $LOCAL_STACK_RUNTIME_PYTHON, else python3.13 on PATH,
    else the newest 3.13.x that pyenv holds (selected or not). None when there is none."""
    override = os.environ.get(RUNTIME_PYTHON_VARIABLE)
    if override is not None:
        if override.strip().lower() in ("", "none"):
            return None
        found = shutil.which(override)
        if found is None or not _is_minor(found, minor):
            return None
        return Path(found)
    on_path = shutil.which(f"python{minor}")
    if on_path and _is_minor(on_path, minor):
        return Path(on_path)
    for candidate in _pyenv_candidates(minor):
        if _is_minor(candidate, minor):
            return candidate
    return None


def _is_minor(executable: str | Path, minor: str) -> bool:
    version = python_version(executable)
    return version is not None and (version == minor or version.startswith(f"{minor}."))


def _pyenv_candidates(minor: str) -> list[Path]:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = root / "versions"
    if not versions.is_dir():
        return []
    matching = []
    for entry in versions.iterdir():
        patch = entry.name.removeprefix(f"{minor}.")
        if entry.name.startswith(f"{minor}.") and patch.isdigit():
            matching.append((int(patch), entry / "bin" / f"python{minor}"))
    return [executable for _, executable in sorted(matching, reverse=True) if executable.exists()]


# --- the runtime venv ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuntimeVenv:
    path: Path
    python_version: str

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def minor(self) -> str:
        return ".".join(self.python_version.split(".")[:2])

    @property
    def site_packages(self) -> Path:
        return self.path / "lib" / f"python{self.minor}" / "site-packages"


def ensure_runtime_venv(
    minor: str,
    *,
    venv: Path = RUNTIME_VENV,
    requirements: Path = RUNTIME_REQUIREMENTS,
    fallback_python: str | None = None,
    say: Say = print,
) -> RuntimeVenv:
    """The venv the runtime (awslambdaric) runs in, made with Python `minor` where one exists, else with
    `fallback_python` (default: the interpreter this venv's runner was made from). Re-made when the
    interpreter or the requirements change."""
    runtime_python = find_runtime_python(minor)
    base = str(runtime_python) if runtime_python else (fallback_python or _base_python())
    version = python_version(base)
    if version is None:
        raise RuntimeSetupError(f"cannot run {base} to make the runtime venv {venv}")
    wanted = {"python": version, "requirements": hashlib.sha256(requirements.read_bytes()).hexdigest()}
    stamp = venv / ".installed.json"
    installed = _read_json(stamp)
    if (
        isinstance(installed, dict)
        and {key: installed.get(key) for key in wanted} == wanted
        and (venv / "bin" / "python").exists()
    ):
        return RuntimeVenv(venv, version)
    if runtime_python is None:
        say(
            f"runtime venv: no python{minor} (the template's runtime) found; using Python {version} "
            f"({base}). Install python{minor} (e.g. `pyenv install {minor}`) to run the function on its "
            "own runtime."
        )
    say(f"runtime venv: creating {_relative(venv)} with Python {version}")
    shutil.rmtree(venv, ignore_errors=True)
    _run([base, "-m", "venv", str(venv)], "python -m venv")
    # As Python 3.13's venv does by itself: git, and ruff with it, never look inside.
    (venv / ".gitignore").write_text("*\n", encoding="utf-8")
    _run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(requirements),
        ],
        "pip install (runtime venv)",
    )
    stamp.write_text(json.dumps({**wanted, "base": base}, indent=2) + "\n", encoding="utf-8")
    return RuntimeVenv(venv, version)


def _base_python() -> str:
    """The interpreter the running venv was made from."""
    candidate = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(candidate) if candidate.exists() else sys.executable


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeSetupError(f"{what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")


# --- the Runtime Interface Emulator --------------------------------------------------------------------


def rie_binary(sam_venv: Path = SAM_VENV) -> Path:
    """aws-lambda-rie for this machine, as shipped inside the aws-sam-cli package."""
    machine = platform.machine().lower()
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if arch is None:
        raise RuntimeSetupError(f"no aws-lambda-rie build for this machine ({machine})")
    found = sorted(sam_venv.glob(f"lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-{arch}"))
    if not found:
        raise RuntimeSetupError(
            f"aws-lambda-rie-{arch} not found in {sam_venv}: run `make sam-venv` (aws-sam-cli ships it)"
        )
    binary = found[-1]
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o111)
    return binary


# --- the code: sam build output or the source layout ---------------------------------------------------


@dataclass(frozen=True)
class CodeLayout:
    kind: Layout
    function_dir: Path
    """LAMBDA_TASK_ROOT (/var/task)."""
    python_path: tuple[Path, ...]
    """The layers' python/ directories (/opt/python), then anything the source layout adds."""


def prepare_code(
    specs: Sequence[FunctionSpec],
    template: dict[str, Any],
    runtime: RuntimeVenv,
    *,
    layout: Literal["auto", "build", "source"] = "auto",
    rebuild: bool = False,
    say: Say = print,
) -> list[CodeLayout]:
    """The code of each function in `specs`, in that order: one `sam build` of them all when the runtime venv
    runs the template's Python (unless `layout` says otherwise), else the source layout: each function's
    CodeUri, the layers' ContentUri, and the layers' requirements (requests) from the dev venv."""
    minors = {spec.python_minor for spec in specs}
    if len(minors) != 1:
        raise RuntimeSetupError(f"the functions need different runtimes: {sorted(minors)}")
    [minor] = minors
    builds = runtime.minor == minor
    if layout == "build" and not builds:
        raise RuntimeSetupError(
            f"--layout build needs python{minor} (the runtime); the runtime venv has Python {runtime.minor}"
        )
    if layout == "source" or (layout == "auto" and not builds):
        if layout == "auto":
            say(
                f"build: SKIPPED, no python{minor} (the template's runtime) on this machine; "
                "running the source layout instead (functions/, layers/ and the dev venv's packages)"
            )
        return [source_layout(spec, template) for spec in specs]
    return sam_build(specs, template, runtime, rebuild=rebuild, say=say)


def source_layout(spec: FunctionSpec, template: dict[str, Any]) -> CodeLayout:
    """The function's CodeUri as the task root; each layer's ContentUri, followed by what its
    requirements.txt would have installed into it, taken from the dev venv (which pins the same versions)."""
    python_path: list[Path] = []
    for layer_id in spec.layer_ids:
        content = ROOT / layer_content_uri(template, layer_id)
        python_path.append(content)
        requirements = content / "requirements.txt"
        if requirements.exists():
            python_path.append(_installed_requirements(requirements, SOURCE_LAYERS / layer_id / "python"))
    return CodeLayout("source", ROOT / spec.code_uri, tuple(python_path))


def _installed_requirements(requirements: Path, target: Path) -> Path:
    """`pip install -r requirements -t target` without a download: links to the distributions (and their
    dependencies) installed in the dev venv, which runs this code."""
    wanted = [
        Requirement(line.split("#", 1)[0].strip())
        for line in requirements.read_text(encoding="utf-8").splitlines()
        if line.split("#", 1)[0].strip()
    ]
    seen: set[str] = set()
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    while wanted:
        requirement = wanted.pop()
        key = canonicalize_name(requirement.name)
        if key in seen or (requirement.marker is not None and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise RuntimeSetupError(
                f"{requirement.name} (from {_relative(requirements)}) is not installed in the dev venv "
                f"{_relative(DEV_VENV)}: run `make venv`"
            ) from None
        wanted.extend(Requirement(text) for text in dist.requires or [])
        for top_level in {Path(str(file)).parts[0] for file in dist.files or []}:
            if top_level.endswith((".dist-info", ".egg-info")) or top_level in ("..", "__pycache__"):
                continue
            (target / top_level).symlink_to(Path(str(dist.locate_file(top_level))))
    return target


def _functions(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        declared
        for declared in template.get("Resources", {}).values()
        if declared.get("Type") == "AWS::Serverless::Function" and "CodeUri" in declared.get("Properties", {})
    ]


def sam_build(
    specs: Sequence[FunctionSpec],
    template: dict[str, Any],
    runtime: RuntimeVenv,
    *,
    rebuild: bool = False,
    say: Say = print,
) -> list[CodeLayout]:
    """One `sam build` for all of `specs` (of one function: `sam build <id>`; of several: `sam build`, every
    function and layer of the template, since sam takes at most one resource id and empties the build
    directory first)."""
    layer_ids = sorted({layer_id for spec in specs for layer_id in spec.layer_ids})
    layouts = [
        CodeLayout(
            "build",
            BUILD_DIR / spec.logical_id,
            tuple(BUILD_DIR / layer_id / "python" for layer_id in spec.layer_ids),
        )
        for spec in specs
    ]
    sources = [ROOT / spec.code_uri for spec in specs] + [
        ROOT / layer_content_uri(template, layer_id) for layer_id in layer_ids
    ]
    if len(specs) > 1:
        # A plain `sam build` builds every function of the template: a change to any of them (one the
        # stack does not run, such as the webhook's) makes the build out of date too.
        sources += sorted(
            {ROOT / str(declared["Properties"]["CodeUri"]) for declared in _functions(template)}
            - set(sources)
        )
    sam = SAM_VENV / "bin" / "sam"
    logical_ids = [spec.logical_id for spec in specs]
    digest = _digest([TEMPLATE, *sources], extra=[str(sam.resolve()), runtime.python_version, *logical_ids])
    digest_file = BUILD_DIR / ".sources.sha256"
    built = all(
        code.function_dir.is_dir() and all(path.is_dir() for path in code.python_path) for code in layouts
    )
    if not rebuild and built and digest_file.exists() and digest_file.read_text().strip() == digest:
        say(f"build: up to date ({_relative(BUILD_DIR)}; sources unchanged since the last sam build)")
        return layouts
    if not sam.exists():
        raise RuntimeSetupError(f"{sam} not found: run `make sam-venv`")
    log = LOGS / "build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    interpreter_dir = Path(runtime.python).resolve().parent
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update(
        {
            # sam's python builder looks for python3.13 on PATH: the runtime venv's base interpreter first.
            "PATH": os.pathsep.join([str(_base_bin(runtime)), str(interpreter_dir), env.get("PATH", "")]),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "SAM_CLI_TELEMETRY": "0",
        }
    )
    target = logical_ids if len(logical_ids) == 1 else []
    say(
        f"build: sam build {' '.join(target) or '(' + ', '.join(logical_ids) + ')'} with Python "
        f"{runtime.python_version} -> {_relative(BUILD_DIR)}"
    )
    argv = [
        str(sam),
        "build",
        *target,
        "--template-file",
        str(TEMPLATE),
        "--build-dir",
        str(BUILD_DIR),
        "--cache-dir",
        str(BUILD_CACHE),
    ]
    digest_file.unlink(missing_ok=True)
    with log.open("w", encoding="utf-8") as stream:
        done = subprocess.run(  # noqa: S603
            argv,
            cwd=ROOT,
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    if done.returncode != 0:
        raise StartupError(f"sam build failed (exit {done.returncode}); {log}:\n{tail(log)}")
    digest_file.write_text(digest + "\n", encoding="utf-8")
    return layouts


def _base_bin(runtime: RuntimeVenv) -> Path:
    """The bin directory of the interpreter the runtime venv was made from (holds python3.13)."""
    config = runtime.path / "pyvenv.cfg"
    for line in config.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip())
    return runtime.python.parent


def _digest(paths: Iterable[Path], extra: Iterable[str]) -> str:
    sha = hashlib.sha256()
    for item in extra:
        sha.update(item.encode() + b"\0")
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            sha.update(str(file.relative_to(ROOT)).encode() + b"\0")
            sha.update(hashlib.sha256(file.read_bytes()).digest())
    return sha.hexdigest()


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

"""Which interpreter a plain `sam build` compiles with (packaging/Makefile's RUNTIME_PYTHON): python3.13 on
PATH when it runs, else pyenv's 3.13.x, else a refusal that says what to do. Run through make itself, with a
PATH and a pyenv root made for each case."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging" / "Makefile"
SHOW = "show-runtime-python: ; @echo $(RUNTIME_PYTHON)"


def executable(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


def make(tmp_path: Path, bin_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    # Only the tools a makefile build needs, and the fake python3.13 of each case: never the machine's own.
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    for tool in ("sh", "bash", "echo", "env", "make"):
        found = shutil.which(tool)
        if found and not (tools / tool).exists():
            (tools / tool).symlink_to(found)
    environment = {
        "PATH": f"{bin_dir}:{tools}",
        "HOME": str(tmp_path / "home"),
        "PYENV_ROOT": str(tmp_path / "pyenv"),
    }
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(PACKAGING), *arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_python3_13_on_path_that_runs_is_the_one(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    executable(bin_dir / "python3.13", "exit 0")
    executable(tmp_path / "pyenv/versions/3.13.1/bin/python3.13", "exit 0")

    shown = make(tmp_path, bin_dir, "--eval", SHOW, "show-runtime-python")

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "python3.13"


def test_a_pyenv_shim_that_refuses_gives_way_to_pyenvs_newest_3_13(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    # What pyenv's shim does when 3.13 is installed but another version is active.
    executable(bin_dir / "python3.13", "echo 'pyenv: python3.13: command not found' >&2; exit 127")
    executable(tmp_path / "pyenv/versions/3.13.0/bin/python3.13", "exit 0")
    newest = executable(tmp_path / "pyenv/versions/3.13.2/bin/python3.13", "exit 0")

    shown = make(tmp_path, bin_dir, "--eval", SHOW, "show-runtime-python")

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == str(newest)


def test_runtime_python_given_wins(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    executable(bin_dir / "python3.13", "exit 0")

    shown = make(
        tmp_path, bin_dir, "--eval", SHOW, "show-runtime-python", "RUNTIME_PYTHON=/opt/py/bin/python3"
    )

    assert shown.stdout.strip() == "/opt/py/bin/python3"


def test_without_any_python3_13_the_build_stops_and_says_what_to_do(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    artifacts = tmp_path / "artifacts"

    built = make(tmp_path, bin_dir, "build-TikTokShopLayer", f"ARTIFACTS_DIR={artifacts}")

    assert built.returncode != 0
    assert "python3.13, the runtime's interpreter (Runtime: python3.13), is not on PATH nor in pyenv" in (
        built.stderr
    )
    assert "RUNTIME_PYTHON=<its path>" in built.stderr
    assert not artifacts.exists() or not any(artifacts.iterdir())

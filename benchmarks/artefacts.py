"""What gets deployed, as `make build` left it: zipped sizes, and whether every module ships its bytecode
(local_stack/bytecode.py says what usable bytecode is)."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from local_stack.bytecode import modules_without_bytecode


@dataclass(frozen=True)
class Artefact:
    name: str
    zipped_bytes: int
    modules: int
    compiled: int  # modules with an unchecked-hash pyc for the runtime

    def line(self) -> str:
        share = f"{self.compiled}/{self.modules} modules with bytecode"
        return f"  {self.name:<28} {self.zipped_bytes / 1024:8.0f} KiB zipped   {share}"


def inspect(name: str, root: Path, cache_tag: str) -> Artefact:
    modules = len(list(root.rglob("*.py")))
    missing = len(modules_without_bytecode(root, cache_tag))
    return Artefact(name, _zipped_size(root), modules, modules - missing)


def _zipped_size(root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root))
    return len(buffer.getvalue())


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


@dataclass(frozen=True)
class Import:
    module: str
    own_us: int
    cumulative_us: int
    level: int  # 0 for an import of the top level


def imports(stderr: str) -> list[Import]:
    """What `python -X importtime` wrote, one entry per module."""
    found = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            # importtime indents by two spaces a level, after one space
            found.append(Import(match[4], int(match[1]), int(match[2]), (len(match[3]) - 1) // 2))
    return found


def import_profile(function: list[Import], floor: list[Import], top: int = 10) -> list[str]:
    """The top of `-X importtime` (the two outer levels, by cumulative time), then what stands between the
    function and the floor: the self time of the modules only the function imports, by top-level package."""
    outer = sorted((i for i in function if i.level <= 1), key=lambda i: i.cumulative_us, reverse=True)
    lines = [f"    {i.cumulative_us / 1000:7.1f} ms  {'  ' * i.level}{i.module}" for i in outer[:top]]
    floor_modules = {i.module for i in floor}
    beyond: dict[str, int] = defaultdict(int)
    for i in function:
        if i.module not in floor_modules:
            beyond[i.module.split(".")[0]] += i.own_us
    packages = sorted(beyond.items(), key=lambda item: item[1], reverse=True)[:9]
    lines.append(
        f"    imports beyond the floor's: {sum(beyond.values()) / 1000:.0f} ms self time, of which "
        + ", ".join(f"{name} {us / 1000:.0f}" for name, us in packages)
        + " ms"
    )
    return lines

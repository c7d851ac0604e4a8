"""What gets deployed, as `make build` left it: zipped sizes, and whether every module ships its bytecode.

Lambda's /var/task and /opt are read-only: a module without a usable .pyc there is compiled again at every
cold start. Usable means the runtime's cache tag (cpython-313) and, since a zip does not keep mtimes
exactly, a hash-based pyc that is not checked against its source (PEP 552 "unchecked-hash").
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

# The flags word of a pyc header (PEP 552): bit 0 hash-based, bit 1 check the source.
_UNCHECKED_HASH = 0b01


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
    modules = sorted(root.rglob("*.py"))
    compiled = sum(1 for module in modules if _usable_pyc(module, cache_tag))
    return Artefact(name, _zipped_size(root), len(modules), compiled)


def _usable_pyc(module: Path, cache_tag: str) -> bool:
    pyc = module.parent / "__pycache__" / f"{module.stem}.{cache_tag}.pyc"
    if not pyc.is_file():
        return False
    header = pyc.read_bytes()[:8]
    return int.from_bytes(header[4:8], "little") == _UNCHECKED_HASH


def _zipped_size(root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root))
    return len(buffer.getvalue())


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def import_profile(stderr: str, top: int = 12) -> list[str]:
    """The top of `-X importtime`: the imports at the two outer levels with the most cumulative time, then
    self time summed by top-level package."""
    entries = []
    by_package: dict[str, int] = defaultdict(int)
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if not match:
            continue
        own, cumulative, indent, module = int(match[1]), int(match[2]), len(match[3]), match[4]
        by_package[module.split(".")[0]] += own
        if indent <= 3:  # importtime indents two spaces a level, after one
            entries.append((cumulative, indent, module))
    lines = [
        f"    {cumulative / 1000:7.1f} ms  {' ' * (indent - 1)}{module}"
        for cumulative, indent, module in sorted(entries, reverse=True)[:top]
    ]
    packages = sorted(by_package.items(), key=lambda item: item[1], reverse=True)[:8]
    lines.append(
        "    self time by package: " + ", ".join(f"{name} {us / 1000:.0f}" for name, us in packages) + " ms"
    )
    return lines

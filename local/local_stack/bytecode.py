"""Whether a built tree ships usable bytecode: for each module, an unchecked-hash .pyc (PEP 552) of the
runtime's cache tag. Lambda's /var/task and /opt are read-only: a module without one is compiled again at
every cold start, and a zip does not keep the exact mtimes a timestamp-based .pyc is checked against."""

from __future__ import annotations

from pathlib import Path

# The flags word of a pyc header (PEP 552): bit 0 hash-based, bit 1 check the source.
_UNCHECKED_HASH = 0b01


def has_usable_pyc(module: Path, cache_tag: str) -> bool:
    pyc = module.parent / "__pycache__" / f"{module.stem}.{cache_tag}.pyc"
    if not pyc.is_file():
        return False
    header = pyc.read_bytes()[:8]
    return int.from_bytes(header[4:8], "little") == _UNCHECKED_HASH


def modules_without_bytecode(root: Path, cache_tag: str) -> list[Path]:
    return [module for module in sorted(root.rglob("*.py")) if not has_usable_pyc(module, cache_tag)]

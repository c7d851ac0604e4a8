"""Child processes of the local stack: start, wait until ready, stop with everything they started.

Each child runs in a session (and process group) of its own, its output in `.local-stack/logs/*.log`, so a
Ctrl-C in the terminal reaches only the runner, which then stops the children in order. A process is
identified by its pid *and* its start time (from /proc), so a stop never signals a recycled pid. Children
of an attached stack (`make run`, the e2e tests) also get SIGTERM from the kernel if the runner dies
without cleaning up (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

STOP_TIMEOUT: Final = 5.0
_PR_SET_PDEATHSIG: Final = 1

_secrets: set[str] = set()


class StartupError(RuntimeError):
    """A piece of the stack did not come up; the message names it and ends with its log's tail."""


def register_secret(value: str) -> None:
    """Values that must never be printed: tails of logs shown on failure have them masked."""
    if len(value) >= 4:
        _secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def tail(path: Path, lines: int = 30) -> str:
    """The last `lines` lines of a log, secrets masked."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(no log: {error})"
    return redact("\n".join(text.splitlines()[-lines:]))


@dataclass
class ManagedProcess:
    name: str
    pid: int
    start_time: int
    """Clock ticks since boot when the process started (/proc/<pid>/stat field 22)."""
    log: Path
    ports: tuple[int, ...] = ()
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        return _is_running(self.pid, self.start_time)

    def exit_code(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pid": self.pid,
            "start_time": self.start_time,
            "log": str(self.log),
            "ports": list(self.ports),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ManagedProcess:
        return cls(
            name=str(data["name"]),
            pid=int(data["pid"]),
            start_time=int(data["start_time"]),
            log=Path(str(data["log"])),
            ports=tuple(int(port) for port in data.get("ports", [])),
        )


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log: Path,
    env: Mapping[str, str],
    cwd: Path,
    ports: Iterable[int] = (),
    stdout: IO[bytes] | None = None,
    die_with_parent: bool = True,
) -> ManagedProcess:
    """Starts `argv` in a new session; stderr (and stdout, unless given) appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as log_stream:
        log_stream.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
        log_stream.flush()
        popen = subprocess.Popen(  # noqa: S603 - argv is built by the runner, never a shell string
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout if stdout is not None else log_stream,
            stderr=log_stream,
            start_new_session=True,
            preexec_fn=_die_with_parent if die_with_parent else None,  # noqa: PLW1509 - only calls prctl
        )
    start_time = _start_time(popen.pid) or 0
    return ManagedProcess(name, popen.pid, start_time, log, tuple(ports), popen)


def _die_with_parent() -> None:
    """In the child between fork and exec: SIGTERM when the runner dies (kept across exec)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """While stopping: a second Ctrl-C (or SIGTERM) must not cut the cleanup short; every stop is bounded
    in time anyway. Only the main thread can change signal handlers: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop(process: ManagedProcess, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to the process's group, SIGKILL after `timeout`; then SIGKILL to any descendant (the RIE's
    runtime, for one, runs in a process group of its own) that outlived it."""
    if not process.alive():
        _reap(process)
        return
    family = _descendants(process.pid)
    _signal_group(process, signal.SIGTERM)
    if not _wait_gone(process, timeout):
        _signal_group(process, signal.SIGKILL)
        _wait_gone(process, timeout)
    for pid, start_time in family:
        if _is_running(pid, start_time):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    _reap(process)


def _signal_group(process: ManagedProcess, signum: int) -> None:
    # Our children lead their own process group (start_new_session): pgid == pid. Checked before use so that
    # a recycled pid is never signalled.
    if not _is_running(process.pid, process.start_time) and process.popen is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _wait_gone(process: ManagedProcess, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            return True
        time.sleep(0.05)
    return not process.alive()


def _reap(process: ManagedProcess) -> None:
    if process.popen is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.popen.wait(timeout=1)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    return raw[raw.rindex(")") + 2 :].split()


def _start_time(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None  # field 22 overall


def _is_running(pid: int, start_time: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X") and int(fields[19]) == start_time


def _descendants(root: int) -> list[tuple[int, int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[tuple[int, int]] = []
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        start_time = _start_time(pid)
        if start_time is not None:
            found.append((pid, start_time))
        pending.extend(children.get(pid, []))
    return found


# --- ports ---------------------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the child binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on the port (or holds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def wait_ports_free(ports: Iterable[int], timeout: float = 5.0, host: str = "127.0.0.1") -> list[int]:
    """The ports still in use after `timeout` (empty: all free)."""
    deadline = time.monotonic() + timeout
    busy = [port for port in ports if port_in_use(port, host)]
    while busy and time.monotonic() < deadline:
        time.sleep(0.05)
        busy = [port for port in busy if port_in_use(port, host)]
    return busy


def accepts_connections(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def wait_until(
    process: ManagedProcess, ready: Callable[[], bool], *, what: str, timeout: float = 30.0
) -> None:
    """Polls `ready` until true; raises StartupError (with the log's tail) if the process exits or the time
    runs out."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            if ready():
                return
        if not process.alive():
            raise StartupError(
                f"{process.name} exited (code {process.exit_code()}) before {what}; "
                f"{process.log}:\n{tail(process.log)}"
            )
        if time.monotonic() > deadline:
            raise StartupError(
                f"{process.name}: no {what} after {timeout:.0f} s; {process.log}:\n{tail(process.log)}"
            )
        time.sleep(0.05)

"""Running the pinned SAM CLI the way make sam-local does: `sam build`, `sam local invoke`, and the
`start-api` / `start-lambda` servers, each with the same options (template, parameters, env file, base
image), printed as a user would type them."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from local_stack.invoke import Invocation
from local_stack.paths import ROOT, SAM_VENV, TEMPLATE
from local_stack.processes import ManagedProcess, StartupError, accepts_connections, redact, spawn, stop, tail

from sam_local.paths import BUILD_DIR, BUILT_TEMPLATE, ENV_VARS, EVENTS_DIR, LOGS

SAM: Final = SAM_VENV / "bin" / "sam"
REGION: Final = "us-east-1"
INVOKE_TIMEOUT: Final = 180.0
"""A cold `sam local invoke` takes seconds; the first one also builds SAM's image with the layers."""
SERVER_START_TIMEOUT: Final = 120.0


class SamError(RuntimeError):
    pass


def sam_environment(sts_url: str | None = None) -> dict[str, str]:
    """The caller's environment (DOCKER_HOST, PATH for python3.13) without any AWS profile or real
    credentials: SAM hands credentials to the containers, and moto takes any.

    `sts_url`: where SAM asks STS GetCallerIdentity for AWS::AccountId, which `sam local invoke`,
    `start-api` and `start-lambda` do before anything else. Without a reachable STS (offline), botocore's
    retries sleep 6-12 s of every invoke away before SAM falls back to its default account; the local
    stack's moto answers at once, with the account its resources live in."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    if sts_url:
        environment["AWS_ENDPOINT_URL_STS"] = sts_url
    environment.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "SAM_CLI_TELEMETRY": "0",
        }
    )
    return environment


def display(argv: list[str]) -> str:
    """The command as a user would type it: `sam ...`, paths relative to the repository."""
    shown = ["sam" if arg == str(SAM) else _relative(arg) for arg in argv]
    return shlex.join(shown)


@dataclass
class SamLocal:
    architecture: str
    invoke_image: str | None
    """The stand-in's tag; None: AWS's own image, which SAM pulls as usual."""
    sts_url: str | None = None
    """The local stack's moto, which answers SAM's GetCallerIdentity (see `sam_environment`)."""
    commands: list[str] = field(default_factory=list)
    """Every `sam local invoke` run so far, as a user would type it."""
    invoke_seconds: list[float] = field(default_factory=list)
    server_seconds: list[tuple[str, float]] = field(default_factory=list)

    def options(self) -> list[str]:
        argv = [
            "--template",
            str(BUILT_TEMPLATE),
            "--parameter-overrides",
            f"Architecture={self.architecture}",
            "--env-vars",
            str(ENV_VARS),
            "--region",
            REGION,
        ]
        if self.invoke_image:
            argv += ["--invoke-image", self.invoke_image, "--skip-pull-image"]
        return argv

    def build_argv(self) -> list[str]:
        return [
            str(SAM),
            "build",
            "--template-file",
            str(TEMPLATE),
            "--build-dir",
            str(BUILD_DIR),
            "--parameter-overrides",
            f"Architecture={self.architecture}",
        ]

    def build(self, environment: Mapping[str, str]) -> str:
        argv = self.build_argv()
        LOGS.mkdir(parents=True, exist_ok=True)
        log = LOGS / "sam-build.log"
        with log.open("wb") as output:
            done = subprocess.run(  # noqa: S603
                argv, stdout=output, stderr=subprocess.STDOUT, env=dict(environment), cwd=ROOT, check=False
            )
        if done.returncode != 0:
            raise SamError(f"{display(argv)} failed (exit {done.returncode}):\n{tail(log)}")
        return display(argv)

    def invoke_argv(self, function: str, event_file: Path) -> list[str]:
        return [str(SAM), "local", "invoke", function, "--event", str(event_file), *self.options()]

    def invoke(self, function: str, event: Any, event_file: str | Path | None = None) -> Invocation:
        """One `sam local invoke`; the function's result is SAM's standard output (its own log and the
        function's, on its standard error, go to logs/sam-local-invoke.log)."""
        path = Path(event_file) if event_file else _event_file(function, event)
        if not path.is_absolute():
            path = ROOT / path
        argv = self.invoke_argv(function, path)
        self.commands.append(display(argv))
        LOGS.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with (LOGS / "sam-local-invoke.log").open("ab") as log:
            log.write(f"\n$ {display(argv)}\n".encode())
            log.flush()
            done = subprocess.run(  # noqa: S603
                argv,
                stdout=subprocess.PIPE,
                stderr=log,
                env=sam_environment(self.sts_url),
                cwd=ROOT,
                timeout=INVOKE_TIMEOUT,
                check=False,
            )
        seconds = time.perf_counter() - started
        self.invoke_seconds.append(seconds)
        output = done.stdout.decode("utf-8", errors="replace")
        if done.returncode != 0:
            raise SamError(
                f"{display(argv)} exited {done.returncode}; SAM's log:\n{tail(LOGS / 'sam-local-invoke.log')}"
            )
        payload = function_result(output)
        return Invocation(event, payload, seconds)

    @contextmanager
    def server(self, command: str, port: int, *extra: str) -> Iterator[str]:
        """`sam local start-api` or `start-lambda` on 127.0.0.1:`port`, running until the block ends; then
        stopped with SIGINT (SAM's own Ctrl-C path, which removes its containers), SIGTERM/SIGKILL after.
        Yields the command as a user would type it."""
        argv = [
            str(SAM),
            "local",
            command,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *self.options(),
            *extra,
        ]
        LOGS.mkdir(parents=True, exist_ok=True)
        log = LOGS / f"{command}.log"
        log.unlink(missing_ok=True)
        started = time.perf_counter()
        process = spawn(command, argv, log=log, env=sam_environment(self.sts_url), cwd=ROOT, ports=[port])
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not accepts_connections(port):
                if not process.alive() or time.monotonic() > deadline:
                    raise StartupError(f"{display(argv)} did not start listening on {port}:\n{tail(log)}")
                time.sleep(0.25)
            yield display(argv)
        finally:
            interrupt(process)
            stop(process)
            self.server_seconds.append((f"sam local {command}", time.perf_counter() - started))


def sam_log_tails(lines: int = 30) -> str:
    """The last lines of SAM's own logs and of the functions' container output, secrets masked."""
    parts = [
        f"--- {_relative(str(path))} (last {lines} lines)\n{tail(path, lines)}"
        for path in sorted(LOGS.glob("*.log"))
    ]
    return redact("\n".join(parts))


def function_result(output: str) -> Any:
    """The function's result in `sam local invoke`'s standard output. The function's own standard output
    (Powertools' EMF metrics blobs) can share that stream, so every JSON value in it is read and those that
    are metrics or log records are set aside. No value at all is a handler that returned None."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    text = output.strip()
    while position < len(text):
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError:
            return text  # not JSON: shown as it is
        values.append(value)
        position = end
        while position < len(text) and text[position].isspace():
            position += 1
    results = [value for value in values if not _is_log_record(value)]
    return results[-1] if results else None


def _is_log_record(value: Any) -> bool:
    return isinstance(value, dict) and ("_aws" in value or {"level", "message", "timestamp"} <= set(value))


def interrupt(process: ManagedProcess, timeout: float = 15.0) -> None:
    if not process.alive():
        return
    os.kill(process.pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while process.alive() and time.monotonic() < deadline:
        time.sleep(0.2)


def _event_file(function: str, event: Any) -> Path:
    """An event made during the run, written where `sam local invoke --event` can read it."""
    EVENTS_DIR.mkdir(parents=True, exist_ok=True)
    existing = len(list(EVENTS_DIR.glob("*.json")))
    path = EVENTS_DIR / f"{existing + 1:02d}-{function}.json"
    path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
    return path


def _relative(value: str) -> str:
    path = Path(value)
    if path.is_absolute() and path.is_relative_to(ROOT):
        return str(path.relative_to(ROOT))
    return value

"""The benchmark's world: moto and the TikTok emulator on loopback, an X-Ray daemon stand-in, and execution
environments (local/lambda_runner.py in the runtime's Python) with the function's deployed environment.

Everything is built from what the local stack (`make run`) and the tests already use: the template's own
resources provisioned in moto, the function's environment resolved from the template, Lambda's reserved
variables. Only two things differ from `make run`: tracing stays on, as deployed (Tracing: Active), with a
trace header per invocation and a UDP sink as the daemon; and the code is `make build`'s output in a
read-only copy (deployed.py), with our Powertools layer or AWS's public one.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from artefacts import Import, imports
from deployed import Deployment, deployment
from function_process import FunctionProcess
from local_stack.paths import ROOT, RUNTIME_VENV
from local_stack.provision import provision
from local_stack.runtime import CodeLayout, RuntimeVenv, ensure_runtime_venv
from local_stack.stack import lambda_environment
from local_stack.template import load_template
from local_stack.template_env import FUNCTION_ID, FunctionSpec, Resolver, function_spec, resolve_environment
from support.approvals import CREDENTIALS
from support.moto_server import serialized_moto_server
from tiktok_emulator import TikTokEmulator

BUILD_DIR = ROOT / ".aws-sam" / "build"
LOGS = ROOT / ".local-stack" / "bench"
BENCHMARKS = Path(__file__).parent
Mode = Literal["function", "floor"]
# Each function's floor is a function of its own, run in that function's environment: the same I/O with plain
# boto3 (and requests, for the approval's TikTok call) and nothing else.
FLOORS: dict[str, str] = {
    FUNCTION_ID: "plain_io.lambda_handler",
    "TikTokWebhookFunction": "plain_webhook_io.lambda_handler",
}
SEQUENTIAL_BATCH = "sequential_batch.lambda_handler"
# Lambda's longest timeout, as the benchmarks always had: no deadline cuts an invocation short.
LONGEST_TIMEOUT_SECONDS = 900.0


class XRaySink:
    """Where the X-Ray SDK sends its segments (UDP, as to the daemon): counted, as proof tracing was on."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"
        self.datagrams = 0
        self._thread = threading.Thread(target=self._count, name="xray-sink", daemon=True)
        self._thread.start()

    def _count(self) -> None:
        while True:
            try:
                self._socket.recv(65536)
            except OSError:
                return
            self.datagrams += 1

    def close(self) -> None:
        self._socket.close()


def trace_header() -> str:
    """A sampled X-Ray trace header, as Lambda gives each invocation of a traced function."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=1"


Layer = Literal["ours", "public"]
"""Which Powertools layer the function runs with: the project's (compiled) or AWS's public one."""


@dataclass
class World:
    emulator: TikTokEmulator
    xray: XRaySink
    runtime: RuntimeVenv
    code: CodeLayout
    deployed: Deployment
    environments: dict[Layer, dict[str, str]]
    function_id: str
    handlers: dict[Mode, str]  # the template's Handler, and the function's floor

    def seed(self, cancel_ids: list[str]) -> None:
        self.emulator.seed(dict.fromkeys(cancel_ids, "pending"))

    def describe(self) -> str:
        """The first line of a benchmark's output: what runs, and how busy the shared machine is."""
        return (
            f"Python {self.runtime.python_version} ({self.runtime.path.name}), code: {self.code.kind} "
            f"({_shown(self.code.function_dir)}), tracing on, load average {load_average()}"
        )


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


UNREACHED_RATE_LIMIT = "100000"


@contextmanager
def world(
    say: Any = print,
    *,
    function_id: str = FUNCTION_ID,
    public_layer: bool = True,
    build_dir: Path = BUILD_DIR,
    runtime_venv: Path = RUNTIME_VENV,
) -> Iterator[World]:
    """`function_id` as deployed from `build_dir`, with our Powertools layer and, if `public_layer`, AWS's
    public one too (pip-installed once into .local-stack/bench)."""
    template = load_template()
    spec = function_spec(template, function_id)
    runtime = ensure_runtime_venv(spec.python_minor, venv=runtime_venv, say=say)
    code = _code(spec, runtime, build_dir)
    # TikTok's rate limit is not what this measures: the emulator does not enforce it, and the limiter's
    # pace is set so high that it never waits, while its reservation (one UpdateItem) is still paid.
    with serialized_moto_server() as moto_url, TikTokEmulator(rate_limit=None) as emulator:
        xray = XRaySink()
        try:
            resources = provision(template, spec.logical_id, moto_url, CREDENTIALS)
            resolver = Resolver(
                template,
                resources,
                {"TikTokApiBaseUrl": emulator.url, "TikTokRateLimitPerSecond": UNREACHED_RATE_LIMIT},
            )
            function_env = {**resolve_environment(spec, resolver), "AWS_ENDPOINT_URL": moto_url}
            with (
                tempfile.TemporaryDirectory(prefix="bench-deployed-") as work,
                deployment(
                    code, spec.layer_ids, runtime, Path(work), say, public_layer=public_layer
                ) as deployed,
            ):
                environments: dict[Layer, dict[str, str]] = {}
                layouts: list[tuple[Layer, CodeLayout | None]] = [
                    ("ours", deployed.ours),
                    ("public", deployed.public),
                ]
                for layer, layout in layouts:
                    if layout is None:
                        continue
                    environment = lambda_environment(spec, layout, runtime, function_env)
                    # Deployed, not `sam local`: Powertools' Tracer is on (it is off under AWS_SAM_LOCAL).
                    del environment["AWS_SAM_LOCAL"]
                    environment["AWS_XRAY_DAEMON_ADDRESS"] = xray.address
                    environments[layer] = environment
                handlers: dict[Mode, str] = {"function": spec.handler, "floor": FLOORS[function_id]}
                yield World(emulator, xray, runtime, code, deployed, environments, function_id, handlers)
        finally:
            xray.close()


def _code(spec: FunctionSpec, runtime: RuntimeVenv, build_dir: Path) -> CodeLayout:
    function_dir = build_dir / spec.logical_id
    layers = tuple(build_dir / layer_id / "python" for layer_id in spec.layer_ids)
    if runtime.minor == spec.python_minor and function_dir.is_dir() and all(p.is_dir() for p in layers):
        return CodeLayout("build", function_dir, layers)
    # Measuring anything else would measure what nobody deploys.
    raise SystemExit(
        f"make bench: no `make build` output for python{spec.python_minor} in "
        f"{_shown(build_dir)} (the runtime venv has Python {runtime.python_version}): "
        f"install python{spec.python_minor} (pyenv install {spec.python_minor}) and run make bench again"
    )


class Environment:
    """One execution environment (local/lambda_runner.py): invoke it, read how long each invocation took."""

    def __init__(
        self,
        world: World,
        mode: Mode,
        *,
        layer: Layer = "ours",
        overrides: Mapping[str, str] | None = None,
        python_options: tuple[str, ...] = (),
        stderr: IO[str] | None = None,
    ) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = LOGS / f"{world.function_id}.{mode}.log"
        self._log = open(log, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        try:
            self._process = FunctionProcess(
                world.handlers[mode],
                timeout_seconds=LONGEST_TIMEOUT_SECONDS,
                env={**world.environments[layer], **(overrides or {})},
                python=world.runtime.python,
                python_options=python_options,
                # The floors and sequential_batch.py, after everything the function's own imports find.
                paths=(BENCHMARKS,),
                stdout=subprocess.DEVNULL,  # the function's logs and metrics, as CloudWatch would take them
                stderr=self._log if stderr is None else stderr,
                start_timeout=300,
            )
        except BaseException:
            self._log.close()
            raise
        self.mode = mode
        # Init, as Lambda reports it apart: importing the handler (plain_io's standard library for the floor).
        self.init_seconds = self._process.init_seconds

    def run(self, event: Any, expect: str, handler: str | None = None) -> float:
        """Seconds the invocation took inside the environment; fails if its answer was not `expect`."""
        try:
            answer = self._process.invoke(event, handler=handler, trace_id=trace_header(), timeout=300)
        except RuntimeError as error:
            raise RuntimeError(
                f"the {self.mode} environment died ({error}); see {LOGS.relative_to(ROOT)}/"
            ) from None
        if "error" in answer:
            raise RuntimeError(f"{self.mode}: {answer['error']}: {answer['message']}")
        if not as_expected(expect, answer["result"]):
            raise RuntimeError(f"{self.mode}: unexpected answer {answer['result']!r}")
        return float(answer["seconds"])

    def close(self) -> None:
        self._process.close()
        self._log.close()

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_expected(expect: str, answer: Any) -> bool:
    """A figure only counts if the approval really happened (the webhook's: if it was answered as expected)."""
    if expect == "true":
        return answer is True
    if expect == "batch":
        return bool(answer == {"batchItemFailures": []})
    if expect.isdigit():  # the webhook's answers: TikTok reads the status only, the body is always empty
        return isinstance(answer, dict) and bool(
            answer.get("statusCode") == int(expect) and answer["body"] == ""
        )
    if isinstance(answer, dict) and "statusCode" in answer:  # API Gateway proxy response
        # REST proxy responses carry headers in either map, as the resolver chose.
        headers = {**(answer.get("headers") or {}), **(answer.get("multiValueHeaders") or {})}
        replayed = headers.get("Idempotent-Replayed") in ("true", ["true"])
        body = json.loads(answer["body"])
        return answer["statusCode"] == 200 and body["code"] == 0 and replayed == (expect == "replayed")
    return isinstance(answer, dict) and bool(answer.get("code") == 0 and answer["data"]["success"] is True)


def interleaved(n: int, *runs: Callable[[], float]) -> list[float]:
    """Each run once, starting with a different one each round, so that none always gets the warmer (or the
    busier) machine; the times come back in the order of `runs`."""
    seconds = [0.0] * len(runs)
    for i in range(len(runs)):
        which = (n + i) % len(runs)
        seconds[which] = runs[which]()
    return seconds


def one_shot(w: World, mode: Mode, event: object, expect: str, layer: Layer = "ours") -> float:
    """A cold start: the environment's init (the handler's import) and its first invocation."""
    with Environment(w, mode, layer=layer) as environment:
        return environment.init_seconds + environment.run(event, expect)


def cold_start_imports(w: World, mode: Mode, event: object, expect: str) -> list[Import]:
    """What a cold start imports, from `python -X importtime`, one entry per module."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        with Environment(w, mode, python_options=("-X", "importtime"), stderr=stderr) as environment:
            environment.run(event, expect)
        stderr.seek(0)
        return imports(stderr.read())

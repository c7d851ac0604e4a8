"""The local stack: moto (AWS), the TikTok Shop emulator and the template's five functions, each in a Runtime
Interface Emulator of its own (the approval function; the rotation function that Secrets Manager would call;
the webhook function, behind a loopback stand-in for API Gateway's webhook route; the autopilot's decider and
its sweeper), each a child process on a free loopback port, wired the way the template wires them in AWS.
Nothing polls the queues by itself: what plays Lambda's SQS event source mappings runs while it is wanted
(local_stack/queue_pollers.py). Nothing schedules the sweeper either: EventBridge Scheduler is not emulated,
so whoever wants a sweep invokes its runtime (make run's sweeper step, make bench-sweeper).

`LocalStack.start()` brings everything up (and stops what it started if any step fails); `stop()` stops
every process it started and checks that their ports are free again. `make run` and the e2e tests keep the
stack attached to their own process; `make local-up` detaches it and records it in .local-stack/state.json
for `make invoke` and `make local-down`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import requests
from tiktok_emulator.config import SEED_FILE

from local_stack.api_front import WEBHOOK_PATH
from local_stack.invoke import invocation_url
from local_stack.paths import DEV_VENV, LOGS, ROOT, RUNTIME_VENV, STATE_FILE, WORK_DIR
from local_stack.processes import (
    ManagedProcess,
    StartupError,
    accepts_connections,
    free_port,
    port_in_use,
    redact,
    register_secret,
    signals_deferred,
    spawn,
    stop,
    tail,
    wait_ports_free,
    wait_until,
)
from local_stack.provision import provision, serverless_functions
from local_stack.runtime import CodeLayout, RuntimeVenv, ensure_runtime_venv, prepare_code, rie_binary
from local_stack.template import load_template
from local_stack.template_env import (
    DECIDER_FUNCTION_ID,
    REGION,
    ROTATION_FUNCTION_ID,
    SWEEPER_FUNCTION_ID,
    WEBHOOK_FUNCTION_ID,
    FunctionSpec,
    Resolver,
    function_spec,
    resolve_environment,
)
from local_stack.tiktok_admin import TikTokAdmin, first_authorization

Say = Callable[[str], None]
APP_FIELDS: Final = ("app_key", "app_secret", "shop_cipher")
"""From the emulator's start-up line; the tokens come from a first authorization (see _credentials)."""
GRANT_FIELDS: Final = ("access_token", "refresh_token", "access_token_expire_in", "refresh_token_expire_in")
SECRET_FIELDS: Final = ("app_secret", "access_token", "refresh_token")
DOCKER_HOST: Final = "host.docker.internal"
STARTUP_TIMEOUT: Final = 30.0
_PORT_ATTEMPTS: Final = 3
# moto_server with the SQS fixes a deep queue needs (local_stack/moto_server.py), for every moto server.
MOTO_SERVER: Final = "local_stack.moto_server"
API_STAGE_PARAMETER: Final = "ApiStageName"


@dataclass(frozen=True)
class Ports:
    """Ports to listen on; 0 picks a free one."""

    moto: int = 0
    tiktok: int = 0
    runtime: int = 0


@dataclass
class StackInfo:
    """Everything a client of a running stack needs; what .local-stack/state.json holds (no secrets)."""

    name: str
    host: str
    layout: str
    runtime_python: str
    function: str
    moto_url: str
    tiktok_url: str
    invoke_url: str
    resources: dict[str, dict[str, Any]]
    function_env: dict[str, str]
    processes: list[ManagedProcess] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    rotation_function: str = ""
    rotation_invoke_url: str = ""
    """The rotation function's runtime, invoked with Secrets Manager's `{"SecretId", "ClientRequestToken",
    "Step"}` events (local/secrets_rotation.py plays Secrets Manager)."""
    rotation_env: dict[str, str] = field(default_factory=dict)
    more_invoke_urls: list[str] = field(default_factory=list)
    """Further environments of the same function (LocalStack's `function_runtimes`), as Lambda runs
    several at once: the SQS poller driver invokes them concurrently."""
    sqs_url: str = ""
    """The queues' own moto server (LocalStack's `queues_apart`); empty: moto_url serves them too."""
    webhook_function: str = ""
    webhook_invoke_url: str = ""
    webhook_env: dict[str, str] = field(default_factory=dict)
    decider_function: str = ""
    decider_invoke_url: str = ""
    decider_env: dict[str, str] = field(default_factory=dict)
    sweeper_function: str = ""
    sweeper_invoke_url: str = ""
    """The sweeper's runtime: invoked by hand (no scheduler runs locally), as `sweep_now` does."""
    sweeper_env: dict[str, str] = field(default_factory=dict)
    api_url: str = ""
    """The API front (local_stack/api_front.py): API Gateway's webhook route, before the webhook function."""

    @property
    def webhook_url(self) -> str:
        """What TikTok's webhooks are sent to: the template's WebhookUrl, locally."""
        return f"{self.api_url}{WEBHOOK_PATH}" if self.api_url else ""

    @property
    def queue_endpoint(self) -> str:
        """Where the queues are: what an SQS client of this stack connects to."""
        return self.sqs_url or self.moto_url

    @property
    def invoke_urls(self) -> list[str]:
        return [self.invoke_url, *self.more_invoke_urls]

    @property
    def ports(self) -> list[int]:
        return [port for process in self.processes for port in process.ports]

    def resource_ref(self, logical_id: str) -> str:
        return str(self.resources[logical_id]["ref"])

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "host": self.host,
            "layout": self.layout,
            "runtime_python": self.runtime_python,
            "function": self.function,
            "moto_url": self.moto_url,
            "tiktok_url": self.tiktok_url,
            "invoke_url": self.invoke_url,
            "resources": self.resources,
            "function_env": self.function_env,
            "processes": [process.to_json() for process in self.processes],
            "started": self.started,
            "rotation_function": self.rotation_function,
            "rotation_invoke_url": self.rotation_invoke_url,
            "rotation_env": self.rotation_env,
            "more_invoke_urls": self.more_invoke_urls,
            "sqs_url": self.sqs_url,
            "webhook_function": self.webhook_function,
            "webhook_invoke_url": self.webhook_invoke_url,
            "webhook_env": self.webhook_env,
            "decider_function": self.decider_function,
            "decider_invoke_url": self.decider_invoke_url,
            "decider_env": self.decider_env,
            "sweeper_function": self.sweeper_function,
            "sweeper_invoke_url": self.sweeper_invoke_url,
            "sweeper_env": self.sweeper_env,
            "api_url": self.api_url,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StackInfo:
        return cls(
            name=str(data["name"]),
            host=str(data["host"]),
            layout=str(data["layout"]),
            runtime_python=str(data["runtime_python"]),
            function=str(data["function"]),
            moto_url=str(data["moto_url"]),
            tiktok_url=str(data["tiktok_url"]),
            invoke_url=str(data["invoke_url"]),
            resources=dict(data["resources"]),
            function_env=dict(data["function_env"]),
            processes=[ManagedProcess.from_json(item) for item in data["processes"]],
            started=float(data["started"]),
            rotation_function=str(data.get("rotation_function", "")),
            rotation_invoke_url=str(data.get("rotation_invoke_url", "")),
            rotation_env=dict(data.get("rotation_env", {})),
            more_invoke_urls=[str(url) for url in data.get("more_invoke_urls", [])],
            sqs_url=str(data.get("sqs_url", "")),
            webhook_function=str(data.get("webhook_function", "")),
            webhook_invoke_url=str(data.get("webhook_invoke_url", "")),
            webhook_env=dict(data.get("webhook_env", {})),
            decider_function=str(data.get("decider_function", "")),
            decider_invoke_url=str(data.get("decider_invoke_url", "")),
            decider_env=dict(data.get("decider_env", {})),
            sweeper_function=str(data.get("sweeper_function", "")),
            sweeper_invoke_url=str(data.get("sweeper_invoke_url", "")),
            sweeper_env=dict(data.get("sweeper_env", {})),
            api_url=str(data.get("api_url", "")),
        )


class LocalStack:
    def __init__(
        self,
        name: str,
        *,
        host: str = "127.0.0.1",
        ports: Ports | None = None,
        layout: Literal["auto", "build", "source"] = "auto",
        rebuild: bool = False,
        attached: bool = True,
        runtime_venv: Path = RUNTIME_VENV,
        runtimes: bool = True,
        say: Say = print,
        function_runtimes: int = 1,
        parameters: Mapping[str, str] | None = None,
        queues_apart: bool = False,
        autopilot: bool = False,
    ) -> None:
        """`runtimes=False`: moto and the TikTok emulator only, provisioned and seeded, for clients that run
        the functions themselves (make sam-local: SAM's containers). `function_runtimes`: how many
        environments of the approval function to start (one RIE each). `parameters`: template parameter
        values instead of their defaults, as `sam deploy --parameter-overrides` gives them. `queues_apart`:
        the queues in a moto server of their own (the functions reach it through AWS_ENDPOINT_URL_SQS):
        one moto process answers every call under one interpreter lock, so draining a backlog, SQS's calls
        beside DynamoDB's (the idempotency records, the rate limiter's schedule) saturate it (make
        bench-bulk: 37 approvals/s shared, 46 apart), while AWS's services never share a CPU. `autopilot`:
        for as long as the stack runs (make local-up), TikTok's webhooks go to the API front and a process
        of its own plays the SQS event source mappings (local_stack/queue_pollers.py); otherwise whoever
        wants them turns them on (make run's autopilot step)."""
        if function_runtimes < 1:
            raise ValueError("function_runtimes must be at least 1")
        self.function_runtimes = function_runtimes
        self.parameters = dict(parameters or {})
        self.queues_apart = queues_apart
        self.autopilot = autopilot
        self.name = name
        # The logs this start has begun (each start's logs on their own, see _log).
        self._logs_started: set[Path] = set()
        self.host = host
        self.ports = ports or Ports()
        self.layout: Literal["auto", "build", "source"] = layout
        self.rebuild = rebuild
        self.attached = attached
        self.runtime_venv = runtime_venv
        self.runtimes = runtimes
        self.say = say
        self.processes: list[ManagedProcess] = []
        self.history: list[ManagedProcess] = []
        """Every process ever started, stopped ones included: whose logs to show when something fails."""
        self.info: StackInfo | None = None
        self._emulator_stdout = WORK_DIR / f"{name}-tiktok.json"

    # -- start ---------------------------------------------------------------------------------------------

    def start(self) -> StackInfo:
        """Starts everything; on any failure stops what it started and raises (StartupError with a log tail
        for a process that did not come up)."""
        started = time.perf_counter()
        try:
            info = self._start()
        except BaseException:
            self.stop(quiet=True)
            raise
        self.say(self.summary(info, time.perf_counter() - started))
        return info

    def _start(self) -> StackInfo:
        LOGS.mkdir(parents=True, exist_ok=True)
        self._logs_started = set()
        template = load_template()
        spec = function_spec(template)
        rotation_spec = function_spec(template, ROTATION_FUNCTION_ID)
        webhook_spec = function_spec(template, WEBHOOK_FUNCTION_ID)
        decider_spec = function_spec(template, DECIDER_FUNCTION_ID)
        sweeper_spec = function_spec(template, SWEEPER_FUNCTION_ID)
        if self.runtimes:
            runtime = ensure_runtime_venv(spec.python_minor, venv=self.runtime_venv, say=self.say)
            rie = rie_binary()
        # moto and the emulator come up while sam build runs.
        moto, moto_url = self._start_moto()
        queues = self._start_moto("moto-sqs") if self.queues_apart else None
        emulator = self._start_emulator()
        if self.runtimes:
            code, rotation_code, webhook_code, decider_code, sweeper_code = prepare_code(
                [spec, rotation_spec, webhook_spec, decider_spec, sweeper_spec],
                template,
                runtime,
                layout=self.layout,
                rebuild=self.rebuild,
                say=self.say,
            )
        moto, moto_url = self._wait_moto(moto, moto_url)
        sqs_url = self._wait_moto(*queues, piece="moto-sqs")[1] if queues is not None else ""
        emulator, description = self._wait_emulator(emulator)
        tiktok_url = str(description["url"])
        tiktok = TikTokAdmin(tiktok_url)
        credentials = _credentials(tiktok, description)
        # Every function's resources, whether or not this stack runs the function (make sam-local runs
        # them in SAM's containers).
        resources = provision(
            template, serverless_functions(template), moto_url, credentials, sqs_url or None
        )
        # Both TikTok hosts (the open API and the auth host) are the emulator.
        resolver = Resolver(
            template,
            resources,
            {**self.parameters, "TikTokApiBaseUrl": tiktok_url, "TikTokAuthBaseUrl": tiktok_url},
        )
        function_env, rotation_env, webhook_env, decider_env, sweeper_env = (
            {**resolve_environment(each, resolver), "AWS_ENDPOINT_URL": moto_url}
            for each in (spec, rotation_spec, webhook_spec, decider_spec, sweeper_spec)
        )
        if sqs_url:
            # botocore's service-specific endpoint: SQS there, every other service at AWS_ENDPOINT_URL.
            for environment in (function_env, webhook_env, decider_env, sweeper_env):
                environment["AWS_ENDPOINT_URL_SQS"] = sqs_url
        layout, runtime_python, invoke_url, rotation_invoke_url = "none", "", "", ""
        webhook_invoke_url, decider_invoke_url, sweeper_invoke_url, api_url = "", "", "", ""
        more_invoke_urls: list[str] = []
        if self.runtimes:
            _, invoke_url = self._start_runtime(spec, code, runtime, rie, function_env)
            more_invoke_urls = [
                self._start_runtime(spec, code, runtime, rie, function_env, piece=f"lambda-{n}", port=0)[1]
                for n in range(2, self.function_runtimes + 1)
            ]
            _, rotation_invoke_url = self._start_runtime(
                rotation_spec, rotation_code, runtime, rie, rotation_env, piece="rotation", port=0
            )
            _, webhook_invoke_url = self._start_runtime(
                webhook_spec, webhook_code, runtime, rie, webhook_env, piece="webhook", port=0
            )
            _, decider_invoke_url = self._start_runtime(
                decider_spec, decider_code, runtime, rie, decider_env, piece="decider", port=0
            )
            _, sweeper_invoke_url = self._start_runtime(
                sweeper_spec, sweeper_code, runtime, rie, sweeper_env, piece="sweeper", port=0
            )
            api_url = self._start_api_front(webhook_invoke_url, resolver.ref(API_STAGE_PARAMETER))
            layout, runtime_python = code.kind, runtime.python_version
        self.info = StackInfo(
            name=self.name,
            host=self.host,
            layout=layout,
            runtime_python=runtime_python,
            function=spec.logical_id,
            moto_url=moto_url,
            tiktok_url=tiktok_url,
            invoke_url=invoke_url,
            resources={
                logical_id: {"ref": physical.ref, "attributes": dict(physical.attributes)}
                for logical_id, physical in resources.items()
            },
            function_env=function_env,
            processes=list(self.processes),
            rotation_function=rotation_spec.logical_id,
            rotation_invoke_url=rotation_invoke_url,
            rotation_env=rotation_env,
            more_invoke_urls=more_invoke_urls,
            sqs_url=sqs_url,
            webhook_function=webhook_spec.logical_id,
            webhook_invoke_url=webhook_invoke_url,
            webhook_env=webhook_env,
            decider_function=decider_spec.logical_id,
            decider_invoke_url=decider_invoke_url,
            decider_env=decider_env,
            sweeper_function=sweeper_spec.logical_id,
            sweeper_invoke_url=sweeper_invoke_url,
            sweeper_env=sweeper_env,
            api_url=api_url,
        )
        if self.autopilot and self.runtimes:
            self._start_autopilot(self.info, tiktok, credentials)
            self.info.processes = list(self.processes)
        return self.info

    def _start_autopilot(
        self, info: StackInfo, tiktok: TikTokAdmin, credentials: Mapping[str, object]
    ) -> None:
        """The SQS event source mappings in a process of their own, then TikTok's webhooks to the API front,
        signed with the default secret's app (the emulator's own)."""
        described = WORK_DIR / f"{self.name}-pollers.json"
        save_state(info, described)
        process = spawn(
            "queue-pollers",
            [sys.executable, "-m", "local_stack.queue_pollers", str(described)],
            log=self._log("pollers"),
            env={**_base_environment(), "PYTHONPATH": str(ROOT / "local")},
            cwd=ROOT,
            die_with_parent=self.attached,
        )
        self._started(process)

        def polling() -> bool:
            return "polling WebhookQueue" in tail(process.log) and process.alive()

        wait_until(process, polling, what="polling", timeout=STARTUP_TIMEOUT)
        tiktok.configure_webhooks(
            url=info.webhook_url,
            app_key=str(credentials["app_key"]),
            app_secret=str(credentials["app_secret"]),
        )

    def _started(self, process: ManagedProcess) -> None:
        self.processes.append(process)
        self.history.append(process)

    def _log(self, piece: str) -> Path:
        log = LOGS / f"{self.name}-{piece}.log"
        if log not in self._logs_started:
            # Each start's logs on their own. Only this stack's pieces: a glob on the name would also take
            # the logs of a running stack whose name starts with it ("e2e" and "e2e-up").
            log.unlink(missing_ok=True)
            self._logs_started.add(log)
        return log

    def _port(self, requested: int, what: str) -> int:
        if not requested:
            return free_port(self.host)
        if port_in_use(requested, self.host):
            raise StartupError(
                f"port {requested} (asked for {what}) is already in use: stop what holds it "
                "(`make local-down` if it is a background stack), or let the stack pick a free port"
            )
        return requested

    def _start_moto(self, piece: str = "moto") -> tuple[ManagedProcess, str]:
        # Only the main server takes the requested port; the queues' own one always a free one.
        port = self._port(self.ports.moto if piece == "moto" else 0, piece)
        # The Python that has moto: the running one, or the dev venv's (a runner started from elsewhere).
        python = Path(sys.executable)
        if not python.with_name("moto_server").exists():
            python = DEV_VENV / "bin" / "python"
        process = spawn(
            piece,
            [str(python), "-m", MOTO_SERVER, "-H", self.host, "-p", str(port)],
            log=self._log(piece),
            env={**_base_environment(), "PYTHONPATH": str(ROOT / "local")},
            cwd=WORK_DIR,
            ports=[port],
            die_with_parent=self.attached,
        )
        self._started(process)
        return process, f"http://{self.host}:{port}"

    def _wait_moto(
        self, process: ManagedProcess, url: str, piece: str = "moto"
    ) -> tuple[ManagedProcess, str]:
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            # moto's own page, from moto itself (not from whatever else might answer on that port).
            def answering(url: str = url, process: ManagedProcess = process) -> bool:
                return _http_ok(f"{url}/moto-api/") and process.alive()

            try:
                wait_until(process, answering, what="answering HTTP", timeout=STARTUP_TIMEOUT)
                return process, url
            except StartupError:
                # A port picked free may have been taken in between: try another one.
                if (self.ports.moto and piece == "moto") or attempt == _PORT_ATTEMPTS or process.alive():
                    raise
                self.processes.remove(process)
                process, url = self._start_moto(piece)
        raise AssertionError("unreachable")

    def _start_emulator(self) -> ManagedProcess:
        port = self._port(self.ports.tiktok, "the TikTok emulator")
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        self._emulator_stdout.unlink(missing_ok=True)
        # Its one stdout line holds the credentials: a private file, not the log.
        descriptor = os.open(self._emulator_stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stdout:
            process = spawn(
                "tiktok-emulator",
                # The one seed file: what `make local-seed` also sends to a running emulator.
                [
                    sys.executable,
                    "-m",
                    "tiktok_emulator",
                    "--host",
                    self.host,
                    "--port",
                    str(port),
                    "--seed",
                    str(SEED_FILE),
                ],
                log=self._log("tiktok"),
                env={**_base_environment(), "PYTHONPATH": str(ROOT / "local")},
                cwd=ROOT,
                ports=[port],
                stdout=stdout,
                die_with_parent=self.attached,
            )
        self._started(process)
        return process

    def _wait_emulator(self, process: ManagedProcess) -> tuple[ManagedProcess, dict[str, Any]]:
        description: dict[str, Any] = {}

        def described() -> bool:
            for line in self._emulator_stdout.read_text(encoding="utf-8").splitlines():
                try:
                    parsed = json.loads(line)
                except ValueError:
                    continue
                if isinstance(parsed, dict) and "url" in parsed:
                    description.update(parsed)
                    return True
            return False

        for attempt in range(1, _PORT_ATTEMPTS + 1):
            try:
                wait_until(process, described, what="listening", timeout=STARTUP_TIMEOUT)
                # Read: the credentials need not stay on disk (the emulator keeps its open file).
                self._emulator_stdout.unlink(missing_ok=True)
                return process, description
            except StartupError:
                if self.ports.tiktok or attempt == _PORT_ATTEMPTS or process.alive():
                    raise
                self.processes.remove(process)
                process = self._start_emulator()
        raise AssertionError("unreachable")

    def _start_runtime(
        self,
        spec: FunctionSpec,
        code: CodeLayout,
        runtime: RuntimeVenv,
        rie: Path,
        function_env: Mapping[str, str],
        *,
        piece: str = "lambda",
        port: int | None = None,
    ) -> tuple[ManagedProcess, str]:
        """One function in an RIE of its own: process `{piece}-runtime`, log `<stack>-{piece}.log`, on
        `port` (default: --runtime-port; 0: a free one)."""
        requested = self.ports.runtime if port is None else port
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            port = self._port(requested, f"the Lambda runtime of {spec.logical_id}")
            api_port = free_port("127.0.0.1")
            argv = [
                str(rie),
                "--runtime-interface-emulator-address",
                f"{self.host}:{port}",
                "--runtime-api-address",
                f"127.0.0.1:{api_port}",
                str(runtime.python),
                "-m",
                "awslambdaric",
                spec.handler,
            ]
            process = spawn(
                f"{piece}-runtime",
                argv,
                log=self._log(piece),
                env=lambda_environment(spec, code, runtime, function_env),
                cwd=code.function_dir,
                ports=[port, api_port],
                die_with_parent=self.attached,
            )
            self._started(process)

            def accepting(port: int = port, process: ManagedProcess = process) -> bool:
                return accepts_connections(port, self.host) and process.alive()

            try:
                wait_until(process, accepting, what="accepting invocations", timeout=STARTUP_TIMEOUT)
                return process, invocation_url(self.host, port)
            except StartupError:
                if requested or attempt == _PORT_ATTEMPTS or process.alive():
                    raise
                self.processes.remove(process)
        raise AssertionError("unreachable")

    def _start_api_front(self, webhook_invoke_url: str, stage: str) -> str:
        """API Gateway's webhook route before the webhook function's runtime (local_stack/api_front.py);
        returns its base URL."""
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            port = free_port(self.host)
            process = spawn(
                "api-front",
                [
                    sys.executable,
                    "-m",
                    "local_stack.api_front",
                    "--host",
                    self.host,
                    "--port",
                    str(port),
                    "--invoke-url",
                    webhook_invoke_url,
                    "--stage",
                    stage,
                ],
                log=self._log("api"),
                env={**_base_environment(), "PYTHONPATH": str(ROOT / "local")},
                cwd=ROOT,
                ports=[port],
                die_with_parent=self.attached,
            )
            self._started(process)

            def accepting(port: int = port, process: ManagedProcess = process) -> bool:
                return accepts_connections(port, self.host) and process.alive()

            try:
                wait_until(process, accepting, what="accepting requests", timeout=STARTUP_TIMEOUT)
                return f"http://{self.host}:{port}"
            except StartupError:
                if attempt == _PORT_ATTEMPTS or process.alive():
                    raise
                self.processes.remove(process)
        raise AssertionError("unreachable")

    # -- stop ----------------------------------------------------------------------------------------------

    def stop(self, *, quiet: bool = False) -> list[int]:
        """Stops every process this stack started, the runtime first; returns the ports still busy after
        a few seconds (empty when all are free). Safe to call twice."""
        processes, self.processes = self.processes, []
        busy = stop_processes(processes, host=self.host)
        self._emulator_stdout.unlink(missing_ok=True)
        if not quiet and processes:
            self.say(stop_report(self.name, processes, busy))
        return busy

    # -- describing ----------------------------------------------------------------------------------------

    def summary(self, info: StackInfo, seconds: float) -> str:
        by_name = {process.name: process for process in info.processes}
        resources = [f"    {logical_id:<24} {data['ref']}" for logical_id, data in info.resources.items()]
        code = f"code: {info.layout} layout; runtime: Python {info.runtime_python}"
        runtimes = [
            f"  Lambda runtime    {_base(info.invoke_url):<28} "
            f"{_process_note(by_name.get('lambda-runtime'))}",
            f"  Rotation runtime  {_base(info.rotation_invoke_url):<28} "
            f"{_process_note(by_name.get('rotation-runtime'))}",
            f"  Webhook runtime   {_base(info.webhook_invoke_url):<28} "
            f"{_process_note(by_name.get('webhook-runtime'))}",
            f"  Decider runtime   {_base(info.decider_invoke_url):<28} "
            f"{_process_note(by_name.get('decider-runtime'))}",
            f"  Sweeper runtime   {_base(info.sweeper_invoke_url):<28} "
            f"{_process_note(by_name.get('sweeper-runtime'))}; invoked by hand (no scheduler locally)",
            f"  API front         {info.api_url:<28} {_process_note(by_name.get('api-front'))}; "
            f"POST {WEBHOOK_PATH} -> the webhook runtime",
        ]
        if "queue-pollers" in by_name:
            polled = "WebhookQueue, ApprovalQueue"
            note = _process_note(by_name["queue-pollers"])
            runtimes.append(f"  SQS pollers       {polled:<28} {note}; TikTok's webhooks go to the API front")
        lines = [
            f'local stack "{info.name}" ready in {seconds:.1f} s '
            f"({code if info.invoke_url else 'AWS and TikTok only: the functions run elsewhere'}):",
            f"  AWS (moto)        {info.moto_url:<28} {_process_note(by_name.get('moto'))}",
            f"  TikTok emulator   {info.tiktok_url:<28} {_process_note(by_name.get('tiktok-emulator'))}",
            *(runtimes if info.invoke_url else []),
            f"  ports: {' '.join(str(port) for port in info.ports)}",
            "  resources (moto):",
            *resources,
        ]
        return "\n".join(lines)


def _process_note(process: ManagedProcess | None) -> str:
    if process is None:
        return ""
    return f"pid {process.pid}, log {_relative(process.log)}"


def _base(url: str) -> str:
    return url.split("/2015-03-31", 1)[0]


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def stop_processes(processes: list[ManagedProcess], *, host: str = "127.0.0.1") -> list[int]:
    """Stops them in reverse start order, signals deferred meanwhile; returns the ports still busy."""
    with signals_deferred():
        for process in reversed(processes):
            stop(process)
        return wait_ports_free([port for process in processes for port in process.ports], host=host)


def stop_report(name: str, processes: list[ManagedProcess], busy: list[int]) -> str:
    ports = [port for process in processes for port in process.ports]
    stopped = f'local stack "{name}": stopped {len(processes)} processes'
    if busy:
        return f"{stopped}, but ports {busy} are still in use"
    return f"{stopped}; ports {' '.join(map(str, ports))} are free"


def _credentials(tiktok: TikTokAdmin, description: Mapping[str, Any]) -> dict[str, object]:
    """The secret's value, as `make authorize` writes it after the seller's consent: the app's key, secret
    and shop cipher (from the emulator's start-up line), the tokens of a first authorization, issued by
    the emulator with their expiry times, and the shop's id. A rotation can then refresh them. Every secret
    value is registered for masking."""
    credentials: dict[str, object] = {name: str(description[name]) for name in APP_FIELDS}
    register_secret(str(credentials["app_secret"]))
    grant = first_authorization(tiktok, str(credentials["app_key"]), str(credentials["app_secret"]))
    credentials.update({name: grant[name] for name in GRANT_FIELDS})
    credentials["shop_id"] = _shop_id(tiktok, str(credentials["shop_cipher"]))
    for name in SECRET_FIELDS:
        register_secret(str(credentials[name]))
    return credentials


def _shop_id(tiktok: TikTokAdmin, shop_cipher: str) -> str:
    """The id Get Authorized Shops gives the default seller's shop of that cipher, which `make authorize`
    records beside it: the shop's webhooks name the shop by it, and so the autopilot finds the default
    shop."""
    for shop in tiktok.authorized_shops():
        if shop.get("cipher") == shop_cipher:
            return str(shop["id"])
    raise StartupError(f"the TikTok emulator's default seller has no shop with the cipher {shop_cipher!r}")


def _http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _base_environment() -> dict[str, str]:
    """What the emulators inherit: the runner's environment without AWS settings that could point them (or a
    boto3 inside them) at a real account."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTHON")) and name not in ("VIRTUAL_ENV",)
    }


def lambda_environment(
    spec: FunctionSpec, code: CodeLayout, runtime: RuntimeVenv, function_env: Mapping[str, str]
) -> dict[str, str]:
    """The runtime process's environment, as Lambda builds it: nothing from the caller's shell (no profile,
    no real credentials), the function's variables, and the reserved ones Lambda sets."""
    return {
        "PATH": os.pathsep.join([str(runtime.path / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(code.function_dir),
        "LAMBDA_RUNTIME_DIR": str(runtime.site_packages),
        # /opt/python: the layers, in the template's order.
        "PYTHONPATH": os.pathsep.join(str(path) for path in code.python_path),
        # Lambda's task root is read-only: no __pycache__ in the build (or source) tree.
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # What `sam local invoke` sets in its containers. Powertools' Tracer then stays off, as it does there:
        # the emulator passes no trace header and no X-Ray daemon listens.
        "AWS_SAM_LOCAL": "true",
        **function_env,
    }


# --- the detached stack (make local-up) -------------------------------------------------------------------


def save_state(info: StackInfo, path: Path = STATE_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info.to_json(), indent=2) + "\n", encoding="utf-8")


def load_state(path: Path = STATE_FILE) -> StackInfo | None:
    try:
        return StackInfo.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


DOCKER_ENV_FILES: Final = ("env.json", "env.host-network.json")
"""The `--env-vars` file `make local-up` writes, and one it wrote before (removed by `make local-down`)."""
ENV_FILE: Final = ROOT / "env.json"
"""sam local invoke's default `--env-vars` (samconfig.toml): what `make local-up` writes, on the ports it
names (moto's and the emulator's), which `make local-up` takes when they are free."""


def docker_env_files(info: StackInfo, directory: Path = WORK_DIR) -> list[Path]:
    """The ready `--env-vars` file for `sam local invoke` against this stack: its URLs reach it through
    host.docker.internal, which Docker Desktop provides and `--add-host host.docker.internal:<address>`
    maps to the address the stack listens on (`--host docker`: the Docker bridge's). SAM's containers join
    Docker's bridge network (SAM 1.170's `--docker-network host` does not give them the host's network), so
    127.0.0.1 inside one is the container itself."""
    path = directory / DOCKER_ENV_FILES[0]
    path.write_text(env_file_text(info), encoding="utf-8")
    (directory / DOCKER_ENV_FILES[1]).unlink(missing_ok=True)
    return [path]


def env_file_text(info: StackInfo) -> str:
    return json.dumps(sam_env_vars(info, DOCKER_HOST), indent=2) + "\n"


def env_file_ports(path: Path = ENV_FILE) -> tuple[int, int]:
    """The ports of moto (AWS_ENDPOINT_URL) and of the TikTok emulator (TIKTOK_API_BASE_URL) that an
    `--env-vars` file names for the approval function; 0 for one it does not name."""
    try:
        variables = json.loads(path.read_text(encoding="utf-8"))["ApproveCancellationFunction"]
        urls = (str(variables.get("AWS_ENDPOINT_URL", "")), str(variables.get("TIKTOK_API_BASE_URL", "")))
        ports = tuple(urlsplit(url).port or 0 for url in urls)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0, 0
    return ports[0], ports[1]


def sam_env_vars(info: StackInfo, host: str) -> dict[str, dict[str, str]]:
    """`sam local --env-vars` content for this stack's functions, its URLs reaching the stack at `host` (the
    address a container uses for the stack's own one)."""
    functions = {info.function: info.function_env}
    for function, environment in (
        (info.rotation_function, info.rotation_env),
        (info.webhook_function, info.webhook_env),
        (info.decider_function, info.decider_env),
        (info.sweeper_function, info.sweeper_env),
    ):
        if function:
            functions[function] = environment
    by_function = {}
    for function, environment in functions.items():
        variables = {
            name: value.replace(f"//{info.host}:", f"//{host}:") for name, value in environment.items()
        }
        variables.update(
            {
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
            }
        )
        by_function[function] = variables
    return by_function


def log_tails(processes: list[ManagedProcess], lines: int = 30) -> str:
    seen: set[Path] = set()
    parts = []
    for process in processes:
        if process.log in seen:
            continue
        seen.add(process.log)
        parts.append(f"--- {_relative(process.log)} (last {lines} lines)\n{tail(process.log, lines)}")
    return redact("\n".join(parts))

"""`python -m local_stack run|up|down|invoke|show|seed|status|runtime-venv` (PYTHONPATH=local, mk/local.mk).

run           start the stack, run the six checked steps, stop everything; non-zero if a step fails
up            start the stack in the background (state in .local-stack/state.json), print its ports
invoke EVENT  invoke the running stack's function with an event file; print the result, the new dead-letter
              messages and the TikTok calls it made
show          the running stack's dead-letter queue and the TikTok calls it received
seed [FILE]   send a seed file (default: local/tiktok_emulator/seed.json) to the running TikTok emulator
auth-code [SELLER]
              an authorization code from the running emulator for a seller (an open_id; default: the
              default seller), as TikTok's redirect hands one over after the seller's consent
operator -- COMMAND...
              run an operator's command (make authorize, shops, remove-seller) against the running stack
down          stop the background stack
status        show the background stack
runtime-venv  create or update the runtime venv (.venv-runtime)
"""

from __future__ import annotations

import argparse
import atexit
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Literal, cast

import requests
from tiktok_emulator.config import SEED_FILE, read_seed_file

from local_stack.invoke import EventFileError, describe_request, invoke, load_event, render
from local_stack.operator import operator_environment
from local_stack.paths import ROOT, RUNTIME_VENV, STATE_FILE
from local_stack.platform_check import UnsupportedPlatform, require_linux
from local_stack.processes import StartupError, redact
from local_stack.runtime import RuntimeSetupError, ensure_runtime_venv
from local_stack.scenario import Scenario
from local_stack.side_effects import SideEffectWatch, everything
from local_stack.stack import (
    DOCKER_ENV_FILES,
    LocalStack,
    Ports,
    StackInfo,
    docker_env_files,
    load_state,
    log_tails,
    save_state,
    stop_processes,
    stop_report,
)
from local_stack.template import load_template
from local_stack.template_env import TemplateError, function_spec
from local_stack.tiktok_admin import TikTokAdmin

EXIT_FAILED = 1
EXIT_SETUP = 2
EXIT_UNSUPPORTED = 69  # EX_UNAVAILABLE, as make sam-local answers without a Docker engine


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived: unwind, stopping what was started on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def say(text: str) -> None:
    print(redact(text), flush=True)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT/SIGTERM/SIGHUP raise Interrupted in the main thread, so `finally` blocks stop the children."""

    def raise_interrupted(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    previous = {
        signum: signal.signal(signum, raise_interrupted)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stack(args: argparse.Namespace, name: str, *, attached: bool) -> LocalStack:
    return LocalStack(
        name,
        ports=Ports(moto=args.moto_port, tiktok=args.tiktok_port, runtime=args.runtime_port),
        layout=cast(Literal["auto", "build", "source"], args.layout),
        rebuild=args.rebuild,
        attached=attached,
        runtime_venv=args.runtime_venv,
        say=say,
    )


def command_run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    stack = _stack(args, args.stack_name, attached=True)

    atexit.register(stack.stop)  # a backstop: the finally below normally stops it first
    ok = False
    try:
        with interruptible():
            try:
                info = stack.start()
                ok = Scenario(info, say=say).run()
                if not ok:
                    say("\nsome steps failed; the logs' last lines:\n" + log_tails(info.processes))
            finally:
                busy = stack.stop()
                if busy:
                    ok = False
    except (Exception, Interrupted) as error:  # every failure becomes an exit code and a message
        return _failed("run", error, stack)
    say(f"\nmake run: {'all steps passed' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s")
    return 0 if ok else EXIT_FAILED


def _failed(verb: str, error: BaseException, stack: LocalStack) -> int:
    """The exit code and message for a failed `make run` or `make local-up`; the stack is stopped by then."""
    if isinstance(error, Interrupted):
        say(f"interrupted ({error}); everything started was stopped")
        return 128 + error.signum
    if isinstance(error, StartupError | RuntimeSetupError | TemplateError):
        say(f"make {verb} FAILED: {error}")
    else:
        say(f"make {verb} FAILED: {type(error).__name__}: {error}\n" + log_tails(stack.history))
    return EXIT_FAILED


def command_up(args: argparse.Namespace) -> int:
    existing = load_state(args.state_file)
    if existing is not None:
        if all(process.alive() for process in existing.processes):
            say(f"the local stack is already up (make local-down stops it); runtime at {existing.invoke_url}")
            return 0
        say("a previous local stack died; stopping what is left of it")
        stop_processes(existing.processes, host=existing.host)
        args.state_file.unlink(missing_ok=True)
    stack = _stack(args, args.stack_name, attached=False)
    try:
        with interruptible():
            info = stack.start()
    except (Exception, Interrupted) as error:  # every failure becomes an exit code and a message
        return _failed("local-up", error, stack)
    save_state(info, args.state_file)
    docker_env_files(info, args.state_file.parent)
    say(f"state: {_relative(args.state_file)}\n" + _next_steps(args.state_file.parent))
    return 0


def _next_steps(work_dir: Path) -> str:
    # The stack runs on Linux only (platform_check), where a container reaches it through the host's network:
    # env.host-network.json. env.json (host.docker.internal) is for a Docker Desktop VM.
    architecture = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), "x86_64"
    )
    return "\n".join(
        [
            "  make invoke EVENT=events/api_approve.json   invoke the function; prints what it did",
            "  make local-show                             the dead-letter queue and the TikTok calls",
            "  make local-seed                             after adding cancel_ids to "
            f"{_relative(SEED_FILE)}",
            "  make local-down                             stop it",
            "  with Docker and `make build`, SAM's own runtime against this stack (AWS's Powertools layer is "
            "downloaded with your AWS credentials; make sam-local does it all offline):",
            "    .venv-sam/bin/sam local invoke ApproveCancellationFunction -e events/direct_approve.json "
            f"--env-vars {_relative(work_dir / DOCKER_ENV_FILES[1])} --docker-network host "
            f"--parameter-overrides Architecture={architecture}",
        ]
    )


def command_down(args: argparse.Namespace) -> int:
    info = load_state(args.state_file)
    if info is None:
        say("no local stack is up (nothing in .local-stack/state.json)")
        return 0
    busy = stop_processes(info.processes, host=info.host)
    args.state_file.unlink(missing_ok=True)
    for name in DOCKER_ENV_FILES:
        (args.state_file.parent / name).unlink(missing_ok=True)
    say(stop_report(info.name, info.processes, busy))
    return EXIT_FAILED if busy else 0


def command_status(args: argparse.Namespace) -> int:
    info = load_state(args.state_file)
    if info is None:
        say("no local stack is up")
        return 1
    for process in info.processes:
        state = "running" if process.alive() else "NOT RUNNING"
        say(f"  {process.name:<16} pid {process.pid:<8} ports {list(process.ports)}  {state}")
    say(f"  moto {info.moto_url}  TikTok {info.tiktok_url}  invoke {info.invoke_url}")
    return 0 if all(process.alive() for process in info.processes) else 1


def command_invoke(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    path = Path(args.event)
    try:
        event = load_event(path)
    except EventFileError as error:
        say(f"make invoke: {error}")
        return EXIT_FAILED
    say(f"{path} -> {describe_request(event)}")
    watch = SideEffectWatch(info)
    try:
        before = watch.snapshot()
        invocation = invoke(info.invoke_url, event, timeout=args.timeout)
        side_effects = watch.since(before)
    except requests.RequestException as error:
        say(f"invocation failed: {error}\n" + log_tails(info.processes))
        return EXIT_FAILED
    say(render(invocation))
    say(side_effects.describe())
    return EXIT_FAILED if invocation.function_error else 0


def _running(state_file: Path) -> StackInfo | None:
    info = load_state(state_file)
    if info is None:
        say("no local stack is up: run `make local-up` first")
        return None
    if not all(process.alive() for process in info.processes):
        say("the local stack is not running any more: `make local-down && make local-up`")
        return None
    return info


def command_show(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    say(everything(info, last_calls=args.last))
    return 0


def command_seed(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    try:
        seed = read_seed_file(args.file)
    except (OSError, ValueError) as error:
        say(f"make local-seed: {error}")
        return EXIT_FAILED
    # The file as it is, in the one seed format; the emulator refuses what it cannot take at run time.
    response = requests.post(
        f"{info.tiktok_url}/__emulator/seed", data=Path(args.file).read_bytes(), timeout=10
    )
    if response.status_code != 200:
        say(f"make local-seed: the emulator refused {_relative(args.file)}: {response.json().get('error')}")
        return EXIT_FAILED
    states = TikTokAdmin(info.tiktok_url).cancellations()
    say(
        f"seeded {len(seed.cancellations)} cancellations from {_relative(args.file)} into {info.tiktok_url}; "
        f"the emulator now knows {len(states)}:\n"
        + "\n".join(f"  {cancel_id} {state}" for cancel_id, state in sorted(states.items()))
    )
    return 0


def command_auth_code(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    try:
        code = TikTokAdmin(info.tiktok_url).issue_auth_code(args.seller)
    except requests.HTTPError as error:
        known = ", ".join(seller["open_id"] for seller in TikTokAdmin(info.tiktok_url).sellers())
        say(f"make local-auth-code: the emulator refused ({error}); its sellers: {known}")
        return EXIT_FAILED
    print(code)  # alone on stdout, for CODE=$(make -s local-auth-code ...); a fake, single-use code
    return 0


def command_operator(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    command = [part for part in args.command if part != "--"]
    if not command:
        say("usage: python -m local_stack operator -- COMMAND...")
        return EXIT_SETUP
    return subprocess.run(command, env=operator_environment(info), check=False).returncode  # noqa: S603


def command_runtime_venv(args: argparse.Namespace) -> int:
    spec = function_spec(load_template())
    venv = ensure_runtime_venv(spec.python_minor, venv=args.runtime_venv, say=say)
    note = "" if venv.minor == spec.python_minor else f" (not {spec.runtime}: the source layout will be used)"
    say(f"runtime venv: {_relative(venv.path)} with Python {venv.python_version}{note}")
    return 0


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _repository_path(value: str) -> Path:
    """A path given relative to the repository (make runs from there) made absolute."""
    return (ROOT / value).resolve()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def stack_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--layout",
            choices=["auto", "build", "source"],
            default="auto",
            help="code to run: sam build output, or the source tree (auto: build when the "
            "runtime's Python exists)",
        )
        sub.add_argument("--rebuild", action="store_true", help="run sam build even if nothing changed")
        sub.add_argument("--moto-port", type=int, default=0, help="default: a free port")
        sub.add_argument("--tiktok-port", type=int, default=0, help="default: a free port")
        sub.add_argument("--runtime-port", type=int, default=0, help="default: a free port")

    run = commands.add_parser("run", help="start, run the sample invocations, stop")
    stack_options(run)
    run.add_argument("--stack-name", default="run", help="prefix of the log files (default: run)")
    run.set_defaults(action=command_run)
    up = commands.add_parser("up", help="start in the background")
    stack_options(up)
    up.add_argument("--stack-name", default="up", help="prefix of the log files (default: up)")
    up.set_defaults(action=command_up)
    commands.add_parser("down", help="stop the background stack").set_defaults(action=command_down)
    commands.add_parser("status", help="show the background stack").set_defaults(action=command_status)
    invoke_parser = commands.add_parser("invoke", help="invoke the background stack's function")
    invoke_parser.add_argument("event", help="an event file, e.g. events/direct_approve.json")
    invoke_parser.add_argument("--timeout", type=float, default=60.0)
    invoke_parser.set_defaults(action=command_invoke)
    show = commands.add_parser("show", help="the dead-letter queue and the TikTok calls")
    show.add_argument("--last", type=int, default=50, help="how many of the latest TikTok calls to list")
    show.set_defaults(action=command_show)
    seed = commands.add_parser("seed", help="send a seed file to the running TikTok emulator")
    seed.add_argument("file", nargs="?", type=_repository_path, default=SEED_FILE)
    seed.set_defaults(action=command_seed)
    auth_code = commands.add_parser("auth-code", help="an authorization code for a seller of the emulator")
    auth_code.add_argument(
        "seller", nargs="?", default=None, help="the seller's open_id (default: the default)"
    )
    auth_code.set_defaults(action=command_auth_code)
    operator = commands.add_parser("operator", help="run an operator's command against the running stack")
    operator.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    operator.set_defaults(action=command_operator)
    commands.add_parser("runtime-venv", help="create or update the runtime venv").set_defaults(
        action=command_runtime_venv
    )
    parser.add_argument("--runtime-venv", type=_repository_path, default=RUNTIME_VENV, help=argparse.SUPPRESS)
    parser.add_argument("--state-file", type=_repository_path, default=STATE_FILE, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command != "runtime-venv":
            require_linux()
        return int(args.action(args))
    except UnsupportedPlatform as error:
        say(f"FAILED: {error}")
        return EXIT_UNSUPPORTED
    except (RuntimeSetupError, TemplateError) as error:
        say(f"FAILED: {error}")
        return EXIT_SETUP


if __name__ == "__main__":
    sys.exit(main())

"""`python -m local_stack run|up|down|invoke|show|seed|status|runtime-venv` (PYTHONPATH=local, mk/local.mk).

run           start the stack, run the nine checked steps, stop everything; non-zero if a step fails
up            start the stack in the background (state in .local-stack/state.json), print its ports:
              moto and the TikTok emulator on the ports env.json names when free, and .local-stack/env.json;
              the autopilot runs all along (webhooks to the API front, the SQS pollers)
invoke EVENT | --cancel-id ID
              invoke the running stack's function with an event file (or a direct {"cancel_id": ID}); print a
              summary of the event, the result, the new dead-letter messages and the TikTok calls it made, and
              last what happened. Exit 0: every approval asked was made; 1: the function answered and one
              failed; 2: nothing was sent (no stack, an unusable or over-6-MB event) or no answer came
show          the running stack's dead-letter queue and the TikTok calls it received
seed [FILE] | --cancel-id ID[,ID...] [--state STATE]
              send a seed file (default: local/tiktok_emulator/seed.json), or those cancel_ids in STATE
              (default pending), to the running TikTok emulator
auth-code [SELLER]
              an authorization code from the running emulator for a seller (an open_id; default: the
              default seller), as TikTok's redirect hands one over after the seller's consent
buyer-cancel [--shop-id ID] [--reason NAME] [--amount TOTAL] [--currency CODE]
              a buyer's cancellation request in the running emulator (its create_buyer_cancellation
              control); prints its cancel_id and order_id
operator -- COMMAND...
              run an operator's command (make authorize, shops, remove-seller) against the running stack
down          stop the background stack
status        show the background stack
runtime-venv  create or update the runtime venv (.venv-runtime)
"""

from __future__ import annotations

import argparse
import atexit
import ipaddress
import json
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, Literal, cast

import requests
from botocore.exceptions import BotoCoreError, ClientError
from sam_local.docker_engine import EngineError, bridge_gateway, is_local_address
from tiktok_emulator.config import SEED_FILE, read_seed_file
from tiktok_emulator.state import CANCELLATION_STATES

from local_stack.invoke import (
    EventFileError,
    Invocation,
    Verdict,
    describe_request,
    invoke,
    load_event,
    not_sent,
    payload_bytes,
    render,
    too_large,
    verdict,
)
from local_stack.operator import operator_environment
from local_stack.paths import ROOT, RUNTIME_VENV, STATE_FILE
from local_stack.platform_check import UnsupportedPlatform, require_linux
from local_stack.processes import StartupError, port_in_use, redact
from local_stack.runtime import RuntimeSetupError, ensure_runtime_venv
from local_stack.scenario import Scenario
from local_stack.side_effects import SideEffectWatch, Snapshot, everything
from local_stack.stack import (
    DOCKER_ENV_FILES,
    ENV_FILE,
    LocalStack,
    Ports,
    StackInfo,
    docker_env_files,
    env_file_ports,
    env_file_text,
    load_state,
    log_tails,
    save_state,
    stop_processes,
    stop_report,
)
from local_stack.template import load_template
from local_stack.template_env import TemplateError, function_spec
from local_stack.tiktok_admin import ControlRefused, TikTokAdmin

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
        # The background stack runs the autopilot all along; make run turns it on in its own step.
        autopilot=not attached,
        host=args.host,
        ports=Ports(moto=args.moto_port or 0, tiktok=args.tiktok_port or 0, runtime=args.runtime_port),
        layout=cast(Literal["auto", "build", "source"], args.layout),
        rebuild=args.rebuild,
        attached=attached,
        runtime_venv=args.runtime_venv,
        say=say,
    )


def command_run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if not _resolve_host(args, "run"):
        return EXIT_SETUP
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
    if not _resolve_host(args, "local-up"):
        return EXIT_SETUP
    _env_file_ports_if_free(args)
    stack = _stack(args, args.stack_name, attached=False)
    try:
        with interruptible():
            info = stack.start()
    except (Exception, Interrupted) as error:  # every failure becomes an exit code and a message
        return _failed("local-up", error, stack)
    save_state(info, args.state_file)
    (env_file,) = docker_env_files(info, args.state_file.parent)
    say(f"state: {_relative(args.state_file)}\n" + _next_steps(info, env_file))
    return 0


def _resolve_host(args: argparse.Namespace, verb: str) -> bool:
    """`--host docker`: the Docker bridge's gateway address, where sam local's containers reach this host
    (Docker Desktop's bridge lives in a VM: there they reach 127.0.0.1 already). Any other value must be an
    IPv4 address of this machine."""
    if args.host == "docker":
        try:
            gateway = bridge_gateway()
        except (EngineError, OSError, ValueError, KeyError, IndexError) as error:
            say(
                f"make {verb} FAILED: --host docker needs a running Docker engine, to listen on its bridge "
                f"({_first_line(error)})"
            )
            return False
        if is_local_address(gateway):
            say(f"listening on {gateway}, the Docker bridge's gateway: SAM's containers reach it there")
            args.host = gateway
        else:
            say("Docker's bridge is in a VM (Docker Desktop): host.docker.internal reaches 127.0.0.1 already")
            args.host = "127.0.0.1"
        return True
    try:
        address = ipaddress.IPv4Address(args.host)
    except ValueError:
        say(f"make {verb} FAILED: --host {args.host}: not an IPv4 address (or `docker`)")
        return False
    if not is_local_address(str(address)):
        say(f"make {verb} FAILED: --host {args.host}: this machine has no such address to listen on")
        return False
    return True


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else "no reason given"


def _env_file_ports_if_free(args: argparse.Namespace) -> None:
    """moto and the emulator on the ports env.json names (sam local invoke's default --env-vars), unless
    --moto-port / --tiktok-port say otherwise or a port is taken (then a free one, and the reason)."""
    wanted = dict(zip(("moto", "the TikTok emulator"), env_file_ports(ENV_FILE), strict=True))
    for option, (what, port) in zip(("moto_port", "tiktok_port"), wanted.items(), strict=True):
        if getattr(args, option) is not None:
            continue
        taken = bool(port) and port_in_use(port, args.host)
        if taken:
            say(
                f"port {port} ({what}'s in env.json) is in use: {what} takes a free port, and "
                "sam local invoke needs --env-vars .local-stack/env.json instead of env.json"
            )
        setattr(args, option, 0 if taken else port)


def _next_steps(info: StackInfo, env_file: Path) -> str:
    architecture = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), "x86_64"
    )
    try:
        matches = ENV_FILE.read_text(encoding="utf-8") == env_file_text(info)
    except OSError:
        matches = False
    env_vars = "env.json" if matches else _relative(env_file)
    if matches:
        env_note = "env.json (sam local invoke's default, samconfig.toml) is what this stack needs"
    else:
        env_note = (
            f"env.json does not match this stack (its ports, or the template changed): use {env_vars} "
            "(what it needs)"
        )
    if info.host == "127.0.0.1":
        sam = [
            "  sam local invoke (Docker) against this stack: SAM's containers cannot reach 127.0.0.1; "
            'on Linux, restart it as make local-down local-up LOCAL_STACK_ARGS="--host docker" '
            "(Docker Desktop: as it is, without --add-host):",
        ]
        add_host = "host.docker.internal:<the --host address>"
    else:
        sam = ["  sam local invoke (Docker) against this stack, after make build and make sam-venv:"]
        add_host = f"host.docker.internal:{info.host}"
    return "\n".join(
        [
            "  make invoke EVENT=events/api_approve.json   invoke the function; prints what it did",
            "  make local-show                             the dead-letter queue and the TikTok calls",
            "  make local-seed CANCEL_ID=<id>              a cancellation of your own (pending; STATE=...)",
            "  make buyer-cancels [AMOUNT=...]             a buyer's request, decided by the autopilot",
            "  make policy SHOP=<id> FILE=<json> LOCAL=1   a shop's autopilot policy; make decisions LOCAL=1",
            "  make local-down                             stop it",
            f"  {env_note}",
            *sam,
            "    PATH=$PWD/.venv-sam/bin:$PATH sam local invoke ApproveCancellationFunction "
            f"-e events/direct_approve.json --env-vars {env_vars} --add-host {add_host} "
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
    """Exit code: 0 every approval the event asks for was made, 1 the function answered and one failed,
    2 nothing was sent or no answer came (invoke.EXIT_*). The last line says which, before make's own."""
    outcome = _invoke(args)
    say(outcome.line())
    return outcome.exit_code


def _invoke(args: argparse.Namespace) -> Verdict:
    asked = _event(args)
    if isinstance(asked, Verdict):
        return asked
    source, event = asked
    info = _stack_up(args.state_file)
    if isinstance(info, Verdict):
        return info
    say(f"{source} -> {describe_request(event)}")
    payload = payload_bytes(event)
    refused = too_large(payload)
    if refused is not None:
        return not_sent(f"{refused}; make it smaller")
    try:
        watch = SideEffectWatch(info)
        before = watch.snapshot()
    except (requests.RequestException, BotoCoreError, ClientError) as error:
        return not_sent(f"the stack's moto or TikTok emulator does not answer ({_unreachable(error)})")
    try:
        invocation = invoke(info.invoke_url, event, timeout=args.timeout, encoded=payload)
    except requests.RequestException as error:
        say(log_tails(info.processes, lines=10))
        return not_sent(f"the function's runtime at {info.invoke_url}: {_unreachable(error)} (logs above)")
    say(render(invocation))
    return _with_side_effects(invocation, watch, before)


def _stack_up(state_file: Path) -> StackInfo | Verdict:
    info = load_state(state_file)
    if info is None:
        return not_sent("no local stack is up: run `make local-up` first")
    if not all(process.alive() for process in info.processes):
        return not_sent("the local stack is not running any more: `make local-down && make local-up`")
    return info


def _event(args: argparse.Namespace) -> tuple[str, Any] | Verdict:
    """What to send, and where it came from; or why nothing can be sent."""
    if args.cancel_id is not None:
        return f"CANCEL_ID={args.cancel_id}", {"cancel_id": args.cancel_id}
    if args.event is None:
        return not_sent("name an event file (EVENT=events/<file>.json) or a cancel_id (CANCEL_ID=<id>)")
    try:
        return args.event, load_event(Path(args.event))
    except EventFileError as error:
        return not_sent(str(error))


def _with_side_effects(invocation: Invocation, watch: SideEffectWatch, before: Snapshot) -> Verdict:
    try:
        side_effects = watch.since(before)
    except (requests.RequestException, BotoCoreError, ClientError) as error:
        say(f"(what it did besides answering cannot be read: {_unreachable(error)})")
        return verdict(invocation)
    say(side_effects.describe())
    return verdict(invocation, side_effects.dead_letter_sources())


def _unreachable(error: Exception) -> str:
    """A connection failure in words, without the library's class names and object addresses."""
    if isinstance(error, requests.ConnectionError):
        return "nothing answers at its address (connection refused or dropped)"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        text = error.response.text.strip().replace("\n", " ")
        return f"it answered HTTP {error.response.status_code}" + (f": {text[:200]}" if text else "")
    if isinstance(error, requests.Timeout):
        return "no answer in time (the function may still be running)"
    return _first_line(error)[:300]


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


CANCEL_ID_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What the function accepts as a cancel_id (README: 1 to 64 letters, digits, `_` or `-`)."""


def command_seed(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    if args.cancel_id is not None:
        return _seed_cancel_ids(info, args.cancel_id, args.state)
    try:
        seed = read_seed_file(args.file)
    except (OSError, ValueError) as error:
        say(f"make local-seed: {error}")
        return EXIT_FAILED
    # Only the emulator's start reads the default seller's credentials; the rest of the seed format is
    # the seed control's arguments (a shop_cipher: the shop the cancellations belong to).
    fixed = sorted(name for name in seed.credentials if name != "shop_cipher")
    if fixed:
        say(
            f"make local-seed: {_relative(args.file)}: {', '.join(fixed)} can only be set when the emulator "
            "starts; a running one takes cancellations (and the shop_cipher they belong to) and sellers"
        )
        return EXIT_FAILED
    content = json.loads(Path(args.file).read_text(encoding="utf-8"))
    refused = _seed(
        info, {key: content[key] for key in ("cancellations", "shop_cipher", "sellers") if key in content}
    )
    if refused is not None:
        say(f"make local-seed: the emulator refused {_relative(args.file)}: {refused}")
        return EXIT_FAILED
    seeded = [
        *seed.cancellations,
        *(c for s in seed.sellers for owned in s.cancellations.values() for c in owned),
    ]
    forgotten = _forget_not_found(info, seeded)
    states = TikTokAdmin(info.tiktok_url).cancellations()
    say(
        f"seeded {len(seeded)} cancellations from {_relative(args.file)} into {info.tiktok_url}; "
        f"the emulator now knows {len(states)}:\n"
        + "\n".join(f"  {cancel_id} {state}" for cancel_id, state in sorted(states.items()))
        + forgotten
    )
    return 0


def _seed_cancel_ids(info: StackInfo, given: str, state: str) -> int:
    """make local-seed CANCEL_ID=<id>[,<id>...] [STATE=<state>]: no file to write."""
    cancel_ids = [part for part in re.split(r"[\s,]+", given) if part]
    bad = [cancel_id for cancel_id in cancel_ids if not CANCEL_ID_FORMAT.match(cancel_id)]
    if not cancel_ids or bad:
        say(
            f"make local-seed: CANCEL_ID={given!r}: a cancel_id is 1 to 64 letters, digits, _ or - "
            "(several: separated by commas)"
        )
        return EXIT_FAILED
    if state not in CANCELLATION_STATES:
        say(f"make local-seed: STATE={state!r}: one of {', '.join(sorted(CANCELLATION_STATES))}")
        return EXIT_FAILED
    refused = _seed(info, {"cancellations": dict.fromkeys(cancel_ids, state)})
    if refused is not None:
        say(f"make local-seed: the emulator refused it: {refused}")
        return EXIT_FAILED
    forgotten = _forget_not_found(info, cancel_ids)
    states = TikTokAdmin(info.tiktok_url).cancellations()
    say(
        "\n".join(f"seeded {cancel_id}: {states.get(cancel_id)}" for cancel_id in cancel_ids)
        + f"\nin the running stack's TikTok emulator ({info.tiktok_url}), until make local-down; the next "
        f"make invoke reaches it, e.g. make invoke CANCEL_ID={cancel_ids[0]}" + forgotten
    )
    return 0


def _forget_not_found(info: StackInfo, cancel_ids: Sequence[str]) -> str:
    """The emulator replays its first answer to a repeated idempotency_key, and the function derives the
    same key for the same cancel_id: a "not found" given before the seed would come back. Forgotten, the
    next invocation reaches the seeded cancellation. Returns a line saying so (empty: nothing to forget)."""
    forgotten = sorted(c for c, n in TikTokAdmin(info.tiktok_url).forget_not_found(cancel_ids).items() if n)
    if not forgotten:
        return ""
    return (
        f'\nthe emulator forgot its earlier "no such cancellation" to {", ".join(forgotten)}: the same '
        "idempotency key now reaches the seeded cancellation"
    )


def _seed(info: StackInfo, arguments: Mapping[str, object]) -> str | None:
    """Seeds the running emulator (its seed control); the reason it refused (None: taken)."""
    try:
        TikTokAdmin(info.tiktok_url).seed(**arguments)
    except ControlRefused as refused:
        return str(refused)
    except requests.RequestException as error:
        return f"the emulator at {info.tiktok_url} does not answer ({_unreachable(error)})"
    return None


def command_auth_code(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    try:
        code = TikTokAdmin(info.tiktok_url).issue_auth_code(seller=args.seller)
    except ControlRefused as error:
        known = ", ".join(seller["open_id"] for seller in TikTokAdmin(info.tiktok_url).sellers())
        say(f"make local-auth-code: the emulator refused ({error}); its sellers: {known}")
        return EXIT_FAILED
    print(code)  # alone on stdout, for CODE=$(make -s local-auth-code ...); a fake, single-use code
    return 0


def command_buyer_cancel(args: argparse.Namespace) -> int:
    info = _running(args.state_file)
    if info is None:
        return EXIT_FAILED
    given = {
        "shop_id": args.shop_id,
        "reason": args.reason,
        "refund_total": args.amount,
        "currency": args.currency,
    }
    try:
        created = TikTokAdmin(info.tiktok_url).create_buyer_cancellation(
            **{name: value for name, value in given.items() if value}
        )
    except ControlRefused as refused:
        say(f"make buyer-cancels: the emulator refused: {refused}")
        return EXIT_FAILED
    deadline = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(created["deadline"]))
    say(
        f"cancel_id {created['cancel_id']}\norder_id {created['order_id']}\n"
        f"a buyer's pending cancellation request in shop {created['shop_id']} ({created['shop_cipher']}) of "
        f"the running stack's TikTok emulator ({info.tiktok_url}), to be answered by {deadline}"
    )
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

    def stack_options(sub: argparse.ArgumentParser, *, env_file: bool = False) -> None:
        # local-up: moto and the emulator on env.json's ports when free (None: decided at start).
        env_file_default = None if env_file else 0
        env_file_help = "the port env.json names if free, else " if env_file else ""
        sub.add_argument(
            "--layout",
            choices=["auto", "build", "source"],
            default="auto",
            help="code to run: sam build output, or the source tree (auto: build when the "
            "runtime's Python exists)",
        )
        sub.add_argument("--rebuild", action="store_true", help="run sam build even if nothing changed")
        sub.add_argument(
            "--moto-port", type=int, default=env_file_default, help=f"default: {env_file_help}a free port"
        )
        sub.add_argument(
            "--tiktok-port", type=int, default=env_file_default, help=f"default: {env_file_help}a free port"
        )
        sub.add_argument("--runtime-port", type=int, default=0, help="default: a free port")
        sub.add_argument(
            "--host",
            default="127.0.0.1",
            help="the address every piece listens on (default 127.0.0.1); `docker`: the Docker bridge's "
            "gateway, where sam local invoke's containers reach the stack",
        )

    run = commands.add_parser("run", help="start, run the sample invocations, stop")
    stack_options(run)
    run.add_argument("--stack-name", default="run", help="prefix of the log files (default: run)")
    run.set_defaults(action=command_run)
    up = commands.add_parser("up", help="start in the background")
    stack_options(up, env_file=True)
    up.add_argument("--stack-name", default="up", help="prefix of the log files (default: up)")
    up.set_defaults(action=command_up)
    commands.add_parser("down", help="stop the background stack").set_defaults(action=command_down)
    commands.add_parser("status", help="show the background stack").set_defaults(action=command_status)
    invoke_parser = commands.add_parser("invoke", help="invoke the background stack's function")
    invoke_parser.add_argument("event", nargs="?", help="an event file, e.g. events/direct_approve.json")
    invoke_parser.add_argument(
        "--cancel-id", help='instead of an event file: a direct invocation {"cancel_id": ...}'
    )
    invoke_parser.add_argument("--timeout", type=float, default=60.0)
    invoke_parser.set_defaults(action=command_invoke)
    show = commands.add_parser("show", help="the dead-letter queue and the TikTok calls")
    show.add_argument("--last", type=int, default=50, help="how many of the latest TikTok calls to list")
    show.set_defaults(action=command_show)
    seed = commands.add_parser("seed", help="send a seed file to the running TikTok emulator")
    seed.add_argument("file", nargs="?", type=_repository_path, default=SEED_FILE)
    seed.add_argument("--cancel-id", help="instead of a file: cancel_ids (comma-separated) to seed")
    seed.add_argument("--state", default="pending", help="their state (with --cancel-id; default: pending)")
    seed.set_defaults(action=command_seed)
    auth_code = commands.add_parser("auth-code", help="an authorization code for a seller of the emulator")
    auth_code.add_argument(
        "seller", nargs="?", default=None, help="the seller's open_id (default: the default)"
    )
    auth_code.set_defaults(action=command_auth_code)
    buyer_cancel = commands.add_parser("buyer-cancel", help="a buyer's cancellation request in the emulator")
    buyer_cancel.add_argument("--shop-id", help="the shop's id (default: the default seller's first shop)")
    buyer_cancel.add_argument("--reason", help="one of TikTok's buyer cancel reason names")
    buyer_cancel.add_argument("--amount", help="the refund total, as decimal text (e.g. 25.00)")
    buyer_cancel.add_argument("--currency", help="the refund's currency (default: the shop region's)")
    buyer_cancel.set_defaults(action=command_buyer_cancel)
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

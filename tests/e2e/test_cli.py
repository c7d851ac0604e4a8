"""`python -m local_stack` as the make targets run it: interrupted runs stop everything; up, invoke, down."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from e2e_helpers import local_stack_command, local_stack_env
from local_stack.invoke import load_event
from local_stack.paths import ROOT
from local_stack.processes import port_in_use
from local_stack.rotation import current_secret
from local_stack.stack import load_state, save_state

READY = re.compile(r"^  ports: ([\d ]+)$", re.MULTILINE)


def _pids_alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            alive.append(pid)
    return alive


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_stops_every_process_and_frees_its_ports(stack, signum):
    """`make run` interrupted (Ctrl-C, or a CI runner's SIGTERM) once the stack is up: everything it started
    stops, the ports are free, and it exits 128 + the signal. `stack` first: the build is then done."""
    runner = subprocess.Popen(
        local_stack_command("run", "--stack-name", f"e2e-{signum.name.lower()}"),
        cwd=ROOT,
        env=local_stack_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert runner.stdout is not None
    output = ""
    deadline = time.monotonic() + 120
    while (match := READY.search(output)) is None:
        line = runner.stdout.readline()
        assert line, f"the runner ended before the stack was ready:\n{output}"
        output += line
        assert time.monotonic() < deadline, output
    ports = [int(port) for port in match.group(1).split()]
    pids = [int(pid) for pid in re.findall(r"pid (\d+)", output)]
    assert len(ports) == 6  # moto, the emulator, and two per runtime (its own and its Runtime API)
    assert len(pids) == 4
    assert all(port_in_use(port) for port in ports)

    runner.send_signal(signum)
    rest, _ = runner.communicate(timeout=60)
    output += rest
    assert runner.returncode == 128 + signum, output
    assert "interrupted" in output
    assert [port for port in ports if port_in_use(port)] == []
    assert _pids_alive(pids) == []


def test_up_invoke_down(stack, tmp_path):
    """make local-up / make invoke / make local-down, on a state file of the test's own."""
    state_file = tmp_path / "state.json"
    base = ["--state-file", str(state_file)]

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            local_stack_command(*base, *arguments),
            cwd=ROOT,
            env=local_stack_env(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    up = run("up", "--stack-name", "e2e-up")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        info = load_state(state_file)
        assert info is not None
        assert all(process.alive() for process in info.processes)
        docker_env = json.loads((tmp_path / "env.json").read_text())["ApproveCancellationFunction"]
        assert docker_env["TIKTOK_API_BASE_URL"] == info.tiktok_url.replace(
            "127.0.0.1", "host.docker.internal"
        )
        assert docker_env["AWS_ENDPOINT_URL"] == info.moto_url.replace("127.0.0.1", "host.docker.internal")
        rotation_env = json.loads((tmp_path / "env.json").read_text())["RotateCredentialsFunction"]
        assert rotation_env["TIKTOK_AUTH_BASE_URL"] == docker_env["TIKTOK_API_BASE_URL"]

        invoked = run("invoke", "events/direct_approve.json")
        assert invoked.returncode == 0, invoked.stdout + invoked.stderr
        assert '"status": "CANCELLATION_APPROVED"' in invoked.stdout

        again = run("up", "--stack-name", "e2e-up")
        assert again.returncode == 0
        assert "already up" in again.stdout
    finally:
        down = run("down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "are free" in down.stdout
    assert not state_file.exists()
    assert not (tmp_path / "env.json").exists()
    assert [port for port in info.ports if port_in_use(port)] == []
    assert not [process.name for process in info.processes if process.alive()]
    assert run("invoke", "events/direct_approve.json").returncode != 0


# --- make invoke / local-show / local-seed against the session's stack, through a state file of their own ---


@pytest.fixture
def cli(stack, tmp_path):
    """`python -m local_stack <command>` as make runs it, pointed at the session's stack (never `down`)."""
    state_file = tmp_path / "state.json"
    save_state(stack, state_file)

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            local_stack_command("--state-file", str(state_file), *arguments),
            cwd=ROOT,
            env=local_stack_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def _event_file(tmp_path: Path, event: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return str(path)


def test_invoke_shows_the_new_dead_letters_with_their_reasons_and_the_tiktok_calls(
    stack, cli, tiktok, tmp_path
):
    cancel_id = "5760001000000000014"  # seeded here: in no event file
    tiktok.seed({cancel_id: "pending"})
    records = load_event("events/sqs_batch.json")["Records"][:2]
    records[0]["body"] = "not an approval request"
    records[1]["body"] = json.dumps({"cancel_id": cancel_id})
    _, secret = current_secret(stack)

    invoked = cli("invoke", _event_file(tmp_path, {"Records": records}))

    assert invoked.returncode == 0, invoked.stdout + invoked.stderr
    out = invoked.stdout
    assert "SQS: a batch of 2 messages" in out
    assert "batchItemFailures" in out
    assert "dead-letter queue: 1 new message\n  body: not an approval request" in out
    assert "error_type: InvalidApprovalRequest" in out
    assert f"source_message_id: {records[0]['messageId']}" in out
    assert "TikTok calls (GET /__emulator/calls): 1 call\n" in out
    assert f"POST /return_refund/202309/cancellations/{cancel_id}/approve?idempotency_key=" in out
    assert "-> HTTP 200, code 0" in out
    assert not [name for name in ("access_token", "app_secret", "refresh_token") if str(secret[name]) in out]
    assert "sign=" not in out


def test_invoke_of_an_unseeded_cancel_id_points_at_the_seed_file(cli, tmp_path):
    cancel_id = "5760001000000000098"  # seeded nowhere

    invoked = cli("invoke", _event_file(tmp_path, {"cancel_id": cancel_id}))

    assert invoked.returncode == 1  # a direct invocation raises CancellationNotFound
    assert "function error" in invoked.stdout
    assert f"note: the TikTok emulator knows no cancellation {cancel_id} (code 25007006)" in invoked.stdout
    assert f'add {{"{cancel_id}": "pending"}} under "cancellations" in local/tiktok_emulator/seed.json' in (
        invoked.stdout
    )


def test_local_seed_adds_cancellations_from_a_seed_file_to_the_running_stack(cli, tiktok, tmp_path):
    cancel_id = "5760001000000000097"
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps({"cancellations": {cancel_id: "pending"}}))

    seeded = cli("seed", str(seed_file))
    approved = cli("invoke", _event_file(tmp_path, {"cancel_id": cancel_id}))

    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert f"  {cancel_id} pending" in seeded.stdout
    assert approved.returncode == 0, approved.stdout
    assert tiktok.cancellations()[cancel_id] == "approved"


def test_local_seed_refuses_a_bad_seed_file_and_says_why(cli, tmp_path):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps({"5760001000000000096": "pending"}))  # not the seed format

    refused = cli("seed", str(seed_file))

    assert refused.returncode == 1
    assert "unknown keys ['5760001000000000096']" in refused.stdout
    assert '{"cancellations": {"<cancel_id>": "<state>"}}' in refused.stdout


def test_invoke_of_a_file_that_is_not_json_names_the_file_and_the_problem(cli, tmp_path):
    event_file = tmp_path / "event.json"
    event_file.write_text("cancel_id=5760001000000000001\n")

    invoked = cli("invoke", str(event_file))

    assert invoked.returncode == 1
    assert f"make invoke: {event_file} is not JSON (line 1, column 1: Expecting value)" in invoked.stdout
    assert "Traceback" not in invoked.stdout + invoked.stderr


def test_local_show_lists_the_dead_letter_queue_and_the_tiktok_calls(stack, cli):
    shown = cli("show")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"dead-letter queue {stack.resource_ref('ApprovalDeadLetterQueue')}: " in shown.stdout
    assert re.search(rf"TikTok emulator {re.escape(stack.tiktok_url)}: \d+ calls? received", shown.stdout)
    assert "GET /api/v2/token/get?app_secret=***&auth_code=***" in shown.stdout  # the stack's first grant

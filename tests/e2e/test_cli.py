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
from local_stack.paths import ROOT
from local_stack.processes import port_in_use
from local_stack.stack import load_state

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

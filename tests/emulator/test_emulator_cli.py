"""`python -m tiktok_emulator`: one JSON line on stdout, one log line per request on stderr, clean stop."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from emulator_http import Shop
from tiktok_emulator import SEED_FILE

LOCAL = Path(__file__).resolve().parents[2] / "local"


@pytest.fixture
def cli():
    env = {**os.environ, "PYTHONPATH": str(LOCAL)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tiktok_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--seed",
            str(SEED_FILE),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)


def started(process):
    """The printed line, and a Shop aimed at it (it holds url and credentials, all Shop needs)."""
    info = json.loads(process.stdout.readline())
    return info, Shop(SimpleNamespace(**info))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_its_url_serves_and_stops_on_signal(cli, stop_signal):
    info, shop = started(cli)
    seeded = json.loads(SEED_FILE.read_text())["cancellations"]
    pending = next(cancel_id for cancel_id, state in seeded.items() if state == "pending")

    reply = shop.approve(pending)
    cli.send_signal(stop_signal)
    _, stderr = cli.communicate(timeout=5)

    assert info["url"] == f"http://127.0.0.1:{info['port']}"
    assert reply.code == 0
    assert cli.returncode == 0
    request_lines = [line for line in stderr.splitlines() if "/return_refund/" in line]
    assert len(request_lines) == 1
    assert pending in request_lines[0]
    assert info["access_token"] not in stderr
    assert "sign" not in request_lines[0]


def test_cli_refuses_a_bad_seed_file(tmp_path):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text('{"cancellations": {"1": "lost"}}')

    result = subprocess.run(
        [sys.executable, "-m", "tiktok_emulator", "--seed", str(seed_file)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(LOCAL)},
        timeout=10,
        check=False,
    )

    assert result.returncode == 2
    assert "lost" in result.stderr
    assert result.stdout == ""

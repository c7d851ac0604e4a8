"""What a cold start imports: neither pydantic nor Powertools' event handler, whichever trigger comes.

Each costs tens of milliseconds of every cold start, and nothing the function does needs them. A fresh
interpreter imports the entry handler and serves one event per trigger against moto and the emulator,
then reports which of them `sys.modules` holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support.approvals import PENDING, api_event, sqs_event
from support.function_process import PYTHONPATH
from tiktok_emulator import TikTokEmulator

FORBIDDEN = ("pydantic", "aws_lambda_powertools.event_handler")

SERVE_ONE_OF_EACH = """
import json, sys
import app

events = json.load(sys.stdin)
answers = [app.lambda_handler(event, None) for event in events]
forbidden = sys.argv[1:]
loaded = sorted(name for name in sys.modules if any(name == f or name.startswith(f + ".") for f in forbidden))
print(json.dumps({"answers": answers, "loaded": loaded}))
"""


def test_no_trigger_imports_pydantic_or_the_event_handler(function_env: None, emulator: TikTokEmulator):
    events = [
        api_event(PENDING[0], header_key="cold-start-api"),
        sqs_event(json.dumps({"cancel_id": PENDING[1]})),
        {"cancel_id": PENDING[2]},
    ]
    # The environment function_env set up (moto, the emulator), and the function's code as Lambda lays it out.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, PYTHONPATH))}
    finished = subprocess.run(
        [sys.executable, "-c", SERVE_ONE_OF_EACH, *FORBIDDEN],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    api, sqs, direct = report["answers"]
    assert api["statusCode"] == 200, api["body"]
    assert sqs == {"batchItemFailures": []}
    assert direct["data"]["success"] is True
    assert emulator.approvals() == dict.fromkeys(PENDING[:3], 1)
    assert report["loaded"] == []

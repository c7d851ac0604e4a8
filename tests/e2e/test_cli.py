"""`python -m local_stack` as the make targets run it: interrupted runs stop everything; up, invoke, down."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_helpers import local_stack_command, local_stack_env
from local_stack.invoke import PAYLOAD_LIMIT, load_event
from local_stack.paths import ROOT
from local_stack.processes import port_in_use
from local_stack.rotation import current_secret
from local_stack.stack import ENV_FILE, env_file_ports, load_state, save_state
from local_stack.tiktok_admin import TikTokAdmin

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
    # moto, the emulator, two per runtime (its own and its Runtime API) for five functions, the API front
    assert len(ports) == 13
    assert len(pids) == 8
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

    # moto and the emulator take the ports env.json names (5000, 8765), unless something holds them.
    named = env_file_ports(ENV_FILE)
    free = not [port for port in named if port_in_use(port)]
    up = run("up", "--stack-name", "e2e-up")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        info = load_state(state_file)
        assert info is not None
        assert all(process.alive() for process in info.processes)
        # The background stack runs the autopilot all along: its SQS event source mappings, its webhooks.
        assert "queue-pollers" in {process.name for process in info.processes}
        if free:
            # The plain SAM path: env.json, sam local invoke's default --env-vars, is what this stack needs.
            assert named == (5000, 8765)
            assert (info.moto_url, info.tiktok_url) == ("http://127.0.0.1:5000", "http://127.0.0.1:8765")
            assert (tmp_path / "env.json").read_text() == ENV_FILE.read_text(), (
                "env.json differs from what make local-up writes: copy .local-stack/env.json over it"
            )
            assert (
                "env.json (sam local invoke's default, samconfig.toml) is what this stack needs" in up.stdout
            )
        else:
            assert "sam local invoke needs --env-vars .local-stack/env.json instead of env.json" in up.stdout
        assert (
            "--docker-network host" not in up.stdout
        )  # SAM 1.170 ignores it: its containers stay on the bridge
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
        assert invoked.stdout.splitlines()[-1] == "make invoke: approved (CANCELLATION_APPROVED)"
        # TikTok told the webhook about the approval, and the API front answered for the function.
        tiktok = TikTokAdmin(info.tiktok_url)
        assert tiktok.wait_for_webhooks(timeout=10)["settled"]
        cancel_id = load_event("events/direct_approve.json")["cancel_id"]
        assert [
            (d["cancel_status"], d["outcome"], d["status_code"]) for d in tiktok.webhook_deliveries(cancel_id)
        ] == [("CANCELLATION_REQUEST_SUCCESS", "delivered", 200)]

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
    stopped = run("invoke", "events/direct_approve.json")
    assert stopped.returncode == 2
    assert stopped.stdout.splitlines()[-1] == (
        "make invoke: nothing was sent to the function: no local stack is up: run `make local-up` first"
    )


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

    assert invoked.returncode == 1, invoked.stdout + invoked.stderr  # one message was not approved
    out = invoked.stdout
    assert (
        out.splitlines()[-1] == "make invoke: 1 of 2 messages NOT approved: 1 sent to the dead-letter queue"
    )
    assert "SQS: a batch of 2 messages" in out
    assert "batchItemFailures" in out
    assert "dead-letter queue: 1 new message\n  body: not an approval request" in out
    assert "error_type: InvalidApprovalRequest" in out
    assert f"source_message_id: {records[0]['messageId']}" in out
    assert "TikTok calls (POST /__emulator/call/calls): 1 call\n" in out
    assert f"POST /return_refund/202309/cancellations/{cancel_id}/approve?idempotency_key=" in out
    assert "-> HTTP 200, code 0" in out
    assert not [name for name in ("access_token", "app_secret", "refresh_token") if str(secret[name]) in out]
    assert "sign=" not in out


def test_invoke_of_an_unseeded_cancel_id_says_how_to_seed_it(cli, tmp_path):
    cancel_id = "5760001000000000098"  # seeded nowhere

    invoked = cli("invoke", _event_file(tmp_path, {"cancel_id": cancel_id}))

    assert invoked.returncode == 1  # a direct invocation raises CancellationNotFound
    assert "function error" in invoked.stdout
    assert f"note: the TikTok emulator knows no cancellation {cancel_id} (code 25007006)" in invoked.stdout
    assert (
        f"  make local-seed CANCEL_ID={cancel_id} seeds it, pending, in the running stack" in invoked.stdout
    )
    assert "the next make invoke reaches it, no restart" in invoked.stdout
    assert f'add {{"{cancel_id}": "pending"}} under "cancellations" in local/tiktok_emulator/seed.json' in (
        invoked.stdout
    )
    assert "restart: make local-down local-up" not in invoked.stdout


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


@pytest.mark.parametrize(
    ("content", "said"),
    [
        # The default seller's credentials: only the emulator's start reads them.
        ({"cancellations": {"5760001000000000095": "pending"}, "app_secret": "x"}, "app_secret can only be set when the emulator starts"),
        # The emulator's own refusal (its seed control's ValueError), said as it is.
        ({"cancellations": {"5760001000000000095": "pending"}, "shop_cipher": "ROW_nowhere"}, "seed: shop_cipher 'ROW_nowhere' is no seller's shop"),
    ],
)  # fmt: skip
def test_local_seed_refuses_what_a_running_emulator_cannot_take(cli, tiktok, tmp_path, content, said):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(content))

    refused = cli("seed", str(seed_file))

    assert refused.returncode == 1
    assert said in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr
    assert "5760001000000000095" not in tiktok.cancellations()


def test_invoke_of_a_file_that_is_not_json_names_the_file_and_the_problem(cli, tmp_path):
    event_file = tmp_path / "event.json"
    event_file.write_text("cancel_id=5760001000000000001\n")

    invoked = cli("invoke", str(event_file))

    assert invoked.returncode == 2  # nothing was sent
    assert invoked.stdout.splitlines()[-1].startswith(
        f"make invoke: nothing was sent to the function: {event_file} is not JSON (line 1, column 1: "
        "Expecting value)"
    )
    assert "Traceback" not in invoked.stdout + invoked.stderr


def test_local_show_lists_the_dead_letter_queue_and_the_tiktok_calls(stack, cli):
    shown = cli("show")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"dead-letter queue {stack.resource_ref('ApprovalDeadLetterQueue')}: " in shown.stdout
    assert re.search(rf"TikTok emulator {re.escape(stack.tiktok_url)}: \d+ calls? received", shown.stdout)
    assert "GET /api/v2/token/get?app_secret=***&auth_code=***" in shown.stdout  # the stack's first grant


# --- issue 23: what make invoke says last and exits with, the headers, seeding a cancel_id, big events ---


def _api_event(tmp_path: Path, cancel_id: str, name: str = "api.json") -> str:
    """events/api_approve.json for another cancel_id (its path and pathParameters), in a file of its own."""
    text = (ROOT / "events/api_approve.json").read_text().replace("5760001000000000001", cancel_id)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.splitlines()[-1]


def test_invoke_exit_codes_say_whether_the_approval_was_made(cli, tiktok, tmp_path):
    """One rule for every trigger: 0 only when every approval asked was made; 1 when the function answered
    and one failed (an API 4xx/5xx as much as a direct invocation's error); the last line says which, so it
    comes before make's own "Error" line."""
    approved_id, unknown_id, direct_id = "5760001000000000701", "5760001000000000702", "5760001000000000709"
    tiktok.seed({approved_id: "pending", direct_id: "pending"})

    api_ok = cli("invoke", _api_event(tmp_path, approved_id))
    api_4xx = cli("invoke", "events/api_wrong_method.json")
    api_404 = cli("invoke", _api_event(tmp_path, unknown_id, "unknown.json"))
    direct_error = cli("invoke", "--cancel-id", unknown_id)
    direct_ok = cli("invoke", "--cancel-id", direct_id)  # what make invoke CANCEL_ID=<id> runs

    assert (api_ok.returncode, _last_line(api_ok)) == (0, "make invoke: approved (HTTP 200)")
    assert (api_4xx.returncode, _last_line(api_4xx)) == (
        1,
        "make invoke: NOT approved: HTTP 405 METHOD_NOT_ALLOWED",
    )
    assert (api_404.returncode, _last_line(api_404)) == (
        1,
        "make invoke: NOT approved: HTTP 404 CANCELLATION_NOT_FOUND (TikTok code 25007006)",
    )
    assert (direct_error.returncode, _last_line(direct_error)) == (
        1,
        "make invoke: NOT approved: the function answered with the error CancellationNotFound",
    )
    assert direct_ok.returncode == 0, direct_ok.stdout
    assert _last_line(direct_ok) == "make invoke: approved (CANCELLATION_APPROVED)"
    assert f'CANCEL_ID={direct_id} -> direct invocation: cancel_id "{direct_id}"' in direct_ok.stdout
    for done in (api_ok, api_4xx, api_404, direct_error, direct_ok):
        assert "Traceback" not in done.stdout + done.stderr


def test_make_help_and_the_readme_give_invoke_s_exit_codes():
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    [line] = [line for line in listed.splitlines() if line.split()[:1] == ["invoke"]]
    assert (
        "exit 0 only if every approval asked was made (API 2xx, a direct result, no SQS message failed)"
        in line
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`make invoke` exits 0 only when every approval the event asks for was made" in readme


def test_invoke_prints_every_header_the_function_sets(cli, tiktok, tmp_path):
    already, unavailable = "5760001000000000703", "5760001000000000704"
    tiktok.seed({already: "approved", unavailable: "pending"})

    found_approved = cli("invoke", _api_event(tmp_path, already))
    replayed = cli("invoke", _api_event(tmp_path, already))
    wrong_method = cli("invoke", "events/api_wrong_method.json")
    tiktok.inject_fault({"kind": "http_503"}, cancel_id=unavailable, times=None)
    try:
        retry_later = cli("invoke", _api_event(tmp_path, unavailable, "unavailable.json"))
    finally:
        tiktok.clear_faults()

    assert "HTTP 200 (" in found_approved.stdout
    assert "\n  Content-Type: application/json\n  Already-Approved: true\n" in found_approved.stdout
    assert "\n  Idempotent-Replayed: true\n" in replayed.stdout
    assert "\n  Already-Approved: true\n" in replayed.stdout  # the stored answer's headers, replayed
    assert "HTTP 405 (" in wrong_method.stdout
    assert "\n  Allow: POST\n" in wrong_method.stdout
    assert "HTTP 503 (" in retry_later.stdout
    assert "\n  Retry-After: 30\n" in retry_later.stdout
    assert retry_later.returncode == 1
    assert _last_line(retry_later) == "make invoke: NOT approved: HTTP 503 UPSTREAM_UNAVAILABLE"


def test_a_cancel_id_seeded_after_a_404_is_approved_on_the_next_invoke(cli, tiktok, tmp_path):
    """The function stores no failure and derives the same idempotency_key for the same cancel_id, and the
    emulator replays a repeated key's first answer (its default): make local-seed has it forget that "not
    found", so the repeat reaches the new cancellation. No tracked file is edited, no restart."""
    by_id, by_file = "5760001000000000705", "5760001000000000710"
    seed_file = tmp_path / "my-seed.json"
    seed_file.write_text(json.dumps({"cancellations": {by_file: "pending"}}))
    events = {
        by_id: _api_event(tmp_path, by_id, "by-id.json"),
        by_file: _api_event(tmp_path, by_file, "file.json"),
    }

    refused = {cancel_id: cli("invoke", event) for cancel_id, event in events.items()}
    seeded = [cli("seed", "--cancel-id", by_id), cli("seed", str(seed_file))]
    approved = {cancel_id: cli("invoke", event) for cancel_id, event in events.items()}

    for cancel_id, cancel_seeded in zip(events, seeded, strict=True):
        assert refused[cancel_id].returncode == 1
        assert f"make local-seed CANCEL_ID={cancel_id} seeds it, pending" in refused[cancel_id].stdout
        assert cancel_seeded.returncode == 0, cancel_seeded.stdout + cancel_seeded.stderr
        assert (
            f'the emulator forgot its earlier "no such cancellation" to {cancel_id}' in cancel_seeded.stdout
        )
        assert approved[cancel_id].returncode == 0, approved[cancel_id].stdout
        assert _last_line(approved[cancel_id]) == "make invoke: approved (HTTP 200)"
        assert "knows no cancellation" not in approved[cancel_id].stdout
        assert tiktok.cancellations()[cancel_id] == "approved"
        first, second = tiktok.calls(cancel_id)
        assert first["query"]["idempotency_key"] == second["query"]["idempotency_key"]
        assert (first["code"], second["code"]) == (25007006, 0)
    assert seeded[0].stdout.startswith(f"seeded {by_id}: pending\n")
    assert f"  {by_file} pending" in seeded[1].stdout


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (
            ["--cancel-id", "5760001/../approve"],
            "CANCEL_ID='5760001/../approve': a cancel_id is 1 to 64 letters, digits",
        ),
        (
            ["--cancel-id", "5760001000000000706", "--state", "done"],
            "STATE='done': one of approved, cancelled",
        ),
    ],
)
def test_local_seed_of_a_cancel_id_refuses_a_bad_id_or_state(cli, arguments, said):
    refused = cli("seed", *arguments)

    assert refused.returncode == 1
    assert said in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr


def _runtime_invocations(stack) -> int:
    [runtime] = [process for process in stack.processes if process.name == "lambda-runtime"]
    return runtime.log.read_text().count("REPORT RequestId:")


def test_invoke_refuses_an_event_over_6_mb_and_sends_nothing(stack, cli, tiktok, tmp_path):
    event_file = tmp_path / "big.json"
    event_file.write_text(json.dumps({"cancel_id": "5760001000000000707", "note": "x" * 7 * 1024 * 1024}))
    calls, invocations = len(tiktok.calls()), _runtime_invocations(stack)

    refused = cli("invoke", str(event_file))

    assert refused.returncode == 2
    size = len(json.dumps(json.loads(event_file.read_text())).encode())
    assert size > PAYLOAD_LIMIT
    assert _last_line(refused) == (
        f"make invoke: nothing was sent to the function: the event is {size:,} bytes, over Lambda's 6 MB "
        "limit for a synchronous invocation (6,291,456 bytes; AWS answers 413 RequestEntityTooLargeException); "
        "make it smaller"
    )
    assert (len(tiktok.calls()), _runtime_invocations(stack)) == (calls, invocations)
    assert len(refused.stdout) < 1000  # the event is never printed
    assert "Unterminated string" not in refused.stdout


def test_invoke_prints_a_summary_of_the_event_never_the_whole_event(cli, tmp_path):
    note = "y" * 5000
    direct = cli("invoke", _event_file(tmp_path, {"cancel_id": "5760001000000000708", "note": note}))
    listed = cli("invoke", _event_file(tmp_path, [note]))

    assert direct.stdout.splitlines()[0].endswith(
        '-> direct invocation: cancel_id "5760001000000000708", and 1 other field: note'
    )
    summary = listed.stdout.splitlines()[0].split(" -> ", 1)[1]
    assert summary.startswith('direct invocation: ["yyy')
    assert summary.endswith("more characters)")
    assert len(summary) <= 200
    assert note not in direct.stdout + listed.stdout


def test_make_policy_and_make_decisions_local_use_the_stack_s_tables(cli, tmp_path):
    """What `make policy LOCAL=1` and `make decisions LOCAL=1` run: the operator's script through
    `local_stack operator`, whose environment names the local PoliciesTable and DecisionsTable."""
    shop = "7000000000000000999"  # no other test's shop
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"version": "e2e", "mode": "observe"}))

    def operator(*arguments: str) -> subprocess.CompletedProcess[str]:
        layer = f"PYTHONPATH={ROOT / 'layers/tiktok_shop'}"
        return cli(
            "operator", "--", "env", layer, sys.executable, "scripts/autopilot_operator.py", *arguments
        )

    written = operator("policy", shop, f"--file={policy}")
    shown = operator("policy", shop)
    logged = operator("decisions", f"--shop={shop}")

    assert written.returncode == 0, written.stdout + written.stderr
    assert f"shop {shop}'s policy is now version e2e, mode observe in PoliciesTable" in written.stdout
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"shop {shop}: its own policy" in shown.stdout
    assert logged.returncode == 0, logged.stdout + logged.stderr
    assert logged.stdout.strip() == "No decision on record."

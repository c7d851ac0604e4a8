"""What `make run` shows: nine steps through the Runtime API, each checked, each printed readably. The sixth
onboards two sellers (three shops) with the operator's own `make authorize` and approves for each shop; the
seventh expires the access token, rotates the credentials with the rotation function in its own runtime, and
approves again in the same warm approval runtime; the eighth runs the autopilot from TikTok's webhooks to
the approval (local_stack/autopilot_step.py); the ninth, with the webhooks off, has one run of the sweeper
find and decide what no webhook brought (local_stack/sweep_step.py)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Protocol

from tiktok_emulator.faults import Fault

from local_stack.autopilot_step import AutopilotStep
from local_stack.invoke import Invocation, counted, describe_request, invoke, load_event, render
from local_stack.operator import run_operator_script
from local_stack.processes import ManagedProcess
from local_stack.provision import aws_client
from local_stack.rotation import current_secret, rotate
from local_stack.side_effects import SideEffectWatch, describe_call
from local_stack.stack import SECRET_FIELDS, StackInfo
from local_stack.sweep_step import SweepStep
from local_stack.tiktok_admin import TikTokAdmin

Say = Callable[[str], None]
TRANSIENT_FAULT: Final = "http_503"
"""Injected for one record of the SQS batch, on every attempt: it comes back as a batch item failure."""
ROTATION_CANCEL_ID: Final = "5760001000000000011"
"""Pending in tiktok_emulator/seed.json; no other step uses it."""
TOKEN_EXPIRED: Final = 105002
AUTH_PATHS: Final = ("/api/v2/token/", "/authorization/")
RETRY_LOG_MESSAGE: Final = "TikTok refused the cached credentials; retrying once with the re-read secret"
SELLERS: Final = ("emulator-cb", "emulator-de")
"""In tiktok_emulator/seed.json: a cross-border seller with a UK and a FR shop; a local one with a DE shop."""
DE_SHOP_APPROVAL: Final = {"shop_id": "7000000000000000201", "cancel_id": "5760002000000000301"}


class StepFailed(AssertionError):
    pass


@dataclass
class Step:
    title: str
    lines: list[str] = field(default_factory=list)

    def show(self, text: str) -> None:
        self.lines.extend(text.splitlines())

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            raise StepFailed(what)
        self.lines.append(f"  ✔ {what}")


class Transport(Protocol):
    """How an event reaches the functions: the stack's Runtime APIs (make run), or `sam local invoke`
    (make sam-local). The steps and their checks are the same either way."""

    def approve(self, event: Any, event_file: str | None = None) -> Invocation:
        """Invokes the approval function; `event_file` names the file the event came from, if any."""

    def rotation_step(self, event: dict[str, str]) -> Invocation:
        """Invokes the rotation function with one of Secrets Manager's step events."""


@dataclass(frozen=True)
class RuntimeTransport:
    """Straight to the stack's Runtime Interface Emulators."""

    info: StackInfo
    timeout: float = 60.0

    def approve(self, event: Any, event_file: str | None = None) -> Invocation:
        return invoke(self.info.invoke_url, event, timeout=self.timeout)

    def rotation_step(self, event: dict[str, str]) -> Invocation:
        return invoke(self.info.rotation_invoke_url, event, timeout=self.timeout)


class Scenario:
    def __init__(self, info: StackInfo, say: Say = print, transport: Transport | None = None) -> None:
        self.info = info
        self.say = say
        self.tiktok = TikTokAdmin(info.tiktok_url)
        self.timeout = 60.0
        self.transport: Transport = transport or RuntimeTransport(info, self.timeout)
        self._first_approval: Invocation | None = None

    def invoke(self, step: Step, event_file: str) -> Invocation:
        event = load_event(event_file)
        step.show(f"{event_file} -> {describe_request(event)}")
        invocation = self.transport.approve(event, event_file)
        step.show(render(invocation))
        step.expect(not invocation.function_error, "the function returned (no unhandled error)")
        return invocation

    # -- the steps -----------------------------------------------------------------------------------------

    def api_approval(self, step: Step) -> None:
        invocation = self.invoke(step, "events/api_approve.json")
        cancel_id = _cancel_id(invocation.event)
        step.expect(invocation.api_status == 200, "HTTP 200")
        body = invocation.api_body()
        step.expect(isinstance(body, dict) and body.get("code") == 0, 'TikTok answered code 0, "Success"')
        step.expect(
            self.tiktok.cancellations().get(cancel_id) == "approved", f"TikTok shows {cancel_id} approved"
        )
        step.expect(len(self.tiktok.calls(cancel_id)) == 1, "exactly one call reached TikTok")
        self._first_approval = invocation

    def replay(self, step: Step) -> None:
        first = self._first_approval
        cancel_id = _cancel_id(load_event("events/api_approve.json"))
        before = len(self.tiktok.calls(cancel_id))
        invocation = self.invoke(step, "events/api_approve.json")
        after = len(self.tiktok.calls(cancel_id))
        step.show(
            f"TikTok calls for {cancel_id} (POST /__emulator/call/calls): {before} before, {after} after"
        )
        step.expect(invocation.api_status == 200, "HTTP 200 again")
        step.expect(invocation.api_header("Idempotent-Replayed") == "true", "Idempotent-Replayed: true")
        if first is not None:
            step.expect(invocation.api_body() == first.api_body(), "the stored result, byte for byte")
        step.expect(after == before, "no second call to TikTok")

    def business_error(self, step: Step) -> None:
        invocation = self.invoke(step, "events/api_approve_shipped.json")
        body = invocation.api_body()
        step.expect(invocation.api_status == 409, "HTTP 409")
        step.expect(
            isinstance(body, dict) and body.get("code") not in (None, 0) and bool(body.get("request_id")),
            "TikTok's code and request_id carried to the caller",
        )

    def sqs_batch(self, step: Step) -> None:
        event = load_event("events/sqs_batch.json")
        records = event["Records"]
        transient = next(
            (r for r in records if _json_cancel_id(r["body"]) and "query" not in json.loads(r["body"])),
            records[0],
        )
        transient_id = _json_cancel_id(transient["body"]) or ""
        self.tiktok.inject_fault(Fault(TRANSIENT_FAULT), cancel_id=transient_id, times=None)
        step.show(
            f"POST /__emulator/call/inject_fault: {TRANSIENT_FAULT} on every call for {transient_id} "
            f"(message {transient['messageId']})"
        )
        watch = SideEffectWatch(self.info)
        before = watch.snapshot()
        try:
            invocation = self.invoke(step, "events/sqs_batch.json")
        finally:
            self.tiktok.clear_faults()
        attempts = self.tiktok.calls(transient_id)
        statuses = ", ".join(str(call.get("status")) for call in attempts)
        step.show(
            f"TikTok calls for {transient_id}: {len(attempts)} (HTTP {statuses}), retried within the call"
        )
        step.expect(
            invocation.failed_message_ids() == [transient["messageId"]],
            "batchItemFailures holds exactly the message that met the transient fault (SQS redelivers it)",
        )
        parked = watch.since(before).dead_letters
        step.show(f"dead-letter queue {watch.queue.url}: {counted(len(parked), 'new message')}")
        step.show("\n".join(letter.describe() for letter in parked))
        invalid = [r for r in records if not _json_cancel_id(r["body"])]
        step.expect(
            sorted(letter.body for letter in parked) == sorted(r["body"] for r in invalid),
            f"the {len(invalid)} malformed messages were parked at once, with the reason attached",
        )
        step.expect(all("error_type" in letter.attributes for letter in parked), "each carries error_type")

    def direct(self, step: Step) -> None:
        invocation = self.invoke(step, "events/direct_approve.json")
        payload = invocation.payload
        step.expect(isinstance(payload, dict) and payload.get("code") == 0, "code 0 returned to the caller")
        cancel_id = str(invocation.event["cancel_id"])
        step.expect(
            self.tiktok.cancellations().get(cancel_id) == "approved", f"TikTok shows {cancel_id} approved"
        )

    def many_shops(self, step: Step) -> None:
        """Two sellers onboarded as an operator does it (make authorize ... SELLER=... LOCAL=1), then an
        approval for each of their three shops with that shop's cipher and its seller's token."""
        for seller in SELLERS:
            self._onboard(step, seller)
        tokens = {seller["open_id"]: seller["access_token"] for seller in self.tiktok.sellers()}
        shops = {
            shop["id"]: (seller["open_id"], shop["cipher"])
            for seller in self.tiktok.sellers()
            for shop in seller["shops"]
        }
        step.show("\nan approval for each shop:")
        approvals: list[tuple[str | None, dict[str, Any]]] = [
            ("events/direct_approve_shop.json", load_event("events/direct_approve_shop.json")),
            ("events/api_approve_shop.json", load_event("events/api_approve_shop.json")),
            (None, dict(DE_SHOP_APPROVAL)),
        ]
        for source, event in approvals:
            shop_id = str(event.get("shop_id") or (event.get("pathParameters") or {}).get("shop_id"))
            cancel_id = _cancel_id(event)
            step.show(f"{source or 'a direct invocation'} -> {describe_request(event)}")
            before = len(self.tiktok.calls(cancel_id))
            invocation = self.transport.approve(event, source)
            answer = invocation.api_body() if invocation.api_status is not None else invocation.payload
            step.expect(
                not invocation.function_error and isinstance(answer, dict) and answer.get("code") == 0,
                f"shop {shop_id}: approved (code 0)",
            )
            [call] = self.tiktok.calls(cancel_id)[before:]
            seller, cipher = shops[shop_id]
            step.show(f"  {describe_call(call)}")
            query: dict[str, str] = call.get("query") or {}
            headers: dict[str, str] = call.get("headers") or {}
            step.expect(
                query.get("shop_cipher") == cipher and headers.get("x-tts-access-token") == tokens[seller],
                f"one call, with shop {shop_id}'s cipher and the access token of {seller}",
            )
        unknown = self.invoke(step, "events/api_approve_unknown_shop.json")
        body = unknown.api_body()
        step.expect(
            unknown.api_status == 404
            and isinstance(body, dict)
            and (body.get("data") or {}).get("status") == "SHOP_NOT_FOUND"
            and not self.tiktok.calls(_cancel_id(unknown.event)),
            "a shop not in the directory: HTTP 404 SHOP_NOT_FOUND, and no call to TikTok",
        )

    def _onboard(self, step: Step, seller: str) -> None:
        code = self.tiktok.issue_auth_code(seller=seller)
        step.show(
            f"make local-auth-code SELLER={seller}; make authorize CODE=*** SELLER={seller} LOCAL=1 (the "
            "operator's scripts/authorize.py, against this stack):"
        )
        done = run_operator_script(
            self.info,
            "authorize.py",
            f"--code={code}",
            f"--seller={seller}",
            "--no-rotation",
            timeout=self.timeout,
        )
        step.show("\n".join(f"  {line}" for line in (done.stdout + done.stderr).splitlines()))
        step.expect(done.returncode == 0, f"{seller} onboarded: its secret written, its shops in ShopsTable")

    def rotation(self, step: Step) -> None:
        """Expired token -> 502; a rotation in the rotation function's runtime; the same approval -> 200, in
        the same warm approval runtime (it re-reads the secret when TikTok answers 105002)."""
        calls_before = len(self.tiktok.calls())
        version, before = self._secret_before_rotation(step)
        event = api_event(ROTATION_CANCEL_ID)
        self._approval_with_an_expired_token(step, event, str(before["access_token"]))
        self._rotate(step, version, before)
        self._approval_after_the_rotation(step, event)
        self._emulator_view(step, self.tiktok.calls()[calls_before:])

    def _secret_before_rotation(self, step: Step) -> tuple[str, dict[str, Any]]:
        version, before = current_secret(self.info)
        step.show(f"a. the secret {self.info.resource_ref('TikTokCredentialsSecret')}, AWSCURRENT {version}:")
        step.show(_describe_secret(before))
        step.expect(
            before.get("refresh_token") == self.tiktok.refresh_token_of()
            and isinstance(before.get("access_token_expire_in"), int)
            and isinstance(before.get("refresh_token_expire_in"), int),
            "it holds the refresh token the emulator issued last (POST /__emulator/call/refresh_token_of), "
            "with both expiry times",
        )
        return version, before

    def _approval_with_an_expired_token(self, step: Step, event: dict[str, Any], access_token: str) -> None:
        self.tiktok.expire_token(access_token)
        step.show(
            "\nb. POST /__emulator/call/expire_token {token: ***}: the secret's access token has expired"
        )
        step.show(f"approval -> {describe_request(event)}")
        failed = self.transport.approve(event)
        step.show(render(failed))
        body = failed.api_body()
        step.expect(not failed.function_error, "the function returned (no unhandled error)")
        step.expect(
            failed.api_status == 502
            and isinstance(body, dict)
            and body.get("code") == TOKEN_EXPIRED
            and (body.get("data") or {}).get("status") == "UPSTREAM_CONFIGURATION_ERROR",
            f"HTTP 502 UPSTREAM_CONFIGURATION_ERROR carrying TikTok's code {TOKEN_EXPIRED} (token expired)",
        )
        step.expect(
            self.tiktok.cancellations().get(ROTATION_CANCEL_ID) == "pending",
            f"{ROTATION_CANCEL_ID} still pending",
        )

    def _rotate(self, step: Step, version: str, before: Mapping[str, Any]) -> None:
        step.show(
            f"\nc. rotation: RotateCredentialsFunction in its own runtime "
            f"({_base(self.info.rotation_invoke_url)}); moto's part played by local/secrets_rotation.py"
        )
        secret_id = self.info.resource_ref("TikTokCredentialsSecret")
        started = time.perf_counter()
        rotation = rotate(self.info, invoke_step=self.transport.rotation_step)
        step.show(f'  {{"SecretId": "{secret_id}", "ClientRequestToken": "{rotation.version}", "Step": ...}}')
        for name, invocation in rotation.steps:
            outcome = "raised" if invocation.function_error else "returned"
            step.show(f"  {name:<13} -> {outcome} ({invocation.seconds * 1000:.0f} ms)")
        step.show(f"  four steps and moto's part in {time.perf_counter() - started:.1f} s")
        new_version, after = current_secret(self.info)
        step.show(f"the secret, AWSCURRENT {new_version}:")
        step.show(_describe_secret(after))
        described = aws_client("secretsmanager", self.info.moto_url).describe_secret(SecretId=secret_id)
        stages = described.get("VersionIdsToStages", {})
        step.expect(new_version == rotation.version, "the new version is AWSCURRENT")
        step.expect("AWSPREVIOUS" in stages.get(version, []), "the old version is AWSPREVIOUS")
        step.expect(
            not [v for v, labels in stages.items() if "AWSPENDING" in labels], "nothing is left AWSPENDING"
        )
        step.expect(
            all(after.get(name) != before.get(name) for name in ("access_token", "refresh_token"))
            and after.get("refresh_token") == self.tiktok.refresh_token_of(),
            "a new access token and refresh token, issued by the emulator's refresh endpoint",
        )
        kept = ("app_key", "app_secret", "shop_cipher")
        step.expect(
            {name: after.get(name) for name in kept} == {name: before.get(name) for name in kept},
            "app_key, app_secret and shop_cipher unchanged",
        )

    def _approval_after_the_rotation(self, step: Step, event: dict[str, Any]) -> None:
        runtime = self._process("lambda-runtime")
        pid = runtime.pid if runtime else "?"
        step.show(f"\nd. the same approval again, in the same approval runtime (pid {pid}), not restarted")
        step.show(f"approval -> {describe_request(event)}")
        approved = self.transport.approve(event)
        step.show(render(approved))
        body = approved.api_body()
        step.expect(not approved.function_error, "the function returned (no unhandled error)")
        step.expect(
            approved.api_status == 200 and isinstance(body, dict) and body.get("code") == 0,
            'HTTP 200, TikTok answered code 0, "Success"',
        )
        step.expect(
            self.tiktok.cancellations().get(ROTATION_CANCEL_ID) == "approved",
            f"TikTok shows {ROTATION_CANCEL_ID} approved",
        )
        retried = self._function_log_records(RETRY_LOG_MESSAGE, ROTATION_CANCEL_ID)
        step.expect(
            runtime is not None
            and runtime.alive()
            and len(retried) == 1
            and retried[0].get("cold_start") is False,
            "no restart, no cold start: the warm function met 105002 with its cached token, re-read the "
            "secret and retried once (its log: cold_start false)",
        )

    def _emulator_view(self, step: Step, calls: list[dict[str, Any]]) -> None:
        token_calls = [call for call in calls if str(call.get("path", "")).startswith(AUTH_PATHS)]
        approvals = [call for call in calls if call.get("cancel_id") == ROTATION_CANCEL_ID]
        step.show("\nthe emulator's view (POST /__emulator/call/calls, in order):")
        step.show("  token and shop-list calls (the rotation):")
        step.show("\n".join(f"    {describe_call(call)}" for call in token_calls))
        step.show(f"  approval calls for {ROTATION_CANCEL_ID}:")
        step.show("\n".join(f"    {describe_call(call)}" for call in approvals))
        step.expect(
            [(c.get("path"), c.get("code")) for c in token_calls]
            == [("/api/v2/token/refresh", 0), ("/authorization/202309/shops", 0)],
            "the rotation refreshed the token once (createSecret) and listed the shops with it (testSecret)",
        )
        step.expect(
            [c.get("code") for c in approvals] == [TOKEN_EXPIRED, TOKEN_EXPIRED, 0],
            "approvals: 105002 (before the rotation; the secret held no newer token, so no retry), "
            "then 105002 with the cached token and 0 with the re-read one",
        )
        step.expect(
            all(
                call.get("query", {}).get(name) in (None, "***")
                for call in token_calls
                for name in ("app_secret", "refresh_token", "auth_code")
            ),
            "the recorder keeps no app_secret or refresh_token (shown as ***)",
        )

    def autopilot(self, step: Step) -> None:
        """Three buyers' cancellations of the default shop from TikTok's webhooks to their ends: the policy
        approves one, a person is asked about one, and one was withdrawn (local_stack/autopilot_step.py)."""
        AutopilotStep(self.info, self.tiktok, timeout=self.timeout).run(step)

    def sweeper(self, step: Step) -> None:
        """Webhooks off: three buyers' cancellations of the default shop found by one run of the sweeper and
        decided by the policy: two approved once each, one published for review (local_stack/sweep_step)."""
        SweepStep(self.info, self.tiktok, timeout=self.timeout).run(step)

    def _process(self, name: str) -> ManagedProcess | None:
        return next((process for process in self.info.processes if process.name == name), None)

    def _function_log_records(self, message: str, cancel_id: str) -> list[dict[str, Any]]:
        """The approval function's own JSON log records with `message` for `cancel_id`."""
        runtime = self._process("lambda-runtime")
        if runtime is None:
            return []
        records = []
        for line in runtime.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if message not in line:
                continue
            try:
                record = json.loads(line[line.index("{") :])
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("cancel_id") == cancel_id:
                records.append(record)
        return records

    # -- running -------------------------------------------------------------------------------------------

    STEPS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("API approval", "api_approval"),
        ("idempotent replay", "replay"),
        ("TikTok business error", "business_error"),
        ("SQS batch with a partial failure", "sqs_batch"),
        ("direct invocation", "direct"),
        ("two sellers, three shops: onboarding and an approval for each", "many_shops"),
        ("expired token, rotation, approval afterwards", "rotation"),
        ("autopilot: buyers' cancellations through the webhook, the policy and the approval", "autopilot"),
        ("sweeper: cancellations no webhook brought, found by one sweep, decided by the policy", "sweeper"),
    )
    """(title, method) in order; on the class, so that the e2e test names the steps before a stack runs."""

    def steps(self) -> list[tuple[str, Callable[[Step], None]]]:
        return [(title, getattr(self, method)) for title, method in self.STEPS]

    def run(self, first: int = 1) -> bool:
        """Every step, in order, even after a failed one (numbered from `first`); True when all passed."""
        failures = 0
        for number, (title, action) in enumerate(self.steps(), start=first):
            step = Step(title)
            status = "ok"
            try:
                action(step)
            except StepFailed as failed:
                status, failures = f"FAILED: expected {failed}", failures + 1
            except Exception as error:  # reported; the other steps still run
                status, failures = f"FAILED: {type(error).__name__}: {error}", failures + 1
            self.say(f"\n== {number}. {title} " + "=" * max(0, 90 - len(title)))
            self.say("\n".join(step.lines))
            self.say(f"-> {status}")
        return failures == 0


def api_event(cancel_id: str) -> dict[str, Any]:
    """events/api_approve.json for another cancel_id."""
    event: dict[str, Any] = copy.deepcopy(load_event("events/api_approve.json"))
    old = str(event["pathParameters"]["cancel_id"])
    event["pathParameters"]["cancel_id"] = cancel_id
    event["path"] = str(event["path"]).replace(old, cancel_id)
    event["requestContext"]["path"] = str(event["requestContext"]["path"]).replace(old, cancel_id)
    return event


def _describe_secret(value: Mapping[str, Any]) -> str:
    """The secret's keys, secret values masked, expiry times as dates."""
    lines = []
    for name, item in value.items():
        if name in SECRET_FIELDS:
            shown = "***"
        elif name.endswith("_expire_in") and isinstance(item, int):
            shown = f"{item} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(item))})"
        else:
            shown = str(item)
        lines.append(f"  {name:<24} {shown}")
    return "\n".join(lines)


def _base(url: str) -> str:
    return url.split("/2015-03-31", 1)[0]


def _cancel_id(event: dict[str, Any]) -> str:
    return str((event.get("pathParameters") or {}).get("cancel_id") or event.get("cancel_id"))


def _json_cancel_id(body: str) -> str | None:
    """The cancel_id of a well-formed request body, else None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    cancel_id = data.get("cancel_id") if isinstance(data, dict) else None
    return cancel_id if isinstance(cancel_id, str) and cancel_id.isdigit() else None

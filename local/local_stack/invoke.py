"""Invoking the function through the Runtime Interface Emulator, and showing what came back."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import requests

from local_stack.paths import ROOT

INVOCATIONS_PATH: Final = "/2015-03-31/functions/function/invocations"
PAYLOAD_LIMIT: Final = 6_291_456
"""Lambda's limit for a synchronous invocation's request payload (6 MB). AWS refuses a bigger one
(RequestEntityTooLargeException); the local runtime would cut it short instead, so it is never sent."""
SUMMARY_LENGTH: Final = 200
"""At most this many characters of an event are ever printed (its summary line)."""

# make invoke's exit codes: whether the approvals the event asks for were made.
EXIT_APPROVED: Final = 0
"""Every approval in the event succeeded: approved, a replay of a stored success, or already approved."""
EXIT_NOT_APPROVED: Final = 1
"""The function answered, and at least one approval failed: an API 4xx/5xx, a direct invocation's error, an
SQS message reported for redelivery or parked in the dead-letter queue."""
EXIT_NOT_SENT: Final = 2
"""Nothing reached the function, or no answer came back: no stack, an unusable event file, an event over
6 MB, a runtime that did not answer."""


def invocation_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{INVOCATIONS_PATH}"


@dataclass(frozen=True)
class Invocation:
    event: Any
    payload: Any
    """The function's result, parsed (or the raw text when it is not JSON)."""
    seconds: float

    @property
    def function_error(self) -> bool:
        """The function raised: the runtime answered {"errorType", "errorMessage", ...}, not a result."""
        return isinstance(self.payload, dict) and {"errorType", "errorMessage"} <= set(self.payload)

    @property
    def api_status(self) -> int | None:
        status = self.payload.get("statusCode") if isinstance(self.payload, dict) else None
        return status if isinstance(status, int) else None

    def api_body(self) -> Any:
        body = self.payload.get("body") if isinstance(self.payload, dict) else None
        if isinstance(body, str):
            try:
                return json.loads(body)
            except ValueError:
                return body
        return body

    def api_headers(self) -> list[tuple[str, str]]:
        """Every header the function set, in its order and spelling: `headers`, and `multiValueHeaders`
        (comma-joined; they win over `headers` for the same name, as API Gateway merges them)."""
        if not isinstance(self.payload, dict):
            return []
        merged: dict[str, tuple[str, str]] = {}
        for name, value in (self.payload.get("headers") or {}).items():
            merged[str(name).lower()] = (str(name), str(value))
        for name, values in (self.payload.get("multiValueHeaders") or {}).items():
            if values:
                merged[str(name).lower()] = (str(name), ", ".join(str(value) for value in values))
        return list(merged.values())

    def api_header(self, name: str) -> str | None:
        if not isinstance(self.payload, dict):
            return None
        single = {k.lower(): v for k, v in (self.payload.get("headers") or {}).items()}
        multi = {k.lower(): v for k, v in (self.payload.get("multiValueHeaders") or {}).items()}
        if name.lower() in single:
            return str(single[name.lower()])
        values = multi.get(name.lower())
        return ",".join(str(v) for v in values) if values else None

    def failed_message_ids(self) -> list[str]:
        failures = self.payload.get("batchItemFailures", []) if isinstance(self.payload, dict) else []
        return [str(item.get("itemIdentifier")) for item in failures]


class EventFileError(ValueError):
    """An event file that cannot be used, said in a way that names the file and what is wrong with it."""


def load_event(path: str | Path) -> Any:
    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists():
        candidate = ROOT / candidate
    try:
        text = candidate.read_text(encoding="utf-8")
    except FileNotFoundError:
        samples = ", ".join(sorted(p.name for p in (ROOT / "events").glob("*.json")))
        raise EventFileError(f"{path}: no such file (the sample events in events/: {samples})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EventFileError(f"{path}: cannot be read ({error})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EventFileError(
            f"{path} is not JSON (line {error.lineno}, column {error.colno}: {error.msg}); an event file "
            "holds one Lambda event as a JSON object, e.g. events/direct_approve.json"
        ) from None


def counted(number: int, noun: str) -> str:
    """`1 message`, `2 messages`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def payload_bytes(event: Any) -> bytes:
    """The request payload `invoke` sends for `event`."""
    return json.dumps(event).encode("utf-8")


def too_large(payload: bytes) -> str | None:
    """Why Lambda would refuse `payload` (None: it would not)."""
    if len(payload) <= PAYLOAD_LIMIT:
        return None
    return (
        f"the event is {len(payload):,} bytes, over Lambda's 6 MB limit for a synchronous invocation "
        f"({PAYLOAD_LIMIT:,} bytes; AWS answers 413 RequestEntityTooLargeException)"
    )


def invoke(url: str, event: Any, *, timeout: float = 60.0, encoded: bytes | None = None) -> Invocation:
    """One invocation through the Runtime API, as Lambda's Invoke (RequestResponse) would make it.
    `encoded`: the event already encoded (payload_bytes)."""
    started = time.perf_counter()
    body = payload_bytes(event) if encoded is None else encoded
    response = requests.post(url, data=body, timeout=timeout)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    try:
        payload: Any = response.json()
    except ValueError:
        payload = response.text
    return Invocation(event, payload, elapsed)


def describe_request(event: Any) -> str:
    """One line saying what the event asks, by trigger: never the whole event (at most SUMMARY_LENGTH
    characters)."""
    if isinstance(event, dict) and "httpMethod" in event:
        query = event.get("queryStringParameters") or {}
        shown = "&".join(f"{k}={v}" for k, v in query.items()) if isinstance(query, dict) else ""
        suffix = f"?{shown}" if shown else ""
        return _short(f"API Gateway: {event['httpMethod']} {event.get('path')}{suffix}")
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return f"SQS: a batch of {counted(len(event['Records']), 'message')}"
    if isinstance(event, dict) and "cancel_id" in event:
        query = event.get("query")
        key = query.get("idempotency_key") if isinstance(query, dict) else None
        named = [f"{name} {json.dumps(event[name])}" for name in ("cancel_id", "shop_id") if name in event]
        named += [f"idempotency_key {json.dumps(key)}"] if key is not None else []
        others = sorted(str(name) for name in event if name not in ("cancel_id", "shop_id", "query"))
        named += [f"and {counted(len(others), 'other field')}: {', '.join(others)}"] if others else []
        return _short(f"direct invocation: {', '.join(named)}")
    return _short(f"direct invocation: {json.dumps(event)}")


def _short(line: str, limit: int = SUMMARY_LENGTH) -> str:
    if len(line) <= limit:
        return line
    return f"{line[: limit - 40]}... ({len(line) - limit + 40:,} more characters)"


def render(invocation: Invocation) -> str:
    """The result, readably: HTTP status, headers and body for the API; the failed items for SQS; the
    returned object for a direct invocation; the error for a raised exception."""
    took = f"({invocation.seconds * 1000:.0f} ms)"
    if invocation.function_error:
        payload = invocation.payload
        return f"function error {took}: {payload['errorType']}: {payload['errorMessage']}"
    if invocation.api_status is not None:
        lines = [f"HTTP {invocation.api_status} {took}"]
        lines += [f"  {name}: {value}" for name, value in invocation.api_headers()]
        lines.append(_indent(pretty(invocation.api_body())))
        return "\n".join(lines)
    if isinstance(invocation.payload, dict) and "batchItemFailures" in invocation.payload:
        failed = invocation.failed_message_ids()
        listed = ", ".join(failed) if failed else "none"
        return f"batchItemFailures {took}: {listed}"
    return f"returned {took}:\n{_indent(pretty(invocation.payload))}"


def pretty(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, sort_keys=False)


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


@dataclass(frozen=True)
class Verdict:
    """What `make invoke` says last, and its exit code."""

    exit_code: int
    said: str

    def line(self) -> str:
        return f"make invoke: {self.said}"


def not_sent(reason: str) -> Verdict:
    return Verdict(EXIT_NOT_SENT, f"nothing was sent to the function: {reason}")


def verdict(invocation: Invocation, dead_letter_sources: Sequence[str] = ()) -> Verdict:
    """Whether the approvals the event asked for were made. `dead_letter_sources`: for each message the
    invocation parked in the dead-letter queue, the SQS message it came from ("" when it names none)."""
    if invocation.function_error:
        payload = invocation.payload
        return Verdict(
            EXIT_NOT_APPROVED, f"NOT approved: the function answered with the error {payload['errorType']}"
        )
    status = invocation.api_status
    if status is not None:
        body = invocation.api_body()
        if 200 <= status < 300:
            return Verdict(EXIT_APPROVED, f"approved (HTTP {status}{_how(invocation)})")
        return Verdict(EXIT_NOT_APPROVED, f"NOT approved: HTTP {status}{_failure(body, status)}")
    if isinstance(invocation.event, dict) and isinstance(invocation.event.get("Records"), list):
        return _batch_verdict(invocation, dead_letter_sources)
    data = invocation.payload.get("data") if isinstance(invocation.payload, dict) else None
    if isinstance(data, dict) and data.get("success") is True:
        already = ", TikTok had it approved already" if data.get("already_approved") else ""
        return Verdict(EXIT_APPROVED, f"approved ({data.get('status')}{already})")
    return Verdict(EXIT_NOT_APPROVED, "NOT approved: the function returned something other than a success")


def _how(invocation: Invocation) -> str:
    notes = []
    if invocation.api_header("Idempotent-Replayed") == "true":
        notes.append("Idempotent-Replayed: the stored answer, TikTok not called again")
    if invocation.api_header("Already-Approved") == "true":
        notes.append("Already-Approved: TikTok had it approved already")
    return "".join(f"; {note}" for note in notes)


def _failure(body: Any, status: int) -> str:
    if not isinstance(body, dict):
        return ""
    data = body.get("data")
    result = data.get("status") if isinstance(data, dict) else None
    code = body.get("code")
    tiktok = f" (TikTok code {code})" if isinstance(code, int) and code not in (0, status) else ""
    return f" {result}{tiktok}" if result else tiktok


def _batch_verdict(invocation: Invocation, dead_letter_sources: Sequence[str]) -> Verdict:
    records = invocation.event["Records"]
    redelivered = set(invocation.failed_message_ids())
    # Every new dead letter is this batch's doing (the watch saw the queue just before), whatever it names.
    parked = len([source for source in dead_letter_sources if source not in redelivered])
    failed = len(redelivered) + parked
    total = counted(len(records), "message")
    if failed == 0:
        return Verdict(EXIT_APPROVED, f"every message approved ({total}, none failed)")
    parts = []
    if redelivered:
        parts.append(f"{len(redelivered)} reported for redelivery (batchItemFailures)")
    if parked:
        parts.append(f"{parked} sent to the dead-letter queue")
    said = f"{min(failed, len(records))} of {total} NOT approved: {', '.join(parts)}"
    return Verdict(EXIT_NOT_APPROVED, said)

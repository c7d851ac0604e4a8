"""Invoking the function through the Runtime Interface Emulator, and showing what came back."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import requests

from local_stack.paths import ROOT

INVOCATIONS_PATH: Final = "/2015-03-31/functions/function/invocations"
_API_HEADERS: Final = ("content-type", "idempotent-replayed", "retry-after")


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


def invoke(url: str, event: Any, *, timeout: float = 60.0) -> Invocation:
    """One invocation through the Runtime API, as Lambda's Invoke (RequestResponse) would make it."""
    started = time.perf_counter()
    response = requests.post(url, data=json.dumps(event), timeout=timeout)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    try:
        payload: Any = response.json()
    except ValueError:
        payload = response.text
    return Invocation(event, payload, elapsed)


def describe_request(event: Any) -> str:
    """One line saying what the event asks, by trigger."""
    if isinstance(event, dict) and "httpMethod" in event:
        query = event.get("queryStringParameters") or {}
        suffix = f"?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else ""
        return f"API Gateway: {event['httpMethod']} {event.get('path')}{suffix}"
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return f"SQS: a batch of {counted(len(event['Records']), 'message')}"
    return f"direct invocation: {json.dumps(event)}"


def render(invocation: Invocation) -> str:
    """The result, readably: HTTP status, headers and body for the API; the failed items for SQS; the
    returned object for a direct invocation; the error for a raised exception."""
    took = f"({invocation.seconds * 1000:.0f} ms)"
    if invocation.function_error:
        payload = invocation.payload
        return f"function error {took}: {payload['errorType']}: {payload['errorMessage']}"
    if invocation.api_status is not None:
        lines = [f"HTTP {invocation.api_status} {took}"]
        for name in _API_HEADERS:
            value = invocation.api_header(name)
            if value is not None:
                lines.append(f"  {name.title()}: {value}")
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

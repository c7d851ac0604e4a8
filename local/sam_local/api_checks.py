"""`sam local start-api`: real HTTP requests to SAM's API Gateway emulator, so that the events are the ones
SAM builds from a request, not the hand-written files of events/."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Final

import requests
from local_stack.processes import free_port
from local_stack.scenario import Step
from local_stack.tiktok_admin import TikTokAdmin

from sam_local.sam_cli import SamLocal

APPROVE_ID: Final = "5760001000000000009"
"""Pending in tiktok_emulator/seed.json; no `sam local invoke` step uses it."""
OTHER_ID: Final = "5760001000000000010"
SHIPPED_ID: Final = "5760001000000000901"
KEY: Final = "sam-local-start-api-0009"
REQUEST_TIMEOUT: Final = 120.0
"""A request that starts a container waits for its cold start."""

# What SAM's emulator answers, like API Gateway, for a request that matches no route (a GET on the POST-only
# path, or an unknown path): the function never runs. Measured with the pinned SAM CLI (mk/sam.mk).
NO_ROUTE_STATUS: Final = 403
NO_ROUTE_BODY: Final = {"message": "Missing Authentication Token"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    seconds: float

    def describe(self) -> str:
        shown = {k: v for k, v in self.headers.items() if k.lower() in ("idempotent-replayed", "retry-after")}
        extra = "".join(f"\n    {name}: {value}" for name, value in shown.items())
        body = "(empty body)" if self.body == "" else self.body
        return f"  -> HTTP {self.status} ({self.seconds * 1000:.0f} ms){extra}\n     {body}"

    def data_status(self) -> str | None:
        data = self.body.get("data") if isinstance(self.body, dict) else None
        return data.get("status") if isinstance(data, dict) else None


def request(
    step: Step, method: str, url: str, headers: dict[str, str] | None = None, data: bytes | None = None
) -> Answer:
    started = time.perf_counter()
    response = requests.request(method, url, headers=headers or {}, data=data, timeout=REQUEST_TIMEOUT)
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    answer = Answer(response.status_code, dict(response.headers), body, time.perf_counter() - started)
    shown_headers = "".join(f" -H '{name}: {_shown(name, value)}'" for name, value in (headers or {}).items())
    shown_data = f" --data '{data.decode('utf-8', 'replace')}'" if data is not None else ""
    step.show(f"curl -X {method}{shown_headers}{shown_data} {url}")
    step.show(answer.describe())
    return answer


def _shown(header: str, value: str) -> str:
    """A webhook's signature abbreviated: it is no secret, but 64 digits say nothing to a reader."""
    return f"{value[:8]}... ({len(value)} hex digits)" if header.lower() == "authorization" else value


def check_start_api(sam: SamLocal, step: Step, tiktok: TikTokAdmin) -> None:
    port = free_port()
    with sam.server("start-api", port, "--warm-containers", "LAZY") as command:
        step.show(f"{command}\n  listening on http://127.0.0.1:{port}")
        base = f"http://127.0.0.1:{port}"
        approve = f"{base}/cancellations/{APPROVE_ID}/approve"

        first = request(step, "POST", approve, {"Idempotency-Key": KEY})
        step.expect(
            first.status == 200 and isinstance(first.body, dict) and first.body.get("code") == 0,
            "POST with an Idempotency-Key: HTTP 200, TikTok's code 0",
        )
        step.expect(
            tiktok.cancellations().get(APPROVE_ID) == "approved", f"TikTok shows {APPROVE_ID} approved"
        )
        calls = len(tiktok.calls(APPROVE_ID))

        again = request(step, "POST", approve, {"Idempotency-Key": KEY})
        step.expect(
            again.status == 200
            and again.headers.get("Idempotent-Replayed") == "true"
            and again.body == first.body,
            "the same again: HTTP 200, Idempotent-Replayed: true, the stored body",
        )
        step.expect(len(tiktok.calls(APPROVE_ID)) == calls, "no second call to TikTok")

        reused = request(step, "POST", f"{base}/cancellations/{OTHER_ID}/approve", {"Idempotency-Key": KEY})
        step.expect(
            reused.status == 422 and reused.data_status() == "IDEMPOTENCY_KEY_REUSED",
            "the same key for another cancel_id: HTTP 422 IDEMPOTENCY_KEY_REUSED",
        )

        malformed = request(step, "POST", f"{base}/cancellations/has%20space/approve")
        step.expect(
            malformed.status == 400 and malformed.data_status() == "INVALID_REQUEST",
            "a malformed cancel_id: HTTP 400 INVALID_REQUEST",
        )

        shipped = request(step, "POST", f"{base}/cancellations/{SHIPPED_ID}/approve")
        step.expect(
            shipped.status == 409 and shipped.data_status() == "CANCELLATION_STATE_CONFLICT",
            "a business error (the order shipped): HTTP 409 CANCELLATION_STATE_CONFLICT with TikTok's code",
        )

        for method, url, what in (("GET", approve, "a GET"), ("POST", f"{base}/nope", "an unknown path")):
            answer = request(step, method, url)
            step.expect(
                answer.status == NO_ROUTE_STATUS and answer.body == NO_ROUTE_BODY,
                f"{what}: HTTP {NO_ROUTE_STATUS} {NO_ROUTE_BODY}, SAM's own answer (as API Gateway's)",
            )

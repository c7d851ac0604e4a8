"""What each event in events/ must answer under `sam local invoke`. The Scenario of local_stack checks six
of them in depth (approval, replay, business error, SQS batch, direct, two shops); the others are single
answers, listed here. A new event file without an expectation fails the run: every event is checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class ExpectedAnswer:
    event_file: str
    status: int
    data_status: str
    header: tuple[str, str] | None = None


CHECKED_BY_THE_SCENARIO: Final = (
    "events/api_approve.json",
    "events/api_approve_shipped.json",
    "events/sqs_batch.json",
    "events/direct_approve.json",
    "events/direct_approve_shop.json",
    "events/api_approve_shop.json",
)
SINGLE_ANSWERS: Final = (
    ExpectedAnswer("events/api_approve_header_key.json", 200, "CANCELLATION_APPROVED"),
    ExpectedAnswer("events/api_approve_query_key.json", 200, "CANCELLATION_APPROVED"),
    ExpectedAnswer("events/api_approve_unknown.json", 404, "CANCELLATION_NOT_FOUND"),
    ExpectedAnswer("events/api_approve_unknown_shop.json", 404, "SHOP_NOT_FOUND"),
    ExpectedAnswer("events/api_bad_cancel_id.json", 400, "INVALID_REQUEST"),
    ExpectedAnswer("events/api_conflicting_keys.json", 400, "INVALID_REQUEST"),
    ExpectedAnswer("events/api_unknown_route.json", 404, "ROUTE_NOT_FOUND"),
    ExpectedAnswer("events/api_wrong_method.json", 405, "METHOD_NOT_ALLOWED", ("Allow", "POST")),
)

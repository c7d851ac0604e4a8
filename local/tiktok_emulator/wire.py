"""What travels between the HTTP layer and the emulator's logic: one parsed request, one answer."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

JSON_CONTENT_TYPE = "application/json"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str
    """The path as sent, without the query: TikTok signs the path exactly as it appears on the wire."""
    query: dict[str, str]
    """Decoded query values; the first one wins when a key repeats."""
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str
    code: int | None = None
    """TikTok's `code` in the body, kept beside it so the recorder and the log need not parse the body."""


def new_request_id(now: float) -> str:
    """Shaped like TikTok's: UTC YYYYMMDDHHMMSS, then 20 upper-case hex digits for uniqueness
    (e.g. 202203070749000101890810281E8C70B7)."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + secrets.token_hex(10).upper()


def envelope(
    code: int, message: str, request_id: str, data: object = None, *, http_status: int = 200
) -> Answer:
    """TikTok's response envelope; TikTok answers most errors with HTTP 200 and the reason in `code`."""
    payload = {"code": code, "message": message, "request_id": request_id, "data": data}
    return Answer(http_status, _compact_json(payload), JSON_CONTENT_TYPE, code)


def json_answer(status: int, payload: object) -> Answer:
    return Answer(status, _compact_json(payload), JSON_CONTENT_TYPE)


def html_answer(status: int, title: str) -> Answer:
    """The kind of page a load balancer in front of the API answers with when the API itself cannot."""
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n"
        f"<body>\r\n<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    return Answer(status, page.encode(), HTML_CONTENT_TYPE)


def _compact_json(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()

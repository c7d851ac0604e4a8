"""Turn an HTTP answer into TikTok's envelope, or into a `TikTokAPIError` that says what went wrong."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .codes import ErrorCategory
from .errors import TikTokAPIError

_MAX_MESSAGE_LENGTH = 300


def parse_envelope(status: int, content: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """Return the envelope when TikTok answered `code` 0; raise `TikTokAPIError` for anything else."""
    payload = _json_object(content)
    body_code = _int_code(payload)
    # TikTok's log id header identifies the request when the body cannot.
    request_id = _text(payload.get("request_id") if payload else None) or headers.get("x-tt-logid")
    successful_status = 200 <= status < 300

    if successful_status and body_code is None:
        raise TikTokAPIError(
            f"TikTok answered HTTP {status} with {_describe_body(content, payload)}, not a TikTok envelope",
            code=status,
            http_status=status,
            request_id=request_id,
            # A proxy's page or a cut-off body says nothing about the approval: worth another try.
            category=ErrorCategory.TRANSIENT,
        )
    if successful_status and body_code == 0 and payload is not None:
        return payload
    message = _text(payload.get("message") if payload else None) or f"HTTP {status} from TikTok"
    raise TikTokAPIError(
        message[:_MAX_MESSAGE_LENGTH],
        code=status if body_code is None else body_code,
        http_status=status,
        request_id=request_id,
        retry_after=_retry_after(headers.get("retry-after")),
    )


def _int_code(payload: dict[str, Any] | None) -> int | None:
    code = payload.get("code") if payload is not None else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _describe_body(content: bytes, payload: dict[str, Any] | None) -> str:
    if not content.strip():
        return "an empty body"
    if payload is not None:
        return "a JSON object without an integer code"
    if content.lstrip()[:1] == b"<":
        return "an HTML page"
    return "a body that is not a JSON object"


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # the HTTP-date form is not worth parsing: TikTok does not document the header at all
    return seconds if seconds is not None and seconds >= 0 else None

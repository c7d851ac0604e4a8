"""The API Gateway proxy event in (the exact bytes TikTok sent and its Authorization header), the empty-bodied
answer out. Plain dictionaries: no Powertools event handler, which would cost the cold start more than the
whole of this function's own work."""

from __future__ import annotations

import binascii
from base64 import b64decode
from dataclasses import dataclass
from typing import Any, Final

from tiktok_shop.webhooks import MAX_WEBHOOK_BODY_BYTES

# Base64 takes 4 characters per 3 bytes: a longer text cannot decode to a body within the limit, so it is
# refused before it is decoded.
MAX_ENCODED_BODY_CHARS: Final = 4 * ((MAX_WEBHOOK_BODY_BYTES + 2) // 3)


class NotAnApiEvent(ValueError):
    """A hand-made event: API Gateway always sends the proxy shape and valid base64."""


class EncodedBodyTooLarge(ValueError):
    def __init__(self, size: int) -> None:
        super().__init__(f"the base64 body is {size} characters, more than {MAX_WEBHOOK_BODY_BYTES} bytes")
        self.size = size


@dataclass(frozen=True)
class WebhookRequest:
    body: bytes  # exactly as received, base64 already undone
    signature: str | None  # the Authorization header, any case of its name; None when absent


def read_request(event: Any) -> WebhookRequest:
    """Raises NotAnApiEvent, or EncodedBodyTooLarge for a base64 body that cannot fit the limit."""
    if not isinstance(event, dict) or "httpMethod" not in event or "requestContext" not in event:
        raise NotAnApiEvent("not an API Gateway proxy event")
    body = event.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise NotAnApiEvent("the event's body is not text")
    elif event.get("isBase64Encoded") is True:
        if len(body) > MAX_ENCODED_BODY_CHARS:
            raise EncodedBodyTooLarge(len(body))
        try:
            raw = b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise NotAnApiEvent("the event's base64 body does not decode") from None
    # API Gateway gives a text body as the text TikTok sent; its UTF-8 bytes are the bytes signed.
    # A body far over the limit is refused on its length before being encoded.
    elif len(body) > MAX_WEBHOOK_BODY_BYTES:
        raw = body[: MAX_WEBHOOK_BODY_BYTES + 1].encode("utf-8", "surrogatepass")
    else:
        raw = body.encode("utf-8", "surrogatepass")
    return WebhookRequest(body=raw, signature=_header(event, "authorization"))


def answer(status: int) -> dict[str, Any]:
    """TikTok reads the status only: every answer has an empty body."""
    return {"statusCode": status, "headers": {}, "body": "", "isBase64Encoded": False}


def _header(event: dict[str, Any], wanted: str) -> str | None:
    # HTTP header names are case-insensitive; API Gateway passes them as the client wrote them.
    headers = event.get("headers") or {}
    if isinstance(headers, dict):
        for name, value in headers.items():
            if isinstance(name, str) and name.lower() == wanted and isinstance(value, str):
                return value
    many = event.get("multiValueHeaders") or {}
    if isinstance(many, dict):
        for name, values in many.items():
            if isinstance(name, str) and name.lower() == wanted and isinstance(values, list) and values:
                first = values[0]
                return first if isinstance(first, str) else None
    return None

"""TikTok Shop request signing (API version 202309)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# TikTok signs everything but these two; `access_token` lived in the query before 202309.
_UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def string_to_sign(app_secret: str, path: str, query: Mapping[str, object], body: bytes | str = b"") -> bytes:
    """The exact bytes TikTok wraps and hashes; exposed so a mismatch can be debugged without the sign."""
    # TikTok sorts keys in byte order; UTF-8 keeps code point order, so sorting the str keys is the same.
    params = sorted((str(key), str(value)) for key, value in query.items() if key not in _UNSIGNED_PARAMS)
    body_bytes = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    secret = app_secret.encode("utf-8")
    middle = path.encode("utf-8") + b"".join(k.encode("utf-8") + v.encode("utf-8") for k, v in params)
    return secret + middle + body_bytes + secret


def sign(app_secret: str, path: str, query: Mapping[str, object], body: bytes | str = b"") -> str:
    """Return TikTok's `sign` for a request, as lowercase hex.

    `query` holds the decoded values, as the server will see them after it percent-decodes the URL;
    `path` is the request path without host or query; `body` is the raw request body (none for
    multipart/form-data requests, which TikTok does not sign).
    """
    message = string_to_sign(app_secret, path, query, body)
    return hmac.new(app_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()

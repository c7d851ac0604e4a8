"""The emulator's own implementation of TikTok Shop's documented request signature.

Written from the partner documentation, independently of the project's client, so that a bug shared by
both cannot hide: the emulator is the check on the client.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Neither is part of what was signed: `sign` is the result, and `access_token` moved to a header in 202309
# but old clients still send it in the query.
UNSIGNED_PARAMETERS = frozenset({"sign", "access_token"})


def string_to_sign(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
    content_type: str | None = None,
) -> bytes:
    """The exact bytes that get HMAC'd: secret + path + sorted key/value pairs + body + secret.

    `query` holds decoded values, as the server sees them after parsing the URL.
    """
    pairs = sorted(
        ((key, value) for key, value in query.items() if key not in UNSIGNED_PARAMETERS),
        key=lambda pair: pair[0].encode(),
    )
    signed = path + "".join(key + value for key, value in pairs)
    # Multipart bodies carry boundaries the sender cannot predict before encoding, so TikTok leaves them out.
    is_multipart = content_type is not None and content_type.lower().startswith("multipart/form-data")
    payload = signed.encode() + (b"" if is_multipart else body)
    secret = app_secret.encode()
    return secret + payload + secret


def sign(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
    content_type: str | None = None,
) -> str:
    """Lowercase hex HMAC-SHA256 of `string_to_sign`, keyed with the app secret."""
    message = string_to_sign(app_secret, path, query, body, content_type)
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def sign_matches(expected: str, given: str) -> bool:
    """Constant-time comparison; bytes because compare_digest refuses non-ASCII str."""
    return hmac.compare_digest(expected.encode(), given.encode())

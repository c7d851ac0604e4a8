"""The `auth` group: access tokens from the auth host, named after the official SDK's.

An access token lives 7 days; the refresh token lives as long as the seller's authorization. Both
`*_expire_in` values TikTok returns are absolute Unix times, not durations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from .errors import TikTokAPIError
from .validation import require_text

if TYPE_CHECKING:
    from .client import TikTokShopClient

GET_ACCESS_TOKEN_PATH = "/api/v2/token/get"  # noqa: S105 - a URL path
REFRESH_ACCESS_TOKEN_PATH = "/api/v2/token/refresh"  # noqa: S105 - a URL path
_HIDDEN_FIELDS = frozenset({"access_token", "refresh_token"})


@dataclass(frozen=True)
class TokenGrant:
    """What a token endpoint hands out. Its repr never shows a token."""

    access_token: str
    access_token_expire_in: int
    refresh_token: str
    refresh_token_expire_in: int
    open_id: str | None = None
    seller_name: str | None = None
    seller_base_region: str | None = None
    user_type: int | None = None
    granted_scopes: tuple[str, ...] = ()
    request_id: str | None = None

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={'***' if f.name in _HIDDEN_FIELDS else repr(getattr(self, f.name))}"
            for f in fields(self)
        )
        return f"TokenGrant({shown})"

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> TokenGrant:
        """Raises `TikTokAPIError` when a `code` 0 answer lacks the tokens or their expiry times."""
        request_id = envelope.get("request_id") if isinstance(envelope.get("request_id"), str) else None
        data = envelope.get("data")
        if not isinstance(data, Mapping):
            raise _malformed("has no data object", request_id)
        for name in ("access_token", "refresh_token"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise _malformed(f"lacks {name}", request_id)
        for name in ("access_token_expire_in", "refresh_token_expire_in"):
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise _malformed(f"lacks {name} as a Unix time", request_id)
        scopes = data.get("granted_scopes")
        return cls(
            access_token=data["access_token"],
            access_token_expire_in=data["access_token_expire_in"],
            refresh_token=data["refresh_token"],
            refresh_token_expire_in=data["refresh_token_expire_in"],
            open_id=_text(data.get("open_id")),
            seller_name=_text(data.get("seller_name")),
            seller_base_region=_text(data.get("seller_base_region")),
            user_type=data["user_type"] if isinstance(data.get("user_type"), int) else None,
            granted_scopes=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else (),
            request_id=request_id,
        )


class AuthApi:
    def __init__(self, client: TikTokShopClient) -> None:
        self._client = client

    def get_access_token(self, auth_code: str, *, deadline: float | None = None) -> TokenGrant:
        """Exchange a seller's authorization code (valid 30 minutes, single use) for the first tokens."""
        query = {"auth_code": require_text("auth_code", auth_code), "grant_type": "authorized_code"}
        envelope = self._client.token_request(
            GET_ACCESS_TOKEN_PATH, query=query, secret_params=("auth_code",), deadline=deadline
        )
        return TokenGrant.from_envelope(envelope)

    def refresh_access_token(self, refresh_token: str, *, deadline: float | None = None) -> TokenGrant:
        """A new access token (and refresh token) for the seller's current authorization.

        Raises `TikTokAPIError` with category CONFIGURATION when TikTok no longer knows the refresh token
        (spent, expired, authorization revoked) or refuses the app's credentials: a person has to act.
        """
        query = {"refresh_token": require_text("refresh_token", refresh_token), "grant_type": "refresh_token"}
        envelope = self._client.token_request(
            REFRESH_ACCESS_TOKEN_PATH, query=query, secret_params=("refresh_token",), deadline=deadline
        )
        return TokenGrant.from_envelope(envelope)


def _malformed(problem: str, request_id: str | None) -> TikTokAPIError:
    # Not retried: TikTok said `code` 0; asking again would spend the refresh token for nothing.
    message = f"TikTok's token answer {problem}"
    return TikTokAPIError(message, code=None, http_status=200, request_id=request_id)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

"""What the fake auth host remembers: authorization codes and refresh tokens, each usable once.

TikTok documents the authorization code as single use (and 30 minutes long). For the refresh token it
documents only that it lives as long as the seller's authorization; the emulator makes each one single use
too (a refresh hands out a new one and spends the old), the strictest reading, so that a client which
refreshes twice for one rotation, or loses the new refresh token, fails here rather than in production.

Each code and refresh token belongs to one seller (its open_id): what it buys are that seller's tokens.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Final, Literal

from tiktok_emulator.sellers import DEFAULT_SELLER

ACCESS_TOKEN_LIFETIME: Final = 7 * 24 * 3600  # documented: an access token lives 7 days
# The seller's authorization: a year here; TikTok's own answers show anything up to a century.
REFRESH_TOKEN_LIFETIME: Final = 365 * 24 * 3600
AUTH_CODE_LIFETIME: Final = 30 * 60  # documented

GrantStatus = Literal["valid", "spent", "expired", "unknown"]


@dataclass
class _Grant:
    """An authorization code or a refresh token."""

    expires_at: float
    seller: str
    spent: bool = False

    def status(self, now: float) -> GrantStatus:
        if self.spent:
            return "spent"
        return "expired" if now >= self.expires_at else "valid"


def new_token(prefix: str) -> str:
    """Shaped like TikTok's: a region-like prefix, then URL-safe random characters."""
    return f"{prefix}_{secrets.token_urlsafe(36)}"


class AuthState:
    """`seller` arguments: an open_id, None for the default seller (`default_seller`). Whether a seller
    exists is the caller's to check (SellerDirectory knows them)."""

    def __init__(self, refresh_token: str, now: float, default_seller: str = DEFAULT_SELLER.open_id) -> None:
        self._lock = threading.Lock()
        self._default_seller = default_seller
        self._refresh_tokens: dict[str, _Grant] = {}
        self._auth_codes: dict[str, _Grant] = {}
        self._current_by_seller: dict[str, str] = {}
        self.reset(refresh_token, now)

    def reset(self, refresh_token: str, now: float) -> None:
        """Back to the default seller's `refresh_token` alone."""
        with self._lock:
            self._refresh_tokens = {refresh_token: _Grant(now + REFRESH_TOKEN_LIFETIME, self._default_seller)}
            self._auth_codes = {}
            self._current_by_seller = {self._default_seller: refresh_token}

    @property
    def current_refresh_token(self) -> str:
        """The default seller's refresh token most recently issued: the one a client holding the latest
        grant has."""
        return self.refresh_token_of(None)

    def refresh_token_of(self, seller: str | None) -> str:
        with self._lock:
            return self._current_by_seller[self._default_seller if seller is None else seller]

    def knows_refresh_token(self, token: str) -> bool:
        with self._lock:
            return token in self._refresh_tokens

    def refresh_token_expiry(self, token: str) -> float | None:
        with self._lock:
            grant = self._refresh_tokens.get(token)
            return None if grant is None else grant.expires_at

    def add_refresh_token(self, token: str, expires_at: float, seller: str | None = None) -> None:
        """`token` becomes `seller`'s most recent; ValueError when it is another seller's already."""
        owner = self._default_seller if seller is None else seller
        with self._lock:
            known = self._refresh_tokens.get(token)
            if known is not None and known.seller != owner:
                raise ValueError(f"that refresh token belongs to seller {known.seller!r}")
            self._refresh_tokens[token] = _Grant(expires_at, owner)
            self._current_by_seller[owner] = token

    def expire_refresh_token(self, token: str | None = None) -> None:
        with self._lock:
            current = self._current_by_seller[self._default_seller]
            grant = self._refresh_tokens.get(current if token is None else token)
            if grant is None:
                raise ValueError("unknown refresh token")
            grant.expires_at = 0.0

    def spend_refresh_token(self, token: str, now: float) -> tuple[GrantStatus, float, str | None]:
        """Checks and spends in one step, so two concurrent refreshes cannot both succeed. Returns the
        status before spending, the authorization's expiry time, which the next refresh token keeps, and
        the seller the token belongs to (None for an unknown token)."""
        with self._lock:
            grant = self._refresh_tokens.get(token)
            if grant is None:
                return "unknown", 0.0, None
            status = grant.status(now)
            if status == "valid":
                grant.spent = True
            return status, grant.expires_at, grant.seller

    def issue_auth_code(
        self, now: float, lifetime: float = AUTH_CODE_LIFETIME, seller: str | None = None
    ) -> str:
        """A code for `seller`'s consent: exchanging it yields that seller's tokens."""
        # Prefixed like the tokens: a code starting with "-" would read as an option on a command line.
        code = new_token("ROW_code")
        owner = self._default_seller if seller is None else seller
        with self._lock:
            self._auth_codes[code] = _Grant(now + lifetime, owner)
        return code

    def spend_auth_code(self, code: str, now: float) -> tuple[GrantStatus, str | None]:
        """The status before spending, and the seller the code was issued for (see spend_refresh_token)."""
        with self._lock:
            grant = self._auth_codes.get(code)
            if grant is None:
                return "unknown", None
            status = grant.status(now)
            if status == "valid":
                grant.spent = True
            return status, grant.seller

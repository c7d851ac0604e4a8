"""What the fake auth host remembers: authorization codes and refresh tokens, each usable once.

TikTok documents the authorization code as single use (and 30 minutes long). For the refresh token it
documents only that it lives as long as the seller's authorization; the emulator makes each one single use
too (a refresh hands out a new one and spends the old), the strictest reading, so that a client which
refreshes twice for one rotation, or loses the new refresh token, fails here rather than in production.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Final, Literal

ACCESS_TOKEN_LIFETIME: Final = 7 * 24 * 3600  # documented: an access token lives 7 days
# The seller's authorization: a year here; TikTok's own answers show anything up to a century.
REFRESH_TOKEN_LIFETIME: Final = 365 * 24 * 3600
AUTH_CODE_LIFETIME: Final = 30 * 60  # documented

GrantStatus = Literal["valid", "spent", "expired", "unknown"]


@dataclass
class _Grant:
    """An authorization code or a refresh token."""

    expires_at: float
    spent: bool = False

    def status(self, now: float) -> GrantStatus:
        if self.spent:
            return "spent"
        return "expired" if now >= self.expires_at else "valid"


def new_token(prefix: str) -> str:
    """Shaped like TikTok's: a region-like prefix, then URL-safe random characters."""
    return f"{prefix}_{secrets.token_urlsafe(36)}"


class AuthState:
    def __init__(self, refresh_token: str, now: float) -> None:
        self._lock = threading.Lock()
        self._refresh_tokens: dict[str, _Grant] = {}
        self._auth_codes: dict[str, _Grant] = {}
        self._current_refresh_token = refresh_token
        self.reset(refresh_token, now)

    def reset(self, refresh_token: str, now: float) -> None:
        with self._lock:
            self._refresh_tokens = {refresh_token: _Grant(now + REFRESH_TOKEN_LIFETIME)}
            self._auth_codes = {}
            self._current_refresh_token = refresh_token

    @property
    def current_refresh_token(self) -> str:
        """The refresh token most recently issued: the one a client holding the latest grant has."""
        with self._lock:
            return self._current_refresh_token

    def refresh_token_expiry(self, token: str) -> float | None:
        with self._lock:
            grant = self._refresh_tokens.get(token)
            return None if grant is None else grant.expires_at

    def add_refresh_token(self, token: str, expires_at: float) -> None:
        with self._lock:
            self._refresh_tokens[token] = _Grant(expires_at)
            self._current_refresh_token = token

    def expire_refresh_token(self, token: str | None = None) -> None:
        with self._lock:
            grant = self._refresh_tokens.get(self._current_refresh_token if token is None else token)
            if grant is None:
                raise ValueError("unknown refresh token")
            grant.expires_at = 0.0

    def spend_refresh_token(self, token: str, now: float) -> tuple[GrantStatus, float]:
        """Checks and spends in one step, so two concurrent refreshes cannot both succeed. Returns the
        status before spending and the authorization's expiry time, which the next refresh token keeps."""
        with self._lock:
            grant = self._refresh_tokens.get(token)
            if grant is None:
                return "unknown", 0.0
            status = grant.status(now)
            if status == "valid":
                grant.spent = True
            return status, grant.expires_at

    def issue_auth_code(self, now: float, lifetime: float = AUTH_CODE_LIFETIME) -> str:
        # Prefixed like the tokens: a code starting with "-" would read as an option on a command line.
        code = new_token("ROW_code")
        with self._lock:
            self._auth_codes[code] = _Grant(now + lifetime)
        return code

    def spend_auth_code(self, code: str, now: float) -> GrantStatus:
        with self._lock:
            grant = self._auth_codes.get(code)
            if grant is None:
                return "unknown"
            status = grant.status(now)
            if status == "valid":
                grant.spent = True
            return status

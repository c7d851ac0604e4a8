"""The auth host's token endpoints: Get Access Token (authorization code) and Refresh Access Token.

Unsigned GET requests with app_key and app_secret in the query. Success hands out a new access token (7 days)
and a new refresh token; both `*_expire_in` values are absolute Unix times, as TikTok's are. The codes
for refusals are assumptions (see codes.py). The tokens are those of the seller the code or the refresh
token belongs to, and the answer names that seller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tiktok_emulator import codes
from tiktok_emulator.auth_state import (
    ACCESS_TOKEN_LIFETIME,
    REFRESH_TOKEN_LIFETIME,
    AuthState,
    GrantStatus,
    new_token,
)
from tiktok_emulator.sellers import DEFAULT_SELLER
from tiktok_emulator.shop_api import Rejection, Route, method_not_allowed, path_not_found
from tiktok_emulator.signing import sign_matches
from tiktok_emulator.state import ShopState
from tiktok_emulator.wire import Answer, IncomingRequest, envelope, new_request_id

# What every grant says of the seller besides its profile.
_GRANT_FIELDS: Final = {
    "user_type": 0,  # a seller (1 would be a creator)
    "granted_scopes": ["seller.authorization.info", "seller.return_refund.basic"],
}
SELLER: Final = {
    "open_id": DEFAULT_SELLER.open_id,
    "seller_name": DEFAULT_SELLER.seller_name,
    "seller_base_region": DEFAULT_SELLER.seller_base_region,
    **_GRANT_FIELDS,
}
"""The default seller, as the token endpoints describe it."""

_REFRESH_REFUSALS: Final[dict[GrantStatus, str]] = {
    "unknown": "can not find related auth record",
    "spent": "can not find related auth record: the refresh token was already used",
    "expired": "refresh token is expired; the seller must authorize the app again",
}


class AuthApi:
    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        shop_state: ShopState,
        auth_state: AuthState,
        clock: Callable[[], float],
    ) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.shop_state = shop_state
        self.auth_state = auth_state
        self.clock = clock

    def answer(self, request: IncomingRequest, route: Route) -> Answer:
        request_id = new_request_id(self.clock())
        if not route.known_path:
            return path_not_found(request_id)
        if not route.method_allowed:
            return method_not_allowed(request, route, request_id)
        refreshing = route.endpoint == "refresh_access_token"
        rejection = self._check_app(request) or _check_grant_type(
            request, "refresh_token" if refreshing else "authorized_code"
        )
        if rejection is None:
            granted = self._refresh(request) if refreshing else self._exchange_code(request)
            if isinstance(granted, dict):
                return envelope(codes.SUCCESS, "success", request_id, granted)
            rejection = granted
        return envelope(rejection.code, rejection.message, request_id)

    def _check_app(self, request: IncomingRequest) -> Rejection | None:
        app_key, app_secret = request.query.get("app_key"), request.query.get("app_secret")
        if app_key != self.app_key:
            return Rejection(codes.INVALID_CREDENTIALS, "Invalid credentials. The 'app_key' is invalid.")
        if app_secret is None or not sign_matches(self.app_secret, app_secret):
            return Rejection(codes.INVALID_CREDENTIALS, "Invalid credentials. The 'app_secret' is invalid.")
        return None

    def _refresh(self, request: IncomingRequest) -> dict[str, object] | Rejection:
        status, authorization_expiry, seller = self.auth_state.spend_refresh_token(
            request.query.get("refresh_token", ""), self.clock()
        )
        if status != "valid" or seller is None:
            return Rejection(codes.AUTH_RECORD_NOT_FOUND, _REFRESH_REFUSALS[status])
        # The new refresh token lives as long as the authorization, not a fresh year.
        return self._grant(seller, authorization_expiry)

    def _exchange_code(self, request: IncomingRequest) -> dict[str, object] | Rejection:
        status, seller = self.auth_state.spend_auth_code(request.query.get("auth_code", ""), self.clock())
        if status != "valid" or seller is None:
            return Rejection(codes.INVALID_AUTH_CODE, "invalid auth code")
        return self._grant(seller, self.clock() + REFRESH_TOKEN_LIFETIME)

    def _grant(self, seller: str, refresh_token_expiry: float) -> dict[str, object]:
        access_token, refresh_token = new_token("ROW_access"), new_token("ROW_refresh")
        access_token_expiry = int(self.clock()) + ACCESS_TOKEN_LIFETIME
        with self.shop_state.lock:
            self.shop_state.add_access_token(access_token, expires_at=access_token_expiry, seller=seller)
            profile = self.shop_state.sellers.profile(seller)
        self.auth_state.add_refresh_token(refresh_token, refresh_token_expiry, seller)
        return {
            "access_token": access_token,
            "access_token_expire_in": access_token_expiry,
            "refresh_token": refresh_token,
            "refresh_token_expire_in": int(refresh_token_expiry),
            "open_id": profile.open_id,
            "seller_name": profile.seller_name,
            "seller_base_region": profile.seller_base_region,
            **_GRANT_FIELDS,
        }


def _check_grant_type(request: IncomingRequest, expected: str) -> Rejection | None:
    if request.query.get("grant_type") != expected:
        return Rejection(codes.INVALID_PARAM, f"invalid param: grant_type must be {expected}")
    return None

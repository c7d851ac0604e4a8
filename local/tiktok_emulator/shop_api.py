"""The TikTok Shop endpoints themselves: routing, the checks TikTok makes in the order it makes them, the
approval with its idempotency, Get Authorized Shops (the shops of the access token's seller), and the
dispatch to Search Cancellations (search.py) and Get Order Detail (order_detail.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import unquote

from tiktok_emulator import codes
from tiktok_emulator.event_api import (
    ENDPOINT_BY_METHOD,
    EVENT_METHODS,
    EVENT_WEBHOOKS_PATH,
    EventEndpoint,
    ShopSubscriptions,
)
from tiktok_emulator.order_detail import answer_order_detail
from tiktok_emulator.rate_limit import RateLimit
from tiktok_emulator.search import answer_search
from tiktok_emulator.signing import sign, sign_matches
from tiktok_emulator.state import CancellationState, RepeatedKeyMode, ShopState
from tiktok_emulator.wire import Answer, IncomingRequest, envelope, new_request_id

_APPROVE_PATH: Final = re.compile(r"/return_refund/202309/cancellations/(?P<cancel_id>[^/]+)/approve")
Endpoint = Literal[
    "approve_cancellation",
    "search_cancellations",
    "get_authorized_shops",
    "get_order_detail",
    "get_access_token",
    "refresh_access_token",
    EventEndpoint,
]
# Endpoint and its one method, by exact path. The token endpoints are the auth host's: the emulator serves
# both hosts on one port, their paths do not overlap.
_FIXED_PATHS: Final[dict[str, tuple[Endpoint, str]]] = {
    "/authorization/202309/shops": ("get_authorized_shops", "GET"),
    "/return_refund/202309/cancellations/search": ("search_cancellations", "POST"),
    "/order/202309/orders": ("get_order_detail", "GET"),
    "/api/v2/token/get": ("get_access_token", "GET"),
    "/api/v2/token/refresh": ("refresh_access_token", "GET"),
}
AUTH_HOST_ENDPOINTS: Final[frozenset[Endpoint]] = frozenset({"get_access_token", "refresh_access_token"})

# TikTok accepts a timestamp up to 5 minutes old and 30 seconds ahead of its own clock.
_MAX_TIMESTAMP_AGE: Final = 300
_MAX_TIMESTAMP_LEAD: Final = 30
_MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255

_INVALID_PARAMETER_MESSAGE: Final = (
    "An invalid request parameter was passed. Please check that you have the correct parameter type(s) "
    "and format."
)
_OUTCOMES: Final[dict[CancellationState | None, tuple[int, str]]] = {
    "pending": (codes.SUCCESS, "Success"),
    "approved": (codes.REVERSE_STATUS_CANNOT_APPROVE, "reverse status cannot approve application"),
    "complete": (codes.REVERSE_STATUS_CANNOT_APPROVE, "reverse status cannot approve application"),
    "shipped": (
        codes.ORDER_ALREADY_SHIPPED,
        "The order has already been shipped and we are unable to cancel shipment with the courier.",
    ),
    "cancelled": (codes.REVERSE_ALREADY_CANCELLED, "reverse already cancelled"),
    "other_seller": (codes.NO_PERMISSION, "No permission to process this order"),
    None: (codes.ORDER_NOT_FOUND, "Order not found."),
}


@dataclass(frozen=True)
class Route:
    known_path: bool
    method_allowed: bool
    cancel_id: str | None
    endpoint: Endpoint | None = None
    allowed_method: str = "POST"

    @property
    def on_auth_host(self) -> bool:
        return self.endpoint in AUTH_HOST_ENDPOINTS


def match_route(method: str, path: str) -> Route:
    if path == EVENT_WEBHOOKS_PATH:  # one path, three methods: event_api.py
        event_endpoint = ENDPOINT_BY_METHOD.get(method)
        return Route(True, event_endpoint is not None, None, event_endpoint, allowed_method=EVENT_METHODS)
    if path in _FIXED_PATHS:
        endpoint, allowed = _FIXED_PATHS[path]
        return Route(
            known_path=True,
            method_allowed=method == allowed,
            cancel_id=None,
            endpoint=endpoint,
            allowed_method=allowed,
        )
    match = _APPROVE_PATH.fullmatch(path)
    if match is None:
        return Route(known_path=False, method_allowed=False, cancel_id=None)
    return Route(
        known_path=True,
        method_allowed=method == "POST",
        cancel_id=unquote(match["cancel_id"]),
        endpoint="approve_cancellation",
    )


@dataclass(frozen=True)
class Rejection:
    code: int
    message: str


class ShopApi:
    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        shop_cipher: str,
        state: ShopState,
        clock: Callable[[], float],
        repeated_key: RepeatedKeyMode = "replay",
    ) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.shop_cipher = shop_cipher
        self.state = state
        self.clock = clock
        self.repeated_key: RepeatedKeyMode = repeated_key
        self.events = ShopSubscriptions()

    def admits(self, request: IncomingRequest, route: Route, rate_limit: RateLimit) -> bool:
        """TikTok's rate limit, counted on arrival per app, shop and endpoint, before any processing time:
        only requests for this app's shop API endpoints count."""
        if route.endpoint is None or route.on_auth_host or request.query.get("app_key") != self.app_key:
            return True
        return rate_limit.admit(self.app_key, request.query.get("shop_cipher", ""), route.endpoint)

    def answer(self, request: IncomingRequest, route: Route) -> Answer:
        request_id = new_request_id(self.clock())
        if not route.known_path:
            return path_not_found(request_id)
        if not route.method_allowed:
            return method_not_allowed(request, route, request_id)
        for check in _CHECKS[route.endpoint or "approve_cancellation"]:
            rejection = check(self, request)
            if rejection is not None:
                return envelope(rejection.code, rejection.message, request_id)
        return self._serve(request, route, request_id)

    def _serve(self, request: IncomingRequest, route: Route, request_id: str) -> Answer:
        """The endpoint's own answer, once every check passed."""
        if route.endpoint == "search_cancellations":
            return answer_search(self.state, request, request_id, self.clock())
        if route.endpoint == "get_order_detail":
            return answer_order_detail(self.state, request, request_id)
        if request.path == EVENT_WEBHOOKS_PATH:
            return self.events.answer(request, request_id, self.clock())
        if route.cancel_id is None:
            # The access token check passed: the token is a seller's.
            seller = self.state.seller_of_token(request.headers["x-tts-access-token"])
            shops = [shop.to_json() for shop in self.state.authorized_shops(seller)]
            return envelope(codes.SUCCESS, "Success", request_id, {"shops": shops})
        return self._approve(route.cancel_id, request, request_id)

    def _approve(self, cancel_id: str, request: IncomingRequest, request_id: str) -> Answer:
        # An empty key identifies nothing, so it is treated as no key at all.
        key = request.query.get("idempotency_key") or None
        shop_cipher = request.query["shop_cipher"]
        # Lookup, transition and storing must be one step, or two concurrent requests could both approve.
        with self.state.lock:
            if key is not None and self.repeated_key == "replay":
                stored = self.state.stored_answer(shop_cipher, key)
                if stored is not None:
                    return stored
            current = self.state.cancellation_state(cancel_id)
            owner = self.state.shop_of(cancel_id)
            if current is not None and owner is not None and owner != shop_cipher:
                # Another shop's order, even one of the same seller: answered as TikTok answers an order
                # this shop may not process, whatever its state.
                current = "other_seller"
            if current == "pending":
                self.state.record_approval(cancel_id, self.clock())
            code, message = _OUTCOMES[current]
            answer = envelope(code, message, request_id, {} if code == codes.SUCCESS else None)
            if key is not None:
                self.state.store_answer(shop_cipher, key, answer, cancel_id)
            return answer


def too_many_requests(request_id: str) -> Answer:
    message = "Too many requests. Please retry after a while."
    return envelope(codes.TOO_MANY_REQUESTS, message, request_id, http_status=429)


def path_not_found(request_id: str) -> Answer:
    message = "Invalid path. Please check the request path and the API version."
    return envelope(codes.INVALID_PATH, message, request_id, http_status=404)


def method_not_allowed(request: IncomingRequest, route: Route, request_id: str) -> Answer:
    message = f"Method {request.method} is not allowed for this path. Please use {route.allowed_method}."
    return envelope(codes.METHOD_NOT_ALLOWED, message, request_id, http_status=405)


def _check_app_key(api: ShopApi, request: IncomingRequest) -> Rejection | None:
    app_key = request.query.get("app_key")
    if app_key is None:
        return Rejection(codes.INVALID_CREDENTIALS, "Invalid credentials. The 'app_key' is missing.")
    if app_key != api.app_key:
        return Rejection(codes.INVALID_CREDENTIALS, "Invalid credentials. The 'app_key' is invalid.")
    return None


def _check_timestamp(api: ShopApi, request: IncomingRequest) -> Rejection | None:
    raw = request.query.get("timestamp", "")
    # int() alone would also take " 12", "+12" and "1_2", and refuses over 4300 digits with an error.
    if raw.isascii() and raw.isdigit() and len(raw) <= 20:
        now = api.clock()
        if now - _MAX_TIMESTAMP_AGE <= int(raw) <= now + _MAX_TIMESTAMP_LEAD:
            return None
    message = (
        "Invalid timestamp. The 'timestamp' parameter must be Unix seconds within 5 minutes before "
        "and 30 seconds after the server time."
    )
    return Rejection(codes.INVALID_CREDENTIALS, message)


def _check_access_token(api: ShopApi, request: IncomingRequest) -> Rejection | None:
    token = request.headers.get("x-tts-access-token")
    if token is None:
        message = "Invalid credentials. The 'x-tts-access-token' header is missing."
        return Rejection(codes.INVALID_CREDENTIALS, message)
    status = api.state.token_status(token, api.clock())
    if status == "unknown":
        return Rejection(codes.INVALID_CREDENTIALS, "Invalid credentials. The access token is invalid.")
    if status == "expired":
        return Rejection(codes.ACCESS_TOKEN_EXPIRED, "Access token is expired")
    return None


def _check_sign(api: ShopApi, request: IncomingRequest) -> Rejection | None:
    given = request.query.get("sign")
    if given is None:
        return Rejection(codes.INVALID_SIGN, "Invalid sign. The 'sign' parameter is missing.")
    content_type = request.headers.get("content-type")
    expected = sign(api.app_secret, request.path, request.query, request.body, content_type)
    if not sign_matches(expected, given):
        return Rejection(codes.INVALID_SIGN, "Invalid sign")
    return None


def _check_shop_cipher(api: ShopApi, request: IncomingRequest) -> Rejection | None:
    shop_cipher = request.query.get("shop_cipher")
    if shop_cipher is None:
        return Rejection(codes.SHOP_CIPHER_MISSING, "The 'shop_cipher' parameter is required for this API.")
    # Any shop of the token's seller will do (by default there is one, with the emulator's shop_cipher).
    # The access token check passed before this one, so the header is there.
    access = api.state.cipher_access(request.headers["x-tts-access-token"], shop_cipher)
    if access == "mismatch":
        # Another seller's shop, or one this seller de-authorized: TikTok's "token/shop mismatch".
        message = "Invalid access token. The access token does not match the shop of the 'shop_cipher'."
        return Rejection(codes.INVALID_TOKEN, message)
    if access == "unknown":
        message = "Invalid credentials. The 'shop_cipher' parameter does not match an authorized shop."
        return Rejection(codes.INVALID_CREDENTIALS, message)
    return None


def _check_idempotency_key(api: ShopApi, request: IncomingRequest) -> Rejection | None:
    del api
    if len(request.query.get("idempotency_key", "")) > _MAX_IDEMPOTENCY_KEY_LENGTH:
        return Rejection(codes.INVALID_REQUEST_PARAMETER, _INVALID_PARAMETER_MESSAGE)
    return None


Check = Callable[[ShopApi, IncomingRequest], Rejection | None]
# Get Authorized Shops takes no shop_cipher: it is how a client learns its shop's.
_SHOP_LIST_CHECKS: Final[tuple[Check, ...]] = (
    _check_app_key,
    _check_timestamp,
    _check_access_token,
    _check_sign,
)
_APPROVAL_CHECKS: Final[tuple[Check, ...]] = (*_SHOP_LIST_CHECKS, _check_shop_cipher, _check_idempotency_key)
_CHECKS: Final[dict[Endpoint, tuple[Check, ...]]] = {
    "approve_cancellation": _APPROVAL_CHECKS,
    "search_cancellations": (*_SHOP_LIST_CHECKS, _check_shop_cipher),
    "get_order_detail": (*_SHOP_LIST_CHECKS, _check_shop_cipher),
    "get_authorized_shops": _SHOP_LIST_CHECKS,
    **dict.fromkeys(ENDPOINT_BY_METHOD.values(), (*_SHOP_LIST_CHECKS, _check_shop_cipher)),
}

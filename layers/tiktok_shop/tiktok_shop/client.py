"""The TikTok Shop HTTP client: signed requests on one pooled session, transient failures retried."""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Collection, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import requests
import urllib3

from ._version import USER_AGENT_PRODUCT, __version__
from .errors import DeadlineReached, TikTokAPIError, TikTokTransportError, TikTokValidationError
from .rate_limit import RateLimiter
from .responses import parse_envelope
from .retry import RetryPolicy
from .return_refund import ReturnRefundApi
from .signing import sign
from .validation import require_text

if TYPE_CHECKING:
    from .auth import AuthApi
    from .authorization import AuthorizationApi
    from .events import EventApi
    from .orders import OrderApi

DEFAULT_BASE_URL = "https://open-api.tiktokglobalshop.com"
# The token endpoints (get, refresh) live on a host of their own.
DEFAULT_AUTH_BASE_URL = "https://auth.tiktok-shops.com"
# (connect, read) in seconds: connecting is quick or broken; TikTok's own gateway times out near 10 s.
DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 10.0)
USER_AGENT = f"{USER_AGENT_PRODUCT}/{__version__} python-requests/{requests.__version__}"

logger = logging.getLogger(__name__)

Timeout = float | tuple[float, float]


class TikTokShopClient:
    """A client for TikTok Shop's Partner API (version 202309), grouped as the official SDK groups it.

    >>> client = TikTokShopClient(app_key="...", app_secret="...")
    >>> client.set_access_token("...")
    >>> client.set_shop_cipher("...")
    >>> client.return_refund.approve_cancellation(cancel_id="576...", query={"idempotency_key": "..."})
    >>> client.auth.refresh_access_token(refresh_token="...")  # a TokenGrant, from the auth host
    >>> client.authorization.get_authorized_shops()  # the shops the access token may act for
    >>> client.event.update_shop_webhook("CANCELLATION_STATUS_CHANGE", "https://...")  # the Event API
    """

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry_policy: RetryPolicy | None = None,
        access_token: str | None = None,
        shop_cipher: str | None = None,
        session: requests.Session | None = None,
        auth_base_url: str = DEFAULT_AUTH_BASE_URL,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        """`rate_limiter` is asked for a slot before every attempt at the shop API (not the token host):
        TikTok counts retries against its limit too."""
        self.app_key = app_key
        self._app_secret = app_secret
        self.base_url = _validated_base_url(base_url)
        self.auth_base_url = _validated_base_url(auth_base_url, name="auth_base_url")
        self.timeout = _validated_timeout(timeout)
        self.retry_policy = retry_policy or RetryPolicy()
        self._access_token = access_token
        self.shop_cipher = shop_cipher
        self.rate_limiter = rate_limiter
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self.return_refund = ReturnRefundApi(self)

    # The token, shop-list and Event APIs serve the rotation and the operator's scripts, never an approval:
    # an approval's cold start does not import them.
    @functools.cached_property
    def auth(self) -> AuthApi:
        from .auth import AuthApi  # noqa: PLC0415

        return AuthApi(self)

    @functools.cached_property
    def authorization(self) -> AuthorizationApi:
        from .authorization import AuthorizationApi  # noqa: PLC0415

        return AuthorizationApi(self)

    @functools.cached_property
    def order(self) -> OrderApi:
        from .orders import OrderApi  # noqa: PLC0415

        return OrderApi(self)

    @functools.cached_property
    def event(self) -> EventApi:
        from .events import EventApi  # noqa: PLC0415

        return EventApi(self)

    def set_access_token(self, token: str) -> None:
        self._access_token = token

    def set_shop_cipher(self, cipher: str) -> None:
        self.shop_cipher = cipher

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> TikTokShopClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TikTokShopClient(app_key={self.app_key!r}, base_url={self.base_url!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        shop_cipher_required: bool = True,
        deadline: float | None = None,
        api: str | None = None,
    ) -> dict[str, Any]:
        """Send a signed request, retrying transient failures; return the envelope of a `code` 0 answer.

        `deadline` is an absolute Unix time: no attempt starts, and no network wait lasts, past it. `api`:
        the endpoint's path template when `path` holds an id (the rate limiter paces each API apart);
        default `path`.
        """
        # Built once up front so that a missing credential fails before any network activity.
        self.prepare_request(method, path, query=query, body=body, shop_cipher_required=shop_cipher_required)

        def attempt(time_left: float | None) -> dict[str, Any]:
            if self.rate_limiter is not None:
                shop = str((query or {}).get("shop_cipher") or self.shop_cipher or "")
                self.rate_limiter.acquire(self.app_key, shop, deadline, api or path)
                if deadline is not None:
                    # The wait for the slot took some of it: the network wait gets what is left now.
                    time_left = deadline - time.time()
                    if time_left <= 0:
                        raise DeadlineReached("no time left after the wait for a request slot; not sent")
            # Re-signed on every attempt (after any wait for a slot): TikTok refuses a timestamp older than
            # five minutes.
            prepared = self.prepare_request(
                method, path, query=query, body=body, shop_cipher_required=shop_cipher_required
            )
            return self._send(prepared, path=path, time_left=time_left)

        return self.retry_policy.call(attempt, deadline=deadline)

    def prepare_request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        shop_cipher_required: bool = True,
        timestamp: int | None = None,
    ) -> requests.PreparedRequest:
        """The exact request that would go on the wire now: query with timestamp and sign, token header."""
        app_key = require_text("app_key", self.app_key)
        app_secret = require_text("app_secret", self._app_secret)
        access_token = require_text("access_token", self._access_token)
        signed_query = {"app_key": app_key, **(query or {})}
        if shop_cipher_required:
            cipher = signed_query.get("shop_cipher", self.shop_cipher)
            signed_query["shop_cipher"] = require_text("shop_cipher", cipher)
        signed_query["timestamp"] = str(int(self.retry_policy.clock()) if timestamp is None else timestamp)
        signed_query["sign"] = sign(app_secret, path, signed_query, body or b"")
        # quote, not quote_plus: a "+" or a space must reach TikTok as the character that was signed.
        url = f"{self.base_url}{path}?{urlencode(signed_query, quote_via=quote, safe='')}"
        headers = {"content-type": "application/json", "x-tts-access-token": access_token}
        request = requests.Request(method, url, headers=headers, data=body)
        return self._session.prepare_request(request)

    def token_request(
        self,
        path: str,
        *,
        query: Mapping[str, str],
        secret_params: Collection[str] = (),
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """GET a token endpoint of the auth host; return the envelope of a `code` 0 answer.

        Those endpoints are not signed and take no token header: `app_key` and `app_secret` travel in the
        query, so the URL itself is a secret and never reaches a log line or an error. Neither do the
        values of `secret_params` (the refresh token, the authorization code), should TikTok echo them.
        """
        app_key = require_text("app_key", self.app_key)
        app_secret = require_text("app_secret", self._app_secret)
        full_query = {"app_key": app_key, "app_secret": app_secret, **query}
        url = f"{self.auth_base_url}{path}?{urlencode(full_query, quote_via=quote, safe='')}"
        prepared = self._session.prepare_request(requests.Request("GET", url))

        def attempt(time_left: float | None) -> dict[str, Any]:
            return self._send(prepared, path=path, time_left=time_left, base_url=self.auth_base_url)

        try:
            return self.retry_policy.call(attempt, deadline=deadline)
        except TikTokAPIError as error:
            _hide_values(error, [app_secret, *(query[name] for name in secret_params if name in query)])
            raise

    def _send(
        self,
        prepared: requests.PreparedRequest,
        *,
        path: str,
        time_left: float | None,
        base_url: str | None = None,
    ) -> dict[str, Any]:
        # What Session.request would add: proxy and CA bundle settings from the environment.
        settings = self._session.merge_environment_settings(prepared.url, {}, None, None, None)
        started = time.monotonic()
        try:
            # requests' HTTPAdapter takes a urllib3 Timeout as is; its type stubs do not say so.
            timeout = _clip(self.timeout, time_left)
            response = self._session.send(prepared, timeout=timeout, **settings)  # type: ignore[arg-type]
        except requests.exceptions.RequestException as exc:
            # The cause's text holds the URL: signed, or with the app secret in it.
            raise _transport_error(exc, base_url or self.base_url) from None
        elapsed_ms = round((time.monotonic() - started) * 1000)
        try:
            envelope = parse_envelope(response.status_code, response.content, response.headers)
        except TikTokAPIError as error:
            logger.info(
                "TikTok call failed",
                extra={"path": path, "http_status": response.status_code, "code": error.code,
                       "request_id": error.request_id, "elapsed_ms": elapsed_ms},
            )  # fmt: skip
            raise
        logger.debug("TikTok call succeeded", extra={"path": path, "elapsed_ms": elapsed_ms})
        return envelope


def _hide_values(error: TikTokAPIError, values: list[str]) -> None:
    for value in values:
        if value:
            error.message = error.message.replace(value, "***")
    error.args = (error.message,)


def _transport_error(exc: requests.exceptions.RequestException, base_url: str) -> TikTokTransportError:
    host = urlsplit(base_url).netloc
    if isinstance(exc, requests.exceptions.SSLError):
        # A certificate that does not verify will not heal by itself; a TLS connection cut short may.
        verify_failed = "CERTIFICATE_VERIFY_FAILED" in str(exc)
        return TikTokTransportError(f"TLS with {host} failed", retryable=not verify_failed)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TikTokTransportError(f"timed out connecting to {host}", timed_out=True)
    # requests reports a timeout while reading the body as a ConnectionError wrapping urllib3's.
    read_timeout_in_body = any(isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in exc.args)
    if isinstance(exc, requests.exceptions.ReadTimeout) or read_timeout_in_body:
        return TikTokTransportError(f"timed out waiting for {host} to answer", timed_out=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return TikTokTransportError(f"connection to {host} failed or was dropped")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return TikTokTransportError(f"answer from {host} was cut off")
    return TikTokTransportError(f"request to {host} failed ({type(exc).__name__})", retryable=False)


def _clip(timeout: tuple[float, float], time_left: float | None) -> tuple[float, float] | urllib3.Timeout:
    if time_left is None:
        return timeout
    # total bounds connect and read together: separately capped, they could add up past the deadline.
    return urllib3.Timeout(
        connect=min(timeout[0], time_left), read=min(timeout[1], time_left), total=time_left
    )


def _validated_timeout(timeout: Timeout) -> tuple[float, float]:
    pair = (timeout, timeout) if isinstance(timeout, int | float) else tuple(timeout)
    if len(pair) != 2 or not all(isinstance(t, int | float) and 0 < t < math.inf for t in pair):
        raise TikTokValidationError("timeout must be a positive number or a (connect, read) pair of them")
    return (float(pair[0]), float(pair[1]))


def _validated_base_url(base_url: str, *, name: str = "base_url") -> str:
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
        raise TikTokValidationError(f"{name} must be an http(s) URL without a query, such as https://host")
    return base_url.rstrip("/")

"""TikTokEmulator: a fake TikTok Shop API on a loopback port, for local runs and tests. Never deployed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tiktok_emulator.auth_api import AuthApi
from tiktok_emulator.auth_state import AUTH_CODE_LIFETIME, REFRESH_TOKEN_LIFETIME, AuthState, new_token
from tiktok_emulator.buyer_cancellations import (
    DEFAULT_CANCEL_REASON,
    DEFAULT_REFUND_TOTAL,
    new_buyer_cancellation,
)
from tiktok_emulator.config import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SHOP_CIPHER,
    Seed,
    SellerSpec,
    check_distinct_sellers,
    check_seeded_once,
    read_seed_file,
)
from tiktok_emulator.controls import answer_control, is_control_path
from tiktok_emulator.event_api import Subscription
from tiktok_emulator.faults import Fault, FaultPlan
from tiktok_emulator.notifications import (
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    SellerNotification,
    new_notification_id,
    notification_of_change,
)
from tiktok_emulator.order_detail import order_json
from tiktok_emulator.orders import is_fulfillment_type, is_order_status
from tiktok_emulator.rate_limit import DEFAULT_RATE_LIMIT, RateLimit
from tiktok_emulator.recorder import CallRecorder, RecordedCall, redacted_query
from tiktok_emulator.search import RESPONSE_WINDOW
from tiktok_emulator.sellers import EmulatorSeller
from tiktok_emulator.server import EmulatorHTTPServer
from tiktok_emulator.shop_api import Route, ShopApi, match_route, too_many_requests
from tiktok_emulator.shops import AuthorizedShop
from tiktok_emulator.signing import sign
from tiktok_emulator.state import (
    CancellationState,
    RepeatedKeyMode,
    ShopState,
    is_repeated_key_mode,
    validate_cancellations,
)
from tiktok_emulator.webhook_delivery import DeliveryAttempt, WebhookDispatcher, WebhookSettings
from tiktok_emulator.wire import Answer, IncomingRequest, new_request_id

logger = logging.getLogger("tiktok_emulator")


class TikTokEmulator:
    """Explicit arguments win over the seed file, which wins over the DEFAULT_* credentials.

    Sellers: the constructor's credentials and shops are the default seller's (open_id
    "emulator-open-id"), and every method without a `seller` argument acts on it. add_seller (and the seed
    file's "sellers") adds others; a `seller` argument is an open_id. Each access and refresh token
    belongs to one seller and acts only for that seller's shops.
    """

    def __init__(
        self,
        *,
        app_key: str | None = None,
        app_secret: str | None = None,
        access_token: str | None = None,
        shop_cipher: str | None = None,
        cancellations: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        seed_file: str | Path | None = None,
        refresh_token: str | None = None,
        shops: Sequence[AuthorizedShop] | None = None,
        repeated_key: RepeatedKeyMode = "replay",
        rate_limit: float | None = DEFAULT_RATE_LIMIT,
    ) -> None:
        """`shops`: what Get Authorized Shops lists (default: one shop, with `shop_cipher`); approvals
        accept the cipher of any of them. `repeated_key`: what an approval with an idempotency_key seen
        before does, which TikTok does not document ("replay" the first answer, or "reprocess").
        `rate_limit`: requests per second per app, shop and endpoint (TikTok's 50), None for none."""
        seed = read_seed_file(seed_file) if seed_file is not None else Seed()
        from_file = seed.credentials
        self.app_key = app_key or from_file.get("app_key", DEFAULT_APP_KEY)
        self.app_secret = app_secret or from_file.get("app_secret", DEFAULT_APP_SECRET)
        self.shop_cipher = shop_cipher or from_file.get("shop_cipher", DEFAULT_SHOP_CIPHER)
        self._initial_access_token = access_token or from_file.get("access_token", DEFAULT_ACCESS_TOKEN)
        self._initial_refresh_token = refresh_token or from_file.get("refresh_token", DEFAULT_REFRESH_TOKEN)
        self._initial_shops = list(shops) if shops is not None else [AuthorizedShop(self.shop_cipher)]
        explicit = validate_cancellations(cancellations or {})
        self._initial_cancellations: dict[str, CancellationState] = {**seed.cancellations, **explicit}
        # Tokens drawn once, so that reset() brings back the same sellers with the same tokens; a
        # cancellation the arguments name is theirs, no seller shop's.
        self._initial_sellers = tuple(_with_tokens(spec, overridden=explicit) for spec in seed.sellers)
        self.host = host
        self.port = port
        self._clock = clock
        self._state = ShopState(self._initial_cancellations, self._initial_access_token, self._initial_shops)
        self._rate_limit = RateLimit(rate_limit)
        self._initial_rate_limit = rate_limit
        self._api = ShopApi(
            app_key=self.app_key,
            app_secret=self.app_secret,
            shop_cipher=self.shop_cipher,
            state=self._state,
            clock=clock,
        )
        self._initial_repeated_key = repeated_key
        self.set_repeated_key_mode(repeated_key)
        self._auth_state = AuthState(self._initial_refresh_token, clock())
        self._auth_api = AuthApi(
            app_key=self.app_key,
            app_secret=self.app_secret,
            shop_state=self._state,
            auth_state=self._auth_state,
            clock=clock,
        )
        self._add_sellers(self._initial_sellers, now=None)
        self._faults = FaultPlan()
        self._recorder = CallRecorder()
        self._webhooks = WebhookDispatcher(clock)
        self._state.status_listener = self._on_status_change
        self._stopping = threading.Event()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_seed_file(cls, path: str | Path, **kwargs: Any) -> Self:
        return cls(seed_file=path, **kwargs)

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._stopping.clear()
        self._server = EmulatorHTTPServer(self.host, self.port, self.respond)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # shutdown() waits for the next poll: the default 0.5 s would make every stop() (and every test
            # using the fixture) that much slower.
            kwargs={"poll_interval": 0.01},
            name=f"tiktok-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._webhooks.stop()
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def describe(self) -> dict[str, object]:
        """What a client needs to talk to this emulator; the CLI prints it for its parent process."""
        return {
            "url": self.url,
            "host": self.host,
            "port": self.port,
            "app_key": self.app_key,
            "app_secret": self.app_secret,
            "access_token": self.access_token,
            "shop_cipher": self.shop_cipher,
            "refresh_token": self.refresh_token,
        }

    # -- state -------------------------------------------------------------------------------------------

    def seed(
        self,
        cancellations: Mapping[str, str] | None = None,
        shop_cipher: str | None = None,
        sellers: Sequence[SellerSpec] = (),
    ) -> None:
        """Adds or overwrites cancellations; states: pending, approved, complete, shipped, cancelled,
        other_seller. Seeding "approved" is an approval made elsewhere (Seller Center): not counted.
        `shop_cipher`: the shop they belong to (a seller's shop now, or one of `sellers`'); approved with
        another shop's cipher they answer as "other_seller" does, and Search lists them for that shop
        only. None: any shop's. `sellers` are added with their shops' cancellations; one the emulator has
        already (the seed file's own, seeded again by `make local-seed`) is not added twice: only its
        shops' cancellations are seeded. So the seed file's content, without the credentials it alone
        can set, is this method's arguments. All or nothing: a refused seed changes nothing."""
        valid = validate_cancellations(cancellations or {})
        check_seeded_once(valid, sellers)
        with self._state.lock:
            existing = {seller.open_id: seller for seller in self.sellers()}
            new = [spec for spec in sellers if spec.open_id not in existing]
            known = [spec for spec in sellers if spec.open_id in existing]
            for spec in known:
                ciphers = {shop.cipher for shop in existing[spec.open_id].shops}
                for cipher in spec.cancellations:
                    if cipher not in ciphers:
                        raise ValueError(f"seller {spec.open_id} exists and has no shop {cipher} (now)")
            if shop_cipher is not None:
                ciphers = {shop.cipher for seller in existing.values() for shop in seller.shops}
                ciphers |= {shop.cipher for spec in new for shop in spec.shops}
                if shop_cipher not in ciphers:
                    raise ValueError(f"shop_cipher {shop_cipher!r} is no seller's shop")
            now = self._clock()
            self._add_sellers(new, now)
            for spec in known:
                for cipher, owned in spec.cancellations.items():
                    self._state.seed(owned, now, cipher)
            self._state.seed(valid, now, shop_cipher)

    def forget_not_found(self, cancel_ids: Sequence[str]) -> dict[str, int]:
        """Forgets the "no such cancellation" (25007006) answers stored for these cancel_ids' idempotency
        keys: in replay mode the same key then reaches a cancellation seeded since, instead of the first
        answer. Not something TikTok does; for a local stack whose user seeds a cancel_id already refused
        (`make local-seed`). Returns how many answers were forgotten per cancel_id."""
        return self._state.forget_not_found(cancel_ids)

    def withdraw(self, cancel_id: str) -> None:
        """The buyer withdraws the request: from now on it is CANCELLATION_REQUEST_CANCELLED (a webhook says
        so, when configure_webhooks names a URL)."""
        self._state.set_cancellation_state(cancel_id, "cancelled", self._clock())

    def approve_elsewhere(self, cancel_id: str) -> None:
        """The seller approves in Seller Center (or the system does): not counted in approvals()."""
        self._state.set_cancellation_state(cancel_id, "approved", self._clock())

    def create_buyer_cancellation(
        self,
        *,
        shop_id: str | None = None,
        shop_cipher: str | None = None,
        reason: str = DEFAULT_CANCEL_REASON,
        refund_total: str = DEFAULT_REFUND_TOTAL,
        currency: str | None = None,
        response_window: int = RESPONSE_WINDOW,
    ) -> dict[str, object]:
        """A buyer asks to cancel a new order of a shop: a pending BUYER_CANCEL request with its reason,
        refund and deadline (now + `response_window` seconds) in Search Cancellations, its order (awaiting
        shipment) in Get Order Detail, and a webhook. The shop: `shop_cipher`, or `shop_id` if only one shop
        has it, or neither: the default seller's first shop. `reason`: one of TikTok's buyer reason names
        (buyer_cancellations.BUYER_CANCEL_REASONS); `refund_total`: decimal text; `currency` (default: the
        shop's region's). Returns `{"cancel_id", "order_id", "shop_id", "shop_cipher", "deadline"}`."""
        now = self._clock()
        with self._state.lock:
            shop = self._state.sellers.find_shop(shop_id=shop_id, shop_cipher=shop_cipher)
            request, order = new_buyer_cancellation(
                shop=shop,
                reason=reason,
                refund_total=refund_total,
                currency=currency,
                response_window=response_window,
                now=now,
                is_unused=self._state.is_unused,
            )
            self._state.add_buyer_cancellation(request, order, now)
        return {
            "cancel_id": request.cancel_id,
            "order_id": request.order_id,
            "shop_id": request.shop_id,
            "shop_cipher": request.shop_cipher,
            "deadline": request.deadline,
        }

    def update_order(
        self, order_id: str, status: str | None = None, fulfillment_type: str | None = None
    ) -> dict[str, object]:
        """Changes an order's `status` (AWAITING_SHIPMENT, AWAITING_COLLECTION, IN_TRANSIT, DELIVERED,
        COMPLETED, CANCELLED, ...) or `fulfillment_type` (FULFILLMENT_BY_SELLER, FULFILLMENT_BY_TIKTOK);
        returns it as Get Order Detail lists it. Shipped (IN_TRANSIT, DELIVERED, COMPLETED), its pending
        cancellation answers approvals with 25001045, as a seeded "shipped" one does."""
        if status is None and fulfillment_type is None:
            raise ValueError("give status or fulfillment_type (or both)")
        if status is not None and not is_order_status(status):
            raise ValueError(
                f"status must be a TikTok order status such as AWAITING_SHIPMENT, got {status!r}"
            )
        if fulfillment_type is not None and not is_fulfillment_type(fulfillment_type):
            raise ValueError(
                "fulfillment_type must be FULFILLMENT_BY_SELLER or FULFILLMENT_BY_TIKTOK, "
                f"got {fulfillment_type!r}"
            )
        order = self._state.update_order(order_id, status, fulfillment_type, self._clock())
        return order_json(self._state, order)

    def approvals(self) -> dict[str, int]:
        """How many times an Approve Cancellation call moved each cancellation from pending to approved."""
        return self._state.approvals()

    @property
    def rate_limit(self) -> RateLimit:
        """The per app, shop and endpoint limit: `counts()` says how many requests it refused (429)."""
        return self._rate_limit

    def set_rate_limit(self, limit: float | None) -> None:
        """TikTok's limit per app, shop and endpoint from now on, in requests per second (None: none);
        the counts start again."""
        self._rate_limit.set_limit(limit)
        self._rate_limit.reset()

    def rate_limit_counts(self) -> dict[str, object]:
        """`{"limit", "admitted", "rejected"}`: what the rate limit let through and refused (429)."""
        return self._rate_limit.counts()

    @property
    def repeated_key_mode(self) -> RepeatedKeyMode:
        return self._api.repeated_key

    def set_repeated_key_mode(self, mode: str) -> None:
        """What a repeated idempotency_key does from now on: "replay" the first answer, or "reprocess"."""
        if not is_repeated_key_mode(mode):
            raise ValueError(f"repeated_key must be 'replay' or 'reprocess', got {mode!r}")
        self._api.repeated_key = mode

    def cancellation_state(self, cancel_id: str) -> CancellationState | None:
        """One cancellation's state; None if the emulator does not know it."""
        return self._state.cancellation_state(cancel_id)

    def cancellations(self) -> dict[str, CancellationState]:
        """Every cancellation the emulator knows, with its state."""
        return self._state.cancellations()

    @property
    def access_token(self) -> str:
        """The default seller's most recently issued token (after add_access_token, the new one)."""
        return self._state.current_access_token

    def access_token_of(self, seller: str | None = None) -> str:
        """The seller's most recently issued access token."""
        return self._state.access_token_of(seller)

    def add_access_token(self, token: str, seller: str | None = None) -> None:
        """Issues another valid token, as a refresh would; older tokens stay valid until expired.
        ValueError when `token` is another seller's."""
        self._state.add_access_token(token, seller=seller)

    def expire_token(self, token: str | None = None, seller: str | None = None) -> None:
        """From now on `token` (default: the seller's issued last) answers 105002."""
        if token is not None and seller is not None:
            raise ValueError("give token or seller, not both")
        self._state.expire_access_token(token if seller is None else self.access_token_of(seller))

    def revoke_token(self, token: str) -> None:
        """From now on `token` is unknown and answers 36009004."""
        self._state.revoke_access_token(token)

    # -- authorization: refresh tokens, authorization codes, shops -----------------------------------------

    @property
    def refresh_token(self) -> str:
        """The default seller's refresh token most recently issued (each one can be used once)."""
        return self._auth_state.current_refresh_token

    def refresh_token_of(self, seller: str | None = None) -> str:
        """The seller's refresh token most recently issued."""
        return self._auth_state.refresh_token_of(self._resolve(seller))

    def refresh_token_expire_in(self, token: str | None = None) -> int | None:
        """When `token` (default: the current one) expires, as a Unix time; None if unknown."""
        expiry = self._auth_state.refresh_token_expiry(self.refresh_token if token is None else token)
        return None if expiry is None else int(expiry)

    def issue_refresh_token(self, lifetime: float = REFRESH_TOKEN_LIFETIME, seller: str | None = None) -> str:
        """A new valid refresh token, as if the seller had just authorized the app again; it expires
        `lifetime` seconds from now."""
        _check_lifetime(lifetime)
        token = new_token("ROW_refresh")
        self._auth_state.add_refresh_token(token, self._clock() + lifetime, self._resolve(seller))
        return token

    def expire_refresh_token(self, token: str | None = None, seller: str | None = None) -> None:
        """From now on `token` (default: the seller's issued last) is refused as expired."""
        if token is not None and seller is not None:
            raise ValueError("give token or seller, not both")
        self._auth_state.expire_refresh_token(token if seller is None else self.refresh_token_of(seller))

    def issue_auth_code(self, lifetime: float = AUTH_CODE_LIFETIME, seller: str | None = None) -> str:
        """An authorization code, as the seller's consent would redirect with; single use, valid for
        `lifetime` seconds. Exchanged, it yields that seller's tokens."""
        _check_lifetime(lifetime)
        return self._auth_state.issue_auth_code(self._clock(), lifetime, self._resolve(seller))

    def authorized_shops(self, seller: str | None = None) -> list[AuthorizedShop]:
        """What Get Authorized Shops lists for the seller's tokens."""
        return self._state.authorized_shops(seller)

    def set_authorized_shops(self, shops: Sequence[AuthorizedShop], seller: str | None = None) -> None:
        """What Get Authorized Shops lists for the seller's tokens from now on; approvals accept any of
        their ciphers. A shop left out was de-authorized: its cipher answers 101000 for this seller.
        ValueError for a cipher another seller's shop has."""
        self._state.set_authorized_shops(shops, seller)

    # -- sellers -------------------------------------------------------------------------------------------

    def add_seller(
        self,
        open_id: str,
        shops: Sequence[AuthorizedShop],
        *,
        seller_name: str | None = None,
        seller_base_region: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> EmulatorSeller:
        """Another seller authorization, with its shops (several for a cross-border seller) and one token
        of each kind, new ones unless given. ValueError for an open_id or token that exists already, or a
        cipher another seller's shop has. reset() removes it again."""
        spec = SellerSpec(
            open_id=open_id,
            shops=tuple(shops),
            seller_name=seller_name,
            seller_base_region=seller_base_region,
            access_token=access_token,
            refresh_token=refresh_token,
        )
        [seller] = self.add_sellers([spec])
        return seller

    def add_sellers(self, sellers: Sequence[SellerSpec]) -> list[EmulatorSeller]:
        """Several seller authorizations, all or none (see add_seller), each with its shops' own
        cancellations: over HTTP, the seed format's seller objects."""
        return self._add_sellers(sellers, now=self._clock())

    def seller(self, open_id: str | None = None) -> EmulatorSeller:
        """One seller as it stands (None: the default one); ValueError for an unknown open_id."""
        with self._state.lock:
            directory = self._state.sellers
            resolved = directory.resolve(open_id)
            profile, shops, access_token = (
                directory.profile(resolved),
                directory.shops(resolved),
                directory.access_token(resolved),
            )
        return EmulatorSeller(
            open_id=profile.open_id,
            seller_name=profile.seller_name,
            seller_base_region=profile.seller_base_region,
            access_token=access_token,
            refresh_token=self._auth_state.refresh_token_of(resolved),
            shops=tuple(shops),
        )

    def sellers(self) -> list[EmulatorSeller]:
        """The default seller first, then the others in the order they were added."""
        with self._state.lock:
            open_ids = self._state.sellers.open_ids()
        return [self.seller(open_id) for open_id in open_ids]

    def _resolve(self, seller: str | None) -> str:
        with self._state.lock:
            return self._state.sellers.resolve(seller)

    def _add_sellers(self, specs: Sequence[SellerSpec], now: float | None) -> list[EmulatorSeller]:
        """`now`: when their cancellations were seeded (None: at start, like the constructor's)."""
        tokens = [_tokens(spec) for spec in specs]
        drawn = zip(specs, tokens, strict=True)
        check_distinct_sellers([replace(spec, access_token=a, refresh_token=r) for spec, (a, r) in drawn])
        with self._state.lock:
            # Every check before any change, so that a refused batch leaves nothing behind.
            for spec, (access_token, refresh_token) in zip(specs, tokens, strict=True):
                self._state.sellers.check_new(spec.profile(), spec.shops, access_token)
                if self._auth_state.knows_refresh_token(refresh_token):
                    raise ValueError(f"seller {spec.open_id!r}: its refresh token is already issued")
            for spec, (access_token, refresh_token) in zip(specs, tokens, strict=True):
                self._state.add_seller(spec.profile(), spec.shops, access_token)
                expiry = self._clock() + REFRESH_TOKEN_LIFETIME
                self._auth_state.add_refresh_token(refresh_token, expiry, spec.open_id)
                for cipher, cancellations in spec.cancellations.items():
                    self._state.seed(cancellations, now, shop_cipher=cipher)
        return [self.seller(spec.open_id) for spec in specs]

    def webhook_subscriptions(self, shop_cipher: str | None = None) -> dict[str, list[Subscription]]:
        """The Event API's webhook subscriptions by shop_cipher: every shop's, or one shop's. Each is
        `{"event_type", "address", "create_time", "update_time"}`, as Get Shop Webhooks lists it."""
        return self._api.events.by_shop(shop_cipher)

    # -- webhooks ------------------------------------------------------------------------------------------

    def configure_webhooks(
        self,
        url: str | None = None,
        *,
        app_key: str | None = None,
        app_secret: str | None = None,
        loss_share: float = 0.0,
        duplicate_share: float = 0.0,
        delay: float = 0.0,
        reorder: bool = False,
        time_compression: float = 1.0,
    ) -> WebhookSettings:
        """Where TikTok's type-11 webhooks go from now on (`url` None, the default: nowhere), and what goes
        wrong on the way. Each call sets every setting; those left out take their defaults. Signed with
        `app_key` and `app_secret` (default: the emulator's own app). Faults: `loss_share` and
        `duplicate_share` (fractions 0-1) of the notifications are never sent or sent twice with one
        tts_notification_id; `delay` seconds before each first attempt; `reorder` holds a PENDING
        notification until the next one of its cancellation is sent. A failed delivery is retried after
        TikTok's 120 s, 1800 s, 3 h and 12 h divided by `time_compression` (at least 1), then given up."""
        if (app_key is None) != (app_secret is None):
            raise ValueError("give app_key and app_secret together, or neither (the emulator's own app)")
        settings = WebhookSettings(
            url=url,
            app_key=self.app_key if app_key is None else app_key,
            app_secret=self.app_secret if app_secret is None else app_secret,
            loss_share=loss_share,
            duplicate_share=duplicate_share,
            delay=delay,
            reorder=reorder,
            time_compression=time_compression,
        )
        self._webhooks.configure(settings)
        return settings

    def webhook_deliveries(self, cancel_id: str | None = None) -> list[DeliveryAttempt]:
        """Every delivery attempt so far, in the order they ended (all, or those for `cancel_id`):
        `{"tts_notification_id", "cancel_id", "cancel_status", "copy", "attempt", "outcome", "status_code",
        "error", "time"}`; outcome delivered, retrying, given_up, or lost (attempt 0: never sent)."""
        return self._webhooks.attempts(cancel_id)

    def wait_for_webhooks(self, timeout: float = 10.0) -> dict[str, object]:
        """Waits until no delivery attempt is due or under way, at most `timeout` seconds (retries due
        later count as pending: compress the time). Returns `{"settled", "pending", "held"}` (held: PENDING
        notifications that reorder keeps back)."""
        if not (0 <= timeout <= 600):
            raise ValueError(f"timeout must be 0 to 600 seconds, got {timeout!r}")
        return self._webhooks.wait_until_idle(timeout)

    def deauthorize_seller(self, seller: str | None = None) -> dict[str, object]:
        """The seller (None: the default one) de-authorizes the app in Seller Center: its access token is
        revoked (36009004 from now on) and TikTok sends a type-6 notification for each of its shops to the
        configured webhook URL. Returns `{"seller", "shop_ids"}`."""
        profile = self.seller(seller)
        self.revoke_token(profile.access_token)
        shop_ids = self._notify_seller(profile, SELLER_DEAUTHORIZATION)
        return {"seller": profile.open_id, "shop_ids": shop_ids}

    def notify_authorization_expiring(self, seller: str | None = None) -> dict[str, object]:
        """TikTok's warning that the seller's authorization ends soon: a type-7 notification for each of its
        shops (TikTok sends one 30 days before, then daily). Nothing else changes.
        Returns `{"seller", "shop_ids"}`."""
        profile = self.seller(seller)
        shop_ids = self._notify_seller(profile, UPCOMING_AUTHORIZATION_EXPIRATION)
        return {"seller": profile.open_id, "shop_ids": shop_ids}

    def _notify_seller(self, profile: EmulatorSeller, kind: int) -> list[str]:
        now = int(self._clock())
        shop_ids = [shop.id for shop in profile.shops if shop.id]
        for shop_id in shop_ids:
            self._webhooks.notify(SellerNotification(kind, new_notification_id(), shop_id, now))
        return shop_ids

    def _on_status_change(
        self, cancel_id: str, before: CancellationState | None, after: CancellationState
    ) -> None:
        # Called under the state's lock, so the notifications are queued in the order of the changes.
        if self._webhooks.settings.url is None:  # off, as by default: nothing to build
            return
        notification = notification_of_change(self._state, cancel_id, before, after, self._clock())
        if notification is not None:
            self._webhooks.notify(notification)

    # -- faults and calls --------------------------------------------------------------------------------

    def inject_fault(self, fault: Fault, cancel_id: str | None = None, times: int | None = 1) -> None:
        """The next `times` requests (None: every one until clear_faults) for `cancel_id` (None: any
        request, whatever its path) get `fault` instead of the endpoint's answer."""
        self._faults.inject(fault, cancel_id, times)

    def faults(self) -> list[dict[str, object]]:
        """The faults still to be handed out, in order: `{"kind", "delay", "status", "cancel_id",
        "times"}` (times: how many requests are left to get it; None: until cleared)."""
        return self._faults.to_json()

    def clear_faults(self) -> None:
        """No more faults: every request gets the endpoint's answer."""
        self._faults.clear()

    @property
    def recorder(self) -> CallRecorder:
        return self._recorder

    def calls(self, cancel_id: str | None = None) -> list[RecordedCall]:
        """The TikTok API calls received, in arrival order (all, or those for `cancel_id`). The token
        endpoints' app_secret, refresh_token and auth_code are recorded as "***"."""
        return [call for call in self._recorder.calls if cancel_id is None or call.cancel_id == cancel_id]

    def clear_calls(self) -> None:
        """Forgets the calls received so far."""
        self._recorder.clear()

    def reset(self) -> None:
        """Back to the constructor's cancellations, tokens, shops, sellers (the seed file's, with the
        tokens they started with) and repeated-key mode; no faults, no idempotency records, no
        authorization codes, no calls, no approvals counted, no buyers' requests or orders of their own, no
        webhooks sent or pending (delivery off)."""
        with self._state.lock:
            self._state.reset(self._initial_cancellations, self._initial_access_token, self._initial_shops)
            self._auth_state.reset(self._initial_refresh_token, self._clock())
            self._add_sellers(self._initial_sellers, now=None)
        self.set_repeated_key_mode(self._initial_repeated_key)
        self._rate_limit.set_limit(self._initial_rate_limit)
        self._rate_limit.reset()
        self._faults.clear()
        self._recorder.clear()
        self._api.events.clear()
        self._webhooks.reset()

    def signed_query(
        self,
        path: str,
        query: Mapping[str, str] | None = None,
        body: bytes = b"",
        timestamp: int | None = None,
    ) -> dict[str, str]:
        """app_key, timestamp and shop_cipher plus `query`, signed with the emulator's own algorithm: for
        tests that need a valid request without going through the project's client."""
        params = {
            "app_key": self.app_key,
            "timestamp": str(int(self._clock()) if timestamp is None else timestamp),
            "shop_cipher": self.shop_cipher,
            **(query or {}),
        }
        return {**params, "sign": sign(self.app_secret, path, params, body)}

    # -- serving -----------------------------------------------------------------------------------------

    def respond(self, request: IncomingRequest) -> Answer | None:
        """One request's answer, as the HTTP server hands it over; None: close the connection unanswered.
        Also how tests reach the emulator in-process, with no socket (tests/support/in_process_tiktok.py)."""
        if is_control_path(request.path):
            return answer_control(self, request)
        started = time.monotonic()
        route = match_route(request.method, request.path)
        ticket = self._recorder.arrived(
            RecordedCall(
                method=request.method,
                path=request.path,
                # The token endpoints' app_secret, refresh_token and auth_code: keys kept, values never.
                query=redacted_query(request.query),
                headers=request.headers,
                body=request.body,
                cancel_id=route.cancel_id,
                status=0,
                code=None,
                timestamp=self._clock(),
            )
        )
        if self._api.admits(request, route, self._rate_limit):
            fault = self._faults.take(route.cancel_id)
            answer = self._answer(request, route, fault)
        else:
            fault, answer = None, too_many_requests(new_request_id(self._clock()))
        if answer is None or (fault is not None and fault.client_gives_up):
            status, code = 0, None
        else:
            status, code = answer.status, answer.code
        self._recorder.answered(ticket, status, code)
        logger.info(
            "%s %s cancel_id=%s -> %s code=%s%s %.0f ms",
            request.method,
            request.path,
            route.cancel_id,
            answer.status if answer is not None else "dropped",
            answer.code if answer is not None else "-",
            f" fault={fault.kind}" if fault is not None else "",
            (time.monotonic() - started) * 1000,
        )
        return answer

    def _answer(self, request: IncomingRequest, route: Route, fault: Fault | None) -> Answer | None:
        """None: close the connection without answering."""
        if fault is None:
            return self._endpoint_answer(request, route)
        # Event.wait rather than sleep, so that stop() wakes handlers parked in a delay.
        if fault.wait_seconds and self._stopping.wait(fault.wait_seconds):
            return None
        if fault.kind == "latency":
            return self._endpoint_answer(request, route)
        if fault.kind == "lost_answer":
            self._endpoint_answer(request, route)
            self._stopping.wait(fault.answer_delay)
            return None
        return fault.canned_answer(new_request_id(self._clock()))

    def _endpoint_answer(self, request: IncomingRequest, route: Route) -> Answer:
        return (self._auth_api if route.on_auth_host else self._api).answer(request, route)


def _check_lifetime(lifetime: float) -> None:
    if not lifetime > 0:
        raise ValueError(f"lifetime must be a positive number of seconds, got {lifetime!r}")


def _tokens(spec: SellerSpec) -> tuple[str, str]:
    """The spec's access and refresh tokens, new ones shaped like TikTok's where it names none."""
    return spec.access_token or new_token("ROW_access"), spec.refresh_token or new_token("ROW_refresh")


def _with_tokens(spec: SellerSpec, overridden: Mapping[str, object]) -> SellerSpec:
    """`spec` with its tokens drawn (see _tokens), without the cancellations `overridden` names."""
    access_token, refresh_token = _tokens(spec)
    cancellations = {
        cipher: {cancel_id: state for cancel_id, state in owned.items() if cancel_id not in overridden}
        for cipher, owned in spec.cancellations.items()
    }
    return replace(
        spec,
        access_token=access_token,
        refresh_token=refresh_token,
        cancellations={cipher: owned for cipher, owned in cancellations.items() if owned},
    )

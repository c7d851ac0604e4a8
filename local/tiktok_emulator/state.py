"""What the fake TikTok remembers between requests: cancellations (and the shop each belongs to, if any),
access tokens, the sellers they belong to, and idempotent answers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal, TypeGuard, get_args

from tiktok_emulator.buyer_cancellations import BuyerCancellation
from tiktok_emulator.codes import ORDER_NOT_FOUND
from tiktok_emulator.orders import SHIPPED_STATUSES, FulfillmentType, Order, OrderStatus, seeded_order
from tiktok_emulator.orders import order_id_of as seeded_order_id
from tiktok_emulator.sellers import DEFAULT_SELLER, CipherAccess, SellerDirectory, SellerProfile
from tiktok_emulator.shops import AuthorizedShop
from tiktok_emulator.wire import Answer

# "approved": accepted (by this app, Seller Center or the system); "complete": accepted and refunded;
# "cancelled": withdrawn by the buyer or closed by the system; "shipped": pending, but the order left the
# warehouse, so it can no longer be approved; "other_seller": the order belongs to a shop this token may
# not act for.
CancellationState = Literal["pending", "approved", "complete", "shipped", "cancelled", "other_seller"]
CANCELLATION_STATES: Final[frozenset[str]] = frozenset(get_args(CancellationState))

TokenStatus = Literal["valid", "expired", "unknown"]
# What a repeated idempotency_key does, which TikTok does not document: answer as the first time did
# ("replay"), or process the request again against the current state ("reprocess").
RepeatedKeyMode = Literal["replay", "reprocess"]
REPEATED_KEY_MODES: Final[frozenset[str]] = frozenset(get_args(RepeatedKeyMode))


StatusListener = Callable[[str, CancellationState | None, CancellationState], None]
"""Called with (cancel_id, state before, state after) on every change of a cancellation's state after it
was seeded, under ShopState's lock, so listeners see the changes in the order they happened."""


def is_repeated_key_mode(value: object) -> TypeGuard[RepeatedKeyMode]:
    return isinstance(value, str) and value in REPEATED_KEY_MODES


def is_cancellation_state(value: object) -> TypeGuard[CancellationState]:
    return isinstance(value, str) and value in CANCELLATION_STATES


def validate_cancellations(raw: object) -> dict[str, CancellationState]:
    """Checks a seed mapping from JSON or a caller; raises ValueError naming the first bad entry."""
    if not isinstance(raw, Mapping):
        raise ValueError("cancellations must be an object of cancel_id -> state")
    valid: dict[str, CancellationState] = {}
    for cancel_id, state in raw.items():
        if not isinstance(cancel_id, str) or not cancel_id:
            raise ValueError(f"cancel_id must be a non-empty string, got {cancel_id!r}")
        if not is_cancellation_state(state):
            expected = sorted(CANCELLATION_STATES)
            raise ValueError(f"state of {cancel_id} must be one of {expected}, got {state!r}")
        valid[cancel_id] = state
    return valid


class ShopState:
    """One lock guards everything, and is public so that a check-then-change spanning several calls
    (idempotency lookup, state transition, storing the answer) can be made atomic by the caller."""

    def __init__(
        self,
        cancellations: Mapping[str, CancellationState],
        access_token: str,
        shops: Sequence[AuthorizedShop] = (),
        seller: SellerProfile = DEFAULT_SELLER,
    ) -> None:
        """`access_token` and `shops` are `seller`'s, the default seller; add_seller adds others."""
        self.lock = threading.RLock()
        self._default_seller = seller
        self._cancellations: dict[str, CancellationState] = {}
        # The shop a cancellation belongs to, for those seeded with one; the others are any shop's.
        self._shop_by_cancel_id: dict[str, str] = {}
        self._expired_by_token: dict[str, bool] = {}
        # Tokens issued by the token endpoints expire by the clock too; the seeded one only on demand.
        self._expiry_by_token: dict[str, float] = {}
        self.sellers = SellerDirectory(seller, access_token, shops)
        """Guarded by `lock`, as everything else here."""
        self._answers_by_key: dict[tuple[str, str], Answer] = {}
        # The keys whose stored answer said "no such cancellation" (25007006), by cancel_id (see
        # forget_not_found).
        self._not_found_keys: dict[str, set[tuple[str, str]]] = {}
        # When each cancellation was seeded and last changed (emulator clock), and how many times an API
        # call approved it: the "exactly once" that tests and the soak check.
        self._created_at: dict[str, float] = {}
        self._updated_at: dict[str, float] = {}
        self._approvals: dict[str, int] = {}
        # Buyers' requests made at run time (create_buyer_cancellation), by cancel_id, and the orders with
        # their own record (those requests' orders and any order changed by update_order), by order_id.
        self._buyer_requests: dict[str, BuyerCancellation] = {}
        self._orders: dict[str, Order] = {}
        self.status_listener: StatusListener | None = None
        self.reset(cancellations, access_token, shops)

    def reset(
        self,
        cancellations: Mapping[str, CancellationState],
        access_token: str,
        shops: Sequence[AuthorizedShop] = (),
    ) -> None:
        """Back to the default seller alone, with `access_token` and `shops`; no cancellation owned."""
        with self.lock:
            self._cancellations = dict(cancellations)
            self._shop_by_cancel_id = {}
            self._expired_by_token = {access_token: False}
            self._expiry_by_token = {}
            self.sellers = SellerDirectory(self._default_seller, access_token, shops)
            self._answers_by_key = {}
            self._not_found_keys = {}
            self._created_at = {}
            self._updated_at = {}
            self._approvals = {}
            self._buyer_requests = {}
            self._orders = {}

    def authorized_shops(self, seller: str | None = None) -> list[AuthorizedShop]:
        with self.lock:
            return self.sellers.shops(seller)

    def set_authorized_shops(self, shops: Sequence[AuthorizedShop], seller: str | None = None) -> None:
        with self.lock:
            self.sellers.set_shops(shops, seller)

    def add_seller(self, profile: SellerProfile, shops: Sequence[AuthorizedShop], access_token: str) -> None:
        with self.lock:
            self.sellers.add(profile, shops, access_token)
            self._expired_by_token[access_token] = False

    def seller_of_token(self, token: str) -> str | None:
        with self.lock:
            return self.sellers.seller_of_token(token)

    def cipher_access(self, token: str, shop_cipher: str) -> CipherAccess:
        """What `shop_cipher` is to the seller `token` belongs to (a token with no seller: to no one)."""
        with self.lock:
            seller = self.sellers.seller_of_token(token)
            return "unknown" if seller is None else self.sellers.cipher_access(seller, shop_cipher)

    def seed(
        self,
        cancellations: Mapping[str, CancellationState],
        now: float | None = None,
        shop_cipher: str | None = None,
    ) -> None:
        """Adds or overwrites; the cancellations belong to `shop_cipher`'s shop, or (None) to any shop."""
        with self.lock:
            self._cancellations.update(cancellations)
            for cancel_id in cancellations:
                # Seeded again, it is a seeded cancellation like any other: the buyer's details and an
                # order of its own go, and its order follows the seeded state again.
                self._forget_own_order(cancel_id)
                if shop_cipher is None:
                    self._shop_by_cancel_id.pop(cancel_id, None)
                else:
                    self._shop_by_cancel_id[cancel_id] = shop_cipher
            if now is not None:
                for cancel_id in cancellations:
                    self._created_at.setdefault(cancel_id, now)
                    self._updated_at[cancel_id] = now

    def cancellation_state(self, cancel_id: str) -> CancellationState | None:
        with self.lock:
            return self._cancellations.get(cancel_id)

    def shop_of(self, cancel_id: str) -> str | None:
        """The cipher of the shop the cancellation belongs to; None: any shop's (or no such cancellation)."""
        with self.lock:
            return self._shop_by_cancel_id.get(cancel_id)

    def cancellations_of_shop(self, shop_cipher: str) -> dict[str, CancellationState]:
        """The cancellations `shop_cipher`'s shop can see: its own and those that belong to no shop."""
        with self.lock:
            return {
                cancel_id: state
                for cancel_id, state in self._cancellations.items()
                if self._shop_by_cancel_id.get(cancel_id, shop_cipher) == shop_cipher
            }

    def set_cancellation_state(
        self, cancel_id: str, state: CancellationState, now: float | None = None
    ) -> None:
        with self.lock:
            before = self._cancellations.get(cancel_id)
            self._cancellations[cancel_id] = state
            if now is not None:
                self._updated_at[cancel_id] = now
            order = self._own_order(cancel_id)
            if order is not None and state in ("approved", "complete") and order.status != "CANCELLED":
                # An accepted cancellation cancels the order; seeded orders follow their state anyway.
                changed = order.update_time if now is None else int(now)
                self._orders[order.order_id] = order.updated("CANCELLED", None, changed)
            if self.status_listener is not None:
                self.status_listener(cancel_id, before, state)

    # -- buyers' requests and orders -------------------------------------------------------------------------

    def is_unused(self, cancel_id: str, order_id: str) -> bool:
        with self.lock:
            return cancel_id not in self._cancellations and self.order(order_id) is None

    def add_buyer_cancellation(self, request: BuyerCancellation, order: Order, now: float) -> None:
        """A new pending request of a buyer on a new order, in `request.shop_cipher`'s shop."""
        with self.lock:
            if not self.is_unused(request.cancel_id, request.order_id):
                raise ValueError(f"cancel_id {request.cancel_id} or order_id {request.order_id} is in use")
            self._buyer_requests[request.cancel_id] = request
            self._orders[order.order_id] = order
            self._shop_by_cancel_id[request.cancel_id] = request.shop_cipher
            self._created_at[request.cancel_id] = now
            self.set_cancellation_state(request.cancel_id, "pending", now)

    def buyer_request(self, cancel_id: str) -> BuyerCancellation | None:
        with self.lock:
            return self._buyer_requests.get(cancel_id)

    def order(self, order_id: str) -> Order | None:
        """The order with its own record, else the one behind a seeded cancellation (derived from its
        state); None if no cancellation has that order, or the token may see none."""
        with self.lock:
            if order_id in self._orders:
                return self._orders[order_id]
            for cancel_id, state in self._cancellations.items():
                if cancel_id not in self._buyer_requests and seeded_order_id(cancel_id) == order_id:
                    created, updated = self.times(cancel_id, default=0.0)
                    shop = self._shop_by_cancel_id.get(cancel_id)
                    return seeded_order(cancel_id, state, shop, int(created), int(updated))
            return None

    def update_order(
        self,
        order_id: str,
        status: OrderStatus | None,
        fulfillment_type: FulfillmentType | None,
        now: float,
    ) -> Order:
        """The order from now on. Shipped (SHIPPED_STATUSES), its pending cancellation can no longer be
        approved (state "shipped"); back before shipping, it can again."""
        with self.lock:
            order = self.order(order_id)
            if order is None:
                raise ValueError(f"no order {order_id}")
            order = order.updated(status, fulfillment_type, int(now))
            self._orders[order_id] = order
            current = self._cancellations.get(order.cancel_id)
            if order.status in SHIPPED_STATUSES and current == "pending":
                self.set_cancellation_state(order.cancel_id, "shipped", now)
            elif order.status not in SHIPPED_STATUSES and current == "shipped":
                self.set_cancellation_state(order.cancel_id, "pending", now)
            return order

    def _own_order(self, cancel_id: str) -> Order | None:
        """The order of `cancel_id` that has a record of its own."""
        request = self._buyer_requests.get(cancel_id)
        order_id = request.order_id if request is not None else seeded_order_id(cancel_id)
        order = self._orders.get(order_id)
        return order if order is not None and order.cancel_id == cancel_id else None

    def _forget_own_order(self, cancel_id: str) -> None:
        order = self._own_order(cancel_id)
        if order is not None:
            del self._orders[order.order_id]
        self._buyer_requests.pop(cancel_id, None)

    def record_approval(self, cancel_id: str, now: float) -> None:
        """pending -> approved by an Approve Cancellation call (not by the seed or by Seller Center)."""
        with self.lock:
            self.set_cancellation_state(cancel_id, "approved", now)
            self._approvals[cancel_id] = self._approvals.get(cancel_id, 0) + 1

    def approvals(self) -> dict[str, int]:
        with self.lock:
            return dict(self._approvals)

    def times(self, cancel_id: str, default: float) -> tuple[float, float]:
        """(created, last updated), emulator clock; `default` for one seeded before the clock was known."""
        with self.lock:
            created = self._created_at.get(cancel_id, default)
            return created, self._updated_at.get(cancel_id, created)

    def cancellations(self) -> dict[str, CancellationState]:
        with self.lock:
            return dict(self._cancellations)

    @property
    def current_access_token(self) -> str:
        """The default seller's token most recently issued: the one a refresh would hand out."""
        with self.lock:
            return self.sellers.access_token()

    def access_token_of(self, seller: str | None = None) -> str:
        with self.lock:
            return self.sellers.access_token(seller)

    def token_status(self, token: str, now: float | None = None) -> TokenStatus:
        """`now`: the clock, for tokens issued with an expiry time; None looks at the expired flag only."""
        with self.lock:
            expired = self._expired_by_token.get(token)
            expires_at = self._expiry_by_token.get(token)
        if expired is None:
            return "unknown"
        if expires_at is not None and now is not None and now >= expires_at:
            return "expired"
        return "expired" if expired else "valid"

    def add_access_token(
        self, token: str, expires_at: float | None = None, seller: str | None = None
    ) -> None:
        """`token` becomes `seller`'s (None: the default seller's) most recent; ValueError when it is
        another seller's already."""
        with self.lock:
            self.sellers.issue_token(token, seller)
            self._expired_by_token[token] = False
            if expires_at is not None:
                self._expiry_by_token[token] = expires_at

    def expire_access_token(self, token: str | None = None) -> None:
        with self.lock:
            target = self.sellers.access_token() if token is None else token
            if target not in self._expired_by_token:
                raise ValueError("unknown access token")
            self._expired_by_token[target] = True

    def revoke_access_token(self, token: str) -> None:
        with self.lock:
            if self._expired_by_token.pop(token, None) is None:
                raise ValueError("unknown access token")

    def stored_answer(self, shop_cipher: str, idempotency_key: str) -> Answer | None:
        with self.lock:
            return self._answers_by_key.get((shop_cipher, idempotency_key))

    def forget_not_found(self, cancel_ids: Sequence[str]) -> dict[str, int]:
        """Drops the stored "no such cancellation" (25007006) answers about these cancel_ids, so that their
        keys, repeated, reach the cancellations seeded since; how many per cancel_id. Every other stored
        answer stays."""
        with self.lock:
            forgotten = {}
            for cancel_id in cancel_ids:
                keys = self._not_found_keys.pop(cancel_id, set())
                for stored in keys:
                    self._answers_by_key.pop(stored, None)
                forgotten[cancel_id] = len(keys)
            return forgotten

    def store_answer(
        self, shop_cipher: str, idempotency_key: str, answer: Answer, cancel_id: str | None = None
    ) -> None:
        """`cancel_id`: what the answer was about; a "not found" about it is forgotten when it is seeded."""
        with self.lock:
            stored = (shop_cipher, idempotency_key)
            if stored in self._answers_by_key:
                return
            self._answers_by_key[stored] = answer
            if cancel_id is not None and answer.code == ORDER_NOT_FOUND:
                self._not_found_keys.setdefault(cancel_id, set()).add(stored)

"""What the fake TikTok remembers between requests: cancellations, access tokens and idempotent answers."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Final, Literal, TypeGuard, get_args

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
    ) -> None:
        self.lock = threading.RLock()
        self._cancellations: dict[str, CancellationState] = {}
        self._expired_by_token: dict[str, bool] = {}
        # Tokens issued by the token endpoints expire by the clock too; the seeded one only on demand.
        self._expiry_by_token: dict[str, float] = {}
        self._current_token = access_token
        self._answers_by_key: dict[tuple[str, str], Answer] = {}
        self._shops: list[AuthorizedShop] = []
        # When each cancellation was seeded and last changed (emulator clock), and how many times an API
        # call approved it: the "exactly once" that tests and the soak check.
        self._created_at: dict[str, float] = {}
        self._updated_at: dict[str, float] = {}
        self._approvals: dict[str, int] = {}
        self.reset(cancellations, access_token, shops)

    def reset(
        self,
        cancellations: Mapping[str, CancellationState],
        access_token: str,
        shops: Sequence[AuthorizedShop] = (),
    ) -> None:
        with self.lock:
            self._cancellations = dict(cancellations)
            self._expired_by_token = {access_token: False}
            self._expiry_by_token = {}
            self._current_token = access_token
            self._answers_by_key = {}
            self._shops = list(shops)
            self._created_at = {}
            self._updated_at = {}
            self._approvals = {}

    def authorized_shops(self) -> list[AuthorizedShop]:
        with self.lock:
            return list(self._shops)

    def set_authorized_shops(self, shops: Sequence[AuthorizedShop]) -> None:
        with self.lock:
            self._shops = list(shops)

    def seed(self, cancellations: Mapping[str, CancellationState], now: float | None = None) -> None:
        with self.lock:
            self._cancellations.update(cancellations)
            if now is not None:
                for cancel_id in cancellations:
                    self._created_at.setdefault(cancel_id, now)
                    self._updated_at[cancel_id] = now

    def cancellation_state(self, cancel_id: str) -> CancellationState | None:
        with self.lock:
            return self._cancellations.get(cancel_id)

    def set_cancellation_state(
        self, cancel_id: str, state: CancellationState, now: float | None = None
    ) -> None:
        with self.lock:
            self._cancellations[cancel_id] = state
            if now is not None:
                self._updated_at[cancel_id] = now

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
        """The token most recently issued: the one a refresh would hand out."""
        with self.lock:
            return self._current_token

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

    def add_access_token(self, token: str, expires_at: float | None = None) -> None:
        with self.lock:
            self._expired_by_token[token] = False
            if expires_at is not None:
                self._expiry_by_token[token] = expires_at
            self._current_token = token

    def expire_access_token(self, token: str | None = None) -> None:
        with self.lock:
            target = self._current_token if token is None else token
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

    def store_answer(self, shop_cipher: str, idempotency_key: str, answer: Answer) -> None:
        with self.lock:
            self._answers_by_key.setdefault((shop_cipher, idempotency_key), answer)

"""What the fake TikTok remembers between requests: cancellations, access tokens and idempotent answers."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Final, Literal, TypeGuard, get_args

from tiktok_emulator.shops import AuthorizedShop
from tiktok_emulator.wire import Answer

# "other_seller": the order exists but belongs to a shop this token may not act for.
CancellationState = Literal["pending", "approved", "shipped", "cancelled", "other_seller"]
CANCELLATION_STATES: Final[frozenset[str]] = frozenset(get_args(CancellationState))

TokenStatus = Literal["valid", "expired", "unknown"]


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

    def authorized_shops(self) -> list[AuthorizedShop]:
        with self.lock:
            return list(self._shops)

    def set_authorized_shops(self, shops: Sequence[AuthorizedShop]) -> None:
        with self.lock:
            self._shops = list(shops)

    def seed(self, cancellations: Mapping[str, CancellationState]) -> None:
        with self.lock:
            self._cancellations.update(cancellations)

    def cancellation_state(self, cancel_id: str) -> CancellationState | None:
        with self.lock:
            return self._cancellations.get(cancel_id)

    def set_cancellation_state(self, cancel_id: str, state: CancellationState) -> None:
        with self.lock:
            self._cancellations[cancel_id] = state

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

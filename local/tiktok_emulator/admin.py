"""Control endpoints under /__emulator/, for processes that cannot call the emulator's methods
(the CLI's parent, a `make run` stack). They are not TikTok's, so they are never recorded as API calls.

The token and shop endpoints take an optional "seller" (an open_id, in the JSON body or the query string);
without it they act on the default seller, as the emulator's methods do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Final, Protocol

from tiktok_emulator.config import SellerSpec, parse_seed, seller_from_json
from tiktok_emulator.faults import Fault, FaultPlan, fault_from_json
from tiktok_emulator.rate_limit import RateLimit
from tiktok_emulator.recorder import CallRecorder
from tiktok_emulator.sellers import EmulatorSeller
from tiktok_emulator.shops import AuthorizedShop, shops_from_json
from tiktok_emulator.state import CancellationState
from tiktok_emulator.wire import Answer, IncomingRequest, json_answer

ADMIN_PREFIX: Final = "/__emulator/"


class Controls(Protocol):
    """The part of TikTokEmulator the admin endpoints drive."""

    @property
    def recorder(self) -> CallRecorder: ...

    @property
    def faults(self) -> FaultPlan: ...

    def seed(self, cancellations: dict[str, CancellationState], shop_cipher: str | None = None) -> None: ...

    def cancellations(self) -> dict[str, CancellationState]: ...

    def forget_not_found(self, cancel_ids: Sequence[str]) -> dict[str, int]: ...

    def inject_fault(self, fault: Fault, cancel_id: str | None = None, times: int | None = 1) -> None: ...

    def clear_faults(self) -> None: ...

    def expire_token(self, token: str | None = None) -> None: ...

    def add_access_token(self, token: str, seller: str | None = None) -> None: ...

    def access_token_of(self, seller: str | None = None) -> str: ...

    def refresh_token_of(self, seller: str | None = None) -> str: ...

    def refresh_token_expire_in(self, token: str | None = None) -> int | None: ...

    def issue_refresh_token(self, lifetime: float = ..., seller: str | None = None) -> str: ...

    def expire_refresh_token(self, token: str | None = None) -> None: ...

    def issue_auth_code(self, lifetime: float = ..., seller: str | None = None) -> str: ...

    def authorized_shops(self, seller: str | None = None) -> list[AuthorizedShop]: ...

    def set_authorized_shops(self, shops: list[AuthorizedShop], seller: str | None = None) -> None: ...

    def add_sellers(self, specs: Sequence[SellerSpec]) -> list[EmulatorSeller]: ...

    def sellers(self) -> list[EmulatorSeller]: ...

    def reset(self) -> None: ...

    def approvals(self) -> dict[str, int]: ...

    @property
    def repeated_key_mode(self) -> str: ...

    def set_repeated_key_mode(self, mode: str) -> None: ...

    @property
    def rate_limit(self) -> RateLimit: ...


def is_admin_path(path: str) -> bool:
    return path.startswith(ADMIN_PREFIX)


def answer_admin(controls: Controls, request: IncomingRequest) -> Answer:
    action = _ACTIONS.get((request.method, request.path.removeprefix(ADMIN_PREFIX).rstrip("/")))
    if action is None:
        return json_answer(404, {"error": f"no admin endpoint {request.method} {request.path}"})
    try:
        payload = json.loads(request.body) if request.body.strip() else {}
        if not isinstance(payload, dict):
            raise ValueError("the request body must be a JSON object")
        # GET /__emulator/shops?seller=... reads better than a GET with a body; the body wins if both.
        if "seller" in request.query:
            payload.setdefault("seller", request.query["seller"])
        return json_answer(200, action(controls, payload))
    except ValueError as error:  # json.JSONDecodeError included
        return json_answer(400, {"error": str(error)})


def _seed(controls: Controls, payload: dict[str, object]) -> object:
    """The seed file's format; its cancellations are added (or overwritten), its sellers added, the rest
    stays. Here "shop_cipher" names the shop the top-level cancellations belong to (in the seed file it is
    the default seller's shop, which a running emulator cannot change). A seller the emulator has already
    (the seed file's own, sent again by `make local-seed`) is not added twice: only its shops'
    cancellations are seeded."""
    source = "POST /__emulator/seed"
    seed = parse_seed(payload, source)
    credentials = sorted(name for name in seed.credentials if name != "shop_cipher")
    if credentials:
        raise ValueError(
            f"{source}: {', '.join(credentials)} can only be set at start (--seed FILE or the options); "
            "send cancellations (and a shop_cipher they belong to), and sellers, only"
        )
    # Every check before any change, so that a refused seed changes nothing.
    existing = {seller.open_id: seller for seller in controls.sellers()}
    new = [spec for spec in seed.sellers if spec.open_id not in existing]
    known = [spec for spec in seed.sellers if spec.open_id in existing]
    for spec in known:
        ciphers = {shop.cipher for shop in existing[spec.open_id].shops}
        for cipher in spec.cancellations:
            if cipher not in ciphers:
                raise ValueError(f"{source}: seller {spec.open_id} exists and has no shop {cipher} (now)")
    shop_cipher = seed.credentials.get("shop_cipher")
    if shop_cipher is not None:
        shops = [
            *(s for seller in existing.values() for s in seller.shops),
            *(s for n in new for s in n.shops),
        ]
        if shop_cipher not in {shop.cipher for shop in shops}:
            raise ValueError(f"{source}: shop_cipher {shop_cipher!r} is no seller's shop")
    added = _add_sellers(controls, new, source) if new else []
    for spec in known:
        for cipher, cancellations in spec.cancellations.items():
            controls.seed(cancellations, cipher)
    controls.seed(seed.cancellations, shop_cipher)
    answer: dict[str, object] = {"cancellations": controls.cancellations()}
    if added:
        answer["sellers"] = [seller.to_json() for seller in added]
    return answer


def _add_sellers(controls: Controls, specs: Sequence[SellerSpec], source: str) -> list[EmulatorSeller]:
    try:
        return controls.add_sellers(specs)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None


def _add_seller(controls: Controls, payload: dict[str, object]) -> object:
    """One seller object of the seed format; answers the seller with its tokens."""
    source = "POST /__emulator/sellers"
    [seller] = _add_sellers(controls, [seller_from_json(payload, source)], source)
    return seller.to_json()


def _sellers(controls: Controls, payload: dict[str, object]) -> object:
    return {"sellers": [seller.to_json() for seller in controls.sellers()]}


def _cancellations(controls: Controls, payload: dict[str, object]) -> object:
    return {"cancellations": controls.cancellations()}


def _approvals(controls: Controls, payload: dict[str, object]) -> object:
    return {"approvals": controls.approvals()}


def _repeated_key(controls: Controls, payload: dict[str, object]) -> object:
    mode = payload.get("mode")
    if mode is not None:
        if not isinstance(mode, str):
            raise ValueError("mode must be 'replay' or 'reprocess'")
        controls.set_repeated_key_mode(mode)
    return {"mode": controls.repeated_key_mode}


def _rate_limit(controls: Controls, payload: dict[str, object]) -> object:
    if "limit" in payload:
        limit = payload["limit"]
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)):
            raise ValueError("limit must be a number of requests per second, or null for none")
        controls.rate_limit.set_limit(None if limit is None else float(limit))
    if payload.get("reset_counts"):
        controls.rate_limit.reset()
    return controls.rate_limit.counts()


def _inject_fault(controls: Controls, payload: dict[str, object]) -> object:
    fault, cancel_id, times = fault_from_json(payload)
    controls.inject_fault(fault, cancel_id=cancel_id, times=times)
    return {"faults": controls.faults.to_json()}


def _faults(controls: Controls, payload: dict[str, object]) -> object:
    return {"faults": controls.faults.to_json()}


def _clear_faults(controls: Controls, payload: dict[str, object]) -> object:
    controls.clear_faults()
    return {"faults": []}


def _expire_token(controls: Controls, payload: dict[str, object]) -> object:
    token, seller = _token_or_seller(payload, "access_token")
    controls.expire_token(token if seller is None else controls.access_token_of(seller))
    return {"expired": True}


def _add_access_token(controls: Controls, payload: dict[str, object]) -> object:
    token = payload.get("access_token")
    if not isinstance(token, str) or not token:
        raise ValueError("access_token must be a non-empty string")
    controls.add_access_token(token, _seller(payload))
    return {"added": True}


def _issue_auth_code(controls: Controls, payload: dict[str, object]) -> object:
    lifetime, seller = _optional_seconds(payload, "lifetime"), _seller(payload)
    if lifetime is None:
        return {"auth_code": controls.issue_auth_code(seller=seller)}
    return {"auth_code": controls.issue_auth_code(lifetime, seller)}


def _issue_refresh_token(controls: Controls, payload: dict[str, object]) -> object:
    lifetime, seller = _optional_seconds(payload, "lifetime"), _seller(payload)
    if lifetime is None:
        token = controls.issue_refresh_token(seller=seller)
    else:
        token = controls.issue_refresh_token(lifetime, seller)
    return {"refresh_token": token, "refresh_token_expire_in": controls.refresh_token_expire_in(token)}


def _refresh_token(controls: Controls, payload: dict[str, object]) -> object:
    token = controls.refresh_token_of(_seller(payload))
    return {"refresh_token": token, "refresh_token_expire_in": controls.refresh_token_expire_in(token)}


def _expire_refresh_token(controls: Controls, payload: dict[str, object]) -> object:
    token, seller = _token_or_seller(payload, "refresh_token")
    controls.expire_refresh_token(token if seller is None else controls.refresh_token_of(seller))
    return {"expired": True}


def _shops(controls: Controls, payload: dict[str, object]) -> object:
    return {"shops": [shop.to_json() for shop in controls.authorized_shops(_seller(payload))]}


def _set_shops(controls: Controls, payload: dict[str, object]) -> object:
    controls.set_authorized_shops(shops_from_json(payload.get("shops")), _seller(payload))
    return _shops(controls, payload)


def _seller(payload: dict[str, object]) -> str | None:
    seller = payload.get("seller")
    if seller is not None and (not isinstance(seller, str) or not seller):
        raise ValueError("seller must be a seller's open_id, a non-empty string")
    return seller


def _token_or_seller(payload: dict[str, object], name: str) -> tuple[str | None, str | None]:
    """A token named outright, or a seller whose latest token is meant; neither: the default seller's."""
    token, seller = payload.get(name), _seller(payload)
    if token is not None and not isinstance(token, str):
        raise ValueError(f"{name} must be a string")
    if token is not None and seller is not None:
        raise ValueError(f"give {name} or seller, not both")
    return token, seller


def _optional_seconds(payload: dict[str, object], name: str) -> float | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds")
    return float(value)


def _reset(controls: Controls, payload: dict[str, object]) -> object:
    controls.reset()
    return {"reset": True}


def _forget_not_found(controls: Controls, payload: dict[str, object]) -> object:
    """{"cancel_ids": [...]}: forget the "not found" answers stored for their idempotency keys."""
    cancel_ids = payload.get("cancel_ids")
    if not isinstance(cancel_ids, list) or not all(isinstance(c, str) and c for c in cancel_ids):
        raise ValueError('the body must be {"cancel_ids": ["<cancel_id>", ...]}')
    return {"forgotten": controls.forget_not_found(cancel_ids)}


def _calls(controls: Controls, payload: dict[str, object]) -> object:
    return [call.to_json() for call in controls.recorder.calls]


def _clear_calls(controls: Controls, payload: dict[str, object]) -> object:
    controls.recorder.clear()
    return []


_ACTIONS: Final[dict[tuple[str, str], Callable[[Controls, dict[str, object]], object]]] = {
    ("POST", "seed"): _seed,
    ("POST", "forget-not-found"): _forget_not_found,
    ("POST", "sellers"): _add_seller,
    ("GET", "sellers"): _sellers,
    ("GET", "cancellations"): _cancellations,
    ("GET", "approvals"): _approvals,
    ("GET", "repeated-key"): _repeated_key,
    ("PUT", "repeated-key"): _repeated_key,
    ("GET", "rate-limit"): _rate_limit,
    ("PUT", "rate-limit"): _rate_limit,
    ("POST", "faults"): _inject_fault,
    ("GET", "faults"): _faults,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "expire-token"): _expire_token,
    ("POST", "access-tokens"): _add_access_token,
    ("POST", "auth-codes"): _issue_auth_code,
    ("GET", "refresh-token"): _refresh_token,
    ("POST", "refresh-tokens"): _issue_refresh_token,
    ("POST", "expire-refresh-token"): _expire_refresh_token,
    ("GET", "shops"): _shops,
    ("PUT", "shops"): _set_shops,
    ("POST", "reset"): _reset,
    ("GET", "calls"): _calls,
    ("DELETE", "calls"): _clear_calls,
}

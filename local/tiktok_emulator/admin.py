"""Control endpoints under /__emulator/, for processes that cannot call the emulator's methods
(the CLI's parent, a `make run` stack). They are not TikTok's, so they are never recorded as API calls."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final, Protocol

from tiktok_emulator.config import parse_seed
from tiktok_emulator.faults import Fault, FaultPlan, fault_from_json
from tiktok_emulator.rate_limit import RateLimit
from tiktok_emulator.recorder import CallRecorder
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

    def seed(self, cancellations: dict[str, CancellationState]) -> None: ...

    def cancellations(self) -> dict[str, CancellationState]: ...

    def inject_fault(self, fault: Fault, cancel_id: str | None = None, times: int | None = 1) -> None: ...

    def clear_faults(self) -> None: ...

    def expire_token(self, token: str | None = None) -> None: ...

    def add_access_token(self, token: str) -> None: ...

    @property
    def refresh_token(self) -> str: ...

    def refresh_token_expire_in(self, token: str | None = None) -> int | None: ...

    def issue_refresh_token(self, lifetime: float = ...) -> str: ...

    def expire_refresh_token(self, token: str | None = None) -> None: ...

    def issue_auth_code(self, lifetime: float = ...) -> str: ...

    def authorized_shops(self) -> list[AuthorizedShop]: ...

    def set_authorized_shops(self, shops: list[AuthorizedShop]) -> None: ...

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
        return json_answer(200, action(controls, payload))
    except ValueError as error:  # json.JSONDecodeError included
        return json_answer(400, {"error": str(error)})


def _seed(controls: Controls, payload: dict[str, object]) -> object:
    """The seed file's format; its cancellations are added (or overwritten), the rest stays."""
    seed = parse_seed(payload, "POST /__emulator/seed")
    if seed.credentials:
        raise ValueError(
            f"POST /__emulator/seed: {', '.join(sorted(seed.credentials))} can only be set at start "
            "(--seed FILE or the options); send cancellations only"
        )
    controls.seed(seed.cancellations)
    return {"cancellations": controls.cancellations()}


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
    token = payload.get("access_token")
    if token is not None and not isinstance(token, str):
        raise ValueError("access_token must be a string")
    controls.expire_token(token)
    return {"expired": True}


def _add_access_token(controls: Controls, payload: dict[str, object]) -> object:
    token = payload.get("access_token")
    if not isinstance(token, str) or not token:
        raise ValueError("access_token must be a non-empty string")
    controls.add_access_token(token)
    return {"added": True}


def _issue_auth_code(controls: Controls, payload: dict[str, object]) -> object:
    lifetime = _optional_seconds(payload, "lifetime")
    code = controls.issue_auth_code() if lifetime is None else controls.issue_auth_code(lifetime)
    return {"auth_code": code}


def _issue_refresh_token(controls: Controls, payload: dict[str, object]) -> object:
    lifetime = _optional_seconds(payload, "lifetime")
    token = controls.issue_refresh_token() if lifetime is None else controls.issue_refresh_token(lifetime)
    return {"refresh_token": token, "refresh_token_expire_in": controls.refresh_token_expire_in(token)}


def _refresh_token(controls: Controls, payload: dict[str, object]) -> object:
    token = controls.refresh_token
    return {"refresh_token": token, "refresh_token_expire_in": controls.refresh_token_expire_in(token)}


def _expire_refresh_token(controls: Controls, payload: dict[str, object]) -> object:
    token = payload.get("refresh_token")
    if token is not None and not isinstance(token, str):
        raise ValueError("refresh_token must be a string")
    controls.expire_refresh_token(token)
    return {"expired": True}


def _shops(controls: Controls, payload: dict[str, object]) -> object:
    return {"shops": [shop.to_json() for shop in controls.authorized_shops()]}


def _set_shops(controls: Controls, payload: dict[str, object]) -> object:
    controls.set_authorized_shops(shops_from_json(payload.get("shops")))
    return _shops(controls, payload)


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


def _calls(controls: Controls, payload: dict[str, object]) -> object:
    return [call.to_json() for call in controls.recorder.calls]


def _clear_calls(controls: Controls, payload: dict[str, object]) -> object:
    controls.recorder.clear()
    return []


_ACTIONS: Final[dict[tuple[str, str], Callable[[Controls, dict[str, object]], object]]] = {
    ("POST", "seed"): _seed,
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

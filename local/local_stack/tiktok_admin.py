"""The TikTok emulator's control endpoints (/__emulator/...), for the local stack and the e2e tests.

`seller` arguments are a seller's open_id; without one, a method acts on the emulator's default seller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests


class TikTokAdmin:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(
        self,
        method: str,
        action: str,
        payload: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        response = requests.request(
            method,
            f"{self.base_url}/__emulator/{action}",
            json=payload,
            params=params,
            timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json()

    def seed(self, cancellations: Mapping[str, str], shop_cipher: str | None = None) -> dict[str, str]:
        """Adds or overwrites cancellations (cancel_id -> pending, approved, shipped, ...); returns all.
        `shop_cipher`: the shop they belong to (None: any shop's)."""
        payload: dict[str, object] = {"cancellations": dict(cancellations)}  # the seed file's format
        if shop_cipher is not None:
            payload["shop_cipher"] = shop_cipher
        answer: dict[str, str] = self._call("POST", "seed", payload)["cancellations"]
        return answer

    def forget_not_found(self, cancel_ids: Sequence[str]) -> dict[str, int]:
        """Forgets the emulator's stored "no such cancellation" answers for these cancel_ids' idempotency
        keys (replay mode would repeat them); how many per cancel_id."""
        answer: dict[str, int] = self._call("POST", "forget-not-found", {"cancel_ids": list(cancel_ids)})[
            "forgotten"
        ]
        return answer

    def add_seller(
        self,
        open_id: str,
        shops: Sequence[Mapping[str, Any]],
        *,
        seller_name: str | None = None,
        seller_base_region: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> dict[str, Any]:
        """Another seller authorization. `shops`: `{"cipher", "id", "name", "region", "seller_type",
        "code"}` (only the cipher required), each with optional `"cancellations": {cancel_id: state}` that
        belong to that shop. Returns the seller with its tokens (new ones unless given)."""
        payload: dict[str, object] = {"open_id": open_id, "shops": [dict(shop) for shop in shops]}
        optional = {
            "seller_name": seller_name,
            "seller_base_region": seller_base_region,
            "access_token": access_token,
            "refresh_token": refresh_token,
        }
        payload.update({name: value for name, value in optional.items() if value is not None})
        answer: dict[str, Any] = self._call("POST", "sellers", payload)
        return answer

    def sellers(self) -> list[dict[str, Any]]:
        """Every seller (the default one first) with its shops and its most recent tokens."""
        answer: list[dict[str, Any]] = self._call("GET", "sellers")["sellers"]
        return answer

    def shops(self, seller: str | None = None) -> list[dict[str, str]]:
        """What Get Authorized Shops lists for the seller's tokens."""
        answer: list[dict[str, str]] = self._call("GET", "shops", params=_seller(seller))["shops"]
        return answer

    def set_shops(self, shops: Sequence[Mapping[str, str]], seller: str | None = None) -> None:
        """The seller's authorization covers `shops` from now on; a shop left out was de-authorized."""
        self._call("PUT", "shops", {"shops": [dict(shop) for shop in shops], **_seller(seller)})

    def cancellations(self) -> dict[str, str]:
        answer: dict[str, str] = self._call("GET", "cancellations")["cancellations"]
        return answer

    def inject_fault(
        self, kind: str, *, cancel_id: str | None = None, times: int | None = 1, delay: float | None = None
    ) -> None:
        """The next `times` calls (None: all, until cleared) for `cancel_id` (None: any) get fault `kind`
        (http_429, http_500, http_503, code_36009003, drop, read_timeout, html, latency, lost_answer);
        `delay` for latency, read_timeout and lost_answer."""
        payload: dict[str, object] = {"kind": kind, "cancel_id": cancel_id, "times": times}
        if delay is not None:
            payload["delay"] = delay
        self._call("POST", "faults", payload)

    def approvals(self) -> dict[str, int]:
        """How many times an Approve Cancellation call moved each cancellation from pending to approved."""
        answer: dict[str, int] = self._call("GET", "approvals")["approvals"]
        return answer

    def set_repeated_key_mode(self, mode: str) -> None:
        """What a repeated idempotency_key does from now on: "replay" the first answer, or "reprocess"."""
        self._call("PUT", "repeated-key", {"mode": mode})

    def set_rate_limit(self, limit: float | None) -> None:
        """TikTok's limit per app, shop and endpoint from now on (None: none); the counts start again."""
        self._call("PUT", "rate-limit", {"limit": limit, "reset_counts": True})

    def rate_limit_counts(self) -> dict[str, Any]:
        """`{"limit", "admitted", "rejected"}`: what the rate limit let through and refused (429)."""
        answer: dict[str, Any] = self._call("GET", "rate-limit")
        return answer

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def calls(self, cancel_id: str | None = None) -> list[dict[str, Any]]:
        """The TikTok API calls the emulator received (all, or for one cancel_id). The token endpoints'
        app_secret, refresh_token and auth_code come back as "***"."""
        calls: list[dict[str, Any]] = self._call("GET", "calls")
        return [call for call in calls if cancel_id is None or call.get("cancel_id") == cancel_id]

    def expire_token(self, access_token: str | None = None, seller: str | None = None) -> None:
        """From now on `access_token` (default: the seller's issued last) answers 105002 (expired)."""
        payload = {} if access_token is None else {"access_token": access_token}
        self._call("POST", "expire-token", {**payload, **_seller(seller)})

    def refresh_token(self, seller: str | None = None) -> dict[str, Any]:
        """`{"refresh_token", "refresh_token_expire_in"}`: the seller's refresh token issued last."""
        answer: dict[str, Any] = self._call("GET", "refresh-token", params=_seller(seller))
        return answer

    def expire_refresh_token(self, refresh_token: str | None = None, seller: str | None = None) -> None:
        """From now on `refresh_token` (default: the seller's issued last) is refused as expired."""
        payload = {} if refresh_token is None else {"refresh_token": refresh_token}
        self._call("POST", "expire-refresh-token", {**payload, **_seller(seller)})

    def issue_auth_code(self, seller: str | None = None) -> str:
        """An authorization code, as the seller's consent would hand the app one (single use, 30 minutes);
        exchanged, it yields that seller's tokens."""
        return str(self._call("POST", "auth-codes", _seller(seller))["auth_code"])

    def first_authorization(self, app_key: str, app_secret: str, seller: str | None = None) -> dict[str, Any]:
        """What `make authorize` gets after the seller's consent: an authorization code exchanged at Get
        Access Token (`GET /api/v2/token/get`), i.e. `access_token`, `refresh_token` and both absolute
        `*_expire_in` times, all issued by the emulator. Raises RuntimeError naming TikTok's code, never a
        value."""
        response = requests.get(
            f"{self.base_url}/api/v2/token/get",
            params={
                "app_key": app_key,
                "app_secret": app_secret,
                "auth_code": self.issue_auth_code(seller),
                "grant_type": "authorized_code",
            },
            timeout=self.timeout,
        )
        response.raise_for_status()
        envelope = response.json()
        data = envelope.get("data") if isinstance(envelope, dict) else None
        if not isinstance(data, dict) or envelope.get("code") != 0:
            code = envelope.get("code") if isinstance(envelope, dict) else None
            raise RuntimeError(f"the emulator refused the authorization code: code {code}")
        return data


def _seller(seller: str | None) -> dict[str, str]:
    return {} if seller is None else {"seller": seller}

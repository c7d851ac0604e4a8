"""The `return_refund` API group (version 202309), named after the official SDK's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import TikTokValidationError
from .validation import validate_cancel_id, validate_idempotency_key

if TYPE_CHECKING:
    from .client import TikTokShopClient

APPROVE_CANCELLATION_PATH = "/return_refund/202309/cancellations/{cancel_id}/approve"


class ReturnRefundApi:
    def __init__(self, client: TikTokShopClient) -> None:
        self._client = client

    def approve_cancellation(
        self,
        cancel_id: str,
        query: Mapping[str, str | None] | None = None,
        *,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """Approve a buyer's cancellation request; return TikTok's envelope (`code` 0).

        `query` may hold `idempotency_key` (strongly advised: retries then cannot approve twice) and
        `shop_cipher` (overrides the client's). Raises `TikTokValidationError` before sending anything
        when an argument is malformed, `TikTokAPIError` when TikTok refuses or cannot be reached.
        """
        path = APPROVE_CANCELLATION_PATH.format(cancel_id=validate_cancel_id(cancel_id))
        return self._client.request("POST", path, query=_approve_query(query), deadline=deadline)


def _approve_query(query: Mapping[str, str | None] | None) -> dict[str, str]:
    if query is not None and not isinstance(query, Mapping):
        raise TikTokValidationError(f"query must be a mapping, not {type(query).__name__}")
    allowed = {"idempotency_key", "shop_cipher"}
    unknown = sorted(set(query or {}) - allowed)
    if unknown:
        raise TikTokValidationError(f"unsupported query parameter(s) for approve_cancellation: {unknown}")
    params: dict[str, str] = {}
    for key, value in (query or {}).items():
        if value is None:
            continue
        params[key] = validate_idempotency_key(value) if key == "idempotency_key" else str(value)
    return params

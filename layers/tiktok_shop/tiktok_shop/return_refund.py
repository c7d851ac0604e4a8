"""The `return_refund` API group (version 202309), named after the official SDK's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .cancellations import (
    SEARCH_CANCELLATIONS_PATH,
    Cancellation,
    CancellationPage,
    parse_page,
    search_body,
    search_query,
)
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
        return self._client.request(
            "POST", path, query=_approve_query(query), deadline=deadline, api=APPROVE_CANCELLATION_PATH
        )

    def search_cancellations(
        self,
        *,
        cancel_ids: Sequence[str] | None = None,
        order_ids: Sequence[str] | None = None,
        buyer_user_ids: Sequence[str] | None = None,
        cancel_types: Sequence[str] | None = None,
        cancel_status: Sequence[str] | None = None,
        create_time_ge: int | None = None,
        create_time_lt: int | None = None,
        update_time_ge: int | None = None,
        update_time_lt: int | None = None,
        locale: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        sort_field: str | None = None,
        sort_order: str | None = None,
        deadline: float | None = None,
    ) -> CancellationPage:
        """One page of cancellations matching the filters (signed with its JSON body); same errors and
        retries as `approve_cancellation`. Follow `next_page_token` for the next page."""
        body = search_body(
            {
                "cancel_ids": cancel_ids,
                "order_ids": order_ids,
                "buyer_user_ids": buyer_user_ids,
                "cancel_types": cancel_types,
                "cancel_status": cancel_status,
                "create_time_ge": create_time_ge,
                "create_time_lt": create_time_lt,
                "update_time_ge": update_time_ge,
                "update_time_lt": update_time_lt,
                "locale": locale,
            }
        )
        query = search_query(
            page_size=page_size, page_token=page_token, sort_field=sort_field, sort_order=sort_order
        )
        envelope = self._client.request(
            "POST", SEARCH_CANCELLATIONS_PATH, query=query, body=body, deadline=deadline
        )
        return parse_page(envelope)

    def find_cancellation(self, cancel_id: str, *, deadline: float | None = None) -> Cancellation | None:
        """TikTok's current view of one cancellation, or None when TikTok lists no such cancellation."""
        page = self.search_cancellations(
            cancel_ids=[validate_cancel_id(cancel_id)], page_size=1, deadline=deadline
        )
        return page.find(cancel_id)


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

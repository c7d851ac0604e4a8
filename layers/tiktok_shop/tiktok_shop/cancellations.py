"""Search Cancellations (version 202309): the typed view of what TikTok knows about a cancellation."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeGuard

from .errors import TikTokAPIError, TikTokValidationError
from .validation import validate_cancel_id

SEARCH_CANCELLATIONS_PATH: Final = "/return_refund/202309/cancellations/search"
MAX_PAGE_SIZE: Final = 50
SORT_FIELDS: Final = frozenset({"create_time", "update_time"})
SORT_ORDERS: Final = frozenset({"ASC", "DESC"})


class CancelStatus(StrEnum):
    PENDING = "CANCELLATION_REQUEST_PENDING"  # awaiting the seller's (or the system's) decision
    SUCCESS = "CANCELLATION_REQUEST_SUCCESS"  # accepted by the seller or the system
    CANCELLED = "CANCELLATION_REQUEST_CANCELLED"  # closed: withdrawn by the buyer, or by the system
    COMPLETE = "CANCELLATION_REQUEST_COMPLETE"  # accepted and refunded


# The request filter's documented list spells the closed state CANCELLATION_REQUEST_CANCEL while answers
# say CANCELLATION_REQUEST_CANCELLED: one documentation inconsistency, read as the same state.
_STATUS_ALIASES: Final = {"CANCELLATION_REQUEST_CANCEL": CancelStatus.CANCELLED}
APPROVED_STATUSES: Final = frozenset({CancelStatus.SUCCESS, CancelStatus.COMPLETE})


def normalized_cancel_status(raw: str) -> str:
    """TikTok's status as a `CancelStatus` value where it is one; an unknown status is kept as sent."""
    if raw in _STATUS_ALIASES:
        return _STATUS_ALIASES[raw].value
    return raw


@dataclass(frozen=True)
class NextAction:
    action: str  # SELLER_RESPOND_CANCEL
    deadline: int | None  # Unix seconds: when TikTok decides by itself


@dataclass(frozen=True)
class Cancellation:
    """One entry of `data.cancellations[]`; amounts stay strings, as TikTok sends them (no float rounding)."""

    cancel_id: str
    cancel_status: str  # a CancelStatus value, or an undocumented one as sent
    order_id: str | None = None
    cancel_type: str | None = None  # CANCEL | BUYER_CANCEL
    role: str | None = None  # BUYER | SELLER | SYSTEM
    cancel_reason: str | None = None
    cancel_reason_text: str | None = None
    create_time: int | None = None
    update_time: int | None = None
    seller_next_action_response: tuple[NextAction, ...] = ()
    refund_amount: Mapping[str, str] = field(default_factory=dict)
    cancel_line_items: tuple[Mapping[str, Any], ...] = ()

    @property
    def approved(self) -> bool:
        return self.cancel_status in APPROVED_STATUSES

    @property
    def pending(self) -> bool:
        return self.cancel_status == CancelStatus.PENDING

    @property
    def response_deadline(self) -> int | None:
        """When the seller's answer is due (TikTok decides by itself after it), if TikTok says."""
        deadlines = [a.deadline for a in self.seller_next_action_response if a.deadline is not None]
        return min(deadlines) if deadlines else None

    @property
    def refund_total(self) -> str | None:
        """`refund_amount.refund_total`, the buyer's whole refund, as TikTok's text ("1.23"), if sent."""
        return self.refund_amount.get("refund_total") or None

    @property
    def refund_currency(self) -> str | None:
        """`refund_amount.currency` ("USD"), if sent."""
        return self.refund_amount.get("currency") or None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Cancellation:
        return cls(
            cancel_id=raw["cancel_id"],
            cancel_status=normalized_cancel_status(raw["cancel_status"]),
            order_id=_text(raw.get("order_id")),
            cancel_type=_text(raw.get("cancel_type")),
            role=_text(raw.get("role")),
            cancel_reason=_text(raw.get("cancel_reason")),
            cancel_reason_text=_text(raw.get("cancel_reason_text")),
            create_time=_integer(raw.get("create_time")),
            update_time=_integer(raw.get("update_time")),
            seller_next_action_response=tuple(
                NextAction(action=str(item.get("action") or ""), deadline=_integer(item.get("deadline")))
                for item in _objects(raw.get("seller_next_action_response"))
            ),
            refund_amount={
                key: str(value)
                for key, value in (raw.get("refund_amount") or {}).items()
                if isinstance(value, str | int | float) and not isinstance(value, bool)
            }
            if isinstance(raw.get("refund_amount"), Mapping)
            else {},
            cancel_line_items=tuple(_objects(raw.get("cancel_line_items"))),
        )


@dataclass(frozen=True)
class CancellationPage:
    cancellations: tuple[Cancellation, ...]
    total_count: int | None
    next_page_token: str | None
    request_id: str | None

    def find(self, cancel_id: str) -> Cancellation | None:
        return next((c for c in self.cancellations if c.cancel_id == cancel_id), None)


def search_query(
    *, page_size: int | None, page_token: str | None, sort_field: str | None, sort_order: str | None
) -> dict[str, str]:
    query: dict[str, str] = {}
    if page_size is not None:
        if not _is_int(page_size) or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise TikTokValidationError(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}")
        query["page_size"] = str(page_size)
    if page_token is not None:
        if not isinstance(page_token, str) or not page_token:
            raise TikTokValidationError("page_token must be the non-empty next_page_token of a page")
        query["page_token"] = page_token
    if sort_field is not None:
        if sort_field not in SORT_FIELDS:
            raise TikTokValidationError(f"sort_field must be one of {sorted(SORT_FIELDS)}")
        query["sort_field"] = sort_field
    if sort_order is not None:
        if sort_order not in SORT_ORDERS:
            raise TikTokValidationError(f"sort_order must be one of {sorted(SORT_ORDERS)}")
        query["sort_order"] = sort_order
    return query


def search_body(filters: Mapping[str, Any]) -> bytes:
    """The JSON body, built once: the same bytes are signed and sent on every attempt."""
    body: dict[str, Any] = {}
    for name, value in filters.items():
        if value is None:
            continue
        if name in _LIST_FILTERS:
            body[name] = _string_list(name, value)
        elif name in _TIME_FILTERS:
            if not _is_int(value) or value < 0:
                raise TikTokValidationError(f"{name} must be a Unix time in seconds")
            body[name] = value
        elif name == "locale":
            if not isinstance(value, str) or not value:
                raise TikTokValidationError("locale must be a BCP-47 code such as en-US")
            body[name] = value
        else:
            raise TikTokValidationError(f"unsupported filter for search_cancellations: {name!r}")
    for cancel_id in body.get("cancel_ids", ()):
        validate_cancel_id(cancel_id)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_page(envelope: Mapping[str, Any]) -> CancellationPage:
    request_id = envelope.get("request_id") if isinstance(envelope.get("request_id"), str) else None
    data = envelope.get("data")
    data = data if isinstance(data, Mapping) else {}
    raw = data.get("cancellations") or []
    if not isinstance(raw, list) or not all(_is_cancellation(item) for item in raw):
        raise TikTokAPIError(
            "TikTok's cancellation list is not a list of cancellations with cancel_id and cancel_status",
            code=None,
            http_status=200,
            request_id=request_id,
        )
    return CancellationPage(
        cancellations=tuple(Cancellation.from_json(item) for item in raw),
        total_count=_integer(data.get("total_count")),
        next_page_token=_text(data.get("next_page_token")),
        request_id=request_id,
    )


_LIST_FILTERS: Final = frozenset(
    {"cancel_ids", "order_ids", "buyer_user_ids", "cancel_types", "cancel_status"}
)
_TIME_FILTERS: Final = frozenset({"create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt"})


def _string_list(name: str, value: object) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TikTokValidationError(f"{name} must be a list of strings")
    items = list(value)
    if not items or not all(isinstance(item, str) and item for item in items):
        raise TikTokValidationError(f"{name} must be a non-empty list of non-empty strings")
    return items


def _is_cancellation(item: object) -> bool:
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("cancel_id"), str)
        and bool(item["cancel_id"])
        and isinstance(item.get("cancel_status"), str)
        and bool(item["cancel_status"])
    )


def _objects(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _integer(value: object) -> int | None:
    return value if _is_int(value) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

"""The request every trigger turns into, and the result every trigger answers with (the seed SDK's shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)
from tiktok_shop.validation import validate_cancel_id, validate_idempotency_key, validate_shop_id

APPROVED_STATUS = "CANCELLATION_APPROVED"


class ApprovalQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_key: str | None = None

    @field_validator("idempotency_key")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        return None if value is None else validate_idempotency_key(value)


class ApprovalRequest(BaseModel):
    """`{"shop_id": "...", "cancel_id": "...", "query": {"idempotency_key": "..."}}`, `shop_id` and `query`
    optional. Without `shop_id`, the default shop (the TIKTOK_CREDENTIALS_SECRET secret's) is meant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cancel_id: str
    shop_id: str | None = None
    query: ApprovalQuery = Field(default_factory=ApprovalQuery)

    @field_validator("shop_id", mode="before")
    @classmethod
    def _check_shop_id(cls, value: Any) -> str:
        # An explicit null is refused: a producer that failed to fill it must not reach the default shop.
        if value is None:
            raise ValueError("shop_id must be a string; leave it out for the default shop")
        return validate_shop_id(value)

    @field_validator("query", mode="before")
    @classmethod
    def _absent_query(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("cancel_id", mode="before")
    @classmethod
    def _check_cancel_id(cls, value: Any) -> str:
        return validate_cancel_id(value)

    @property
    def idempotency_key(self) -> str | None:
        return self.query.idempotency_key


class ResultData(BaseModel):
    """The seed's `{"success", "status"}`, plus two fields that appear only when they say something:
    `already_approved` (TikTok had approved before this call: Search Cancellations said so) and
    `cancel_status` (TikTok's state of a cancellation that could not be approved)."""

    model_config = ConfigDict(frozen=True)

    success: bool
    status: str
    already_approved: bool | None = None
    cancel_status: str | None = None

    @model_serializer(mode="wrap")
    def _omit_absent_markers(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in ("already_approved", "cancel_status"):
            if data.get(name) is None:
                data.pop(name, None)
        return data


class ApprovalResult(BaseModel):
    """`{"code": 0, "message": "Success", "request_id": "...", "data": {"success": true, "status": ...}}`."""

    model_config = ConfigDict(frozen=True)

    code: int
    message: str
    request_id: str | None
    data: ResultData

    @classmethod
    def approved(cls, envelope: dict[str, Any]) -> ApprovalResult:
        return cls(
            code=0,
            message=str(envelope.get("message") or "Success"),
            request_id=envelope.get("request_id"),
            data=ResultData(success=True, status=APPROVED_STATUS),
        )

    @classmethod
    def found_approved(cls, *, request_id: str | None) -> ApprovalResult:
        """Approved, but not by this call: TikTok's Search Cancellations reports it approved already."""
        return cls(
            code=0,
            message="Success",
            request_id=request_id,
            data=ResultData(success=True, status=APPROVED_STATUS, already_approved=True),
        )

    @classmethod
    def failed(
        cls,
        *,
        code: int,
        message: str,
        request_id: str | None,
        status: str,
        cancel_status: str | None = None,
    ) -> ApprovalResult:
        data = ResultData(success=False, status=status, cancel_status=cancel_status)
        return cls(code=code, message=message, request_id=request_id, data=data)


class ApprovalOutcome(BaseModel):
    """What the service returns: the result, and whether it is a stored one replayed."""

    model_config = ConfigDict(frozen=True)

    result: dict[str, Any]
    replayed: bool

    @property
    def already_approved(self) -> bool:
        """TikTok had approved before this request's call (stored and replayed like any success)."""
        return bool(self.result.get("data", {}).get("already_approved"))

"""The request every trigger turns into, and the result every trigger answers with (the seed SDK's shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from tiktok_shop.validation import validate_cancel_id, validate_idempotency_key

APPROVED_STATUS = "CANCELLATION_APPROVED"


class ApprovalQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_key: str | None = None

    @field_validator("idempotency_key")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        return None if value is None else validate_idempotency_key(value)


class ApprovalRequest(BaseModel):
    """`{"cancel_id": "...", "query": {"idempotency_key": "..."}}`, `query` optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cancel_id: str
    query: ApprovalQuery = Field(default_factory=ApprovalQuery)

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
    model_config = ConfigDict(frozen=True)

    success: bool
    status: str


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
    def failed(cls, *, code: int, message: str, request_id: str | None, status: str) -> ApprovalResult:
        return cls(
            code=code, message=message, request_id=request_id, data=ResultData(success=False, status=status)
        )


class ApprovalOutcome(BaseModel):
    """What the service returns: the result, and whether it is a stored one replayed."""

    model_config = ConfigDict(frozen=True)

    result: dict[str, Any]
    replayed: bool

"""The request every trigger turns into, and the result every trigger answers with (the seed SDK's shapes).

Plain frozen dataclasses: request_parsing.py checks what comes in, `to_dict()` writes what goes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

APPROVED_STATUS = "CANCELLATION_APPROVED"


@dataclass(frozen=True)
class ApprovalQuery:
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ApprovalRequest:
    """`{"shop_id": "...", "cancel_id": "...", "query": {"idempotency_key": "..."}}`, `shop_id` and `query`
    optional. Without `shop_id`, the default shop (the TIKTOK_CREDENTIALS_SECRET secret's) is meant.
    Built by request_parsing.parse_approval_request, which holds the rules a request must keep."""

    cancel_id: str
    shop_id: str | None = None
    query: ApprovalQuery = field(default_factory=ApprovalQuery)

    @property
    def idempotency_key(self) -> str | None:
        return self.query.idempotency_key


@dataclass(frozen=True)
class ResultData:
    """The seed's `{"success", "status"}`, plus two fields that appear only when they say something:
    `already_approved` (TikTok had approved before this call: Search Cancellations said so) and
    `cancel_status` (TikTok's state of a cancellation that could not be approved)."""

    success: bool
    status: str
    already_approved: bool | None = None
    cancel_status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"success": self.success, "status": self.status}
        if self.already_approved is not None:
            data["already_approved"] = self.already_approved
        if self.cancel_status is not None:
            data["cancel_status"] = self.cancel_status
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultData:
        return cls(
            success=data["success"],
            status=data["status"],
            already_approved=data.get("already_approved"),
            cancel_status=data.get("cancel_status"),
        )


@dataclass(frozen=True)
class ApprovalResult:
    """`{"code": 0, "message": "Success", "request_id": "...", "data": {"success": true, "status": ...}}`."""

    code: int
    message: str
    request_id: str | None
    data: ResultData

    def to_dict(self) -> dict[str, Any]:
        """The JSON object every trigger answers with, in the seed's field order."""
        return {
            # int(): an HTTPStatus stands in for TikTok's code in our own failures; the answer is a number.
            "code": int(self.code),
            "message": self.message,
            "request_id": self.request_id,
            "data": self.data.to_dict(),
        }

    @classmethod
    def from_dict(cls, result: dict[str, Any]) -> ApprovalResult:
        """A result `to_dict()` wrote, read back (the idempotency store returns its keys sorted)."""
        return cls(
            code=result["code"],
            message=result["message"],
            request_id=result.get("request_id"),
            data=ResultData.from_dict(result["data"]),
        )

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


@dataclass(frozen=True)
class ApprovalOutcome:
    """What the service returns: the result, and whether it is a stored one replayed."""

    result: ApprovalResult
    replayed: bool

    @property
    def already_approved(self) -> bool:
        """TikTok had approved before this request's call (stored and replayed like any success)."""
        return bool(self.result.data.already_approved)

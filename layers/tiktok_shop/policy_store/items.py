"""The item layout of PoliciesTable: `shop_id` (TikTok's shop id, or DEFAULT_KEY) -> the policy's JSON text,
as `policy_to_json` writes it, with when and by what it was last written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

# No TikTok shop id is this: they are digits.
DEFAULT_KEY: Final = "default"


@dataclass(frozen=True)
class StoredPolicy:
    """One item: `policy` is the JSON text, validated again on every read (the table may be edited)."""

    shop_id: str
    policy: str
    updated_at: int | None = None

    @property
    def is_default(self) -> bool:
        return self.shop_id == DEFAULT_KEY

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"shop_id": {"S": self.shop_id}, "policy": {"S": self.policy}}
        if self.updated_at is not None:
            item["updated_at"] = {"N": str(self.updated_at)}
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> StoredPolicy:
        """An item whose `policy` is not text reads as an empty policy, which validation refuses: fails
        closed, with a message that says so."""
        updated = item.get("updated_at", {}).get("N")
        return cls(
            shop_id=item.get("shop_id", {}).get("S", ""),
            policy=item.get("policy", {}).get("S", ""),
            updated_at=int(updated) if updated and updated.isdigit() else None,
        )

"""The shop directory's entry: which seller authorization (its secret) and which cipher serve a shop_id.

Plain data, no AWS client: the reader and the writer both go through this one definition of the item's
attributes.

`active`: False once TikTok said the seller de-authorized the app (webhook type 6); the item then carries
`active` (BOOL false) and `deactivated_at` (N, Unix seconds). An item without `active` is active: every
entry written before the flag existed, and every entry `make authorize` or a rotation writes (the sync
replaces the whole item, so authorizing again is what reactivates a shop).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from tiktok_shop import TikTokValidationError
from tiktok_shop.validation import validate_shop_id

if TYPE_CHECKING:
    from tiktok_shop import AuthorizedShop

REQUIRED_ATTRIBUTES = ("shop_id", "shop_cipher", "secret_id")
TEXT_ATTRIBUTES = (*REQUIRED_ATTRIBUTES, "shop_name", "region", "seller_name")


def plain_attributes(item: dict[str, Any]) -> dict[str, Any]:
    """Plain values: an entry's attributes are of type S, besides `active` (BOOL) and `deactivated_at`
    (N, kept as its digits); anything else is left out, and ShopEntry.from_item names a required one that
    is missing."""
    plain: dict[str, Any] = {}
    for key, value in item.items():
        if "S" in value:
            plain[key] = value["S"]
        elif "BOOL" in value:
            plain[key] = bool(value["BOOL"])
        elif "N" in value:
            plain[key] = str(value["N"])
    return plain


@dataclass(frozen=True)
class ShopEntry:
    """One item of the directory (DynamoDB attributes of type S, each named like the field)."""

    shop_id: str
    shop_cipher: str
    secret_id: str  # the Secrets Manager secret (ARN) of the seller authorization that covers the shop
    shop_name: str | None = None
    region: str | None = None
    seller_name: str | None = None
    active: bool = True
    deactivated_at: int | None = None  # Unix seconds: when the seller's de-authorization was first noted

    def to_item(self) -> dict[str, str]:
        """The text attributes (the entry's identity), absent optional ones left out (DynamoDB stores no
        empty strings in keys). `active` and `deactivated_at` are not text: see to_attributes."""
        return {
            f.name: value
            for f in fields(self)
            if f.name in TEXT_ATTRIBUTES and (value := getattr(self, f.name)) is not None
        }

    def to_attributes(self) -> dict[str, dict[str, Any]]:
        """The whole item in DynamoDB's typed form; an active entry carries no `active` attribute."""
        item: dict[str, dict[str, Any]] = {name: {"S": value} for name, value in self.to_item().items()}
        if not self.active:
            item["active"] = {"BOOL": False}
            if self.deactivated_at is not None:
                item["deactivated_at"] = {"N": str(self.deactivated_at)}
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ShopEntry:
        """From the item's attributes as plain values (text; `active` a bool, `deactivated_at` a whole
        number or its digits); TikTokValidationError names what is missing or malformed."""
        for name in REQUIRED_ATTRIBUTES:
            if not isinstance(item.get(name), str) or not item[name]:
                raise TikTokValidationError(f"shop directory item lacks {name}")
        return cls(
            shop_id=item["shop_id"],
            shop_cipher=item["shop_cipher"],
            secret_id=item["secret_id"],
            **{name: _text(item.get(name)) for name in ("shop_name", "region", "seller_name")},
            active=_active(item.get("active")),
            deactivated_at=_seconds(item.get("deactivated_at")),
        )

    @classmethod
    def from_authorized_shop(
        cls, shop: AuthorizedShop, *, secret_id: str, seller_name: str | None = None
    ) -> ShopEntry:
        """The entry for one shop Get Authorized Shops listed; its `id` is the directory's shop_id."""
        if shop.id is None:
            raise TikTokValidationError(f"TikTok listed a shop without an id (cipher {shop.cipher})")
        return cls(
            shop_id=validate_shop_id(shop.id),
            shop_cipher=shop.cipher,
            secret_id=secret_id,
            shop_name=shop.name,
            region=shop.region,
            seller_name=seller_name,
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _active(value: object) -> bool:
    if value is None:
        return True  # absent: active
    if isinstance(value, bool):
        return value
    raise TikTokValidationError(f"shop directory item has active of type {type(value).__name__}, not a bool")


def _seconds(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise TikTokValidationError("shop directory item has a deactivated_at that is not a whole number")

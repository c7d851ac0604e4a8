"""The shop directory's entry: which seller authorization (its secret) and which cipher serve a shop_id.

Plain data, no AWS client: the reader and the writer both go through this one definition of the item's
attributes.
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


@dataclass(frozen=True)
class ShopEntry:
    """One item of the directory (DynamoDB attributes of type S, each named like the field)."""

    shop_id: str
    shop_cipher: str
    secret_id: str  # the Secrets Manager secret (ARN) of the seller authorization that covers the shop
    shop_name: str | None = None
    region: str | None = None
    seller_name: str | None = None

    def to_item(self) -> dict[str, str]:
        """The attributes, absent optional ones left out (DynamoDB stores no empty strings in keys)."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ShopEntry:
        """From the item's attributes as plain strings; TikTokValidationError names what is missing."""
        for name in REQUIRED_ATTRIBUTES:
            if not isinstance(item.get(name), str) or not item[name]:
                raise TikTokValidationError(f"shop directory item lacks {name}")
        return cls(
            shop_id=item["shop_id"],
            shop_cipher=item["shop_cipher"],
            secret_id=item["secret_id"],
            **{name: _text(item.get(name)) for name in ("shop_name", "region", "seller_name")},
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

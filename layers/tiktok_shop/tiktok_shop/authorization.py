"""The `authorization` group (version 202309), named after the official SDK's: which shops a token serves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import TikTokAPIError

if TYPE_CHECKING:
    from .client import TikTokShopClient

GET_AUTHORIZED_SHOPS_PATH = "/authorization/202309/shops"


@dataclass(frozen=True)
class AuthorizedShop:
    """One shop the seller authorized the app for; `cipher` is the `shop_cipher` other calls take."""

    cipher: str
    id: str | None = None
    name: str | None = None
    region: str | None = None
    seller_type: str | None = None  # CROSS_BORDER or LOCAL
    code: str | None = None  # the shop code Seller Center shows

    @classmethod
    def from_json(cls, shop: Mapping[str, Any]) -> AuthorizedShop:
        return cls(
            cipher=shop["cipher"],
            id=_text(shop.get("id")),
            name=_text(shop.get("name")),
            region=_text(shop.get("region")),
            seller_type=_text(shop.get("seller_type")),
            code=_text(shop.get("code")),
        )


class AuthorizationApi:
    def __init__(self, client: TikTokShopClient) -> None:
        self._client = client

    def get_authorized_shops(self, *, deadline: float | None = None) -> list[AuthorizedShop]:
        """The shops the client's access token may act for (signed, token header, no shop_cipher)."""
        envelope = self._client.request(
            "GET", GET_AUTHORIZED_SHOPS_PATH, shop_cipher_required=False, deadline=deadline
        )
        data = envelope.get("data")
        shops = data.get("shops") if isinstance(data, Mapping) else None
        if shops is None:
            return []
        if not isinstance(shops, list) or not all(_has_cipher(shop) for shop in shops):
            raise TikTokAPIError(
                "TikTok's shop list is not a list of shops with a cipher",
                code=None,
                http_status=200,
                request_id=envelope.get("request_id"),
            )
        return [AuthorizedShop.from_json(shop) for shop in shops]


def _has_cipher(shop: object) -> bool:
    return isinstance(shop, Mapping) and isinstance(shop.get("cipher"), str) and bool(shop["cipher"])


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

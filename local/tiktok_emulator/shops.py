"""The shops a seller authorized the app for, as Get Authorized Shops lists them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Final

_FIELDS: Final = ("cipher", "id", "name", "region", "seller_type", "code")


@dataclass(frozen=True)
class AuthorizedShop:
    """Defaults shaped like the endpoint spec's sample answer; only the cipher matters to a client."""

    cipher: str
    id: str = "7000714532876273420"
    name: str = "Emulator beauty shop"
    region: str = "GB"
    seller_type: str = "LOCAL"
    code: str = "GBLCEMULATOR1"

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def shops_from_json(raw: object) -> list[AuthorizedShop]:
    """Reads `[{"cipher": ..., "id": ..., ...}]`; raises ValueError naming the first bad entry."""
    if not isinstance(raw, list):
        raise ValueError("shops must be a list of objects with at least a cipher")
    shops: list[AuthorizedShop] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ValueError(f"shops[{index}] must be an object")
        unknown = set(entry) - set(_FIELDS)
        if unknown:
            raise ValueError(f"shops[{index}] has unknown keys {sorted(unknown)}")
        if not all(isinstance(value, str) and value for value in entry.values()):
            raise ValueError(f"shops[{index}]: every value must be a non-empty string")
        if "cipher" not in entry:
            raise ValueError(f"shops[{index}] needs a cipher")
        shops.append(AuthorizedShop(**entry))
    ciphers = [shop.cipher for shop in shops]
    if len(set(ciphers)) != len(ciphers):
        raise ValueError("two shops cannot share a cipher")
    return shops

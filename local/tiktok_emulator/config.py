"""Default credentials and the seed format: one JSON shape for the seed file (`--seed FILE`, read at start)
and, without the credentials, for the `seed` control's arguments (a running emulator).

    {"cancellations": {"<cancel_id>": "<state>"},          any shop's
     "app_key": ..., "shop_cipher": ..., ...,               the default seller's credentials (optional)
     "sellers": [{"open_id": "...", "seller_name"?, "seller_base_region"?, "access_token"?, "refresh_token"?,
                  "shops": [{"cipher", "id"?, "name"?, "region"?, "seller_type"?, "code"?,
                             "cancellations"?: {"<cancel_id>": "<state>"}}]}]}     owned by that shop

A list of seller objects is also what the `add_sellers` control takes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tiktok_emulator.sellers import SellerProfile
from tiktok_emulator.shops import AuthorizedShop, shops_from_json
from tiktok_emulator.state import CancellationState, validate_cancellations

DEFAULT_APP_KEY: Final = "test-app-key"
# Fake credentials: the emulator only ever serves loopback tests and local runs.
DEFAULT_APP_SECRET: Final = "test-app-secret"  # noqa: S105
DEFAULT_ACCESS_TOKEN: Final = "test-access-token"  # noqa: S105
DEFAULT_REFRESH_TOKEN: Final = "test-refresh-token"  # noqa: S105
DEFAULT_SHOP_CIPHER: Final = "ROW_test_cipher"

SEED_FILE: Final = Path(__file__).with_name("seed.json")
"""The cancellations every local run starts with: the ids events/*.json use, and one in each other state.
`make run` and `make local-up` start the emulator with it; add your own cancel_ids here."""

CREDENTIAL_FIELDS: Final = ("app_key", "app_secret", "access_token", "shop_cipher", "refresh_token")
SELLER_FIELDS: Final = ("open_id", "seller_name", "seller_base_region", "access_token", "refresh_token")


@dataclass(frozen=True)
class SellerSpec:
    """A seller authorization to add (TikTokEmulator.add_sellers): the seed format's seller object."""

    open_id: str
    shops: tuple[AuthorizedShop, ...]
    seller_name: str | None = None
    """None: "Emulator seller <open_id>"."""
    seller_base_region: str | None = None
    """None: the first shop's region."""
    access_token: str | None = None
    """None: a new one, shaped like TikTok's."""
    refresh_token: str | None = None
    cancellations: dict[str, dict[str, CancellationState]] = field(default_factory=dict)
    """By shop cipher: the cancellations that belong to that shop."""

    def profile(self) -> SellerProfile:
        region = self.seller_base_region or (self.shops[0].region if self.shops else "GB")
        return SellerProfile(self.open_id, self.seller_name or f"Emulator seller {self.open_id}", region)


@dataclass(frozen=True)
class Seed:
    cancellations: dict[str, CancellationState] = field(default_factory=dict)
    """Any shop's."""
    credentials: dict[str, str] = field(default_factory=dict)
    """Only the credentials the seed names; the constructor's arguments and the defaults fill the rest."""
    sellers: tuple[SellerSpec, ...] = ()
    """Sellers besides the default one."""


def parse_seed(raw: object, source: str = "the seed") -> Seed:
    """`{"cancellations": {"<cancel_id>": "<state>"}, "app_key": ..., ...}` checked; raises ValueError
    naming `source` and the first bad entry."""
    if not isinstance(raw, Mapping):
        raise ValueError(
            f'{source}: must be a JSON object, {{"cancellations": {{"<cancel_id>": "<state>"}}}}'
        )
    unknown = set(raw) - {"cancellations", "sellers", *CREDENTIAL_FIELDS}
    if unknown:
        raise ValueError(
            f'{source}: unknown keys {sorted(unknown)}; expected {{"cancellations": {{"<cancel_id>": '
            f'"<state>"}}}} and optionally sellers, {", ".join(CREDENTIAL_FIELDS)}'
        )
    credentials: dict[str, str] = {}
    for name in CREDENTIAL_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise ValueError(f"{source}: {name} must be a non-empty string")
        credentials[name] = value
    try:
        cancellations = validate_cancellations(raw.get("cancellations", {}))
        sellers = sellers_from_json(raw.get("sellers", []))
        check_seeded_once(cancellations, sellers)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None
    return Seed(cancellations, credentials, sellers)


def sellers_from_json(raw: object) -> tuple[SellerSpec, ...]:
    """Reads the seed's `sellers` list; raises ValueError naming the first bad entry. Sellers already in
    the emulator are the emulator's to check against (TikTokEmulator.add_sellers)."""
    if not isinstance(raw, list):
        raise ValueError("sellers must be a list of seller objects")
    sellers = tuple(seller_from_json(entry, f"sellers[{index}]") for index, entry in enumerate(raw))
    check_distinct_sellers(sellers)
    return sellers


def check_distinct_sellers(sellers: Sequence[SellerSpec]) -> None:
    """Sellers added together must not share an open_id, a shop or a token with one another."""
    for name, values in (
        ("open_id", [seller.open_id for seller in sellers]),
        # Two shops of one seller sharing a cipher are refused with the shops, in those words.
        ("shop cipher", [cipher for seller in sellers for cipher in {shop.cipher for shop in seller.shops}]),
        ("access_token", [seller.access_token for seller in sellers if seller.access_token]),
        ("refresh_token", [seller.refresh_token for seller in sellers if seller.refresh_token]),
    ):
        if len(set(values)) != len(values):
            repeated = next(value for value in values if values.count(value) > 1)
            shown = f" {repeated!r}" if name in ("open_id", "shop cipher") else ""  # tokens stay unprinted
            raise ValueError(f"sellers: two sellers cannot share the {name}{shown}")


def seller_from_json(raw: object, where: str = "the seller") -> SellerSpec:
    """One seller object (see the module's docstring); raises ValueError naming `where` and the entry."""
    if not isinstance(raw, Mapping):
        raise ValueError(f'{where} must be an object, {{"open_id": "...", "shops": [{{"cipher": "..."}}]}}')
    unknown = set(raw) - {*SELLER_FIELDS, "shops"}
    if unknown:
        raise ValueError(
            f"{where} has unknown keys {sorted(unknown)}; expected open_id, shops and optionally "
            f"{', '.join(SELLER_FIELDS[1:])}"
        )
    texts: dict[str, str | None] = {}
    for name in SELLER_FIELDS:
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"{where}: {name} must be a non-empty string")
        texts[name] = value
    open_id = texts["open_id"]
    if open_id is None:
        raise ValueError(f"{where} needs an open_id")
    where = f"{where} ({open_id})"
    shops, cancellations = _seller_shops(raw.get("shops"), where)
    return SellerSpec(
        open_id=open_id,
        shops=shops,
        seller_name=texts["seller_name"],
        seller_base_region=texts["seller_base_region"],
        access_token=texts["access_token"],
        refresh_token=texts["refresh_token"],
        cancellations=cancellations,
    )


def _seller_shops(
    raw: object, where: str
) -> tuple[tuple[AuthorizedShop, ...], dict[str, dict[str, CancellationState]]]:
    """A seller's shops, each with its own optional cancellations, which the shop list itself must not
    carry (Get Authorized Shops lists the six fields only)."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: shops must be a non-empty list of objects with at least a cipher")
    listed: list[object] = []
    owned: list[object] = []
    for entry in raw:
        if isinstance(entry, Mapping):
            owned.append(entry.get("cancellations", {}))
            listed.append({key: value for key, value in entry.items() if key != "cancellations"})
        else:
            owned.append({})
            listed.append(entry)
    try:
        shops = shops_from_json(listed)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    cancellations: dict[str, dict[str, CancellationState]] = {}
    for index, (shop, entry) in enumerate(zip(shops, owned, strict=True)):
        try:
            validated = validate_cancellations(entry)
        except ValueError as error:
            raise ValueError(f"{where}: shops[{index}] ({shop.cipher}): {error}") from None
        if validated:
            cancellations[shop.cipher] = validated
    return tuple(shops), cancellations


def check_seeded_once(cancellations: Mapping[str, object], sellers: Sequence[SellerSpec]) -> None:
    """One cancel_id, one shop: a cancellation seeded in two places (the shop-less `cancellations`, the
    sellers' shops) would belong to whichever came last."""
    groups = [
        ("cancellations", cancellations),
        *(
            (f"the shop {cipher} of seller {seller.open_id}", owned)
            for seller in sellers
            for cipher, owned in seller.cancellations.items()
        ),
    ]
    seen: dict[str, str] = {}
    for where, group in groups:
        for cancel_id in group:
            if cancel_id in seen:
                first = seen[cancel_id]
                raise ValueError(f"cancel_id {cancel_id} is seeded twice: in {first} and in {where}")
            seen[cancel_id] = where


def read_seed_file(path: str | Path) -> Seed:
    """The seed file's content (see parse_seed); raises ValueError, or OSError when it cannot be read."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    return parse_seed(raw, f"the seed file {path}")

"""Seller authorizations: which seller each access token belongs to, and which shops each seller authorized.

TikTok: one seller authorization gives one access token (and its refresh token); Get Authorized Shops lists
that authorization's shops, one for a LOCAL seller, several for a CROSS_BORDER one, each with its own cipher;
a token acts only for its own shops. The emulator keeps, per seller, the shops authorized now and the ciphers
of the shops removed since, because TikTok answers a token used with a shop it may not act for (another
seller's, or one the seller de-authorized) with 101000, and a cipher it does not know at all with 36009004.

Refresh tokens and authorization codes carry their seller in AuthState; this module knows the access tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from tiktok_emulator.shops import AuthorizedShop


@dataclass(frozen=True)
class SellerProfile:
    """What the token endpoints say about the seller besides the tokens."""

    open_id: str
    seller_name: str
    seller_base_region: str


DEFAULT_SELLER: Final = SellerProfile("emulator-open-id", "Emulator Seller", "GB")
"""The constructor's credentials and shops: every method without a seller argument acts on it."""


@dataclass(frozen=True)
class EmulatorSeller:
    """A seller authorization as it stands: the tokens are the ones issued to it most recently."""

    open_id: str
    seller_name: str
    seller_base_region: str
    access_token: str
    refresh_token: str
    shops: tuple[AuthorizedShop, ...]

    def to_json(self) -> dict[str, object]:
        # Tokens included: the controls are a local test tool, and a client needs them to call.
        return {
            "open_id": self.open_id,
            "seller_name": self.seller_name,
            "seller_base_region": self.seller_base_region,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "shops": [shop.to_json() for shop in self.shops],
        }


CipherAccess = Literal["authorized", "mismatch", "unknown"]
"""A shop_cipher seen from one seller: one of its shops; another seller's or one it removed; no one's."""


@dataclass
class _Authorization:
    profile: SellerProfile
    shops: list[AuthorizedShop]
    access_token: str
    removed_ciphers: set[str] = field(default_factory=set)


class SellerDirectory:
    """Not locked itself: ShopState's lock guards it together with the tokens' status."""

    def __init__(self, default: SellerProfile, access_token: str, shops: Sequence[AuthorizedShop]) -> None:
        self.default_open_id = default.open_id
        self._authorizations = {default.open_id: _Authorization(default, list(shops), access_token)}
        self._seller_by_token = {access_token: default.open_id}

    def open_ids(self) -> list[str]:
        """The default seller first, then the others in the order they were added."""
        return list(self._authorizations)

    def resolve(self, seller: str | None) -> str:
        """`seller` (None: the default one), checked to exist."""
        open_id = self.default_open_id if seller is None else seller
        if open_id not in self._authorizations:
            raise ValueError(f"no seller with open_id {open_id!r}")
        return open_id

    def profile(self, seller: str | None = None) -> SellerProfile:
        return self._authorizations[self.resolve(seller)].profile

    def shops(self, seller: str | None = None) -> list[AuthorizedShop]:
        return list(self._authorizations[self.resolve(seller)].shops)

    def access_token(self, seller: str | None = None) -> str:
        """The one issued most recently."""
        return self._authorizations[self.resolve(seller)].access_token

    def seller_of_token(self, token: str) -> str | None:
        return self._seller_by_token.get(token)

    def check_new(self, profile: SellerProfile, shops: Sequence[AuthorizedShop], access_token: str) -> None:
        """Raises ValueError when the seller could not be added as it is; changes nothing."""
        if profile.open_id in self._authorizations:
            raise ValueError(f"a seller with open_id {profile.open_id!r} exists already")
        if not shops:
            raise ValueError(f"seller {profile.open_id!r}: an authorization covers at least one shop")
        _check_unique_ciphers(shop.cipher for shop in shops)
        for shop in shops:
            self._check_cipher_free(shop.cipher, profile.open_id)
        if access_token in self._seller_by_token:
            raise ValueError(f"seller {profile.open_id!r}: its access token is already issued to a seller")

    def add(self, profile: SellerProfile, shops: Sequence[AuthorizedShop], access_token: str) -> None:
        self.check_new(profile, shops, access_token)
        self._authorizations[profile.open_id] = _Authorization(profile, list(shops), access_token)
        self._seller_by_token[access_token] = profile.open_id

    def issue_token(self, token: str, seller: str | None = None) -> None:
        """`token` becomes the seller's most recent; a token belongs to one seller only."""
        open_id = self.resolve(seller)
        owner = self._seller_by_token.setdefault(token, open_id)
        if owner != open_id:
            raise ValueError(f"that access token belongs to seller {owner!r}")
        self._authorizations[open_id].access_token = token

    def set_shops(self, shops: Sequence[AuthorizedShop], seller: str | None = None) -> None:
        """The seller's authorization covers `shops` from now on; a shop left out was de-authorized."""
        open_id = self.resolve(seller)
        _check_unique_ciphers(shop.cipher for shop in shops)
        for shop in shops:
            self._check_cipher_free(shop.cipher, open_id)
        authorization = self._authorizations[open_id]
        kept = {shop.cipher for shop in shops}
        authorization.removed_ciphers |= {shop.cipher for shop in authorization.shops} - kept
        authorization.removed_ciphers -= kept
        authorization.shops = list(shops)

    def owner_of_cipher(self, cipher: str) -> str | None:
        """The seller whose authorization covers that shop now."""
        for open_id, authorization in self._authorizations.items():
            if any(shop.cipher == cipher for shop in authorization.shops):
                return open_id
        return None

    def find_shop(self, shop_id: str | None = None, shop_cipher: str | None = None) -> AuthorizedShop:
        """The shop authorized now with that cipher, or with that id; neither: the default seller's first
        shop. ValueError when there is none, when both are given, or when several shops have the id (shop
        ids are not unique here: only ciphers are)."""
        if shop_id is not None and shop_cipher is not None:
            raise ValueError("give shop_id or shop_cipher, not both")
        if shop_id is None and shop_cipher is None:
            shops = self._authorizations[self.default_open_id].shops
            if not shops:
                raise ValueError("the default seller has no shop: give shop_id or shop_cipher")
            return shops[0]
        every = [shop for authorization in self._authorizations.values() for shop in authorization.shops]
        found = [shop for shop in every if shop.cipher == shop_cipher or shop.id == shop_id]
        if not found:
            given = f"shop_cipher {shop_cipher!r}" if shop_id is None else f"shop_id {shop_id!r}"
            known = ", ".join(f"{shop.id} ({shop.cipher})" for shop in every)
            raise ValueError(f"no shop with {given}; the shops: {known}")
        if len(found) > 1:
            ciphers = ", ".join(shop.cipher for shop in found)
            raise ValueError(f"shop_id {shop_id!r} is the id of several shops ({ciphers}): give shop_cipher")
        return found[0]

    def cipher_access(self, seller: str, cipher: str) -> CipherAccess:
        owner = self.owner_of_cipher(cipher)
        if owner == seller:
            return "authorized"
        if owner is not None or cipher in self._authorizations[seller].removed_ciphers:
            return "mismatch"
        return "unknown"

    def _check_cipher_free(self, cipher: str, open_id: str) -> None:
        owner = self.owner_of_cipher(cipher)
        if owner is not None and owner != open_id:
            raise ValueError(f"the shop cipher {cipher!r} belongs to seller {owner!r}'s shop")


def _check_unique_ciphers(ciphers: Iterable[str]) -> None:
    seen: set[str] = set()
    for cipher in ciphers:
        if cipher in seen:
            raise ValueError(f"two shops cannot share a cipher ({cipher!r})")
        seen.add(cipher)

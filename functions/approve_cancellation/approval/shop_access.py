"""Which credentials serve a request: the default shop's secret without shop_id, else the directory's entry.

One secret per seller authorization: every shop of a cross-border authorization shares its tokens, with
its own cipher. A loader per secret, so that re-reading a secret after TikTok refused its token touches
that authorization only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from shop_directory.reader import ShopDirectoryReader
from tiktok_shop import Credentials, CredentialsLoader

from .errors import InvalidApprovalRequest, ShopInactive, ShopNotFound

LoaderFactory = Callable[[str], CredentialsLoader]


@dataclass(frozen=True)
class ShopAccess:
    """The secret that serves one shop, and that shop's cipher (None: the secret's own, the default shop)."""

    shop_id: str | None
    loader: CredentialsLoader
    shop_cipher: str | None = None

    def credentials(self, *, force_refresh: bool = False) -> Credentials:
        """Raises CredentialsError or CredentialsUnavailableError (errors.as_approval_error maps them)."""
        credentials = self.loader.get(force_refresh=force_refresh)
        if self.shop_cipher is None or credentials.shop_cipher == self.shop_cipher:
            return credentials
        return replace(credentials, shop_cipher=self.shop_cipher)


class ShopResolver:
    def __init__(
        self,
        *,
        default_secret: str | None,
        directory: ShopDirectoryReader | None,
        loader_for: LoaderFactory,
    ) -> None:
        self._default_secret = default_secret
        self._directory = directory
        self._loader_for = loader_for
        self._loaders: dict[str, CredentialsLoader] = {}
        self._lock = threading.Lock()

    @property
    def directory(self) -> ShopDirectoryReader | None:
        return self._directory

    def resolve(self, shop_id: str | None, *, force_refresh: bool = False) -> ShopAccess:
        """Raises ShopNotFound for a shop the directory does not hold, ShopInactive for one whose seller
        de-authorized the app, before anything reaches TikTok, and the directory's own errors.
        `force_refresh`: the directory's entry read again, not from the cache."""
        if shop_id is None:
            if self._default_secret is None:
                raise InvalidApprovalRequest(
                    "this deployment has no default shop (TIKTOK_CREDENTIALS_SECRET): name the shop with "
                    "shop_id"
                )
            return ShopAccess(shop_id=None, loader=self._loader(self._default_secret))
        if self._directory is None:
            raise InvalidApprovalRequest(
                "this deployment has no shop directory (SHOPS_TABLE): leave shop_id out for its one shop"
            )
        entry = self._directory.get(shop_id, force_refresh=force_refresh)
        if entry is None:
            raise ShopNotFound(f"shop {shop_id} is not in the shop directory; onboard it with make authorize")
        if not entry.active:
            raise ShopInactive(
                f"shop {shop_id}'s seller de-authorized the app"
                + (f" (noted at {entry.deactivated_at})" if entry.deactivated_at is not None else "")
                + "; nothing is sent to TikTok until the seller authorizes again and make authorize runs"
            )
        return ShopAccess(
            shop_id=shop_id, loader=self._loader(entry.secret_id), shop_cipher=entry.shop_cipher
        )

    def refreshed(self, shop: ShopAccess) -> ShopAccess:
        """The shop as the directory says now (another seller's secret, another cipher); the default shop
        as it is, since only its secret can change."""
        return shop if shop.shop_id is None else self.resolve(shop.shop_id, force_refresh=True)

    def _loader(self, secret_id: str) -> CredentialsLoader:
        with self._lock:
            loader = self._loaders.get(secret_id)
            if loader is None:
                loader = self._loaders[secret_id] = self._loader_for(secret_id)
            return loader

"""A seller's notifications (TikTok's webhook types 6 and 7), acted on: the decider's second job, beside
deciding cancellations (deciding.py).

- Type 6, the seller de-authorized the app: TikTok has revoked the seller's tokens, so every shop of that
  authorization is marked inactive in the shop directory (the entry of the shop named, then every entry
  naming the same secret, found with the BySecret index). An approval for an inactive shop is refused
  (ShopInactive) before anything reaches TikTok. Repeated, it changes nothing (`deactivated_at` keeps the
  first time). The default shop (the default secret's shop_id) has no directory entry to mark: the
  notification is counted and logged all the same (the alarm fires), and its approvals fail with TikTok's
  refusal of the revoked token until the seller authorizes again (make authorize).
- Type 7, the seller's authorization expires soon (30 days ahead, then daily): counted and logged with the
  seller named, so that someone asks the seller to authorize again before it lapses.

Both are counted by the decider's OUTCOMES (SellerDeauthorized, AuthorizationExpiring); a directory that
cannot be read or written just now raises, and the notice is retried like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from approval.errors import InvalidApprovalRequest
from approval.shop_access import ShopResolver
from shop_directory import ShopDirectoryError, ShopEntry
from shop_directory.writer import ShopDirectoryWriter

from .notices import Kind, SellerNotice
from .observability import logger
from .outcomes import Outcome


@dataclass(frozen=True)
class Handled:
    outcome: Outcome
    details: dict[str, Any]


class SellerEvents:
    def __init__(
        self,
        *,
        shops: ShopResolver,
        directory: ShopDirectoryWriter | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._shops = shops
        self._directory = directory
        self._clock = clock

    def handle(self, notice: SellerNotice) -> Handled:
        if notice.kind is Kind.SELLER_DEAUTHORIZED:
            return self._deauthorized(notice)
        if notice.kind is Kind.AUTHORIZATION_EXPIRING:
            return self._expiring(notice)
        raise ValueError(f"{notice.kind.value} is not a seller's notice")

    def _deauthorized(self, notice: SellerNotice) -> Handled:
        details = self._seller(notice)
        entry = self._entry(notice.shop_id)
        marked: list[str] = []
        if entry is not None and self._directory is not None:
            marked = self._directory.deactivate_secret(
                entry.secret_id, at=int(self._clock()), also=[notice.shop_id]
            )
            for shop_id in marked:
                # This container's cached entries say active still: read them again at once.
                self._refresh(shop_id)
        details["shops_marked_inactive"] = marked
        if entry is None and not details["default_shop"]:
            details["note"] = (
                "the shop is neither in the shop directory nor the default shop: nothing to mark"
            )
        elif details["default_shop"]:
            details["note"] = (
                "the default secret has no directory entry to mark: its approvals fail with TikTok's refusal "
                "of the revoked token until the seller authorizes again (make authorize)"
            )
        logger.error(
            "a seller de-authorized the app", extra={"notification_id": notice.notification_id, **details}
        )
        return Handled(Outcome.SELLER_DEAUTHORIZED, details)

    def _expiring(self, notice: SellerNotice) -> Handled:
        try:
            details = self._seller(notice)
        except ShopDirectoryError as error:
            # Naming the seller is a courtesy: the warning is counted whether or not the directory answers.
            details = {"shop_id": notice.shop_id, "directory_error": str(error)}
        logger.warning(
            "a seller's authorization expires soon: have the seller authorize again (make authorize)",
            extra={"notification_id": notice.notification_id, **details},
        )
        return Handled(Outcome.AUTHORIZATION_EXPIRING, details)

    def _seller(self, notice: SellerNotice) -> dict[str, Any]:
        """Who the seller is, as far as this deployment knows: the shop's directory entry, or the default
        shop."""
        entry = self._entry(notice.shop_id)
        return {
            "shop_id": notice.shop_id,
            "seller_name": entry.seller_name if entry is not None else None,
            "secret_id": entry.secret_id if entry is not None else None,
            "default_shop": self._is_default_shop(notice.shop_id),
        }

    def _entry(self, shop_id: str) -> ShopEntry | None:
        directory = self._shops.directory
        return None if directory is None else directory.get(shop_id, force_refresh=True)

    def _refresh(self, shop_id: str) -> None:
        directory = self._shops.directory
        if directory is not None:
            directory.get(shop_id, force_refresh=True)

    def _is_default_shop(self, shop_id: str) -> bool:
        try:
            default = self._shops.resolve(None)
            return default.credentials().shop_id == shop_id
        except InvalidApprovalRequest:
            return False  # no default secret in this deployment
        except Exception:
            logger.warning("the default secret could not be read to compare its shop_id", exc_info=True)
            return False

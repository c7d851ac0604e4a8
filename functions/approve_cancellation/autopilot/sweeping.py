"""sweep: the backstop for webhooks that never came. For every shop the autopilot serves (the default shop and
each shop of the directory), Search Cancellations for CANCELLATION_REQUEST_PENDING, page by page, then each
one decided exactly as a webhook's would be (Decider.decide_found: the same policy, record, approval key and
review event), those closest to TikTok's deadline first.

One run at a time (a lease in SweepStateTable); bounded in pages per shop and in time, resuming from the page
it stopped at; one shop's failure (a revoked token, TikTok refusing) is reported and the others go on.
"""

from __future__ import annotations

import functools
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from approval.errors import ApprovalError
from approval.shop_access import ShopAccess, ShopResolver
from shop_directory import ShopEntry
from tiktok_shop import Cancellation, CancelStatus, TikTokShopClient
from tiktok_shop.cancellations import MAX_PAGE_SIZE, CancellationPage

from .deciding import Decider, RetryLater, retry_or_raise
from .outcomes import Outcome
from .sweep_state import SweepState

# Left of the run's time when it stops deciding: the rest is found again by the next run.
STOP_MARGIN_SECONDS: Final = 5.0


@dataclass
class SweepReport:
    run_id: str
    skipped: bool = False  # another run holds the lease
    shops: int = 0
    found: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failed_shops: dict[str, str] = field(default_factory=dict)
    not_decided: int = 0  # left for the next run (time) or failed to decide (retried next run)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "skipped": self.skipped,
            "shops": self.shops,
            "found": self.found,
            "outcomes": dict(self.outcomes),
            "failed_shops": self.failed_shops,
            "not_decided": self.not_decided,
        }


@dataclass(frozen=True)
class Found:
    shop_id: str
    shop: ShopAccess
    cancellation: Cancellation

    @property
    def deadline(self) -> float:
        due = self.cancellation.response_deadline
        return math.inf if due is None else due


class Sweeper:
    def __init__(
        self,
        *,
        decider: Decider,
        shops: Callable[[], Iterator[tuple[str, Callable[[], ShopAccess]]]],
        state: SweepState,
        max_pages: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._decider = decider
        self._shops = shops
        self._state = state
        self._max_pages = max_pages
        self._clock = clock

    def sweep(self, *, deadline: float) -> SweepReport:
        report = SweepReport(run_id=str(uuid.uuid4()))
        if not self._state.acquire(run_id=report.run_id, now=self._clock(), until=deadline):
            report.skipped = True
            return report
        try:
            found = self._find(report, deadline)
            # Closest to TikTok's deadline first: if the run ends early, those are not the ones left.
            found.sort(key=lambda each: each.deadline)
            self._decide(found, report, deadline)
        finally:
            self._state.release(run_id=report.run_id)
        return report

    def _find(self, report: SweepReport, deadline: float) -> list[Found]:
        found: list[Found] = []
        for shop_id, resolve in self._shops():
            report.shops += 1
            try:
                shop = resolve()
                found.extend(Found(shop_id, shop, c) for c in self._pending(shop_id, shop, deadline))
            except Exception as error:
                # One shop's failure stops only that shop; the others are swept.
                report.failed_shops[shop_id] = str(_failure(error))
        report.found = len(found)
        return found

    def _pending(self, shop_id: str, shop: ShopAccess, deadline: float) -> list[Cancellation]:
        """Up to `max_pages` pages of the shop's pending cancellations, oldest first, from where the last
        run stopped; a page token TikTok refuses sends the next run back to the first page."""
        token = self._state.page_token(shop_id)
        pending: list[Cancellation] = []
        for _ in range(self._max_pages):
            try:
                page = self._decider.call_tiktok(shop, _pending_page(token, deadline))
            except Exception:
                if token is not None:
                    self._state.save_page_token(shop_id, None, now=self._clock())
                raise
            pending.extend(c for c in page.cancellations if c.pending)
            token = page.next_page_token
            if not token:
                break
        self._state.save_page_token(shop_id, token, now=self._clock())
        return pending

    def _decide(self, found: list[Found], report: SweepReport, deadline: float) -> None:
        for index, each in enumerate(found):
            if self._clock() > deadline - STOP_MARGIN_SECONDS:
                report.not_decided += len(found) - index
                return
            try:
                decided = self._decider.decide_found(
                    each.shop_id, each.shop, each.cancellation, deadline=deadline
                )
            except Exception:
                # RetryLater or an AWS call: it is still pending at TikTok, so the next run finds it again.
                report.not_decided += 1
                report.outcomes[Outcome.RETRY.value] += 1
                continue
            report.outcomes[decided.outcome.value] += 1


def _pending_page(token: str | None, deadline: float) -> Callable[[TikTokShopClient], CancellationPage]:
    """One page of a shop's pending cancellations, oldest (closest to TikTok's deadline) first."""

    def search(client: TikTokShopClient) -> CancellationPage:
        return client.return_refund.search_cancellations(
            cancel_status=[CancelStatus.PENDING.value],
            page_size=MAX_PAGE_SIZE,
            page_token=token,
            sort_field="create_time",
            sort_order="ASC",
            deadline=deadline,
        )

    return search


def _failure(error: Exception) -> Exception:
    if isinstance(error, RetryLater | ApprovalError):
        return error
    try:
        return retry_or_raise(error)
    except Exception as unmapped:  # a defect or an AWS error: named, not hidden
        return unmapped


def served_shops(
    resolver: ShopResolver, directory_entries: Callable[[], list[ShopEntry]] | None
) -> Iterator[tuple[str, Callable[[], ShopAccess]]]:
    """The shops the autopilot serves, by TikTok's shop_id, each with how to resolve it (resolved by the
    sweep, where one shop's failure is that shop's alone): the default shop, when its secret names its
    shop_id (make authorize records it), then each active shop of the directory (a seller who de-authorized
    the app has its shops marked inactive: skipped)."""
    seen: set[str] = set()
    try:
        default = resolver.resolve(None)
        default_id = default.credentials().shop_id
    except Exception:  # no default shop, or its secret cannot serve: the directory's shops still can
        default_id = None
    if default_id:
        seen.add(default_id)
        yield default_id, lambda: default
    for entry in directory_entries() if directory_entries is not None else []:
        if entry.shop_id not in seen and entry.active:
            seen.add(entry.shop_id)
            yield entry.shop_id, functools.partial(resolver.resolve, entry.shop_id)

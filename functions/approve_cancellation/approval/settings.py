"""The function's environment, validated once so that a missing variable fails loudly and early."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from function_plumbing.settings import SettingsError, read_environment, variable
from tiktok_shop import DEFAULT_BASE_URL

from . import time_budget

__all__ = ["DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS", "Settings", "SettingsError"]

DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS = 48 * 3600  # TikTok auto-approves after 48 h: no later duplicate matters


@dataclass(frozen=True, kw_only=True)
class Settings:
    # The default shop's secret, for requests without shop_id; the shop directory serves those with one.
    # A deployment has either or both.
    tiktok_credentials_secret: str | None = None
    shops_table: str | None = None
    idempotency_table: str = variable(min_length=1)
    tiktok_api_base_url: str = DEFAULT_BASE_URL
    approval_dlq_url: str | None = None
    idempotency_expiry_seconds: int = variable(DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS, at_least=60)
    batch_concurrency: int = variable(5, at_least=1, at_most=10)
    credentials_cache_seconds: int = variable(300, at_least=0)
    # A shop onboarded or removed takes effect in a warm container after at most this long.
    shops_cache_seconds: int = variable(60, at_least=0)
    # Leaves the function time to answer after TikTok gave up: the client's deadline is this much earlier.
    deadline_margin_seconds: float = variable(time_budget.DEADLINE_MARGIN_SECONDS, at_least=0)
    # TikTok's limit per app and shop (50 per second); with a table, every environment paces under it.
    # 0: no limiter (tests, scripts).
    tiktok_rate_limit_per_second: float = variable(0.0, at_least=0)
    rate_limit_table: str | None = None
    # The autopilot's decision log: an approval the decider asked for records its outcome there.
    decisions_table: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.tiktok_credentials_secret and not self.shops_table:
            problems.append(
                "TIKTOK_CREDENTIALS_SECRET or SHOPS_TABLE: neither is set, so there is no shop to approve for"
            )
        if self.tiktok_rate_limit_per_second and not self.rate_limit_table:
            problems.append(
                "RATE_LIMIT_TABLE: must be set when TIKTOK_RATE_LIMIT_PER_SECOND is (the shared schedule "
                "lives there)"
            )
        if problems:
            raise SettingsError(problems)

    @property
    def rate_limited(self) -> bool:
        return bool(self.tiktok_rate_limit_per_second and self.rate_limit_table)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        return read_environment(cls, os.environ if environ is None else environ)

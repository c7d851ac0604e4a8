"""The function's environment, validated once so that a missing variable fails loudly and early."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from tiktok_shop import DEFAULT_BASE_URL

DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS = 48 * 3600  # TikTok auto-approves after 48 h: no later duplicate matters


class SettingsError(RuntimeError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    # The default shop's secret, for requests without shop_id; the shop directory serves those with one.
    # A deployment has either or both.
    tiktok_credentials_secret: str | None = None
    shops_table: str | None = None
    idempotency_table: str = Field(min_length=1)
    tiktok_api_base_url: str = DEFAULT_BASE_URL
    approval_dlq_url: str | None = None
    idempotency_expiry_seconds: int = Field(default=DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS, ge=60)
    batch_concurrency: int = Field(default=5, ge=1, le=10)
    credentials_cache_seconds: int = Field(default=300, ge=0)
    # A shop onboarded or removed takes effect in a warm container after at most this long.
    shops_cache_seconds: int = Field(default=60, ge=0)
    # Leaves the function time to answer after TikTok gave up: the client's deadline is this much earlier.
    deadline_margin_seconds: float = Field(default=2.0, ge=0)
    # TikTok's limit per app and shop (50 per second); with a table, every environment paces under it.
    # 0: no limiter (tests, scripts).
    tiktok_rate_limit_per_second: float = Field(default=0, ge=0)
    rate_limit_table: str | None = None

    @model_validator(mode="after")
    def _some_shop_to_serve(self) -> Settings:
        if not self.tiktok_credentials_secret and not self.shops_table:
            raise ValueError(
                "neither TIKTOK_CREDENTIALS_SECRET nor SHOPS_TABLE is set: no shop to approve for"
            )
        return self

    @model_validator(mode="after")
    def _limiter_needs_its_table(self) -> Settings:
        if self.tiktok_rate_limit_per_second and not self.rate_limit_table:
            raise ValueError("TIKTOK_RATE_LIMIT_PER_SECOND is set but RATE_LIMIT_TABLE is not")
        return self

    @property
    def rate_limited(self) -> bool:
        return bool(self.tiktok_rate_limit_per_second and self.rate_limit_table)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values = {name: environ[name.upper()] for name in cls.model_fields if environ.get(name.upper())}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
            )
            raise SettingsError(f"invalid function environment: {problems}") from None

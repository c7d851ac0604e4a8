"""The function's environment, validated once so that a missing variable fails loudly and early."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tiktok_shop import DEFAULT_BASE_URL

DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS = 48 * 3600  # TikTok auto-approves after 48 h: no later duplicate matters


class SettingsError(RuntimeError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    tiktok_credentials_secret: str = Field(min_length=1)
    idempotency_table: str = Field(min_length=1)
    tiktok_api_base_url: str = DEFAULT_BASE_URL
    approval_dlq_url: str | None = None
    idempotency_expiry_seconds: int = Field(default=DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS, ge=60)
    batch_concurrency: int = Field(default=5, ge=1, le=10)
    credentials_cache_seconds: int = Field(default=300, ge=0)
    # Leaves the function time to answer after TikTok gave up: the client's deadline is this much earlier.
    deadline_margin_seconds: float = Field(default=2.0, ge=0)

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

"""The function's environment, validated once so that a bad variable fails loudly and early."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from function_plumbing.settings import SettingsError, read_environment, variable

__all__ = ["DEFAULT_DEDUP_SECONDS", "Settings", "SettingsError"]

# TikTok retries a delivery after 2 min, 30 min, 3 h and 12 h (about 15.5 h in all): a day covers them.
DEFAULT_DEDUP_SECONDS = 24 * 3600


@dataclass(frozen=True, kw_only=True)
class Settings:
    # The default secret, whose app_key and app_secret verify the signature. Unset: every webhook is
    # answered 401 (no app secret configured), never accepted unverified.
    tiktok_credentials_secret: str | None = None
    idempotency_table: str = variable(min_length=1)
    webhook_queue_url: str = variable(min_length=1)
    webhook_dlq_url: str = variable(min_length=1)
    credentials_cache_seconds: int = variable(300, at_least=0)
    webhook_dedup_seconds: int = variable(DEFAULT_DEDUP_SECONDS, at_least=60)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        return read_environment(cls, os.environ if environ is None else environ)

"""The function's environment, validated once so that a bad variable fails loudly and early."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from function_plumbing.settings import SettingsError, read_environment, variable
from tiktok_shop import DEFAULT_AUTH_BASE_URL, DEFAULT_BASE_URL

__all__ = ["DEFAULT_REFRESH_TOKEN_WARNING_DAYS", "Settings", "SettingsError"]

DEFAULT_REFRESH_TOKEN_WARNING_DAYS = 14


@dataclass(frozen=True, kw_only=True)
class Settings:
    tiktok_api_base_url: str = DEFAULT_BASE_URL
    tiktok_auth_base_url: str = DEFAULT_AUTH_BASE_URL
    # How close to its expiry the refresh token may come before the seller is asked to authorize again.
    refresh_token_warning_days: int = variable(DEFAULT_REFRESH_TOKEN_WARNING_DAYS, at_least=0)
    # Leaves the function time to report a failure after TikTok gave up.
    deadline_margin_seconds: float = variable(2.0, at_least=0)
    # The shop directory (ShopsTable) and the name prefix of the sellers' secrets: a secret whose name starts
    # with the prefix is a seller's, and its testSecret rewrites that seller's shops in the directory.
    # Without them every secret rotates as the default one.
    shops_table: str | None = variable(None, min_length=1)
    seller_secret_prefix: str | None = variable(None, min_length=1)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        return read_environment(cls, os.environ if environ is None else environ)

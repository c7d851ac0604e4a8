"""The function's environment, validated once so that a bad variable fails loudly and early."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tiktok_shop import DEFAULT_AUTH_BASE_URL, DEFAULT_BASE_URL

DEFAULT_REFRESH_TOKEN_WARNING_DAYS = 14


class SettingsError(RuntimeError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    tiktok_api_base_url: str = DEFAULT_BASE_URL
    tiktok_auth_base_url: str = DEFAULT_AUTH_BASE_URL
    # How close to its expiry the refresh token may come before the seller is asked to authorize again.
    refresh_token_warning_days: int = Field(default=DEFAULT_REFRESH_TOKEN_WARNING_DAYS, ge=0)
    # Leaves the function time to report a failure after TikTok gave up.
    deadline_margin_seconds: float = Field(default=2.0, ge=0)
    # The shop directory (ShopsTable) and the name prefix of the sellers' secrets: a secret whose name starts
    # with the prefix is a seller's, and its testSecret rewrites that seller's shops in the directory.
    # Without them every secret rotates as the default one.
    shops_table: str | None = Field(default=None, min_length=1)
    seller_secret_prefix: str | None = Field(default=None, min_length=1)

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

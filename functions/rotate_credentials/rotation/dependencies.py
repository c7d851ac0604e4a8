"""Wires the rotator from the environment, once per container and configuration (see the approval
function's dependencies module: the same keying on the settings and the AWS endpoint)."""

from __future__ import annotations

import os
from functools import lru_cache

import boto3
from tiktok_shop import TikTokShopClient

from .rotator import CredentialsRotator
from .settings import Settings
from .shop_directory import ShopDirectoryWriter

_AWS_ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID")


def settings() -> Settings:
    return Settings.from_environ()


def rotator() -> CredentialsRotator:
    return _rotator(settings(), tuple(os.environ.get(name) for name in _AWS_ENVIRONMENT))


def reset() -> None:
    """Forget every built object (tests that swap the AWS backend under an unchanged environment)."""
    _rotator.cache_clear()


@lru_cache(maxsize=1)
def _rotator(config: Settings, aws_environment: tuple[str | None, ...]) -> CredentialsRotator:
    def client_for(app_key: str, app_secret: str) -> TikTokShopClient:
        return TikTokShopClient(
            app_key=app_key,
            app_secret=app_secret,
            base_url=config.tiktok_api_base_url,
            auth_base_url=config.tiktok_auth_base_url,
        )

    directory = None
    if config.shops_table is not None:
        directory = ShopDirectoryWriter(boto3.client("dynamodb"), config.shops_table)
    return CredentialsRotator(
        secrets_client=boto3.client("secretsmanager"),
        client_factory=client_for,
        refresh_token_warning_days=config.refresh_token_warning_days,
        seller_secret_prefix=config.seller_secret_prefix,
        shop_directory=directory,
    )

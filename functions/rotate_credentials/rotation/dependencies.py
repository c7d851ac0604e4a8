"""Wires the rotator from the environment, once per container and configuration (see the approval
function's dependencies module: the same keying on the settings and the AWS endpoint)."""

from __future__ import annotations

from functools import lru_cache

import boto3
from function_plumbing.settings import aws_environment
from shop_directory.writer import ShopDirectoryWriter
from tiktok_shop import TikTokShopClient

from .rotator import CredentialsRotator
from .settings import Settings


def settings() -> Settings:
    return Settings.from_environ()


def rotator() -> CredentialsRotator:
    return _rotator(settings(), aws_environment())


def reset() -> None:
    """Forget every built object (tests that swap the AWS backend under an unchanged environment)."""
    _rotator.cache_clear()


@lru_cache(maxsize=1)
def _rotator(config: Settings, environment: tuple[str | None, ...]) -> CredentialsRotator:
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

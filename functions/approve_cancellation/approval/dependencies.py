"""Wires the service from the environment: built once per container and reused across invocations."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from tiktok_shop import Credentials, CredentialsLoader, TikTokShopClient

from .service import ApprovalService, idempotency_config
from .settings import Settings


@cache
def settings() -> Settings:
    return Settings.from_environ()


@cache
def approval_service() -> ApprovalService:
    config = settings()

    def client_for(credentials: Credentials) -> TikTokShopClient:
        return TikTokShopClient(
            app_key=credentials.app_key,
            app_secret=credentials.app_secret,
            base_url=config.tiktok_api_base_url,
            access_token=credentials.access_token,
            shop_cipher=credentials.shop_cipher,
        )

    return ApprovalService(
        credentials=CredentialsLoader(
            config.tiktok_credentials_secret, max_age=config.credentials_cache_seconds
        ),
        client_factory=client_for,
        persistence=DynamoDBPersistenceLayer(table_name=config.idempotency_table),
        config=idempotency_config(config.idempotency_expiry_seconds),
    )


@cache
def sqs_client() -> Any:  # boto3 clients are generated at run time
    return boto3.client("sqs")


def reset() -> None:
    """Forget the built objects, so the next invocation reads the environment again (tests, local runs)."""
    for built in (settings, approval_service, sqs_client):
        built.cache_clear()

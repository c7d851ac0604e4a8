"""Wires the service from the environment, once per container and configuration.

Built objects are kept across invocations (connection pools, the cached secret), keyed on the settings
and the AWS endpoint they were built for, so that a changed environment is honoured without a restart.
Every AWS client comes from one boto3 session: Powertools' persistence layer and secrets provider would
each make a session of their own, and each new session loads botocore's endpoint and model data again
(about 40 ms of every cold start apiece, measured by `make bench`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
import requests
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.config import Config
from decision_log import DecisionLog
from function_plumbing.settings import aws_environment, aws_session, forget_aws_session
from shop_directory.reader import ShopDirectoryReader
from tiktok_shop import Credentials, CredentialsLoader, RetryPolicy, TikTokShopClient

from . import time_budget
from .observability import record_tiktok_attempt
from .rate_limiter import DynamoDBRateLimiter
from .service import ApprovalService, idempotency_config
from .settings import Settings
from .shop_access import ShopResolver


def settings() -> Settings:
    return Settings.from_environ()


def approval_service() -> ApprovalService:
    return _approval_service(settings(), aws_environment())


def decision_log() -> DecisionLog | None:
    """The autopilot's decision log, when the deployment has one."""
    return _decision_log(settings(), aws_environment())


def sqs_client() -> Any:  # boto3 clients are generated at run time
    return _sqs_client(aws_environment())


def reset() -> None:
    """Forget every built object (tests that swap the AWS backend under an unchanged environment)."""
    _approval_service.cache_clear()
    _sqs_client.cache_clear()
    _decision_log.cache_clear()
    forget_aws_session()


@lru_cache(maxsize=1)
def _approval_service(config: Settings, environment: tuple[str | None, ...]) -> ApprovalService:
    session = aws_session()
    limiter = rate_limiter(config, session)

    def client_for(credentials: Credentials) -> TikTokShopClient:
        return tiktok_client(credentials, base_url=config.tiktok_api_base_url, rate_limiter=limiter)

    return ApprovalService(
        shops=shop_resolver(config, session),
        client_factory=client_for,
        persistence=DynamoDBPersistenceLayer(table_name=config.idempotency_table, boto3_session=session),
        config=idempotency_config(config.idempotency_expiry_seconds),
    )


def shop_resolver(config: Settings, session: boto3.session.Session) -> ShopResolver:
    """The default shop's secret and the shop directory, each shop's credentials cached per secret."""
    # Built here, before any SQS worker thread: a loader would otherwise build it at its first read,
    # which in a batch is several threads at once, each making a client. One provider (one cache) for
    # every secret.
    secrets = SecretsProvider(boto3_session=session)

    def loader_for(secret_id: str) -> CredentialsLoader:
        return CredentialsLoader(secret_id, max_age=config.credentials_cache_seconds, provider=secrets)

    directory = (
        ShopDirectoryReader(
            config.shops_table, dynamodb=session.client("dynamodb"), max_age=config.shops_cache_seconds
        )
        if config.shops_table
        else None
    )
    return ShopResolver(
        default_secret=config.tiktok_credentials_secret, directory=directory, loader_for=loader_for
    )


def tiktok_client(
    credentials: Credentials,
    *,
    base_url: str,
    rate_limiter: DynamoDBRateLimiter | None,
    session: requests.Session | None = None,
) -> TikTokShopClient:
    """One seller authorization's client, with the time budget's timeouts and retries."""
    return TikTokShopClient(
        app_key=credentials.app_key,
        app_secret=credentials.app_secret,
        base_url=base_url,
        access_token=credentials.access_token,
        shop_cipher=credentials.shop_cipher,
        timeout=time_budget.tiktok_timeout(),
        retry_policy=tiktok_retry_policy(),
        rate_limiter=rate_limiter,
        session=session,
    )


def tiktok_retry_policy() -> RetryPolicy:
    return RetryPolicy(
        max_attempts=time_budget.TIKTOK_MAX_ATTEMPTS,
        base_delay=time_budget.TIKTOK_BASE_DELAY_SECONDS,
        max_delay=time_budget.TIKTOK_MAX_DELAY_SECONDS,
        min_attempt_time=time_budget.TIKTOK_MIN_ATTEMPT_SECONDS,
        on_attempt=record_tiktok_attempt,
    )


def rate_limiter(config: Settings, session: boto3.session.Session) -> DynamoDBRateLimiter | None:
    if not config.rate_limited or config.rate_limit_table is None:
        return None
    return DynamoDBRateLimiter(
        table_name=config.rate_limit_table,
        rate_per_second=config.tiktok_rate_limit_per_second,
        dynamodb=session.client("dynamodb", config=limiter_store_config()),
    )


def limiter_store_config() -> Config:
    """A slow limiter store must not stall the approval: it gives up within the call's own time."""
    return Config(
        connect_timeout=time_budget.LIMITER_STORE_CONNECT_TIMEOUT_SECONDS,
        read_timeout=time_budget.LIMITER_STORE_READ_TIMEOUT_SECONDS,
        # total_max_attempts counts the first attempt; botocore's max_attempts counts retries only.
        retries={"mode": "standard", "total_max_attempts": time_budget.LIMITER_STORE_ATTEMPTS},
    )


@lru_cache(maxsize=1)
def _decision_log(config: Settings, environment: tuple[str | None, ...]) -> DecisionLog | None:
    if config.decisions_table is None:
        return None
    return DecisionLog(config.decisions_table, dynamodb=aws_session().client("dynamodb"))


@lru_cache(maxsize=1)
def _sqs_client(environment: tuple[str | None, ...]) -> Any:
    return aws_session().client("sqs")

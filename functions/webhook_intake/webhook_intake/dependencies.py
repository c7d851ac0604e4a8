"""Wires the intake from the environment, once per container and configuration (as the approval function's
dependencies module: keyed on the settings and the AWS endpoint, one boto3 session for every client)."""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.config import Config
from function_plumbing.settings import aws_environment, aws_session, forget_aws_session

from .app_keys import AppKeys
from .queueing import WebhookQueues, dedup_config
from .settings import Settings

# TikTok waits 3 s for the answer, cold start included: every AWS call gives up well before, so that a slow
# dependency ends in a 5xx (TikTok retries) rather than in TikTok's timeout.
AWS_CLIENT_CONFIG = Config(
    connect_timeout=0.5,
    read_timeout=1.0,
    retries={"mode": "standard", "total_max_attempts": 2},
)


def settings() -> Settings:
    return Settings.from_environ()


def app_keys() -> AppKeys:
    return _app_keys(settings(), aws_environment())


def queues() -> WebhookQueues:
    return _queues(settings(), aws_environment())


def reset() -> None:
    """Forget every built object (tests that swap the AWS backend under an unchanged environment)."""
    _app_keys.cache_clear()
    _queues.cache_clear()
    forget_aws_session()


@lru_cache(maxsize=1)
def _app_keys(config: Settings, environment: tuple[str | None, ...]) -> AppKeys:
    provider = SecretsProvider(boto_config=AWS_CLIENT_CONFIG, boto3_session=aws_session())
    return AppKeys(
        config.tiktok_credentials_secret, provider=provider, max_age=config.credentials_cache_seconds
    )


@lru_cache(maxsize=1)
def _queues(config: Settings, environment: tuple[str | None, ...]) -> WebhookQueues:
    session = aws_session()
    return WebhookQueues(
        sqs=session.client("sqs", config=AWS_CLIENT_CONFIG),
        queue_url=config.webhook_queue_url,
        dead_letter_url=config.webhook_dlq_url,
        persistence=DynamoDBPersistenceLayer(
            table_name=config.idempotency_table,
            boto_config=AWS_CLIENT_CONFIG,
            boto3_session=session,
        ),
        config=dedup_config(config.webhook_dedup_seconds),
    )

"""Wires the decider from the environment, once per container and configuration, as the approval's
dependencies module does (one boto3 session; TikTok clients, secrets and the shop directory built the
approval's way, with its per-shop limiter)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from approval import dependencies as approval_dependencies
from approval.settings import Settings
from approval.shop_access import ShopResolver
from decision_log import DecisionLog
from function_plumbing.settings import aws_environment, aws_session, forget_aws_session
from policy_store.reader import PolicyReader
from shop_directory.writer import ShopDirectoryWriter
from tiktok_shop import Credentials, TikTokShopClient

from .approval_requests import ApprovalRequests
from .deciding import Decider
from .review_events import ReviewEvents
from .seller_events import SellerEvents
from .settings import DeciderSettings
from .sweep_settings import SweepSettings
from .sweep_state import SweepState
from .sweeping import Sweeper, served_shops


def settings() -> DeciderSettings:
    return DeciderSettings.from_environ()


def check_settings() -> None:
    """Both the decider's own settings and the TikTok access it shares with the approval."""
    settings()
    Settings.from_environ()


def check_sweep_settings() -> None:
    check_settings()
    SweepSettings.from_environ()


def decider() -> Decider:
    return _decider(Settings.from_environ(), settings(), aws_environment())


def sweeper() -> Sweeper:
    return _sweeper(Settings.from_environ(), settings(), SweepSettings.from_environ(), aws_environment())


def seller_events() -> SellerEvents:
    return _seller_events(Settings.from_environ(), settings(), aws_environment())


def sqs() -> Any:  # boto3 clients are generated at run time
    return _sqs(aws_environment())


def reset() -> None:
    _decider.cache_clear()
    _sweeper.cache_clear()
    _seller_events.cache_clear()
    _shop_resolver.cache_clear()
    _sqs.cache_clear()
    approval_dependencies.reset()
    forget_aws_session()


@lru_cache(maxsize=1)
def _sweeper(
    access: Settings, config: DeciderSettings, sweep: SweepSettings, environment: tuple[str | None, ...]
) -> Sweeper:
    session = aws_session()
    dynamodb = session.client("dynamodb")
    resolver = _shop_resolver(access, environment)
    directory = ShopDirectoryWriter(dynamodb, access.shops_table) if access.shops_table else None
    return Sweeper(
        decider=_decider(access, config, environment),
        shops=lambda: served_shops(resolver, directory.list_entries if directory is not None else None),
        state=SweepState(sweep.sweep_state_table, dynamodb=dynamodb),
        max_pages=sweep.sweep_max_pages,
    )


@lru_cache(maxsize=1)
def _sqs(environment: tuple[str | None, ...]) -> Any:
    return aws_session().client("sqs")


@lru_cache(maxsize=1)
def _shop_resolver(access: Settings, environment: tuple[str | None, ...]) -> ShopResolver:
    """One per container for the decider and the seller's notices: entries a type-6 notice marks
    inactive are read again into the cache the decider resolves shops from."""
    return approval_dependencies.shop_resolver(access, aws_session())


@lru_cache(maxsize=1)
def _seller_events(
    access: Settings, config: DeciderSettings, environment: tuple[str | None, ...]
) -> SellerEvents:
    session = aws_session()
    return SellerEvents(
        shops=_shop_resolver(access, environment),
        directory=ShopDirectoryWriter(session.client("dynamodb"), access.shops_table)
        if access.shops_table
        else None,
    )


@lru_cache(maxsize=1)
def _decider(access: Settings, config: DeciderSettings, environment: tuple[str | None, ...]) -> Decider:
    session = aws_session()
    limiter = approval_dependencies.rate_limiter(access, session)

    def client_for(credentials: Credentials) -> TikTokShopClient:
        return approval_dependencies.tiktok_client(
            credentials, base_url=access.tiktok_api_base_url, rate_limiter=limiter
        )

    dynamodb = session.client("dynamodb")
    return Decider(
        shops=_shop_resolver(access, environment),
        client_for=client_for,
        policies=PolicyReader(config.policies_table, dynamodb=dynamodb, max_age=config.policy_cache_seconds),
        log=DecisionLog(
            config.decisions_table, dynamodb=dynamodb, retention_days=config.decision_retention_days
        ),
        approvals=ApprovalRequests(sqs=session.client("sqs"), queue_url=config.approval_queue_url),
        reviews=ReviewEvents(events=session.client("events"), bus=config.review_event_bus),
        escalation_seconds=config.escalation_minutes * 60,
    )

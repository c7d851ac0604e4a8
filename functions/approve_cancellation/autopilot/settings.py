"""The decider's own environment, validated once; TikTok access (secrets, directory, limiter) is read by the
approval's `Settings` from the same variables the approval function uses."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from decision_log.log import DEFAULT_RETENTION_DAYS
from function_plumbing.settings import read_environment, variable


@dataclass(frozen=True, kw_only=True)
class DeciderSettings:
    decisions_table: str = variable(min_length=1)
    policies_table: str = variable(min_length=1)
    approval_queue_url: str = variable(min_length=1)
    # Where the notices come from: a notice to ask again about later is held back there (backoff).
    webhook_queue_url: str | None = None
    # EventBridge bus the "needs review" events go to; the account's default bus unless named.
    review_event_bus: str = "default"
    # A policy written with `make policy` applies in a warm container after at most this long.
    policy_cache_seconds: int = variable(60, at_least=0)
    decision_retention_days: int = variable(DEFAULT_RETENTION_DAYS, at_least=1)
    # A "needs review" still pending this long before TikTok's deadline is published once more (0: never).
    escalation_minutes: int = variable(120, at_least=0)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DeciderSettings:
        return read_environment(cls, os.environ if environ is None else environ)

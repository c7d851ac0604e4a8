"""Fixtures for many sellers: the shop directory in moto, the operator's environment for the seller
commands, and the rotation function configured as deployed (SHOPS_TABLE, SELLER_SECRET_PREFIX).
Their helpers and constants are in seller_support.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import authorize
import boto3
import pytest
import seller_config
from seller_support import FUNCTION_ARN, PREFIX, TABLE, Directory, RotateSecretCalls
from support.cfn_template import table_schema
from support.secret_rotation import InvokeStep, Rotation, Secret
from tiktok_emulator import TikTokEmulator


@pytest.fixture
def directory(moto_env: str) -> Directory:
    """The template's ShopsTable (keys, BySecret index), empty."""
    client = boto3.client("dynamodb")
    client.create_table(TableName=TABLE, **table_schema("ShopsTable"))
    return Directory(client)


@pytest.fixture
def rotate_secret_calls(monkeypatch: pytest.MonkeyPatch) -> RotateSecretCalls:
    recorder = RotateSecretCalls()
    real_session = seller_config.aws_session
    monkeypatch.setattr(seller_config, "aws_session", lambda saved: recorder.install(real_session(saved)))
    return recorder


@pytest.fixture
def no_deployed_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's samconfig.toml names a stack; the tests name none unless they say so."""
    monkeypatch.setattr(seller_config, "SAMCONFIG", tmp_path / "samconfig.toml")


@pytest.fixture
def seller_operator(
    tiktok_emulator: TikTokEmulator,
    directory: Directory,
    rotate_secret_calls: RotateSecretCalls,
    no_deployed_stack: None,
    monkeypatch: pytest.MonkeyPatch,
) -> TikTokEmulator:
    """An operator's shell for the seller commands: app credentials, TikTok pointed at the emulator, and
    the stack's directory, prefix and rotation function in the environment."""
    for name, value in {
        "TIKTOK_APP_KEY": tiktok_emulator.app_key,
        "TIKTOK_APP_SECRET": tiktok_emulator.app_secret,
        "TIKTOK_AUTH_BASE_URL": tiktok_emulator.url,
        "TIKTOK_API_BASE_URL": tiktok_emulator.url,
        "SHOPS_TABLE": TABLE,
        "SELLER_SECRET_PREFIX": PREFIX,
        "ROTATE_CREDENTIALS_FUNCTION_ARN": FUNCTION_ARN,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TIKTOK_CREDENTIALS_SECRET", raising=False)
    monkeypatch.setattr(authorize, "_interactive", lambda: False)
    return tiktok_emulator


@pytest.fixture
def onboard(seller_operator: TikTokEmulator) -> Callable[..., int]:
    """`make authorize CODE=<a fresh code> SELLER=<seller>`; returns the exit code."""

    def run(seller: str | None = None, *extra: str) -> int:
        seller_flag = ["--seller"] if seller is None else [f"--seller={seller}"]
        return authorize.main(["--code", seller_operator.issue_auth_code(), *seller_flag, *extra])

    return run


@pytest.fixture
def seller_rotation_env(
    rotation_env: None, directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The rotation function as deployed: the directory and the sellers' prefix in its environment."""
    from rotation import dependencies

    monkeypatch.setenv("SHOPS_TABLE", TABLE)
    monkeypatch.setenv("SELLER_SECRET_PREFIX", PREFIX)
    dependencies.reset()
    yield
    dependencies.reset()


@pytest.fixture
def rotate_seller(
    seller_rotation_env: None, invoke_rotation_step: InvokeStep, secrets_client: Any
) -> Callable[[str], Rotation]:
    """A rotation driver for the secret of `seller`."""

    def driver(seller: str) -> Rotation:
        return Rotation(Secret(secrets_client, PREFIX + seller), invoke_rotation_step)

    return driver

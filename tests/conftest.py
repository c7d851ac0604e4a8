"""Fixtures shared by every test folder. Each block below belongs to one piece of the local stack."""

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Metrics
from lambda_context import FakeLambdaContext
from support.function_env import function_environment
from support.moto_server import reset_moto, serialized_moto_server
from support.secret_rotation import (
    SECRET_NAME,
    InvokeStep,
    Rotation,
    Secret,
    emulator_credentials,
)
from tiktok_emulator import TikTokEmulator


@pytest.fixture(autouse=True)
def no_metrics_left_over() -> Iterator[None]:
    """Metrics a test adds without a handler to flush them are dropped (Powertools keeps them in one shared
    buffer), so the next flush a test reads shows only its own."""
    yield
    Metrics().clear_metrics()


# --- TikTok Shop emulator ------------------------------------------------------------------------------
# A fake TikTok Shop on a free loopback port, with tiktok_emulator.DEFAULT_* credentials and no
# cancellations: seed what the test needs with `tiktok_emulator.seed({...})`.


@pytest.fixture
def tiktok_emulator() -> Iterator[TikTokEmulator]:
    with TikTokEmulator() as emulator:
        yield emulator


# --- end of the TikTok Shop emulator block -------------------------------------------------------------


# --- AWS: moto in server mode, reached as the functions reach AWS (AWS_ENDPOINT_URL) -------------------
@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with serialized_moto_server() as url:
        yield url


@pytest.fixture
def moto_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An emptied moto, and AWS_* in the environment pointing at it (never at a real account)."""
    reset_moto(moto_url)
    for name, value in {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_REGION": "us-east-1",  # both, as Lambda sets them: a shell's own region never steers a test
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_url


# --- Credentials rotation (RotateCredentialsFunction) --------------------------------------------------
# The function in process, against the emulator (both TikTok hosts) and moto in server mode. moto cannot invoke
# a rotation function, so local/secrets_rotation.py plays Secrets Manager's part: `rotation.rotate()` starts a
# rotation and sends the four step events; `rotation.step(name, token)` sends one.
# rotation_env and invoke_rotation_step need only AWS_* pointing at some moto; secrets_client provides one.


@pytest.fixture
def secrets_client(moto_env: str) -> Any:
    """An empty moto Secrets Manager, and AWS_* in the environment pointing at it."""
    return boto3.client("secretsmanager")


@pytest.fixture
def credentials_secret(secrets_client: Any, tiktok_emulator: TikTokEmulator) -> Secret:
    """The credentials secret, complete for the emulator's seller (refresh token included)."""
    secrets_client.create_secret(
        Name=SECRET_NAME, SecretString=json.dumps(emulator_credentials(tiktok_emulator))
    )
    return Secret(secrets_client, SECRET_NAME)


@pytest.fixture
def rotation_env(tiktok_emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from rotation import dependencies

    values = {
        "TIKTOK_API_BASE_URL": tiktok_emulator.url,
        "TIKTOK_AUTH_BASE_URL": tiktok_emulator.url,
        "POWERTOOLS_METRICS_NAMESPACE": "TikTokShop",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    with function_environment(monkeypatch, values, dependencies.reset):
        yield


@pytest.fixture
def invoke_rotation_step(rotation_env: None) -> InvokeStep:
    """Calls the handler as Lambda would, with the event Secrets Manager sends."""
    import rotation_app

    def call(event: dict[str, str]) -> Any:
        context = FakeLambdaContext(
            function_name="RotateCredentialsFunction",
            invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:RotateCredentialsFunction",
        )
        return rotation_app.lambda_handler(copy.deepcopy(event), context)

    return call


@pytest.fixture
def rotation(credentials_secret: Secret, invoke_rotation_step: InvokeStep) -> Rotation:
    return Rotation(credentials_secret, invoke_rotation_step)


# --- end of the credentials rotation block -------------------------------------------------------------

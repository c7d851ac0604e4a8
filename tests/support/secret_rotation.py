"""Looking at the credentials secret's versions and driving the rotation function: for the rotation tests
and the integration test that rotates under a running approval function."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import secrets_rotation
from tiktok_emulator import TikTokEmulator

SECRET_NAME = "tiktok-shop/credentials"
STEPS = secrets_rotation.STEPS
InvokeStep = Callable[[dict[str, str]], Any]


@dataclass
class Secret:
    """The credentials secret in moto, and ways to look at its versions."""

    client: Any
    name: str

    def value(self, stage: str = "AWSCURRENT") -> dict[str, Any]:
        return json.loads(
            self.client.get_secret_value(SecretId=self.name, VersionStage=stage)["SecretString"]
        )

    def version_value(self, version_id: str) -> dict[str, Any] | None:
        try:
            answer = self.client.get_secret_value(SecretId=self.name, VersionId=version_id)
        except self.client.exceptions.ResourceNotFoundException:
            return None
        return json.loads(answer["SecretString"])

    def stages(self) -> dict[str, list[str]]:
        return self.client.describe_secret(SecretId=self.name)["VersionIdsToStages"]

    def current_version(self) -> str:
        return next(v for v, stages in self.stages().items() if "AWSCURRENT" in stages)

    def put(self, value: dict[str, Any]) -> None:
        self.client.put_secret_value(SecretId=self.name, SecretString=json.dumps(value))

    def snapshot(self) -> tuple[str, dict[str, Any]]:
        """AWSCURRENT's version and value: what a failed rotation must leave as it was."""
        return self.current_version(), self.value()


def emulator_credentials(emulator: TikTokEmulator) -> dict[str, Any]:
    """A complete secret for the emulator's seller, as `make authorize` would write it."""
    return {
        "app_key": emulator.app_key,
        "app_secret": emulator.app_secret,
        "access_token": emulator.access_token,
        "shop_cipher": emulator.shop_cipher,
        "refresh_token": emulator.refresh_token,
        "access_token_expire_in": 1_900_000_000,
        "refresh_token_expire_in": emulator.refresh_token_expire_in(),
    }


@dataclass
class Rotation:
    """Drives the function against `secret`: one step at a time, or a whole rotation."""

    secret: Secret
    invoke_step: InvokeStep

    def start(self, token: str) -> str:
        secrets_rotation.start_rotation(self.secret.client, self.secret.name, token)
        return token

    def step(self, step: str, token: str) -> Any:
        return self.invoke_step({"SecretId": self.secret.name, "ClientRequestToken": token, "Step": step})

    def rotate(self, token: str | None = None) -> str:
        return secrets_rotation.rotate_secret(
            self.secret.client, self.secret.name, invoke_step=self.invoke_step, token=token
        )


def refresh_calls(emulator: TikTokEmulator) -> int:
    return sum(1 for call in emulator.recorder.calls if call.path == "/api/v2/token/refresh")


def shop_list_calls(emulator: TikTokEmulator) -> int:
    return sum(1 for call in emulator.recorder.calls if call.path == "/authorization/202309/shops")

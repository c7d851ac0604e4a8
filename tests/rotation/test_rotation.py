"""A whole rotation, and every step run twice: the new tokens become AWSCURRENT exactly once."""

from __future__ import annotations

import time
import uuid

import pytest
from support.secret_rotation import Rotation, refresh_calls, shop_list_calls
from tiktok_emulator import TikTokEmulator
from tiktok_shop import Credentials, TikTokShopClient

DAY = 24 * 3600


def approves_with(secret_value: dict, emulator: TikTokEmulator, cancel_id: str) -> bool:
    credentials = Credentials.from_mapping(secret_value)
    client = TikTokShopClient(
        app_key=credentials.app_key,
        app_secret=credentials.app_secret,
        base_url=emulator.url,
        access_token=credentials.access_token,
        shop_cipher=credentials.shop_cipher,
    )
    envelope = client.return_refund.approve_cancellation(cancel_id=cancel_id)
    return envelope["code"] == 0


def test_a_rotation_makes_the_refreshed_tokens_current(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    old_version, old_value = rotation.secret.snapshot()
    rotation.secret.put({**old_value, "note": "kept as it was"})
    old_version = rotation.secret.current_version()

    token = rotation.rotate()

    current = rotation.secret.value()
    assert rotation.secret.current_version() == token
    assert current["access_token"] == tiktok_emulator.access_token != old_value["access_token"]
    assert current["refresh_token"] == tiktok_emulator.refresh_token != old_value["refresh_token"]
    assert abs(current["access_token_expire_in"] - (time.time() + 7 * DAY)) < 60
    assert current["refresh_token_expire_in"] == old_value["refresh_token_expire_in"]  # the authorization's
    assert {k: current[k] for k in ("app_key", "app_secret", "shop_cipher", "note")} == {
        **{k: old_value[k] for k in ("app_key", "app_secret", "shop_cipher")},
        "note": "kept as it was",
    }
    assert rotation.secret.value("AWSPREVIOUS")["access_token"] == old_value["access_token"]
    assert "AWSPREVIOUS" in rotation.secret.stages()[old_version]
    assert (refresh_calls(tiktok_emulator), shop_list_calls(tiktok_emulator)) == (1, 1)


def test_the_rotated_credentials_approve(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.seed({"5760001": "pending"})
    rotation.rotate()
    tiktok_emulator.expire_token("test-access-token")

    assert approves_with(rotation.secret.value(), tiktok_emulator, "5760001")


def test_rotations_chain_each_on_the_refresh_token_of_the_last(
    rotation: Rotation, tiktok_emulator: TikTokEmulator
):
    first = rotation.rotate()
    second = rotation.rotate()
    third = rotation.rotate()

    assert rotation.secret.current_version() == third
    assert rotation.secret.value()["refresh_token"] == tiktok_emulator.refresh_token
    assert refresh_calls(tiktok_emulator) == 3
    stages = rotation.secret.stages()
    assert stages[second] == ["AWSPREVIOUS"]
    assert "AWSCURRENT" not in stages[first]


@pytest.mark.parametrize("repeated", ["createSecret", "setSecret", "testSecret", "finishSecret"])
def test_each_step_run_twice_changes_nothing_the_second_time(
    rotation: Rotation, tiktok_emulator: TikTokEmulator, repeated: str
):
    token = rotation.start(str(uuid.uuid4()))

    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rotation.step(step, token)
        if step == repeated:
            before = (
                rotation.secret.stages(),
                rotation.secret.version_value(token),
                refresh_calls(tiktok_emulator),
            )
            rotation.step(step, token)
            after = (
                rotation.secret.stages(),
                rotation.secret.version_value(token),
                refresh_calls(tiktok_emulator),
            )
            assert after == before

    assert rotation.secret.current_version() == token
    assert refresh_calls(tiktok_emulator) == 1
    assert rotation.secret.value()["refresh_token"] == tiktok_emulator.refresh_token


def test_all_four_steps_twice_in_a_row(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    token = rotation.start(str(uuid.uuid4()))
    for step in ("createSecret", "createSecret", "setSecret", "setSecret", "testSecret", "testSecret",
                 "finishSecret", "finishSecret"):  # fmt: skip
        rotation.step(step, token)

    assert rotation.secret.current_version() == token
    assert refresh_calls(tiktok_emulator) == 1


def test_a_retried_create_after_the_pending_value_exists_does_not_refresh(
    rotation: Rotation, tiktok_emulator: TikTokEmulator
):
    # The emulator's refresh tokens are single use: a second refresh with the old one would be refused.
    token = rotation.start(str(uuid.uuid4()))
    rotation.step("createSecret", token)
    pending = rotation.secret.version_value(token)

    rotation.step("createSecret", token)

    assert rotation.secret.version_value(token) == pending
    assert refresh_calls(tiktok_emulator) == 1


def test_steps_for_the_current_version_do_nothing(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    token = rotation.rotate()
    snapshot = rotation.secret.snapshot()
    calls = len(tiktok_emulator.recorder.calls)

    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rotation.step(step, token)

    assert rotation.secret.snapshot() == snapshot
    assert len(tiktok_emulator.recorder.calls) == calls

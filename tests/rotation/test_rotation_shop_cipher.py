"""A secret without a shop_cipher: filled from the one authorized shop; refused when the choice is ambiguous.

Versions cannot change once written, so the cipher is chosen in createSecret: with the current access token
while it works (nothing spent yet if the choice is ambiguous), else with the new one.
"""

from __future__ import annotations

import uuid

import pytest
from support.secret_rotation import Rotation, refresh_calls
from tiktok_emulator import AuthorizedShop, TikTokEmulator

TWO_SHOPS = [AuthorizedShop("GB_cipher", name="GB shop"), AuthorizedShop("FR_cipher", id="2", name="FR shop")]


def without_cipher(rotation: Rotation, value: str | None) -> None:
    current = rotation.secret.value()
    if value is None:
        del current["shop_cipher"]
    else:
        current["shop_cipher"] = value
    rotation.secret.put(current)


@pytest.mark.parametrize("missing_as", [None, "", "REPLACE_ME"])
def test_the_only_authorized_shop_fills_the_cipher(
    rotation: Rotation, tiktok_emulator: TikTokEmulator, missing_as: str | None
):
    without_cipher(rotation, missing_as)

    rotation.rotate()

    assert rotation.secret.value()["shop_cipher"] == tiktok_emulator.shop_cipher


def test_the_cipher_is_filled_after_the_refresh_when_the_current_token_has_expired(
    rotation: Rotation, tiktok_emulator: TikTokEmulator
):
    without_cipher(rotation, None)
    tiktok_emulator.expire_token()

    rotation.rotate()

    assert rotation.secret.value()["shop_cipher"] == tiktok_emulator.shop_cipher


def test_several_shops_are_refused_before_anything_is_spent(
    rotation: Rotation, tiktok_emulator: TikTokEmulator
):
    tiktok_emulator.set_authorized_shops(TWO_SHOPS)
    without_cipher(rotation, None)
    refresh_token = tiktok_emulator.refresh_token
    token = rotation.start(str(uuid.uuid4()))
    before = rotation.secret.snapshot()

    with pytest.raises(Exception, match="2 shops are authorized") as raised:
        rotation.step("createSecret", token)

    assert type(raised.value).__name__ == "ShopCipherUnresolved"
    assert "GB_cipher (GB shop)" in str(raised.value)
    assert "FR_cipher (FR shop)" in str(raised.value)
    assert rotation.secret.snapshot() == before
    assert rotation.secret.version_value(token) is None
    assert refresh_calls(tiktok_emulator) == 0
    assert tiktok_emulator.refresh_token == refresh_token


def test_several_shops_after_a_refresh_keep_the_new_tokens_pending_and_fail_the_test(
    rotation: Rotation, tiktok_emulator: TikTokEmulator
):
    tiktok_emulator.set_authorized_shops(TWO_SHOPS)
    without_cipher(rotation, None)
    tiktok_emulator.expire_token()  # the current token cannot list the shops: the refresh comes first
    token = rotation.start(str(uuid.uuid4()))
    before = rotation.secret.snapshot()

    rotation.step("createSecret", token)
    rotation.step("setSecret", token)
    with pytest.raises(Exception, match="2 shops are authorized") as raised:
        rotation.step("testSecret", token)

    assert type(raised.value).__name__ == "ShopCipherUnresolved"
    assert rotation.secret.snapshot() == before
    pending = rotation.secret.version_value(token)
    assert pending is not None
    assert "shop_cipher" not in pending
    # The refresh spent the old refresh token; its successor is kept, not lost.
    assert pending["refresh_token"] == tiktok_emulator.refresh_token


def test_no_authorized_shop_is_refused(rotation: Rotation, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.set_authorized_shops([])
    without_cipher(rotation, None)
    token = rotation.start(str(uuid.uuid4()))

    with pytest.raises(Exception, match="no shop is authorized"):
        rotation.step("createSecret", token)
    assert refresh_calls(tiktok_emulator) == 0


def test_a_cipher_already_in_the_secret_is_kept_without_asking(
    rotation: Rotation, tiktok_emulator: TikTokEmulator
):
    tiktok_emulator.set_authorized_shops([AuthorizedShop(tiktok_emulator.shop_cipher), *TWO_SHOPS])

    rotation.rotate()

    assert rotation.secret.value()["shop_cipher"] == tiktok_emulator.shop_cipher
    shop_lists = [
        call for call in tiktok_emulator.recorder.calls if call.path == "/authorization/202309/shops"
    ]
    assert len(shop_lists) == 1  # testSecret's only

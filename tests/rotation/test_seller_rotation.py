"""Rotating a seller's secret: testSecret refreshes the shop directory from the shops the new token lists;
an authorization without shops fails the rotation and changes nothing; the default secret rotates as before."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from seller_support import DE, FR, GB, PREFIX, Directory
from support.powertools_output import captured_output
from support.secret_rotation import Rotation, refresh_calls
from tiktok_emulator import AuthorizedShop, TikTokEmulator

NEW = AuthorizedShop(cipher="ES_cipher", id="7000000000000000004", name="Cross ES", region="ES",
                     seller_type="CROSS_BORDER", code="ESCB1")  # fmt: skip


@pytest.fixture
def sellers(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any
) -> dict[str, str]:
    """Two onboarded sellers: acme (GB and FR) and other (DE); their secrets' ARNs by seller."""
    seller_operator.set_authorized_shops([DE])
    assert onboard("other") == 0
    seller_operator.set_authorized_shops([GB, FR])
    assert onboard("acme") == 0
    return {s: secrets_client.describe_secret(SecretId=PREFIX + s)["ARN"] for s in ("acme", "other")}


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    from rotation.observability import logger

    with captured_output(logger, capsys) as read:
        yield read


def test_test_secret_refreshes_the_directory_and_removes_a_deauthorized_shop(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    directory: Directory,
):  # fmt: skip
    rotation = rotate_seller("acme")
    old_version, old_value = rotation.secret.snapshot()
    tiktok_emulator.set_authorized_shops([FR, NEW])  # the seller dropped GB and added ES
    token = rotation.start(str(uuid.uuid4()))

    rotation.step("createSecret", token)
    rotation.step("setSecret", token)
    assert set(directory.owners()) == {GB.id, FR.id, DE.id}  # unchanged until testSecret

    rotation.step("testSecret", token)
    assert directory.owners() == {FR.id: sellers["acme"], NEW.id: sellers["acme"], DE.id: sellers["other"]}
    assert directory.entries()[NEW.id].seller_name == "Emulator Seller"  # the secret's seller_name
    assert directory.entries()[NEW.id].shop_cipher == "ES_cipher"
    assert rotation.secret.snapshot() == (old_version, old_value)  # still the old tokens: no finishSecret yet

    rotation.step("finishSecret", token)
    assert rotation.secret.current_version() == token
    assert (
        rotation.secret.value()["access_token"] == tiktok_emulator.access_token != old_value["access_token"]
    )
    assert rotation.secret.value()["shop_cipher"] == old_value["shop_cipher"]  # kept as it was (GB's)


def test_a_whole_rotation_of_a_seller_secret(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    directory: Directory,
):  # fmt: skip
    rotation = rotate_seller("acme")
    tiktok_emulator.set_authorized_shops([GB])

    token = rotation.rotate()

    assert rotation.secret.current_version() == token
    assert directory.owners() == {GB.id: sellers["acme"], DE.id: sellers["other"]}


def test_a_seller_without_shops_fails_test_secret_and_changes_nothing(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    directory: Directory,
):  # fmt: skip
    rotation = rotate_seller("acme")
    before = rotation.secret.snapshot(), directory.entries()
    tiktok_emulator.set_authorized_shops([])

    with pytest.raises(Exception, match="lists no shop of the seller's authorization") as raised:
        rotation.rotate()

    assert type(raised.value).__name__ == "NoShopAuthorized"
    assert (rotation.secret.snapshot(), directory.entries()) == before
    assert refresh_calls(tiktok_emulator) == 1  # it failed in testSecret, after the refresh


def test_a_shop_the_directory_cannot_hold_fails_test_secret_and_changes_nothing(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    directory: Directory,
):  # fmt: skip
    rotation = rotate_seller("acme")
    before = rotation.secret.snapshot(), directory.entries()
    tiktok_emulator.set_authorized_shops([FR, AuthorizedShop(cipher="X_cipher", id="not a shop id")])

    with pytest.raises(Exception, match="shop_id must be") as raised:
        rotation.rotate()

    assert type(raised.value).__name__ == "ShopListUnusable"
    assert (rotation.secret.snapshot(), directory.entries()) == before


@pytest.mark.parametrize("current_token_works", [True, False])
def test_a_seller_secret_without_a_cipher_takes_the_first_shops_instead_of_refusing_several(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    directory: Directory, current_token_works: bool,
):  # fmt: skip
    rotation = rotate_seller("acme")
    rotation.secret.put({**rotation.secret.value(), "shop_cipher": "REPLACE_ME"})
    if not current_token_works:
        tiktok_emulator.expire_token(rotation.secret.value()["access_token"])

    rotation.rotate()

    assert rotation.secret.value()["shop_cipher"] == "GB_cipher"
    assert directory.owners() == {GB.id: sellers["acme"], FR.id: sellers["acme"], DE.id: sellers["other"]}


def test_a_seller_secret_without_a_cipher_or_shops_is_refused_before_the_refresh(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator
):
    rotation = rotate_seller("acme")
    rotation.secret.put({**rotation.secret.value(), "shop_cipher": "REPLACE_ME"})
    tiktok_emulator.set_authorized_shops([])
    before = rotation.secret.snapshot()
    refreshes = refresh_calls(tiktok_emulator)

    with pytest.raises(Exception, match="the current access token lists no shop"):
        rotation.rotate()

    assert refresh_calls(tiktok_emulator) == refreshes
    assert rotation.secret.snapshot() == before


def test_the_default_secret_rotates_as_before_beside_the_sellers(
    seller_rotation_env: None, rotation: Rotation, tiktok_emulator: TikTokEmulator, directory: Directory
):
    old_value = rotation.secret.value()

    rotation.rotate()

    assert (
        rotation.secret.value()["access_token"] == tiktok_emulator.access_token != old_value["access_token"]
    )
    assert rotation.secret.value()["shop_cipher"] == old_value["shop_cipher"]
    assert directory.entries() == {}
    # ... and it still refuses an ambiguous shop list, which a seller's secret takes.
    tiktok_emulator.set_authorized_shops([GB, FR])
    rotation.secret.put({**rotation.secret.value(), "shop_cipher": "REPLACE_ME"})
    with pytest.raises(Exception, match="2 shops are authorized"):
        rotation.rotate()


def test_a_seller_secret_without_a_directory_is_refused_before_anything_is_spent(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    monkeypatch.delenv("SHOPS_TABLE")
    rotation = rotate_seller("acme")
    before = rotation.secret.snapshot()
    refreshes = refresh_calls(tiktok_emulator)

    with pytest.raises(Exception, match="no SHOPS_TABLE") as raised:
        rotation.rotate()

    assert type(raised.value).__name__ == "ShopDirectoryNotConfigured"
    assert refresh_calls(tiktok_emulator) == refreshes
    assert rotation.secret.snapshot() == before


def test_the_directory_refresh_is_logged_as_counts_without_a_secret(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    output: Callable[[], str],
):  # fmt: skip
    rotation = rotate_seller("acme")
    old = rotation.secret.value()
    tiktok_emulator.set_authorized_shops([FR, NEW])

    rotation.rotate()

    text = output()
    logged = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    [refreshed] = [line for line in logged if "shop directory is refreshed" in line.get("message", "")]
    assert {k: refreshed[k] for k in ("shops", "written", "removed", "moved_in", "left_to_others")} == {
        "shops": 2, "written": 2, "removed": 1, "moved_in": 0, "left_to_others": 0,
    }  # fmt: skip
    new = rotation.secret.value()
    for value in (old["app_secret"], old["access_token"], old["refresh_token"], new["access_token"],
                  new["refresh_token"]):  # fmt: skip
        assert value not in text


def test_the_settings_read_the_directory_and_the_prefix_from_the_environment():
    from rotation.settings import Settings

    configured = Settings.from_environ({"SHOPS_TABLE": "Shops", "SELLER_SECRET_PREFIX": PREFIX})
    unset = Settings.from_environ({"SHOPS_TABLE": "", "SELLER_SECRET_PREFIX": ""})  # as sam local passes them

    assert (configured.shops_table, configured.seller_secret_prefix) == ("Shops", PREFIX)
    assert (unset.shops_table, unset.seller_secret_prefix) == (None, None)


def test_the_configuration_test_at_rotate_secret_runs_test_secret_alone_safely(
    sellers: dict[str, str], rotate_seller: Callable[[str], Rotation], tiktok_emulator: TikTokEmulator,
    directory: Directory, secrets_client: Any,
):  # fmt: skip
    """RotateSecret with RotateImmediately false (make authorize SELLER=...) has Secrets Manager test the
    configuration: an AWSPENDING copy of the current version, then testSecret only. It must neither spend
    the refresh token nor touch AWSCURRENT; it refreshes the directory from the current token."""
    from botocore.exceptions import ClientError

    rotation = rotate_seller("acme")
    before = rotation.secret.snapshot()
    tiktok_emulator.set_authorized_shops([FR])  # the seller dropped GB meanwhile
    token = str(uuid.uuid4())
    # moto copies the current value into AWSPENDING, then looks for the function it cannot find.
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        secrets_client.rotate_secret(
            SecretId=PREFIX + "acme",
            ClientRequestToken=token,
            RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:RotateCredentialsFunction",
            RotationRules={"AutomaticallyAfterDays": 3},
            RotateImmediately=False,
        )
    pending = secrets_client.get_secret_value(SecretId=PREFIX + "acme", VersionId=token)["SecretString"]
    assert json.loads(pending) == before[1]  # a copy, as AWS's configuration test makes

    rotation.step("testSecret", token)

    assert refresh_calls(tiktok_emulator) == 0
    assert rotation.secret.snapshot() == before
    assert directory.owners() == {FR.id: sellers["acme"], DE.id: sellers["other"]}

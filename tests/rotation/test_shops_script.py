"""scripts/shops.py (make shops, make remove-seller): the listing with token expiry dates, and removing a
seller (its shops out of the directory, its secret scheduled for deletion)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import shops
from seller_support import DE, FR, GB, PREFIX, Directory
from support.secret_rotation import Rotation, Secret
from tiktok_emulator import TikTokEmulator


def day(unix_time: int) -> str:
    return datetime.datetime.fromtimestamp(unix_time, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


@pytest.fixture
def sellers(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any
) -> dict[str, Secret]:
    seller_operator.set_authorized_shops([DE])
    assert onboard("other") == 0
    seller_operator.set_authorized_shops([GB, FR])
    assert onboard("acme") == 0
    return {seller: Secret(secrets_client, PREFIX + seller) for seller in ("acme", "other")}


def test_every_shop_is_listed_with_its_seller_and_token_expiry_dates(
    sellers: dict[str, Secret], capsys: pytest.CaptureFixture[str]
):
    capsys.readouterr()
    acme, other = sellers["acme"].value(), sellers["other"].value()

    assert shops.main(["list"]) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["SHOP_ID", "NAME", "REGION", "SELLER", "ACCESS", "TOKEN", "EXPIRES", "REFRESH",
                                "TOKEN", "EXPIRES", "SHOP_CIPHER"]  # fmt: skip
    rows = {line.split()[0]: line for line in lines[1:4]}
    assert set(rows) == {GB.id, FR.id, DE.id}
    for shop, value, seller in ((GB, acme, "acme"), (FR, acme, "acme"), (DE, other, "other")):
        row = rows[shop.id]
        assert f"{shop.name}  " in row
        assert f"{seller} (Emulator Seller)" in row
        assert day(value["access_token_expire_in"]) in row
        assert day(value["refresh_token_expire_in"]) in row
        assert row.endswith(shop.cipher)
    assert lines[4] == "3 shop(s) of 2 seller authorization(s) in ShopsTable"
    for value in (acme, other):
        for key in ("app_secret", "access_token", "refresh_token"):
            assert value[key] not in out


def test_an_expired_token_and_an_unreadable_secret_are_shown(
    sellers: dict[str, Secret], secrets_client: Any, capsys: pytest.CaptureFixture[str]
):
    acme = sellers["acme"]
    acme.put({**acme.value(), "access_token_expire_in": 1_000_000_000})
    secrets_client.delete_secret(SecretId=PREFIX + "other", ForceDeleteWithoutRecovery=True)
    capsys.readouterr()

    assert shops.main(["list"]) == 0

    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:4]}
    assert "2001-09-09 01:46 UTC EXPIRED" in rows[GB.id]
    assert "(secret unreadable: ResourceNotFoundException)" in rows[DE.id]
    assert "other" in rows[DE.id]  # the seller, from the secret's ARN


def test_an_empty_directory_says_how_to_fill_it(
    seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    assert shops.main(["list"]) == 0
    assert "No shop in ShopsTable: make authorize CODE=... SELLER=..." in capsys.readouterr().out


def test_removing_a_seller_removes_its_shops_and_schedules_its_secret_for_deletion(
    sellers: dict[str, Secret], secrets_client: Any, directory: Directory, capsys: pytest.CaptureFixture[str]
):
    other_arn = secrets_client.describe_secret(SecretId=PREFIX + "other")["ARN"]
    capsys.readouterr()

    assert shops.main(["remove-seller", "acme"]) == 0

    assert directory.owners() == {DE.id: other_arn}
    described = secrets_client.describe_secret(SecretId=PREFIX + "acme")
    window = described["DeletedDate"] - datetime.datetime.now(tz=datetime.UTC)
    assert datetime.timedelta(days=6, hours=23) < window <= datetime.timedelta(days=7)
    out = capsys.readouterr().out
    assert f"Removed seller acme: 2 shop(s) out of the directory: {GB.id}, {FR.id}" in out
    assert f"secret {PREFIX}acme scheduled for deletion on" in out
    assert sellers["other"].value()["access_token"]  # the other seller's secret is untouched


def test_a_rotating_seller_has_its_rotation_cancelled_before_the_deletion(
    sellers: dict[str, Secret], rotate_seller: Callable[[str], Rotation], secrets_client: Any
):
    rotate_seller("acme").rotate()  # turns rotation on in moto, as Secrets Manager would have
    assert secrets_client.describe_secret(SecretId=PREFIX + "acme")["RotationEnabled"]

    assert shops.main(["remove-seller", "acme", "--recovery-days", "30"]) == 0

    described = secrets_client.describe_secret(SecretId=PREFIX + "acme")
    assert described["RotationEnabled"] is False
    assert described["DeletedDate"] - datetime.datetime.now(tz=datetime.UTC) > datetime.timedelta(days=29)


def test_force_deletes_the_secret_at_once(
    sellers: dict[str, Secret], secrets_client: Any, directory: Directory
):
    assert shops.main(["remove-seller", "acme", "--force"]) == 0

    assert [s["Name"] for s in secrets_client.list_secrets()["SecretList"]] == [PREFIX + "other"]
    assert set(directory.owners()) == {DE.id}


def test_shops_of_a_secret_already_gone_are_removed_by_its_name(
    sellers: dict[str, Secret], secrets_client: Any, directory: Directory, capsys: pytest.CaptureFixture[str]
):
    secrets_client.delete_secret(SecretId=PREFIX + "acme", ForceDeleteWithoutRecovery=True)

    assert shops.main(["remove-seller", "acme"]) == 0

    assert set(directory.owners()) == {DE.id}
    assert f"No secret {PREFIX}acme any more; removed its 2 shop(s)" in capsys.readouterr().out


def test_an_unknown_seller_is_refused(sellers: dict[str, Secret], directory: Directory,
                                      capsys: pytest.CaptureFixture[str]):  # fmt: skip
    before = directory.entries()

    assert shops.main(["remove-seller", "nobody"]) == 5

    assert "no seller secret tiktok-shop/sellers/nobody" in capsys.readouterr().err
    assert directory.entries() == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--recovery-days", "3"], "--recovery-days must be 7 to 30"),
        (["--force", "--recovery-days", "7"], "takes no --recovery-days"),
    ],
)
def test_a_bad_recovery_window_is_refused_before_anything_changes(
    sellers: dict[str, Secret], secrets_client: Any, directory: Directory, capsys: pytest.CaptureFixture[str],
    arguments: list[str], message: str,
):  # fmt: skip
    before = directory.entries()

    assert shops.main(["remove-seller", "acme", *arguments]) == 4

    assert message in capsys.readouterr().err
    assert directory.entries() == before
    assert "DeletedDate" not in secrets_client.describe_secret(SecretId=PREFIX + "acme")


def test_a_missing_table_is_named(seller_operator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]):  # fmt: skip
    monkeypatch.delenv("SHOPS_TABLE")

    assert shops.main(["list"]) == 3
    assert "--shops-table or $SHOPS_TABLE (stack output ShopsTableName)" in capsys.readouterr().err

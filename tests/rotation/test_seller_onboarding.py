"""make authorize SELLER=...: a seller's own secret under the prefix, rotation on, its shops in the directory;
refusals before the single-use code is spent."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import authorize
import pytest
import seller_config
from seller_support import DE, FR, FUNCTION_ARN, GB, PREFIX, TABLE, Directory, RotateSecretCalls, token_calls
from shop_directory import ShopEntry
from support.secret_rotation import Secret
from tiktok_emulator import TikTokEmulator

OPEN_ID = "emulator-open-id"  # what the emulator's token grant names


def arn_of(secrets_client: Any, seller: str) -> str:
    return secrets_client.describe_secret(SecretId=PREFIX + seller)["ARN"]


def test_a_cross_border_seller_gets_its_own_secret_rotation_and_both_shops(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory,
    rotate_secret_calls: RotateSecretCalls, capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    seller_operator.set_authorized_shops([GB, FR])

    assert onboard() == 0

    secret = Secret(secrets_client, PREFIX + OPEN_ID)  # the seller defaults to the grant's open_id
    value = secret.value()
    assert value == {
        "app_key": seller_operator.app_key,
        "app_secret": seller_operator.app_secret,
        "access_token": seller_operator.access_token,
        "access_token_expire_in": value["access_token_expire_in"],
        "refresh_token": seller_operator.refresh_token,
        "refresh_token_expire_in": seller_operator.refresh_token_expire_in(),
        "shop_cipher": "GB_cipher",  # the first shop's: the directory serves each shop with its own
        "seller_name": "Emulator Seller",
    }
    arn = arn_of(secrets_client, OPEN_ID)
    assert rotate_secret_calls.calls == [
        {
            "SecretId": arn,
            "RotationLambdaARN": FUNCTION_ARN,
            "RotationRules": {"ScheduleExpression": "rate(3 days)"},
            "RotateImmediately": False,
        }
    ]
    assert directory.entries() == {
        GB.id: ShopEntry(
            GB.id, "GB_cipher", arn, shop_name="Cross GB", region="GB", seller_name="Emulator Seller"
        ),
        FR.id: ShopEntry(
            FR.id, "FR_cipher", arn, shop_name="Cross FR", region="FR", seller_name="Emulator Seller"
        ),
    }
    printed = capsys.readouterr()
    assert f"Created {PREFIX}{OPEN_ID} for seller {OPEN_ID} (Emulator Seller)" in printed.out
    assert f"{GB.id}  Cross GB  [GB]  shop_cipher=GB_cipher" in printed.out
    assert f"{FR.id}  Cross FR  [FR]  shop_cipher=FR_cipher" in printed.out
    assert "refresh token expires:" in printed.out
    for secret_value in (seller_operator.app_secret, value["access_token"], value["refresh_token"]):
        assert secret_value not in printed.out + printed.err


def test_the_seller_can_be_named_and_the_rotation_days_chosen(
    onboard: Callable[..., int], secrets_client: Any, rotate_secret_calls: RotateSecretCalls
):
    assert onboard("acme-uk", "--rotation-days", "5") == 0

    assert secrets_client.describe_secret(SecretId=PREFIX + "acme-uk")["Name"] == PREFIX + "acme-uk"
    assert rotate_secret_calls.calls[0]["RotationRules"] == {"ScheduleExpression": "rate(5 days)"}


def test_re_authorizing_removes_only_the_shops_this_authorization_lost(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    seller_operator.set_authorized_shops([DE])
    assert onboard("other") == 0
    seller_operator.set_authorized_shops([GB, FR])
    assert onboard("acme") == 0
    acme, other = arn_of(secrets_client, "acme"), arn_of(secrets_client, "other")
    capsys.readouterr()

    seller_operator.set_authorized_shops([FR])
    assert onboard("acme") == 0

    assert directory.owners() == {FR.id: acme, DE.id: other}
    assert f"removed, no longer authorized: {GB.id}" in capsys.readouterr().out
    assert arn_of(secrets_client, "acme") == acme  # the same secret, updated


def test_a_shop_that_moved_to_another_sellers_secret_is_not_removed_by_the_old_one(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    seller_operator.set_authorized_shops([GB, FR])
    assert onboard("old") == 0
    seller_operator.set_authorized_shops([GB])
    assert onboard("new") == 0
    assert f"(moved from {arn_of(secrets_client, 'old')})" in capsys.readouterr().out

    seller_operator.set_authorized_shops([FR])  # the old authorization no longer covers GB
    assert onboard("old") == 0

    assert directory.owners() == {GB.id: arn_of(secrets_client, "new"), FR.id: arn_of(secrets_client, "old")}


def test_an_update_keeps_other_keys_and_the_cipher_still_authorized(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any
):
    seller_operator.set_authorized_shops([GB, FR])
    assert onboard("acme", "--shop-cipher", "FR_cipher") == 0
    secret = Secret(secrets_client, PREFIX + "acme")
    secret.put({**secret.value(), "note": "kept"})

    assert onboard("acme") == 0

    assert (secret.value()["note"], secret.value()["shop_cipher"]) == ("kept", "FR_cipher")
    assert secret.value()["access_token"] == seller_operator.access_token


def test_app_credentials_come_from_the_sellers_secret_when_it_has_them(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any,
    monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    assert onboard("acme") == 0
    monkeypatch.delenv("TIKTOK_APP_KEY")
    monkeypatch.delenv("TIKTOK_APP_SECRET")
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail(f"asked {prompt}"))

    assert onboard("acme") == 0


def test_a_new_authorization_abandons_the_sellers_failed_rotation(
    onboard: Callable[..., int], secrets_client: Any, capsys: pytest.CaptureFixture[str]
):
    assert onboard("acme") == 0
    stale = "a" * 32 + "-stale"
    secrets_client.put_secret_value(
        SecretId=PREFIX + "acme", ClientRequestToken=stale, SecretString="{}", VersionStages=["AWSPENDING"]
    )

    assert onboard("acme") == 0

    assert f"abandoned the unfinished rotation of version(s) {stale}" in capsys.readouterr().out
    stages = secrets_client.describe_secret(SecretId=PREFIX + "acme")["VersionIdsToStages"]
    assert not any("AWSPENDING" in labels for labels in stages.values())


def test_a_seller_scheduled_for_deletion_is_restored_by_a_new_authorization(
    onboard: Callable[..., int], secrets_client: Any, directory: Directory, capsys: pytest.CaptureFixture[str]
):
    assert onboard("acme") == 0
    secret = Secret(secrets_client, PREFIX + "acme")
    secret.put({**secret.value(), "note": "kept"})
    secrets_client.delete_secret(SecretId=PREFIX + "acme", RecoveryWindowInDays=7)
    capsys.readouterr()

    assert onboard("acme") == 0

    assert "DeletedDate" not in secrets_client.describe_secret(SecretId=PREFIX + "acme")
    assert secret.value()["note"] == "kept"
    assert set(directory.owners().values()) == {arn_of(secrets_client, "acme")}
    assert capsys.readouterr().out.startswith(f"Restored and updated {PREFIX}acme")


def test_an_authorization_without_shops_writes_nothing(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory,
    rotate_secret_calls: RotateSecretCalls,
):  # fmt: skip
    seller_operator.set_authorized_shops([])

    assert onboard("acme") == 1

    assert secrets_client.list_secrets()["SecretList"] == []
    assert (directory.entries(), rotate_secret_calls.calls) == ({}, [])


def test_a_refused_rotation_still_fills_the_directory_and_says_how_to_turn_it_on(
    onboard: Callable[..., int], secrets_client: Any, directory: Directory,
    rotate_secret_calls: RotateSecretCalls, capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    rotate_secret_calls.refusal = "AccessDeniedException"

    assert onboard("acme") == 1

    arn = arn_of(secrets_client, "acme")
    assert set(directory.owners().values()) == {arn}
    err = capsys.readouterr().err
    assert "its 1 shop(s) in the directory, but rotation could not be turned on" in err
    assert "AccessDeniedException" in err
    assert f"aws secretsmanager rotate-secret --secret-id {arn} --rotation-lambda-arn {FUNCTION_ARN}" in err


def test_without_rotation_the_directory_is_filled_and_the_summary_says_rotation_is_off(
    onboard: Callable[..., int], secrets_client: Any, directory: Directory,
    rotate_secret_calls: RotateSecretCalls, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    monkeypatch.delenv("ROTATE_CREDENTIALS_FUNCTION_ARN", raising=False)  # not needed, not asked for

    assert onboard("acme", "--no-rotation") == 0

    assert rotate_secret_calls.calls == []
    assert set(directory.owners().values()) == {arn_of(secrets_client, "acme")}
    assert "rotation:              OFF (--no-rotation)" in capsys.readouterr().out


def test_a_failed_directory_write_keeps_the_tokens_and_says_how_the_directory_heals(
    onboard: Callable[..., int], secrets_client: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    from shop_directory import ShopDirectoryError
    from shop_directory.writer import ShopDirectoryWriter

    def unavailable(self: ShopDirectoryWriter, secret_id: str, entries: object) -> None:
        raise ShopDirectoryError("shop directory ShopsTable: put_item failed: throttled")

    monkeypatch.setattr(ShopDirectoryWriter, "sync", unavailable)

    assert onboard("acme") == 1

    arn = arn_of(secrets_client, "acme")
    err = capsys.readouterr().err
    assert f"the tokens are in {PREFIX}acme and rotation is on, but the shop directory was not updated" in err
    assert f"A rotation refreshes it: aws secretsmanager rotate-secret --secret-id {arn}" in err


@pytest.mark.parametrize(
    ("variable", "flag"),
    [
        ("SHOPS_TABLE", "--shops-table"),
        ("SELLER_SECRET_PREFIX", "--secret-prefix"),
        ("ROTATE_CREDENTIALS_FUNCTION_ARN", "--rotation-function-arn"),
    ],
)
def test_a_missing_setting_is_refused_before_the_code_is_spent(
    seller_operator: TikTokEmulator, secrets_client: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], variable: str, flag: str,
):  # fmt: skip
    monkeypatch.delenv(variable)
    code = seller_operator.issue_auth_code()

    assert authorize.main(["--code", code, "--seller=acme"]) == 3

    err = capsys.readouterr().err
    assert f"{flag} or ${variable}" in err
    assert "samconfig.toml records no deployed stack" in err
    assert token_calls(seller_operator) == 0
    assert secrets_client.list_secrets()["SecretList"] == []
    # The code is still good: nothing presented it.
    given = {
        "SHOPS_TABLE": TABLE,
        "SELLER_SECRET_PREFIX": PREFIX,
        "ROTATE_CREDENTIALS_FUNCTION_ARN": FUNCTION_ARN,
    }
    assert authorize.main(["--code", code, "--seller=acme", flag, given[variable]]) == 0


def test_a_directory_table_that_does_not_exist_is_refused_before_the_code_is_spent(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    assert onboard("acme", "--shops-table", "NoSuchTable") == 3

    assert "no shop directory table NoSuchTable" in capsys.readouterr().err
    assert token_calls(seller_operator) == 0
    assert secrets_client.list_secrets()["SecretList"] == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--seller=acme uk"], "not usable in a secret name"),
        (["--seller=acme-abc123"], "confuse with an ARN's suffix"),
        (
            ["--seller=acme", "--secret-prefix", "no-slash"],
            "must be Secrets Manager name characters ending with '/'",
        ),
        (
            ["--seller=acme", "--rotation-function-arn", "RotateCredentialsFunction"],
            "not a Lambda function ARN",
        ),
        (["--seller=acme", "--rotation-days", "7"], "--rotation-days must be 2 to 6"),
        (["--seller=acme", "--secret-id", "tiktok-shop/credentials"], "give one or the other"),
        (["--shops-table", TABLE, "--secret-id", "tiktok-shop/credentials"], "give one or the other"),
    ],
)
def test_bad_input_is_refused_before_the_code_is_spent(
    seller_operator: TikTokEmulator, secrets_client: Any, capsys: pytest.CaptureFixture[str],
    extra: list[str], message: str,
):  # fmt: skip
    assert authorize.main(["--code", seller_operator.issue_auth_code(), *extra]) == 4

    assert message in capsys.readouterr().err
    assert token_calls(seller_operator) == 0
    assert secrets_client.list_secrets()["SecretList"] == []


def test_seller_mode_is_chosen_by_the_shops_table_when_no_secret_is_named(
    seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory
):
    assert authorize.main(["--code", seller_operator.issue_auth_code()]) == 0  # SHOPS_TABLE is set

    assert set(directory.owners().values()) == {arn_of(secrets_client, OPEN_ID)}


def test_a_named_credentials_secret_keeps_the_single_secret_mode(
    seller_operator: TikTokEmulator,
    secrets_client: Any,
    directory: Directory,
    monkeypatch: pytest.MonkeyPatch,
):
    secrets_client.create_secret(Name="tiktok-shop/credentials", SecretString="{}")
    monkeypatch.setenv("TIKTOK_CREDENTIALS_SECRET", "tiktok-shop/credentials")  # SHOPS_TABLE is set too

    assert authorize.main(["--code", seller_operator.issue_auth_code()]) == 0

    assert (
        Secret(secrets_client, "tiktok-shop/credentials").value()["shop_cipher"]
        == seller_operator.shop_cipher
    )
    assert directory.entries() == {}
    assert [s["Name"] for s in secrets_client.list_secrets()["SecretList"]] == ["tiktok-shop/credentials"]


def test_missing_settings_are_read_from_the_deployed_stacks_outputs(
    seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory,
    rotate_secret_calls: RotateSecretCalls, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
):  # fmt: skip
    import boto3

    for variable in ("SHOPS_TABLE", "SELLER_SECRET_PREFIX", "ROTATE_CREDENTIALS_FUNCTION_ARN"):
        monkeypatch.delenv(variable)
    outputs = {"ShopsTableName": TABLE, "SellerSecretPrefix": "stack/sellers/",
               "RotateCredentialsFunctionArn": FUNCTION_ARN}  # fmt: skip
    boto3.client("cloudformation").create_stack(
        StackName="approver",
        TemplateBody=json.dumps({
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }),
    )  # fmt: skip
    config = tmp_path / "samconfig.toml"
    config.write_text('version = 0.1\n[default.global.parameters]\nstack_name = "approver"\n')
    monkeypatch.setattr(seller_config, "SAMCONFIG", config)

    assert authorize.main(["--code", seller_operator.issue_auth_code(), "--seller=acme"]) == 0

    arn = secrets_client.describe_secret(SecretId="stack/sellers/acme")["ARN"]
    assert rotate_secret_calls.calls[0]["RotationLambdaARN"] == FUNCTION_ARN
    assert set(directory.owners().values()) == {arn}


def test_a_stack_that_cannot_be_read_is_named_in_the_refusal(
    seller_operator: TikTokEmulator, secrets_client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    monkeypatch.delenv("SHOPS_TABLE")
    config = tmp_path / "samconfig.toml"
    config.write_text('version = 0.1\n[default.global.parameters]\nstack_name = "not-deployed"\n')

    code = seller_operator.issue_auth_code()
    assert authorize.main(["--code", code, "--seller=acme", "--config-file", str(config)]) == 3

    err = capsys.readouterr().err
    assert "the stack not-deployed (samconfig.toml) could not be read" in err
    assert "--shops-table or $SHOPS_TABLE (stack output ShopsTableName)" in err
    assert token_calls(seller_operator) == 0


def test_a_spent_code_writes_nothing_and_shows_no_secret(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    code = seller_operator.issue_auth_code()
    assert authorize.main(["--code", code, "--seller=acme"]) == 0
    before = Secret(secrets_client, PREFIX + "acme").snapshot(), directory.entries()

    assert authorize.main(["--code", code, "--seller=acme"]) == 1

    printed = capsys.readouterr()
    assert "TikTok refused: invalid auth code (code=36004004" in printed.err
    assert (Secret(secrets_client, PREFIX + "acme").snapshot(), directory.entries()) == before
    for value in (
        code,
        seller_operator.app_secret,
        seller_operator.refresh_token,
        seller_operator.access_token,
    ):
        assert value not in printed.out + printed.err


def test_authorizing_again_after_a_deauthorization_makes_the_sellers_shops_active(
    onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any, directory: Directory
):
    seller_operator.set_authorized_shops([GB, FR])
    assert onboard("acme") == 0
    # TikTok's type-6 webhook, as the decider records it: every shop of the seller's secret inactive.
    marked = directory.writer.deactivate_secret(arn_of(secrets_client, "acme"), at=1_700_000_000)
    assert sorted(marked) == sorted([GB.id, FR.id])
    assert not any(entry.active for entry in directory.entries().values())

    assert onboard("acme") == 0  # make authorize SELLER=acme with the seller's new code

    entries = directory.entries()
    assert all(entries[shop.id].active for shop in (GB, FR))
    assert all(entries[shop.id].deactivated_at is None for shop in (GB, FR))

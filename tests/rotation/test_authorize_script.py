"""scripts/authorize.py (make authorize): the first exchange, the shop choice, the whole secret written."""

from __future__ import annotations

import json
from typing import Any

import authorize
import pytest
from support.cfn_template import resource
from support.secret_rotation import SECRET_NAME, Rotation, Secret
from tiktok_emulator import AuthorizedShop, TikTokEmulator

TWO_SHOPS = [AuthorizedShop("GB_cipher", name="GB shop"), AuthorizedShop("FR_cipher", name="FR shop")]


@pytest.fixture
def deployed_secret(secrets_client: Any) -> Secret:
    """The secret as the stack creates it: every field REPLACE_ME."""
    placeholders = resource("TikTokCredentialsSecret")["Properties"]["SecretString"]
    secrets_client.create_secret(Name=SECRET_NAME, SecretString=placeholders)
    return Secret(secrets_client, SECRET_NAME)


@pytest.fixture
def operator_env(tiktok_emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch) -> TikTokEmulator:
    for name, value in {
        "TIKTOK_APP_KEY": tiktok_emulator.app_key,
        "TIKTOK_APP_SECRET": tiktok_emulator.app_secret,
        "TIKTOK_AUTH_BASE_URL": tiktok_emulator.url,
        "TIKTOK_API_BASE_URL": tiktok_emulator.url,
        "TIKTOK_CREDENTIALS_SECRET": SECRET_NAME,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(authorize, "_interactive", lambda: False)
    return tiktok_emulator


def test_the_whole_secret_is_written_from_an_authorization_code(
    deployed_secret: Secret, operator_env: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    code = operator_env.issue_auth_code()

    assert authorize.main(["--code", code]) == 0

    value = deployed_secret.value()
    assert value == {
        "app_key": operator_env.app_key,
        "app_secret": operator_env.app_secret,
        "access_token": operator_env.access_token,
        "access_token_expire_in": value["access_token_expire_in"],
        "refresh_token": operator_env.refresh_token,
        "refresh_token_expire_in": operator_env.refresh_token_expire_in(),
        "shop_cipher": operator_env.shop_cipher,
        # What the shop's webhooks call it: the autopilot recognises the default shop by it.
        "shop_id": operator_env.authorized_shops()[0].id,
    }
    assert value["shop_id"]
    assert isinstance(value["access_token_expire_in"], int)
    printed = capsys.readouterr()
    assert "Stored the tokens of Emulator Seller" in printed.out
    for secret_value in (operator_env.app_secret, value["access_token"], value["refresh_token"], code):
        assert secret_value not in printed.out + printed.err


def test_app_credentials_already_in_the_secret_are_reused(
    deployed_secret: Secret, operator_env: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
):
    deployed_secret.put({**deployed_secret.value(), "app_key": operator_env.app_key,
                         "app_secret": operator_env.app_secret, "extra": "kept"})  # fmt: skip
    monkeypatch.delenv("TIKTOK_APP_KEY")
    monkeypatch.delenv("TIKTOK_APP_SECRET")

    assert authorize.main(["--code", operator_env.issue_auth_code(), "--secret-id", SECRET_NAME]) == 0

    assert deployed_secret.value()["extra"] == "kept"
    assert deployed_secret.value()["access_token"] == operator_env.access_token


def test_missing_app_credentials_are_asked_for_the_secret_without_echo(
    deployed_secret: Secret, operator_env: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("TIKTOK_APP_KEY")
    monkeypatch.delenv("TIKTOK_APP_SECRET")
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or operator_env.app_key)
    monkeypatch.setattr(
        authorize.getpass, "getpass", lambda prompt: asked.append(prompt) or operator_env.app_secret
    )

    assert authorize.main(["--code", operator_env.issue_auth_code()]) == 0

    assert asked == ["TikTok app_key: ", "TikTok app_secret: "]
    assert deployed_secret.value()["app_secret"] == operator_env.app_secret


def test_several_shops_need_a_choice_and_nothing_is_written_without_one(
    deployed_secret: Secret, operator_env: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    operator_env.set_authorized_shops(TWO_SHOPS)

    assert authorize.main(["--code", operator_env.issue_auth_code()]) == 2

    err = capsys.readouterr().err
    assert "GB_cipher" in err
    assert "FR_cipher" in err
    assert "--shop-cipher" in err
    assert deployed_secret.value()["access_token"] == "REPLACE_ME"


def test_the_chosen_shop_is_written(deployed_secret: Secret, operator_env: TikTokEmulator):
    operator_env.set_authorized_shops(TWO_SHOPS)

    assert authorize.main(["--code", operator_env.issue_auth_code(), "--shop-cipher", "FR_cipher"]) == 0

    assert deployed_secret.value()["shop_cipher"] == "FR_cipher"


def test_an_interactive_operator_picks_the_shop_by_number(
    deployed_secret: Secret, operator_env: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
):
    operator_env.set_authorized_shops(TWO_SHOPS)
    monkeypatch.setattr(authorize, "_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "2")

    assert authorize.main(["--code", operator_env.issue_auth_code()]) == 0

    assert deployed_secret.value()["shop_cipher"] == "FR_cipher"


def test_a_shop_cipher_not_authorized_is_refused(deployed_secret: Secret, operator_env: TikTokEmulator):
    assert authorize.main(["--code", operator_env.issue_auth_code(), "--shop-cipher", "nope"]) == 1
    assert deployed_secret.value()["shop_cipher"] == "REPLACE_ME"


def test_a_spent_code_is_refused_without_writing(
    deployed_secret: Secret, operator_env: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    code = operator_env.issue_auth_code()
    assert authorize.main(["--code", code]) == 0
    before = deployed_secret.snapshot()

    assert authorize.main(["--code", code]) == 1

    assert "TikTok refused: invalid auth code (code=36004004" in capsys.readouterr().err
    assert deployed_secret.snapshot() == before


def test_a_wrong_app_secret_is_refused_without_showing_it(
    deployed_secret: Secret, operator_env: TikTokEmulator, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    monkeypatch.setenv("TIKTOK_APP_SECRET", "wrong-app-secret-value")

    assert authorize.main(["--code", operator_env.issue_auth_code()]) == 1

    printed = capsys.readouterr()
    assert "36009004" in printed.err
    assert "wrong-app-secret-value" not in printed.out + printed.err


def test_no_secret_named_is_refused(operator_env: TikTokEmulator, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TIKTOK_CREDENTIALS_SECRET")
    assert authorize.main(["--code", "x"]) == 1


def test_a_missing_secret_is_refused(secrets_client: Any, operator_env: TikTokEmulator):
    assert authorize.main(["--code", operator_env.issue_auth_code()]) == 1


def test_a_new_authorization_abandons_a_failed_rotation_and_rotation_works_again(
    rotation: Rotation, operator_env: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    # A rotation that refreshed, then failed its test: AWSPENDING stays on a version Secrets Manager would retry.
    operator_env.set_authorized_shops(TWO_SHOPS)
    rotation.secret.put({**rotation.secret.value(), "shop_cipher": "REPLACE_ME"})
    operator_env.expire_token()
    with pytest.raises(Exception, match="2 shops are authorized"):
        rotation.rotate()
    stale = next(v for v, stages in rotation.secret.stages().items() if stages == ["AWSPENDING"])

    assert authorize.main(["--code", operator_env.issue_auth_code(), "--shop-cipher", "GB_cipher"]) == 0

    assert f"abandoned the unfinished rotation of version(s) {stale}" in capsys.readouterr().out
    assert not any("AWSPENDING" in stages for stages in rotation.secret.stages().values())
    token = rotation.rotate()
    assert rotation.secret.current_version() == token
    assert rotation.secret.value()["shop_cipher"] == "GB_cipher"
    assert json.loads(rotation.secret.client.get_secret_value(SecretId=SECRET_NAME)["SecretString"]) == (
        rotation.secret.value()
    )


def test_with_the_stacks_webhook_url_known_the_shop_is_subscribed_too(
    deployed_secret: Secret, operator_env: TikTokEmulator, tmp_path: Any, capsys: pytest.CaptureFixture[str]
):
    import boto3

    url = "http://127.0.0.1:9/Prod/webhooks/tiktok"  # loopback: accepted against the local emulator only
    config = tmp_path / "samconfig.toml"
    config.write_text('[default.deploy.parameters]\nstack_name = "approver"\n', encoding="utf-8")
    boto3.client("cloudformation").create_stack(
        StackName="approver",
        TemplateBody=json.dumps(
            {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"WebhookUrl": {"Value": url}}}
        ),
    )

    assert authorize.main(["--code", operator_env.issue_auth_code(), "--config-file", str(config)]) == 0

    subscriptions = operator_env.webhook_subscriptions(operator_env.shop_cipher)[operator_env.shop_cipher]
    assert {s.event_type: s.address for s in subscriptions} == {
        "CANCELLATION_STATUS_CHANGE": url,
        "SELLER_DEAUTHORIZATION": url,
        "UPCOMING_AUTHORIZATION_EXPIRATION": url,
    }
    assert "webhooks: Subscribed" in capsys.readouterr().out


def test_without_a_stack_the_tokens_are_stored_and_make_webhooks_is_suggested(
    deployed_secret: Secret, operator_env: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    assert authorize.main(["--code", operator_env.issue_auth_code()]) == 0
    out = capsys.readouterr().out
    assert "webhooks: not subscribed" in out
    assert "make webhooks" in out
    assert operator_env.webhook_subscriptions() == {}

"""scripts/webhooks.py (make webhooks): a shop's credentials found as the operator's scripts find them (the
shop directory, then the seller's secret; or the default secret), the stack's WebhookUrl, the three event
types subscribed at the TikTok emulator, and every refusal as one line and an exit code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import seller_config
import webhooks
from seller_support import FR, GB, PREFIX
from support.secret_rotation import Secret, emulator_credentials
from tiktok_emulator import TikTokEmulator

URL = "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/webhooks/tiktok"
EVENT_TYPES = ["CANCELLATION_STATUS_CHANGE", "SELLER_DEAUTHORIZATION", "UPCOMING_AUTHORIZATION_EXPIRATION"]
DEFAULT_SECRET = "tiktok-shop/credentials"


def subscribed(emulator: TikTokEmulator, cipher: str) -> dict[str, str]:
    return {s.event_type: s.address for s in emulator.webhook_subscriptions(cipher).get(cipher, [])}


@pytest.fixture
def acme(onboard: Callable[..., int], seller_operator: TikTokEmulator, secrets_client: Any) -> Secret:
    """A cross-border seller onboarded with make authorize: its GB and FR shops in the directory."""
    seller_operator.set_authorized_shops([GB, FR])
    assert onboard("acme") == 0
    return Secret(secrets_client, PREFIX + "acme")


@pytest.fixture
def default_secret(seller_operator: TikTokEmulator, secrets_client: Any) -> Secret:
    secrets_client.create_secret(
        Name=DEFAULT_SECRET, SecretString=json.dumps(emulator_credentials(seller_operator))
    )
    return Secret(secrets_client, DEFAULT_SECRET)


@pytest.fixture
def deployed_stack(seller_operator: TikTokEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """samconfig.toml names a stack that moto's CloudFormation holds; returns a function creating it with
    the given outputs."""
    config = tmp_path / "deployed.toml"
    config.write_text('[default.deploy.parameters]\nstack_name = "approver"\n', encoding="utf-8")
    monkeypatch.setattr(seller_config, "SAMCONFIG", config)

    def create(outputs: dict[str, str]) -> None:
        template = {
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
        boto3.client("cloudformation").create_stack(StackName="approver", TemplateBody=json.dumps(template))

    return create


def test_a_directory_shop_is_subscribed_with_its_sellers_token_and_cipher(
    acme: Secret, seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    capsys.readouterr()

    assert webhooks.main(["--shop", FR.id, "--address", URL]) == 0

    assert subscribed(seller_operator, FR.cipher) == dict.fromkeys(EVENT_TYPES, URL)
    assert subscribed(seller_operator, GB.cipher) == {}
    puts = [call for call in seller_operator.calls() if call.method == "PUT"]
    assert {call.query["shop_cipher"] for call in puts} == {FR.cipher}
    assert {call.headers["x-tts-access-token"] for call in puts} == {acme.value()["access_token"]}
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == (
        f"Subscribed shop {FR.id} (Cross FR, FR, seller Emulator Seller, cipher FR_cipher) to {URL}: "
        + ", ".join(EVENT_TYPES)
    )
    assert (
        lines[1]
        == f"TikTok's webhooks for shop {FR.id} (Cross FR, FR, seller Emulator Seller, cipher FR_cipher):"
    )
    assert lines[2].split() == ["EVENT_TYPE", "ADDRESS", "UPDATED"]
    assert [line.split()[:2] for line in lines[3:6]] == [[event_type, URL] for event_type in EVENT_TYPES]
    assert len(lines) == 6
    for key in ("app_secret", "access_token", "refresh_token"):
        assert acme.value()[key] not in out


def test_the_default_secret_serves_without_a_shop(
    default_secret: Secret, seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    assert webhooks.main(["--secret-id", DEFAULT_SECRET, "--address", URL]) == 0

    assert subscribed(seller_operator, seller_operator.shop_cipher) == dict.fromkeys(EVENT_TYPES, URL)
    assert f"Subscribed the default shop (cipher {seller_operator.shop_cipher})" in capsys.readouterr().out


def test_the_default_secret_comes_from_the_environment_too(
    default_secret: Secret, seller_operator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TIKTOK_CREDENTIALS_SECRET", DEFAULT_SECRET)
    assert webhooks.main(["--address", URL]) == 0
    assert subscribed(seller_operator, seller_operator.shop_cipher) == dict.fromkeys(EVENT_TYPES, URL)


def test_the_address_is_the_stacks_webhook_url_output(
    acme: Secret, seller_operator: TikTokEmulator, deployed_stack: Callable[[dict[str, str]], None]
):
    deployed_stack({"WebhookUrl": URL, "ShopsTableName": "ShopsTable"})

    assert webhooks.main(["--shop", GB.id]) == 0

    assert subscribed(seller_operator, GB.cipher) == dict.fromkeys(EVENT_TYPES, URL)


def test_a_stack_without_the_output_asks_for_an_address(
    acme: Secret, seller_operator: TikTokEmulator, deployed_stack: Callable[[dict[str, str]], None],
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    deployed_stack({"ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/"})

    assert webhooks.main(["--shop", GB.id]) == 3

    err = capsys.readouterr().err
    assert err.startswith(
        "webhooks: no webhook URL to subscribe (the stack approver has no output WebhookUrl)"
    )
    assert "pass ADDRESS=<https URL> (--address)" in err
    assert len(err.splitlines()) == 1
    assert seller_operator.webhook_subscriptions() == {}


def test_no_deployed_stack_asks_for_an_address(acme: Secret, capsys: pytest.CaptureFixture[str]):
    capsys.readouterr()
    assert webhooks.main(["--shop", GB.id]) == 3
    err = capsys.readouterr().err
    assert "(samconfig.toml records no deployed stack): pass ADDRESS=" in err


def test_list_only_lists_and_says_what_is_missing(
    acme: Secret, seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    assert webhooks.main(["--shop", GB.id, "--address", "https://old.example.com/hook"]) == 0
    capsys.readouterr()
    seller_operator.clear_calls()

    assert webhooks.main(["--shop", GB.id, "--list", "--address", URL]) == 0

    assert [call.method for call in seller_operator.calls()] == ["GET"]
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"TikTok's webhooks for shop {GB.id}")
    assert f"Sent elsewhere than {URL}: {', '.join(EVENT_TYPES)}" in out


def test_list_of_a_shop_with_none(acme: Secret, capsys: pytest.CaptureFixture[str]):
    capsys.readouterr()
    assert webhooks.main(["--shop", GB.id, "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == ["  none", f"Not subscribed: {', '.join(EVENT_TYPES)} (make webhooks subscribes them)"]


def test_a_shop_not_in_the_directory_is_not_found(acme: Secret, capsys: pytest.CaptureFixture[str]):
    capsys.readouterr()
    assert webhooks.main(["--shop", "7999", "--address", URL]) == 5
    assert "webhooks: no shop 7999 in the shop directory ShopsTable: make shops lists the shops" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shop", "a b", "--address", URL], "shop_id must be"),
        (["--shop", GB.id, "--address", "http://example.com/hook"], "address must be https"),
        (["--shop", GB.id, "--address", "https://localhost/hook", "--api-base-url", "https://open.example"],
         "on this machine"),
        (["--shop", GB.id, "--secret-id", DEFAULT_SECRET], "give one or the other"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_before_aws_or_tiktok(
    argv: list[str], message: str, seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    assert webhooks.main(argv) == 4
    assert message in capsys.readouterr().err
    assert seller_operator.calls() == []


def test_a_secret_without_a_token_says_to_authorize(
    default_secret: Secret, seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    default_secret.put({**default_secret.value(), "access_token": "REPLACE_ME"})

    assert webhooks.main(["--secret-id", DEFAULT_SECRET, "--address", URL]) == 3

    assert (
        f"secret {DEFAULT_SECRET} holds no access_token: make authorize fills it" in capsys.readouterr().err
    )
    assert seller_operator.calls() == []


def test_no_default_secret_names_every_way_to_give_it(seller_operator: TikTokEmulator,
                                                      capsys: pytest.CaptureFixture[str]):  # fmt: skip
    assert webhooks.main(["--address", URL]) == 3
    assert "--secret-id or $TIKTOK_CREDENTIALS_SECRET (stack output TikTokCredentialsSecretArn)" in (
        capsys.readouterr().err
    )


def test_an_expired_token_is_one_line_with_what_to_do(
    acme: Secret, seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    seller_operator.expire_token(acme.value()["access_token"])
    capsys.readouterr()

    assert webhooks.main(["--shop", GB.id, "--address", URL]) == 1

    err = capsys.readouterr().err
    assert err.startswith("webhooks: TikTok refused subscribing CANCELLATION_STATUS_CHANGE for shop")
    assert "code=105002" in err
    assert "the access token has expired" in err
    assert "subscribed before it: nothing" in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_a_refusal_half_way_names_what_was_subscribed(
    acme: Secret, seller_operator: TikTokEmulator, capsys: pytest.CaptureFixture[str]
):
    token = acme.value()["access_token"]
    real = seller_operator.respond
    answered: list[str] = []

    def revoke_after_the_first(request):  # the seller de-authorizes the app in between
        answer = real(request)
        answered.append(request.method)
        if len(answered) == 1:
            seller_operator.revoke_token(token)
        return answer

    seller_operator.respond = revoke_after_the_first  # type: ignore[method-assign]
    seller_operator._server.responder = revoke_after_the_first  # type: ignore[union-attr]
    capsys.readouterr()

    assert webhooks.main(["--shop", GB.id, "--address", URL]) == 1

    err = capsys.readouterr().err
    assert "TikTok refused subscribing SELLER_DEAUTHORIZATION" in err
    assert "subscribed before it: CANCELLATION_STATUS_CHANGE; run the command again" in err
    assert subscribed(seller_operator, GB.cipher) == {"CANCELLATION_STATUS_CHANGE": URL}

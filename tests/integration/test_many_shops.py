"""Many shops in one deployment: shop_id -> the directory's entry -> the seller's secret, against moto and the
TikTok emulator. The default shop (no shop_id) is the other integration tests' subject; here it only has
to keep working beside the directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from approval.errors import (
    ApprovalForbidden,
    IdempotencyKeyReused,
    InvalidApprovalRequest,
    ShopNotFound,
    TikTokUnavailable,
    UpstreamConfigurationError,
)
from shop_directory import ShopEntry
from support.approvals import (
    CREDENTIALS,
    PENDING,
    Aws,
    Invoke,
    api_event,
    body,
    header,
    sqs_event,
)
from support.aws_fault_proxy import AwsFault, running_proxy
from support.cfn_template import table_schema
from tiktok_emulator import AuthorizedShop, TikTokEmulator

SHOPS_TABLE = "ShopsTable"
SELLER_SECRET = "tiktok-shop/sellers/cross-border-seller"
LOCAL_SELLER_SECRET = "tiktok-shop/sellers/local-seller"
# One cross-border authorization (the emulator's default seller and token) covering two shops, each with
# its own cipher; and a second seller, local, with one shop and a token of its own.
UK = AuthorizedShop(cipher="ROW_uk_cipher", id="7000000000000000001", name="UK shop", region="GB")
DE = AuthorizedShop(cipher="ROW_de_cipher", id="7000000000000000002", name="DE shop", region="DE")
FR = AuthorizedShop(cipher="ROW_fr_cipher", id="7000000000000000003", name="FR shop", region="FR")


@pytest.fixture
def directory(aws: Aws, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """ShopsTable from the template's definition, the seller's secret, both shops onboarded."""
    emulator.set_authorized_shops([AuthorizedShop(CREDENTIALS["shop_cipher"]), UK, DE])
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(TableName=SHOPS_TABLE, **table_schema(SHOPS_TABLE))
    secret_arn = aws.secrets.create_secret(
        Name=SELLER_SECRET, SecretString=json.dumps({**CREDENTIALS, "shop_cipher": UK.cipher})
    )["ARN"]
    local = emulator.add_seller("local-seller", [FR], seller_name="Local seller")
    local_arn = aws.secrets.create_secret(
        Name=LOCAL_SELLER_SECRET,
        SecretString=json.dumps(
            {**CREDENTIALS, "access_token": local.access_token, "shop_cipher": FR.cipher}
        ),
    )["ARN"]
    for shop, arn in ((UK, secret_arn), (DE, secret_arn), (FR, local_arn)):
        entry = ShopEntry.from_authorized_shop(shop, secret_id=arn, seller_name="a seller")
        dynamodb.put_item(TableName=SHOPS_TABLE, Item={k: {"S": v} for k, v in entry.to_item().items()})
    monkeypatch.setenv("SHOPS_TABLE", SHOPS_TABLE)
    monkeypatch.setenv("SHOPS_CACHE_SECONDS", "0")
    from approval import dependencies

    dependencies.reset()
    yield dynamodb
    dependencies.reset()


def approval_calls(emulator: TikTokEmulator) -> list[Any]:
    return [call for call in emulator.recorder.calls if call.cancel_id is not None]


def test_each_shop_is_approved_with_its_own_cipher_and_the_authorizations_token(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator
):
    uk = invoke({"shop_id": UK.id, "cancel_id": PENDING[0]})
    de = invoke({"shop_id": DE.id, "cancel_id": PENDING[1]})
    assert uk["data"] == de["data"] == {"success": True, "status": "CANCELLATION_APPROVED"}
    sent = {call.cancel_id: call for call in approval_calls(emulator)}
    assert sent[PENDING[0]].query["shop_cipher"] == UK.cipher
    assert sent[PENDING[1]].query["shop_cipher"] == DE.cipher
    assert {call.headers["x-tts-access-token"] for call in sent.values()} == {CREDENTIALS["access_token"]}
    assert emulator.approvals() == {PENDING[0]: 1, PENDING[1]: 1}


def test_the_default_shop_keeps_working_beside_the_directory(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator
):
    assert invoke({"cancel_id": PENDING[0]})["data"]["success"] is True
    [call] = approval_calls(emulator)
    assert call.query["shop_cipher"] == CREDENTIALS["shop_cipher"]


def test_an_unknown_shop_is_not_found_without_a_tiktok_call_on_every_trigger(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    with pytest.raises(ShopNotFound, match="7999"):
        invoke({"shop_id": "7999", "cancel_id": PENDING[0]})
    response = invoke(api_event(PENDING[0], shop_id="7999"))
    assert response["statusCode"] == 404
    assert body(response)["data"] == {"success": False, "status": "SHOP_NOT_FOUND"}
    sqs_answer = invoke(sqs_event(json.dumps({"shop_id": "7999", "cancel_id": PENDING[0]})))
    assert sqs_answer == {"batchItemFailures": []}  # parked, not redelivered: it cannot succeed later
    [parked] = aws.dead_letters()
    assert parked["MessageAttributes"]["error_type"]["StringValue"] == "ShopNotFound"
    assert emulator.recorder.calls == []
    assert aws.idempotency_records() == []


def test_the_api_route_names_the_shop(directory: Any, invoke: Invoke, emulator: TikTokEmulator):
    response = invoke(api_event(PENDING[0], shop_id=DE.id, header_key="order-1"))
    assert response["statusCode"] == 200, response
    [call] = approval_calls(emulator)
    assert call.query["shop_cipher"] == DE.cipher
    again = invoke(api_event(PENDING[0], shop_id=DE.id, header_key="order-1"))
    assert again["statusCode"] == 200
    assert header(again, "Idempotent-Replayed") == "true"


def test_one_key_in_two_shops_is_two_requests_and_in_one_shop_still_one(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator
):
    query = {"idempotency_key": "caller-key-1"}
    invoke({"shop_id": UK.id, "cancel_id": PENDING[0], "query": query})
    invoke({"shop_id": DE.id, "cancel_id": PENDING[1], "query": query})
    assert emulator.approvals() == {PENDING[0]: 1, PENDING[1]: 1}
    with pytest.raises(IdempotencyKeyReused):
        invoke({"shop_id": UK.id, "cancel_id": PENDING[2], "query": query})
    # ... and the default shop is a scope of its own.
    invoke({"cancel_id": PENDING[3], "query": query})
    assert emulator.approvals()[PENDING[3]] == 1


def test_a_replay_names_its_shop(directory: Any, invoke: Invoke, emulator: TikTokEmulator):
    first = invoke(api_event(PENDING[0], shop_id=UK.id))
    again = invoke(api_event(PENDING[0], shop_id=UK.id))
    # The default shop is another scope: TikTok is asked, refuses (approved already), and Search
    # Cancellations shows the approval made through the UK shop.
    other_scope = invoke(api_event(PENDING[0]))
    assert first["statusCode"] == again["statusCode"] == other_scope["statusCode"] == 200
    assert header(again, "Idempotent-Replayed") == "true"
    assert header(other_scope, "Idempotent-Replayed") is None
    assert header(other_scope, "Already-Approved") == "true"
    assert emulator.approvals() == {PENDING[0]: 1}


@pytest.mark.parametrize("shop_id", ["", "x" * 65, "shop 1", "../7000", 7000])
def test_a_malformed_shop_id_is_refused(directory: Any, invoke: Invoke, shop_id: object):
    with pytest.raises(InvalidApprovalRequest, match="shop_id"):
        invoke({"shop_id": shop_id, "cancel_id": PENDING[0]})


def test_a_removed_shop_is_not_found_once_the_cache_lets_go(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator
):
    invoke({"shop_id": DE.id, "cancel_id": PENDING[0]})
    directory.delete_item(TableName=SHOPS_TABLE, Key={"shop_id": {"S": DE.id}})
    with pytest.raises(ShopNotFound):
        invoke({"shop_id": DE.id, "cancel_id": PENDING[1]})
    assert invoke({"shop_id": UK.id, "cancel_id": PENDING[1]})["data"]["success"] is True


def test_a_directory_item_without_its_secret_is_a_configuration_error(directory: Any, invoke: Invoke):
    directory.put_item(
        TableName=SHOPS_TABLE, Item={"shop_id": {"S": "7000000000000000009"}, "shop_cipher": {"S": "c"}}
    )
    with pytest.raises(UpstreamConfigurationError, match="secret_id"):
        invoke({"shop_id": "7000000000000000009", "cancel_id": PENDING[0]})


def test_a_missing_directory_table_is_a_configuration_error(
    directory: Any, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SHOPS_TABLE", "NoSuchTable")
    with pytest.raises(UpstreamConfigurationError, match="NoSuchTable"):
        invoke({"shop_id": UK.id, "cancel_id": PENDING[0]})


def test_a_seller_secret_that_cannot_be_read_fails_only_its_shops(directory: Any, invoke: Invoke):
    entry = ShopEntry(shop_id="7000000000000000010", shop_cipher="c", secret_id="tiktok-shop/sellers/gone")
    directory.put_item(TableName=SHOPS_TABLE, Item={k: {"S": v} for k, v in entry.to_item().items()})
    with pytest.raises(UpstreamConfigurationError, match="gone"):
        invoke({"shop_id": entry.shop_id, "cancel_id": PENDING[0]})
    assert invoke({"shop_id": UK.id, "cancel_id": PENDING[1]})["data"]["success"] is True


def test_without_a_default_shop_a_request_must_name_one(
    directory: Any, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("TIKTOK_CREDENTIALS_SECRET")
    with pytest.raises(InvalidApprovalRequest, match="no default shop"):
        invoke({"cancel_id": PENDING[0]})
    response = invoke(api_event(PENDING[0]))
    assert response["statusCode"] == 400
    assert invoke({"shop_id": UK.id, "cancel_id": PENDING[0]})["data"]["success"] is True


def test_without_a_directory_a_shop_id_is_refused(invoke: Invoke, emulator: TikTokEmulator):
    with pytest.raises(InvalidApprovalRequest, match="no shop directory"):
        invoke({"shop_id": UK.id, "cancel_id": PENDING[0]})
    assert emulator.recorder.calls == []


def test_a_directory_that_cannot_be_read_just_now_is_transient(
    directory: Any, invoke: Invoke, aws: Aws, monkeypatch: pytest.MonkeyPatch
):
    with running_proxy(aws.url) as proxy:
        # DynamoDB answers 503 to GetItem, the directory's one action (the idempotency record is a PutItem).
        proxy.inject(AwsFault("DynamoDB_20120810.GetItem", "unavailable"))
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
        from approval import dependencies

        dependencies.reset()
        with pytest.raises(TikTokUnavailable, match="shop directory"):
            invoke({"shop_id": UK.id, "cancel_id": PENDING[0]})
        response = invoke(api_event(PENDING[0], shop_id=UK.id))
        assert response["statusCode"] == 503
        assert header(response, "Retry-After") == "30"
    assert aws.idempotency_records() == []  # released: the next attempt starts afresh


def test_each_seller_approves_with_its_own_token(directory: Any, invoke: Invoke, emulator: TikTokEmulator):
    invoke({"shop_id": UK.id, "cancel_id": PENDING[0]})
    invoke({"shop_id": FR.id, "cancel_id": PENDING[1]})
    sent = {call.cancel_id: call for call in approval_calls(emulator)}
    assert sent[PENDING[0]].headers["x-tts-access-token"] == CREDENTIALS["access_token"]
    assert sent[PENDING[1]].headers["x-tts-access-token"] == emulator.access_token_of("local-seller")
    assert sent[PENDING[1]].query["shop_cipher"] == FR.cipher


def test_a_cancellation_of_another_shop_is_forbidden(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator
):
    emulator.seed({"5760002000000000001": "pending"}, shop_cipher=FR.cipher)
    with pytest.raises(ApprovalForbidden):
        invoke({"shop_id": UK.id, "cancel_id": "5760002000000000001"})
    assert invoke({"shop_id": FR.id, "cancel_id": "5760002000000000001"})["data"]["success"] is True


def test_one_sellers_token_expires_and_is_rotated_while_the_other_keeps_working(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    old_token = emulator.access_token_of("local-seller")
    invoke({"shop_id": FR.id, "cancel_id": PENDING[0]})  # the local seller's secret is cached now
    emulator.expire_token(old_token)
    with pytest.raises(UpstreamConfigurationError, match="expired"):
        invoke({"shop_id": FR.id, "cancel_id": PENDING[1]})
    # The cross-border seller's shops do not notice.
    assert invoke({"shop_id": UK.id, "cancel_id": PENDING[2]})["data"]["success"] is True
    # Its rotation: a new token for that seller, into that seller's secret only.
    new_token = "ROW_access_rotated_for_local_seller"
    emulator.add_access_token(new_token, seller="local-seller")
    current = json.loads(aws.secrets.get_secret_value(SecretId=LOCAL_SELLER_SECRET)["SecretString"])
    aws.secrets.put_secret_value(
        SecretId=LOCAL_SELLER_SECRET, SecretString=json.dumps({**current, "access_token": new_token})
    )
    # The cached (expired) token meets 105002; the function re-reads that seller's secret and retries.
    assert invoke({"shop_id": FR.id, "cancel_id": PENDING[1]})["data"]["success"] is True
    tokens = [
        call.headers["x-tts-access-token"]
        for call in approval_calls(emulator)
        if call.cancel_id == PENDING[1]
    ]
    assert tokens[-2:] == [old_token, new_token]
    assert invoke({"shop_id": DE.id, "cancel_id": PENDING[3]})["data"]["success"] is True
    assert {call.headers["x-tts-access-token"] for call in approval_calls(emulator) if call.cancel_id in
            (PENDING[2], PENDING[3])} == {CREDENTIALS["access_token"]}  # fmt: skip


def test_a_shop_removed_from_the_authorization_is_a_configuration_error_for_that_shop_only(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator
):
    emulator.set_authorized_shops([AuthorizedShop(CREDENTIALS["shop_cipher"]), UK])  # the seller dropped DE
    with pytest.raises(UpstreamConfigurationError) as refused:
        invoke({"shop_id": DE.id, "cancel_id": PENDING[0]})
    assert refused.value.code == 101000  # TikTok: token and shop do not match
    assert emulator.cancellation_state(PENDING[0]) == "pending"
    assert invoke({"shop_id": UK.id, "cancel_id": PENDING[1]})["data"]["success"] is True


def test_a_replay_needs_no_directory(directory: Any, invoke: Invoke, emulator: TikTokEmulator):
    first = invoke(api_event(PENDING[0], shop_id=DE.id, header_key="order-7"))
    directory.delete_item(TableName=SHOPS_TABLE, Key={"shop_id": {"S": DE.id}})
    again = invoke(api_event(PENDING[0], shop_id=DE.id, header_key="order-7"))
    assert again["statusCode"] == 200
    assert header(again, "Idempotent-Replayed") == "true"
    assert body(again) == body(first)
    assert len(approval_calls(emulator)) == 1


def test_an_explicit_null_shop_id_is_refused_not_taken_for_the_default_shop(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator, aws: Aws
):
    with pytest.raises(InvalidApprovalRequest, match="leave it out for the default shop"):
        invoke({"shop_id": None, "cancel_id": PENDING[0]})
    invoke(sqs_event(json.dumps({"shop_id": None, "cancel_id": PENDING[0]})))
    [parked] = aws.dead_letters()
    assert parked["MessageAttributes"]["error_type"]["StringValue"] == "InvalidApprovalRequest"
    assert emulator.recorder.calls == []


def test_a_shop_that_moved_to_another_sellers_authorization_is_followed_at_once(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SHOPS_CACHE_SECONDS", "3600")  # the container would not re-read the item by itself
    from approval import dependencies

    dependencies.reset()
    invoke({"shop_id": DE.id, "cancel_id": PENDING[0]})  # DE's entry is cached: the cross-border seller's
    # The DE shop moves to the local seller's authorization, and the directory says so.
    emulator.set_authorized_shops([AuthorizedShop(CREDENTIALS["shop_cipher"]), UK])
    emulator.set_authorized_shops([FR, DE], seller="local-seller")
    fr_entry = directory.get_item(TableName=SHOPS_TABLE, Key={"shop_id": {"S": FR.id}})["Item"]
    moved = ShopEntry.from_authorized_shop(DE, secret_id=fr_entry["secret_id"]["S"])
    directory.put_item(TableName=SHOPS_TABLE, Item={k: {"S": v} for k, v in moved.to_item().items()})
    # The cached entry's token meets 101000; the function re-reads the entry, then the other secret.
    assert invoke({"shop_id": DE.id, "cancel_id": PENDING[1]})["data"]["success"] is True
    tokens = [c.headers["x-tts-access-token"] for c in approval_calls(emulator) if c.cancel_id == PENDING[1]]
    assert tokens == [CREDENTIALS["access_token"], emulator.access_token_of("local-seller")]


def test_a_directory_shop_sends_tiktok_a_key_of_its_own_for_the_callers_key(
    directory: Any, invoke: Invoke, emulator: TikTokEmulator
):
    query = {"idempotency_key": "caller-key-9"}
    invoke({"shop_id": UK.id, "cancel_id": PENDING[0], "query": query})
    invoke({"shop_id": DE.id, "cancel_id": PENDING[1], "query": query})
    invoke({"cancel_id": PENDING[2], "query": query})
    sent = {call.cancel_id: call.query["idempotency_key"] for call in approval_calls(emulator)}
    assert sent[PENDING[2]] == "caller-key-9"  # the default shop: the caller's key, as always
    assert len({sent[PENDING[0]], sent[PENDING[1]], "caller-key-9"}) == 3  # one seller, one token: two keys
    # Stable: a retry of the same request sends the same key.
    emulator.seed({PENDING[3]: "pending"})
    invoke({"shop_id": UK.id, "cancel_id": PENDING[3], "query": {"idempotency_key": "k-stable"}})
    first = [c.query["idempotency_key"] for c in approval_calls(emulator) if c.cancel_id == PENDING[3]]
    from approval.keys import tiktok_key_for

    assert first == [tiktok_key_for(UK.id, UK.cipher, PENDING[3], "k-stable")]

"""ApprovalService by rule, in milliseconds: the service as the function builds it (its TikTok client from
`dependencies.tiktok_client`, Powertools' idempotency and secrets cache), against the TikTok emulator
in-process and the two AWS stores in memory. The same rules through moto and HTTP are in tests/integration."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from approval import dependencies
from approval.errors import (
    ApprovalError,
    CancellationConflict,
    IdempotencyKeyReused,
    TikTokUnavailable,
    UpstreamConfigurationError,
)
from approval.keys import tiktok_idempotency_key
from approval.models import ApprovalOutcome, ApprovalQuery, ApprovalRequest
from approval.service import ApprovalService, idempotency_config
from approval.shop_access import ShopResolver
from lambda_context import FakeLambdaContext
from shop_directory import ShopEntry
from shop_directory.reader import ShopDirectoryReader
from support.in_memory_stores import InMemoryPersistence, InMemorySecrets, InMemoryShopTable
from support.in_process_tiktok import emulator_session
from support.secret_rotation import emulator_credentials
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.faults import Fault
from tiktok_emulator.shops import AuthorizedShop
from tiktok_shop import Credentials, CredentialsLoader, RetryPolicy, TikTokShopClient

DEFAULT_SECRET = "tiktok-shop/credentials"
PENDING, OTHER, THIRD = "5760001000000000001", "5760001000000000002", "5760001000000000003"


class World:
    """The service and everything at its edges, each open to the test."""

    def __init__(
        self, emulator: TikTokEmulator, *, retries: bool = True, store: InMemoryPersistence | None = None
    ) -> None:
        self.tiktok = emulator
        self.secrets = InMemorySecrets(**{DEFAULT_SECRET: json.dumps(emulator_credentials(emulator))})
        self.store = store or InMemoryPersistence()
        self.shops = InMemoryShopTable()
        session = emulator_session(emulator)

        def client_for(credentials: Credentials) -> TikTokShopClient:
            client = dependencies.tiktok_client(
                credentials,
                base_url="https://open-api.tiktokglobalshop.com",
                rate_limiter=None,
                session=session,
            )
            if not retries:  # the layer's retries are its own rule (test_retry_policy): one attempt here
                client.retry_policy = RetryPolicy.no_retries()
            return client

        self.service = ApprovalService(
            shops=ShopResolver(
                default_secret=DEFAULT_SECRET,
                directory=ShopDirectoryReader("ShopsTable", dynamodb=self.shops, max_age=60),
                loader_for=lambda secret_id: CredentialsLoader(secret_id, max_age=300, provider=self.secrets),
            ),
            client_factory=client_for,
            persistence=self.store,
            config=idempotency_config(3600),
        )
        self.service.register_lambda_context(FakeLambdaContext())

    def approve(
        self, cancel_id: str, *, shop_id: str | None = None, key: str | None = None
    ) -> ApprovalOutcome:
        request = ApprovalRequest(
            cancel_id=cancel_id, shop_id=shop_id, query=ApprovalQuery(idempotency_key=key)
        )
        return self.service.approve(request)

    def approvals_sent(self) -> list[dict[str, Any]]:
        return [call.to_json() for call in self.tiktok.recorder.calls if call.path.endswith("/approve")]


@pytest.fixture
def world() -> World:
    return World(TikTokEmulator(cancellations={PENDING: "pending", OTHER: "pending", THIRD: "pending"}))


def status(outcome: ApprovalOutcome) -> str:
    return outcome.result.data.status


def raised(call: Callable[[], object]) -> ApprovalError:
    with pytest.raises(ApprovalError) as caught:
        call()
    return caught.value


# --- once ---------------------------------------------------------------------------------------------


def test_an_approval_is_sent_once_and_then_replayed_from_its_record(world: World):
    first, again = world.approve(PENDING), world.approve(PENDING)
    assert (status(first), first.replayed) == ("CANCELLATION_APPROVED", False)
    assert (status(again), again.replayed) == ("CANCELLATION_APPROVED", True)
    assert world.tiktok.approvals() == {PENDING: 1}
    assert len(world.approvals_sent()) == 1


def test_another_environment_replays_from_the_stored_record_and_refuses_a_reused_key(world: World):
    # Powertools' local cache answers repeats in the environment that approved; another environment has
    # only the store: its conditional put finds the record.
    world.approve(PENDING, key="order-42")
    elsewhere = World(world.tiktok, store=world.store)
    again = elsewhere.approve(PENDING, key="order-42")
    assert (status(again), again.replayed) == ("CANCELLATION_APPROVED", True)
    assert isinstance(raised(lambda: elsewhere.approve(OTHER, key="order-42")), IdempotencyKeyReused)
    assert world.tiktok.approvals() == {PENDING: 1}


def test_a_record_left_in_progress_by_an_ended_invocation_is_taken_over(world: World):
    world.store.fail("update")
    world.approve(PENDING)  # approved at TikTok; the record stays INPROGRESS
    [record] = world.store.records.values()
    record.in_progress_expiry_timestamp = 1  # that invocation ended long ago
    elsewhere = World(world.tiktok, store=world.store)
    outcome = elsewhere.approve(PENDING)  # runs again: TikTok's key makes the repeat harmless
    assert status(outcome) == "CANCELLATION_APPROVED"
    assert world.store.statuses() == ["COMPLETED"]
    assert world.tiktok.approvals() == {PENDING: 1}


# --- credentials: re-read once when TikTok refuses them --------------------------------------------------


def test_a_refused_token_is_retried_once_with_the_secret_read_again(world: World):
    world.approve(PENDING)  # the secret is now cached
    world.tiktok.expire_token()
    world.tiktok.add_access_token("ROW_rotated_token")
    rotated = {**json.loads(world.secrets.values[DEFAULT_SECRET]), "access_token": "ROW_rotated_token"}
    world.secrets.values[DEFAULT_SECRET] = json.dumps(rotated)

    assert status(world.approve(OTHER)) == "CANCELLATION_APPROVED"
    assert world.secrets.reads == 2  # the first read, and one forced re-read
    tokens = [call["headers"]["x-tts-access-token"] for call in world.approvals_sent()]
    assert tokens[1:] == [tokens[0], "ROW_rotated_token"]


def test_an_expired_token_with_no_newer_secret_is_a_configuration_error_after_one_reread(world: World):
    world.tiktok.expire_token()
    error = raised(lambda: world.approve(PENDING))
    assert isinstance(error, UpstreamConfigurationError)
    assert "no newer one" in error.message
    assert world.secrets.reads == 2
    assert len(world.approvals_sent()) == 1  # the same credentials are not sent twice
    assert world.store.records == {}  # nothing remembered: fixing the secret and retrying approves


# --- reconciliation: an unclear answer is settled by Search Cancellations --------------------------------


def test_an_answer_lost_after_tiktok_approved_is_a_success_marked_already_approved():
    world = World(TikTokEmulator(cancellations={PENDING: "pending"}), retries=False)
    world.tiktok.inject_fault(Fault(kind="lost_answer"), cancel_id=PENDING)
    outcome = world.approve(PENDING)
    assert status(outcome) == "CANCELLATION_APPROVED"
    assert outcome.already_approved
    assert world.tiktok.approvals() == {PENDING: 1}
    assert world.store.statuses() == ["COMPLETED"]  # stored, so a repeat is a replay


def test_approved_elsewhere_is_a_success_marked_already_approved(world: World):
    world.tiktok.seed({PENDING: "approved"})  # the seller approved it in Seller Center
    outcome = world.approve(PENDING)
    assert (status(outcome), outcome.already_approved) == ("CANCELLATION_APPROVED", True)


def test_cancelled_meanwhile_is_a_conflict_naming_tiktoks_status(world: World):
    world.tiktok.seed({PENDING: "cancelled"})
    error = raised(lambda: world.approve(PENDING))
    assert isinstance(error, CancellationConflict)
    assert error.cancel_status == "CANCELLATION_REQUEST_CANCELLED"
    assert world.store.records == {}


# --- the idempotency store failing --------------------------------------------------------------------


def test_a_store_that_fails_after_tiktok_approved_still_answers_the_approval(world: World):
    world.store.fail("update")
    outcome = world.approve(PENDING)
    assert (status(outcome), outcome.replayed) == ("CANCELLATION_APPROVED", False)
    assert world.store.statuses() == ["INPROGRESS"]  # expires with the invocation; a repeat reconciles
    assert world.tiktok.approvals() == {PENDING: 1}


def test_a_store_that_fails_before_anything_is_sent_is_transient_and_sends_nothing(world: World):
    world.store.fail("put")
    assert isinstance(raised(lambda: world.approve(PENDING)), TikTokUnavailable)
    assert world.approvals_sent() == []
    assert status(world.approve(PENDING)) == "CANCELLATION_APPROVED"  # the retry goes through


# --- keys: scoped per shop ------------------------------------------------------------------------------


def two_shops() -> World:
    emulator = TikTokEmulator(
        shops=[AuthorizedShop("CIPHER_A", id="111"), AuthorizedShop("CIPHER_B", id="222")]
    )
    emulator.seed({PENDING: "pending"}, "CIPHER_A")
    emulator.seed({OTHER: "pending"}, "CIPHER_B")
    world = World(emulator)
    for shop_id, cipher in [("111", "CIPHER_A"), ("222", "CIPHER_B")]:
        world.shops.put(ShopEntry(shop_id=shop_id, shop_cipher=cipher, secret_id=DEFAULT_SECRET))
    return world


def test_one_callers_key_in_two_shops_is_two_approvals_with_two_tiktok_keys():
    world = two_shops()
    first = world.approve(PENDING, shop_id="111", key="order-42")
    second = world.approve(OTHER, shop_id="222", key="order-42")
    assert not first.replayed
    assert not second.replayed
    assert len(world.store.records) == 2
    sent = {call["query"]["shop_cipher"]: call["query"]["idempotency_key"] for call in world.approvals_sent()}
    assert set(sent) == {"CIPHER_A", "CIPHER_B"}
    assert sent["CIPHER_A"] != sent["CIPHER_B"]
    assert "order-42" not in sent.values()  # derived per shop, never the caller's key as is


def test_the_default_shop_sends_the_callers_key_as_is_and_derives_one_without_it(world: World):
    world.approve(PENDING, key="order-42")
    world.approve(OTHER)
    keys = [call["query"]["idempotency_key"] for call in world.approvals_sent()]
    assert keys == ["order-42", tiktok_idempotency_key(world.tiktok.shop_cipher, OTHER)]


def test_a_key_reused_for_another_cancellation_is_refused_and_nothing_is_sent(world: World):
    world.approve(PENDING, key="order-42")
    assert isinstance(raised(lambda: world.approve(OTHER, key="order-42")), IdempotencyKeyReused)
    assert len(world.approvals_sent()) == 1

"""Several sellers in one emulator: each authorization has its own tokens and shops, and a token acts only
for its own seller's shops. Real HTTP against the started emulator, through the project's own client
(tiktok_shop.TikTokShopClient) where it has the call, and the emulator's own signing otherwise."""

import dataclasses
import json
import re

import pytest
from emulator_http import Shop, control, search
from local_stack.tiktok_admin import TikTokAdmin, first_authorization
from tiktok_emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SHOP_CIPHER,
    AuthorizedShop,
    EmulatorSeller,
    TikTokEmulator,
)
from tiktok_shop import RetryPolicy, TikTokAPIError, TikTokShopClient

DEFAULT_OPEN_ID = "emulator-open-id"
CROSS_BORDER = "cross-border-open-id"
GB = AuthorizedShop("GB_cb_cipher", id="7001", name="CB GB shop", region="GB", seller_type="CROSS_BORDER")
FR = AuthorizedShop("FR_cb_cipher", id="7002", name="CB FR shop", region="FR", seller_type="CROSS_BORDER")
PENDING = "5760001000000000001"
OTHER = "5760001000000000002"
GET_TOKEN = "/api/v2/token/get"
REFRESH = "/api/v2/token/refresh"


@pytest.fixture
def emulator(tiktok_emulator: TikTokEmulator) -> TikTokEmulator:
    """The default seller (LOCAL, one shop, DEFAULT_SHOP_CIPHER) and a cross-border one with GB and FR."""
    tiktok_emulator.add_seller(CROSS_BORDER, [GB, FR], seller_name="Cross-border seller")
    tiktok_emulator.seed({PENDING: "pending", OTHER: "pending"})
    return tiktok_emulator


def client(emulator: TikTokEmulator, access_token: str, shop_cipher: str | None = None) -> TikTokShopClient:
    return TikTokShopClient(
        app_key=emulator.app_key,
        app_secret=emulator.app_secret,
        base_url=emulator.url,
        auth_base_url=emulator.url,
        timeout=(1.0, 2.0),
        retry_policy=RetryPolicy(base_delay=0.01, max_delay=0.05),
        access_token=access_token,
        shop_cipher=shop_cipher,
    )


def cross_border(emulator: TikTokEmulator, shop_cipher: str | None = GB.cipher) -> TikTokShopClient:
    return client(emulator, emulator.access_token_of(CROSS_BORDER), shop_cipher)


def default(emulator: TikTokEmulator, shop_cipher: str | None = DEFAULT_SHOP_CIPHER) -> TikTokShopClient:
    return client(emulator, emulator.access_token, shop_cipher)


def refused(call, *args, **kwargs) -> TikTokAPIError:
    with pytest.raises(TikTokAPIError) as raised:
        call(*args, **kwargs)
    return raised.value


def approval_code(shop_client: TikTokShopClient, cancel_id: str = PENDING) -> int | None:
    """TikTok's code for an approval: 0, or the code of the error the client raised."""
    try:
        return shop_client.return_refund.approve_cancellation(cancel_id)["code"]
    except TikTokAPIError as error:
        return error.code


def lookup_code(shop_client: TikTokShopClient, cancel_id: str = PENDING) -> int | None:
    """TikTok's code for a Search Cancellations by cancel_id: 0, or the code of the error raised."""
    try:
        shop_client.return_refund.find_cancellation(cancel_id)
    except TikTokAPIError as error:
        return error.code
    return 0


def ciphers(shop_client: TikTokShopClient) -> list[str]:
    return [shop.cipher for shop in shop_client.authorization.get_authorized_shops()]


def token_call(emulator: TikTokEmulator, path: str, **query: str):
    grant_type = "refresh_token" if path == REFRESH else "authorized_code"
    full = {"app_key": emulator.app_key, "app_secret": emulator.app_secret, "grant_type": grant_type, **query}
    return Shop(emulator).send("GET", path, query=full, headers={"x-tts-access-token": None})


# --- sellers and their tokens -----------------------------------------------------------------------------


def test_a_new_seller_gets_tokens_of_its_own(emulator):
    added = emulator.seller(CROSS_BORDER)

    assert isinstance(added, EmulatorSeller)
    assert added.access_token.startswith("ROW_access_")
    assert added.refresh_token.startswith("ROW_refresh_")
    assert added.access_token != emulator.access_token
    assert (added.seller_name, added.seller_base_region) == ("Cross-border seller", "GB")  # first shop's
    assert added.shops == (GB, FR)
    assert emulator.access_token_of(CROSS_BORDER) == added.access_token
    assert emulator.refresh_token_of(CROSS_BORDER) == added.refresh_token
    with pytest.raises(dataclasses.FrozenInstanceError):
        added.access_token = "x"  # type: ignore[misc]


def test_the_default_seller_is_the_constructors_and_comes_first(emulator):
    first, second = emulator.sellers()

    assert (first.open_id, first.seller_name, first.seller_base_region) == (
        DEFAULT_OPEN_ID,
        "Emulator Seller",
        "GB",
    )
    assert (first.access_token, first.refresh_token) == (DEFAULT_ACCESS_TOKEN, DEFAULT_REFRESH_TOKEN)
    assert first.shops == (AuthorizedShop(DEFAULT_SHOP_CIPHER),)
    assert second.open_id == CROSS_BORDER
    assert emulator.access_token_of(DEFAULT_OPEN_ID) == emulator.access_token


def test_given_tokens_and_profile_are_kept(tiktok_emulator):
    seller = tiktok_emulator.add_seller(
        "local-2",
        [AuthorizedShop("TH_cipher", region="TH")],
        seller_name="Thai shop owner",
        seller_base_region="TH",
        access_token="th-access",
        refresh_token="th-refresh",
    )

    assert (seller.access_token, seller.refresh_token, seller.seller_base_region) == (
        "th-access",
        "th-refresh",
        "TH",
    )
    assert ciphers(client(tiktok_emulator, "th-access")) == ["TH_cipher"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"open_id": DEFAULT_OPEN_ID, "shops": [AuthorizedShop("new")]}, "exists already"),
        ({"open_id": "x", "shops": [AuthorizedShop(DEFAULT_SHOP_CIPHER)]}, "belongs to seller"),
        ({"open_id": "x", "shops": [GB]}, "belongs to seller 'cross-border-open-id'"),
        ({"open_id": "x", "shops": []}, "at least one shop"),
        ({"open_id": "x", "shops": [AuthorizedShop("a"), AuthorizedShop("a")]}, "share a cipher"),
        ({"open_id": "x", "shops": [AuthorizedShop("a")], "access_token": DEFAULT_ACCESS_TOKEN}, "access token"),
        ({"open_id": "x", "shops": [AuthorizedShop("a")], "refresh_token": DEFAULT_REFRESH_TOKEN}, "refresh token"),
    ],
)  # fmt: skip
def test_a_seller_that_would_clash_is_refused_and_nothing_changes(emulator, arguments, message):
    before = emulator.sellers()
    options = dict(arguments)

    with pytest.raises(ValueError, match=message):
        emulator.add_seller(options.pop("open_id"), options.pop("shops"), **options)

    assert emulator.sellers() == before


def test_unknown_sellers_are_refused(emulator):
    for call in (
        lambda: emulator.issue_auth_code(seller="nobody"),
        lambda: emulator.authorized_shops("nobody"),
        lambda: emulator.access_token_of("nobody"),
        lambda: emulator.refresh_token_of("nobody"),
        lambda: emulator.issue_refresh_token(seller="nobody"),
    ):
        with pytest.raises(ValueError, match="no seller with open_id 'nobody'"):
            call()


# --- each token, its own shops ----------------------------------------------------------------------------


def test_each_token_lists_only_its_sellers_shops(emulator):
    assert ciphers(cross_border(emulator, None)) == [GB.cipher, FR.cipher]
    assert ciphers(default(emulator, None)) == [DEFAULT_SHOP_CIPHER]
    listed = cross_border(emulator, None).authorization.get_authorized_shops()
    assert [(shop.id, shop.region, shop.seller_type) for shop in listed] == [
        ("7001", "GB", "CROSS_BORDER"),
        ("7002", "FR", "CROSS_BORDER"),
    ]


def test_a_cross_border_token_approves_in_each_of_its_shops(emulator):
    assert approval_code(cross_border(emulator, GB.cipher)) == 0
    assert approval_code(cross_border(emulator, FR.cipher), OTHER) == 0
    assert emulator.approvals() == {PENDING: 1, OTHER: 1}


@pytest.mark.parametrize(
    ("who", "shop_cipher"),
    [("cross_border", DEFAULT_SHOP_CIPHER), ("default", GB.cipher), ("default", FR.cipher)],
)
def test_another_sellers_shop_is_a_token_shop_mismatch(emulator, who, shop_cipher):
    shop_client = {"cross_border": cross_border, "default": default}[who](emulator, shop_cipher)

    approval = refused(shop_client.return_refund.approve_cancellation, PENDING, {"idempotency_key": "k1"})
    found = refused(shop_client.return_refund.find_cancellation, PENDING)

    for error in (approval, found):
        assert (error.code, error.http_status, error.retryable) == (101000, 200, False)
        assert "shop" in error.message
    assert emulator.cancellation_state(PENDING) == "pending"
    assert emulator.approvals() == {}
    assert [call.code for call in emulator.recorder.calls] == [101000, 101000]  # not retried


def test_the_mismatch_is_tiktoks_envelope(emulator):
    reply = Shop(emulator).approve(PENDING, query={"shop_cipher": GB.cipher})

    body = reply.json()
    assert (reply.status, body["code"], body["data"]) == (200, 101000, None)
    assert body["message"]
    assert body["request_id"]


@pytest.mark.parametrize("who", ["cross_border", "default"])
def test_a_cipher_no_seller_has_stays_invalid_credentials(emulator, who):
    shop_client = {"cross_border": cross_border, "default": default}[who](emulator, "ROW_nobodys_cipher")

    assert approval_code(shop_client, PENDING) == 36009004
    assert lookup_code(shop_client, PENDING) == 36009004


def test_a_token_shop_mismatch_is_checked_after_the_token_and_the_sign(emulator):
    expired = emulator.access_token_of(CROSS_BORDER)
    emulator.expire_token(expired)
    shop = Shop(emulator)

    to_default_shop = {"shop_cipher": DEFAULT_SHOP_CIPHER}
    assert (
        shop.approve(PENDING, query=to_default_shop, headers={"x-tts-access-token": expired}).code == 105002
    )
    assert shop.approve(PENDING, query={"shop_cipher": GB.cipher, "sign": "0" * 64}).code == 106001


# --- authorization codes and refreshes, per seller --------------------------------------------------------


def test_an_auth_code_yields_its_sellers_tokens(emulator):
    code = emulator.issue_auth_code(seller=CROSS_BORDER)

    grant = client(emulator, "unused").auth.get_access_token(code)

    assert (grant.open_id, grant.seller_name, grant.seller_base_region) == (
        CROSS_BORDER,
        "Cross-border seller",
        "GB",
    )
    assert emulator.access_token_of(CROSS_BORDER) == grant.access_token
    assert emulator.refresh_token_of(CROSS_BORDER) == grant.refresh_token
    assert ciphers(client(emulator, grant.access_token)) == [GB.cipher, FR.cipher]
    # The default seller's tokens are untouched.
    assert (emulator.access_token, emulator.refresh_token) == (DEFAULT_ACCESS_TOKEN, DEFAULT_REFRESH_TOKEN)


def test_an_auth_code_without_a_seller_is_the_default_sellers(emulator):
    grant = client(emulator, "unused").auth.get_access_token(emulator.issue_auth_code())

    assert grant.open_id == DEFAULT_OPEN_ID
    assert emulator.access_token == grant.access_token
    assert ciphers(client(emulator, grant.access_token)) == [DEFAULT_SHOP_CIPHER]


def test_a_refresh_keeps_the_seller(emulator):
    old_access, old_refresh = emulator.access_token_of(CROSS_BORDER), emulator.refresh_token_of(CROSS_BORDER)

    grant = client(emulator, "unused").auth.refresh_access_token(old_refresh)

    assert grant.open_id == CROSS_BORDER
    assert grant.seller_name == "Cross-border seller"
    assert (emulator.access_token_of(CROSS_BORDER), emulator.refresh_token_of(CROSS_BORDER)) == (
        grant.access_token,
        grant.refresh_token,
    )
    assert ciphers(client(emulator, grant.access_token)) == [GB.cipher, FR.cipher]
    assert ciphers(client(emulator, old_access)) == [GB.cipher, FR.cipher]  # valid until it expires
    assert approval_code(client(emulator, grant.access_token, DEFAULT_SHOP_CIPHER)) == 101000
    # The default seller's refresh token still refreshes the default seller.
    assert (
        client(emulator, "unused").auth.refresh_access_token(DEFAULT_REFRESH_TOKEN).open_id == DEFAULT_OPEN_ID
    )


def test_expiring_one_sellers_token_leaves_the_others_working(emulator):
    emulator.expire_token(emulator.access_token_of(CROSS_BORDER))

    error = refused(cross_border(emulator).return_refund.approve_cancellation, PENDING)
    assert (error.code, error.token_expired) == (105002, True)
    assert approval_code(default(emulator)) == 0


def test_expire_token_without_a_token_is_the_default_sellers(emulator):
    emulator.expire_token()

    assert approval_code(default(emulator)) == 105002
    assert approval_code(cross_border(emulator)) == 0


def test_expiring_one_sellers_refresh_token_leaves_the_others_working(emulator):
    emulator.expire_refresh_token(emulator.refresh_token_of(CROSS_BORDER))

    error = refused(
        client(emulator, "unused").auth.refresh_access_token, emulator.refresh_token_of(CROSS_BORDER)
    )
    assert error.code == 36004005
    assert (
        client(emulator, "unused").auth.refresh_access_token(emulator.refresh_token).open_id
        == DEFAULT_OPEN_ID
    )


def test_an_issued_refresh_token_is_its_sellers(emulator):
    token = emulator.issue_refresh_token(seller=CROSS_BORDER)

    assert emulator.refresh_token_of(CROSS_BORDER) == token
    assert emulator.refresh_token == DEFAULT_REFRESH_TOKEN
    assert client(emulator, "unused").auth.refresh_access_token(token).open_id == CROSS_BORDER


def test_a_token_belongs_to_one_seller(emulator):
    emulator.add_access_token("cb-extra", seller=CROSS_BORDER)

    assert emulator.access_token_of(CROSS_BORDER) == "cb-extra"
    assert ciphers(client(emulator, "cb-extra")) == [GB.cipher, FR.cipher]
    with pytest.raises(ValueError, match="belongs to seller 'cross-border-open-id'"):
        emulator.add_access_token("cb-extra")
    assert emulator.access_token == DEFAULT_ACCESS_TOKEN


# --- authorizations change: shops removed and moved -------------------------------------------------------


def test_a_shop_removed_from_an_authorization_is_a_mismatch(emulator):
    emulator.set_authorized_shops([GB], seller=CROSS_BORDER)

    assert ciphers(cross_border(emulator, None)) == [GB.cipher]
    assert approval_code(cross_border(emulator, FR.cipher)) == 101000
    assert lookup_code(cross_border(emulator, FR.cipher)) == 101000
    assert approval_code(cross_border(emulator, GB.cipher)) == 0
    # Now no seller's shop, and never the default seller's: unknown to the default seller's token.
    assert approval_code(default(emulator, FR.cipher), OTHER) == 36009004


def test_a_shop_authorized_again_works_again(emulator):
    emulator.set_authorized_shops([GB], seller=CROSS_BORDER)
    emulator.set_authorized_shops([GB, FR], seller=CROSS_BORDER)

    assert approval_code(cross_border(emulator, FR.cipher)) == 0


def test_a_shop_moved_to_another_seller_answers_to_that_sellers_token(emulator):
    emulator.set_authorized_shops([GB], seller=CROSS_BORDER)
    emulator.set_authorized_shops([AuthorizedShop(DEFAULT_SHOP_CIPHER), FR])

    assert approval_code(default(emulator, FR.cipher)) == 0
    assert approval_code(cross_border(emulator, FR.cipher), OTHER) == 101000


def test_a_shop_of_another_seller_cannot_be_authorized(emulator):
    with pytest.raises(ValueError, match="belongs to seller 'cross-border-open-id'"):
        emulator.set_authorized_shops([AuthorizedShop(DEFAULT_SHOP_CIPHER), GB])

    assert emulator.authorized_shops() == [AuthorizedShop(DEFAULT_SHOP_CIPHER)]


def test_the_default_sellers_removed_shop_is_a_mismatch_too(emulator):
    emulator.set_authorized_shops([AuthorizedShop("ROW_new_cipher")])

    assert approval_code(default(emulator)) == 101000
    assert approval_code(default(emulator, "ROW_new_cipher")) == 0


# --- cancellations that belong to a shop ------------------------------------------------------------------


def test_a_shops_cancellation_is_no_other_shops_to_approve(emulator):
    emulator.seed({PENDING: "pending"}, shop_cipher=FR.cipher)

    error = refused(cross_border(emulator, GB.cipher).return_refund.approve_cancellation, PENDING)
    assert error.code == 25020005  # as the "other_seller" state answers
    assert approval_code(default(emulator)) == 25020005
    assert emulator.cancellation_state(PENDING) == "pending"
    assert emulator.approvals() == {}
    assert approval_code(cross_border(emulator, FR.cipher)) == 0
    assert emulator.approvals() == {PENDING: 1}


def test_a_shops_cancellation_is_listed_for_that_shop_only(emulator):
    emulator.seed({PENDING: "pending"}, shop_cipher=FR.cipher)

    def listed(shop_client: TikTokShopClient) -> list[str]:
        page = shop_client.return_refund.search_cancellations(page_size=50)
        return sorted(cancellation.cancel_id for cancellation in page.cancellations)

    assert listed(cross_border(emulator, FR.cipher)) == [PENDING, OTHER]
    assert listed(cross_border(emulator, GB.cipher)) == [OTHER]  # OTHER belongs to no shop: any shop's
    assert listed(default(emulator)) == [OTHER]
    assert cross_border(emulator, GB.cipher).return_refund.find_cancellation(PENDING) is None


def test_seeding_again_without_a_shop_makes_it_any_shops(emulator):
    emulator.seed({PENDING: "pending"}, shop_cipher=FR.cipher)
    emulator.seed({PENDING: "pending"})

    assert approval_code(default(emulator)) == 0


def test_a_cancellation_cannot_belong_to_a_shop_no_seller_has(emulator):
    with pytest.raises(ValueError, match="'ROW_nowhere' is no seller's shop"):
        emulator.seed({"5760001000000000003": "pending"}, shop_cipher="ROW_nowhere")
    assert emulator.cancellation_state("5760001000000000003") is None


def test_an_unknown_cancellation_is_not_found_whatever_the_shop(emulator):
    assert approval_code(cross_border(emulator, FR.cipher), "5760009") == 25007006


# --- the seed format --------------------------------------------------------------------------------------

SEED = {
    "cancellations": {"5760001000000000009": "pending"},
    "sellers": [
        {
            "open_id": CROSS_BORDER,
            "seller_name": "Cross-border seller",
            "access_token": "cb-access",
            "shops": [
                {"cipher": GB.cipher, "id": "7001", "name": "CB GB shop", "region": "GB",
                 "seller_type": "CROSS_BORDER", "code": "GBCB1",
                 "cancellations": {PENDING: "pending", "5760001000000000003": "shipped"}},
                {"cipher": FR.cipher, "region": "FR", "cancellations": {OTHER: "pending"}},
            ],
        },
        {"open_id": "local-th", "shops": [{"cipher": "TH_cipher", "region": "TH"}]},
    ],
}  # fmt: skip


def seed_file(tmp_path, content) -> str:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(content))
    return str(path)


def test_seed_file_sellers_their_shops_and_cancellations(tmp_path):
    with TikTokEmulator.from_seed_file(seed_file(tmp_path, SEED)) as emulator:
        default_seller, cb, th = emulator.sellers()

        assert default_seller.open_id == DEFAULT_OPEN_ID
        assert (cb.access_token, cb.seller_base_region) == ("cb-access", "GB")
        assert cb.refresh_token.startswith("ROW_refresh_")
        assert [shop.cipher for shop in cb.shops] == [GB.cipher, FR.cipher]
        assert cb.shops[0] == AuthorizedShop(GB.cipher, "7001", "CB GB shop", "GB", "CROSS_BORDER", "GBCB1")
        assert (th.seller_name, th.seller_base_region) == ("Emulator seller local-th", "TH")
        assert emulator.cancellations() == {
            "5760001000000000009": "pending",
            PENDING: "pending",
            "5760001000000000003": "shipped",
            OTHER: "pending",
        }
        assert approval_code(client(emulator, "cb-access", FR.cipher)) == 25020005
        assert approval_code(client(emulator, "cb-access", GB.cipher)) == 0
        assert approval_code(client(emulator, th.access_token, "TH_cipher"), "5760001000000000009") == 0


def test_reset_brings_back_the_seed_files_sellers_with_their_tokens(tmp_path):
    with TikTokEmulator.from_seed_file(seed_file(tmp_path, SEED)) as emulator:
        before = emulator.sellers()
        grant = client(emulator, "unused").auth.refresh_access_token(before[1].refresh_token)
        emulator.add_seller("runtime-seller", [AuthorizedShop("RT_cipher")])
        emulator.set_authorized_shops([GB], seller=CROSS_BORDER)
        client(emulator, "cb-access", GB.cipher).return_refund.approve_cancellation(PENDING)

        emulator.reset()

        assert emulator.sellers() == before
        assert emulator.cancellation_state(PENDING) == "pending"
        assert approval_code(client(emulator, grant.access_token, GB.cipher)) == 36009004
        assert approval_code(client(emulator, "cb-access", FR.cipher)) == 25020005  # GB's again
        assert approval_code(client(emulator, "cb-access", FR.cipher), OTHER) == 0


def test_explicit_cancellations_win_over_a_seed_file_sellers(tmp_path):
    with TikTokEmulator(seed_file=seed_file(tmp_path, SEED), cancellations={PENDING: "approved"}) as emulator:
        assert emulator.cancellation_state(PENDING) == "approved"
        # Named by the arguments, it belongs to no shop: another shop sees it.
        assert client(emulator, "cb-access", FR.cipher).return_refund.find_cancellation(PENDING) is not None


def seller(**changes) -> dict:
    return {"open_id": "s1", "shops": [{"cipher": "C1"}], **changes}


@pytest.mark.parametrize(
    ("sellers", "message"),
    [
        ({}, "sellers must be a list"),
        (["s1"], r"sellers\[0\] must be an object"),
        ([{"shops": [{"cipher": "C1"}]}], r"sellers\[0\] needs an open_id"),
        ([seller(open_id="")], r"sellers\[0\]: open_id must be a non-empty string"),
        ([seller(nickname="x")], r"sellers\[0\] has unknown keys \['nickname'\]"),
        ([seller(access_token=5)], r"sellers\[0\]: access_token must be a non-empty string"),
        ([seller(shops=[])], r"sellers\[0\] \(s1\): shops must be a non-empty list"),
        ([seller(shops=[{"name": "no cipher"}])], r"sellers\[0\] \(s1\): shops\[0\] needs a cipher"),
        ([seller(shops=[{"cipher": "C1", "owner": "x"}])], r"sellers\[0\] \(s1\): shops\[0\] has unknown keys"),
        ([seller(shops=[{"cipher": "C1", "cancellations": {"1": "lost"}}])],
         r"sellers\[0\] \(s1\): shops\[0\] \(C1\): state of 1 must be one of"),
        ([seller(shops=[{"cipher": "C1", "cancellations": ["1"]}])], r"shops\[0\] \(C1\): cancellations must be an object"),
        ([seller(), seller()], "two sellers cannot share the open_id 's1'"),
        ([seller(), seller(open_id="s2")], "two sellers cannot share the shop cipher 'C1'"),
        ([seller(access_token="t"), seller(open_id="s2", shops=[{"cipher": "C2"}], access_token="t")],
         "two sellers cannot share the access_token$"),
        ([seller(shops=[{"cipher": "C1", "cancellations": {"5760001000000000009": "pending"}}])],
         "cancel_id 5760001000000000009 is seeded twice: in cancellations and in the shop C1 of seller s1"),
        ([seller(shops=[{"cipher": "C1", "cancellations": {"7": "pending"}}, {"cipher": "C2", "cancellations": {"7": "shipped"}}])],
         "cancel_id 7 is seeded twice: in the shop C1 of seller s1 and in the shop C2 of seller s1"),
    ],
)  # fmt: skip
def test_bad_sellers_in_a_seed_file_are_refused_naming_the_entry(tmp_path, sellers, message):
    content = {"cancellations": {"5760001000000000009": "pending"}, "sellers": sellers}

    with pytest.raises(ValueError, match=message) as raised:
        TikTokEmulator(seed_file=seed_file(tmp_path, content))

    assert "seed file" in str(raised.value)


def test_a_seed_file_seller_clashing_with_the_default_one_is_refused(tmp_path):
    content = {"sellers": [seller(shops=[{"cipher": DEFAULT_SHOP_CIPHER}])]}

    with pytest.raises(ValueError, match="belongs to seller 'emulator-open-id'"):
        TikTokEmulator(seed_file=seed_file(tmp_path, content))


# --- the controls over HTTP --------------------------------------------------------------------------------


def test_controls_add_and_list_sellers(emulator):
    shop = {"cipher": "US_cipher", "region": "US", "cancellations": {"5760001000000000005": "pending"}}
    seller = {"open_id": "admin-seller", "seller_base_region": "US", "shops": [shop]}  # the seed format's

    status, [added] = control(emulator, "add_sellers", {"sellers": [seller]})

    assert status == 200
    assert added["open_id"] == "admin-seller"
    assert (added["seller_name"], added["seller_base_region"]) == ("Emulator seller admin-seller", "US")
    assert added["shops"] == [AuthorizedShop("US_cipher", region="US").to_json()]
    assert added["access_token"] == emulator.access_token_of("admin-seller")
    assert added["refresh_token"] == emulator.refresh_token_of("admin-seller")
    status, listed = control(emulator, "sellers")
    assert status == 200
    assert [s["open_id"] for s in listed] == [DEFAULT_OPEN_ID, CROSS_BORDER, "admin-seller"]
    assert listed[2] == added
    assert control(emulator, "seller", {"open_id": "admin-seller"}) == (200, added)
    us = client(emulator, added["access_token"], "US_cipher")
    assert approval_code(us, "5760001000000000005") == 0
    assert approval_code(default(emulator), "5760001000000000005") == 25020005


def test_the_add_seller_control_takes_the_shops_of_get_authorized_shops(emulator):
    status, added = control(
        emulator, "add_seller", {"open_id": "one", "shops": [{"cipher": "ONE"}], "seller_name": "One"}
    )

    assert status == 200
    assert (added["seller_name"], added["shops"]) == ("One", [AuthorizedShop("ONE").to_json()])
    assert [shop.cipher for shop in emulator.authorized_shops("one")] == ["ONE"]


@pytest.mark.parametrize(
    ("sellers", "message"),
    [
        ([[]], r"add_sellers: sellers\[0\] must be an object"),
        ({"open_id": "n"}, "add_sellers: sellers must be a list"),
        ([{"shops": [{"cipher": "X"}]}], r"sellers\[0\] needs an open_id"),
        ([{"open_id": "n", "shops": [{"cipher": "X", "bad": "y"}]}], r"sellers\[0\] \(n\): shops\[0\] has unknown keys"),
        ([{"open_id": "cross-border-open-id", "shops": [{"cipher": "X"}]}], "add_sellers: a seller with open_id 'cross-border-open-id' exists already"),
        ([{"open_id": "n", "shops": [{"cipher": "GB_cb_cipher"}]}], "belongs to seller 'cross-border-open-id'"),
    ],
)  # fmt: skip
def test_controls_refuse_bad_sellers(emulator, sellers, message):
    before = emulator.sellers()

    status, answer = control(emulator, "add_sellers", {"sellers": sellers})

    assert status == 400
    assert re.search(message, answer["error"]), answer
    assert emulator.sellers() == before


def test_controls_auth_code_and_refresh_token_per_seller(emulator):
    status, code = control(emulator, "issue_auth_code", {"seller": CROSS_BORDER})
    assert status == 200
    data = token_call(emulator, GET_TOKEN, auth_code=code).json()["data"]
    assert data["open_id"] == CROSS_BORDER

    assert control(emulator, "refresh_token_of", {"seller": CROSS_BORDER}) == (200, data["refresh_token"])
    expire_in = control(emulator, "refresh_token_expire_in", {"token": data["refresh_token"]})
    assert expire_in == (200, data["refresh_token_expire_in"])

    status, issued = control(emulator, "issue_refresh_token", {"seller": CROSS_BORDER, "lifetime": 60})
    assert status == 200
    assert emulator.refresh_token_of(CROSS_BORDER) == issued
    assert emulator.refresh_token == DEFAULT_REFRESH_TOKEN

    assert control(emulator, "expire_refresh_token", {"seller": CROSS_BORDER}) == (200, None)
    assert token_call(emulator, REFRESH, refresh_token=issued).json()["code"] == 36004005
    assert token_call(emulator, REFRESH, refresh_token=DEFAULT_REFRESH_TOKEN).json()["code"] == 0


def test_controls_expire_and_add_access_tokens_per_seller(emulator):
    assert control(emulator, "expire_token", {"seller": CROSS_BORDER}) == (200, None)
    assert approval_code(cross_border(emulator)) == 105002
    assert approval_code(default(emulator)) == 0

    assert control(emulator, "add_access_token", {"token": "cb-new", "seller": CROSS_BORDER}) == (200, None)
    assert control(emulator, "access_token_of", {"seller": CROSS_BORDER}) == (200, "cb-new")
    assert approval_code(cross_border(emulator, FR.cipher), OTHER) == 0


def test_controls_read_and_replace_a_sellers_shops(emulator):
    assert control(emulator, "authorized_shops", {"seller": CROSS_BORDER}) == (
        200,
        [GB.to_json(), FR.to_json()],
    )

    status, _ = control(emulator, "set_authorized_shops", {"seller": CROSS_BORDER, "shops": [GB.to_json()]})

    assert status == 200
    assert control(emulator, "authorized_shops", {"seller": CROSS_BORDER}) == (200, [GB.to_json()])
    assert approval_code(cross_border(emulator, FR.cipher)) == 101000
    assert control(emulator, "authorized_shops") == (200, [AuthorizedShop(DEFAULT_SHOP_CIPHER).to_json()])


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("issue_auth_code", {"seller": "nobody"}, "no seller with open_id 'nobody'"),
        ("refresh_token_of", {"seller": "nobody"}, "no seller with open_id 'nobody'"),
        ("authorized_shops", {"seller": 5}, "authorized_shops: seller must be str | None, got 5"),
        ("set_authorized_shops", {"seller": CROSS_BORDER, "shops": [{"cipher": DEFAULT_SHOP_CIPHER}]}, "belongs to seller 'emulator-open-id'"),
        ("expire_token", {"seller": CROSS_BORDER, "token": "x"}, "give token or seller, not both"),
        ("expire_refresh_token", {"seller": CROSS_BORDER, "token": "x"}, "give token or seller, not both"),
        ("add_access_token", {"token": DEFAULT_ACCESS_TOKEN, "seller": CROSS_BORDER}, "belongs to seller 'emulator-open-id'"),
        ("seed", {"cancellations": {PENDING: "shipped"}, "shop_cipher": "ROW_nowhere"}, "shop_cipher 'ROW_nowhere' is no seller's shop"),
        ("seed", {"sellers": [{"open_id": "n", "shops": [{"cipher": GB.cipher}]}], "cancellations": {PENDING: "shipped"}}, "seed: the shop cipher 'GB_cb_cipher' belongs"),
        ("seed", {"sellers": [{"open_id": CROSS_BORDER, "shops": [{"cipher": "X", "cancellations": {PENDING: "shipped"}}]}]}, "seller cross-border-open-id exists and has no shop X"),
        ("seed", {"cancellations": {PENDING: "shipped"}, "sellers": [{"open_id": "n", "shops": [{"cipher": "N", "cancellations": {PENDING: "pending"}}]}]}, f"cancel_id {PENDING} is seeded twice"),
    ],
)  # fmt: skip
def test_controls_refuse_bad_seller_arguments_and_change_nothing(emulator, name, arguments, message):
    before = (emulator.sellers(), emulator.cancellations())

    status, answer = control(emulator, name, arguments)

    assert status == 400
    assert message in answer["error"]
    assert (emulator.sellers(), emulator.cancellations()) == before


def test_the_seed_control_with_a_shop_cipher_and_sellers(emulator):
    arguments = {
        "cancellations": {"5760001000000000007": "pending"},
        "shop_cipher": "NEW_cipher",  # a shop of a seller in the same seed
        "sellers": [
            {"open_id": "new-seller", "shops": [{"cipher": "NEW_cipher", "cancellations": {"5760001000000000008": "pending"}}]},
            {"open_id": CROSS_BORDER, "shops": [{"cipher": FR.cipher, "cancellations": {"5760001000000000006": "pending"}}]},
        ],
    }  # fmt: skip

    assert control(emulator, "seed", arguments) == (200, None)

    # The cross-border seller exists: only its shop's cancellations are seeded.
    assert [s.open_id for s in emulator.sellers()] == [DEFAULT_OPEN_ID, CROSS_BORDER, "new-seller"]
    assert {"5760001000000000006", "5760001000000000007", "5760001000000000008"} <= set(
        emulator.cancellations()
    )
    new_client = client(emulator, emulator.access_token_of("new-seller"), "NEW_cipher")
    assert approval_code(new_client, "5760001000000000007") == 0
    assert approval_code(new_client, "5760001000000000008") == 0
    assert approval_code(cross_border(emulator, GB.cipher), "5760001000000000006") == 25020005
    assert approval_code(cross_border(emulator, FR.cipher), "5760001000000000006") == 0


def test_seeding_the_seed_file_again_seeds_its_sellers_cancellations(tmp_path):
    with TikTokEmulator.from_seed_file(seed_file(tmp_path, SEED)) as emulator:
        sellers = emulator.sellers()
        client(emulator, "cb-access", GB.cipher).return_refund.approve_cancellation(PENDING)

        assert control(emulator, "seed", SEED) == (200, None)  # what `make local-seed` sends

        assert emulator.sellers() == sellers
        assert emulator.cancellation_state(PENDING) == "pending"
        assert approval_code(client(emulator, "cb-access", FR.cipher)) == 25020005  # still GB's


def test_the_reset_control_removes_added_sellers(emulator):
    assert control(emulator, "reset") == (200, None)

    assert [s.open_id for s in emulator.sellers()] == [DEFAULT_OPEN_ID]
    assert approval_code(client(emulator, "stale", GB.cipher)) == 36009004


# --- the local stack's client (local_stack.tiktok_admin.TikTokAdmin) ---------------------------------------


def test_tiktok_admin_drives_sellers(emulator):
    tiktok = TikTokAdmin(emulator.url)

    added = tiktok.add_seller("admin-client", [{"cipher": "AC_cipher", "region": "DE"}], seller_name="AC")

    assert (added["open_id"], added["seller_name"], added["seller_base_region"]) == (
        "admin-client",
        "AC",
        "DE",
    )
    assert [s["open_id"] for s in tiktok.sellers()] == [DEFAULT_OPEN_ID, CROSS_BORDER, "admin-client"]
    assert [s["cipher"] for s in tiktok.authorized_shops("admin-client")] == ["AC_cipher"]
    assert [s["cipher"] for s in tiktok.authorized_shops()] == [DEFAULT_SHOP_CIPHER]

    grant = first_authorization(tiktok, emulator.app_key, emulator.app_secret, seller=CROSS_BORDER)
    assert grant["open_id"] == CROSS_BORDER
    assert tiktok.refresh_token_of(CROSS_BORDER) == grant["refresh_token"]
    assert tiktok.refresh_token_of() == DEFAULT_REFRESH_TOKEN

    tiktok.seed({"5760001000000000004": "pending"}, shop_cipher="AC_cipher")
    assert approval_code(default(emulator), "5760001000000000004") == 25020005

    tiktok.set_authorized_shops(
        [AuthorizedShop("AC_cipher"), {"cipher": "AC2_cipher"}], seller="admin-client"
    )
    assert [shop.cipher for shop in emulator.authorized_shops("admin-client")] == ["AC_cipher", "AC2_cipher"]

    tiktok.expire_token(seller="admin-client")
    ac = client(emulator, added["access_token"], "AC_cipher")
    assert approval_code(ac, "5760001000000000004") == 105002
    tiktok.expire_refresh_token(seller="admin-client")
    assert token_call(emulator, REFRESH, refresh_token=added["refresh_token"]).json()["code"] == 36004005
    assert token_call(emulator, REFRESH, refresh_token=DEFAULT_REFRESH_TOKEN).json()["code"] == 0


# --- search, signed by hand ----------------------------------------------------------------------------


def test_search_signed_by_hand_sees_the_same(emulator):
    """The emulator's own signing, no project client: the mismatch and the ownership hold on the wire."""
    emulator.seed({PENDING: "pending"}, shop_cipher=FR.cipher)
    shop = Shop(emulator)
    cb_token = {"x-tts-access-token": emulator.access_token_of(CROSS_BORDER)}

    mine = search(shop, {}, query={"shop_cipher": FR.cipher}, headers=cb_token).json()
    theirs = search(shop, {}, query={"shop_cipher": FR.cipher}).json()
    by_gb = search(shop, {}, query={"shop_cipher": GB.cipher}, headers=cb_token).json()

    assert sorted(c["cancel_id"] for c in mine["data"]["cancellations"]) == [PENDING, OTHER]
    assert (theirs["code"], theirs["data"]) == (101000, None)
    assert [c["cancel_id"] for c in by_gb["data"]["cancellations"]] == [OTHER]

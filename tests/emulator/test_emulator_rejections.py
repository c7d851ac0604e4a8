"""Each check the approve endpoint makes, in TikTok's order, and that a rejection changes nothing."""

import pytest
from emulator_http import Shop, approve_path
from tiktok_emulator import TikTokEmulator

PENDING = "5760001"
NOW = 1_800_000_000


@pytest.fixture
def pending(tiktok_emulator):
    tiktok_emulator.seed({PENDING: "pending"})
    return PENDING


def assert_rejected(reply, code, tiktok_emulator, http_status=200):
    body = reply.json()
    assert (reply.status, body["code"]) == (http_status, code), body
    assert body["data"] is None
    assert body["message"]
    assert body["request_id"]
    assert tiktok_emulator.cancellation_state(PENDING) == "pending"


def test_unknown_path_is_404_invalid_path(shop, tiktok_emulator, pending):
    path = "/return_refund/202309/cancellations/5760001/approved"

    reply = shop.send("POST", path, query=shop.query(path))

    assert_rejected(reply, 36009009, tiktok_emulator, http_status=404)


def test_wrong_api_version_is_an_unknown_path(shop, tiktok_emulator, pending):
    path = "/return_refund/202206/cancellations/5760001/approve"

    reply = shop.send("POST", path, query=shop.query(path))

    assert_rejected(reply, 36009009, tiktok_emulator, http_status=404)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_known_path_with_wrong_method_is_405(shop, tiktok_emulator, pending, method):
    reply = shop.approve(PENDING, method=method)

    assert_rejected(reply, 36009010, tiktok_emulator, http_status=405)


@pytest.mark.parametrize("app_key", [None, "", "another-app"])
def test_missing_or_unknown_app_key(shop, tiktok_emulator, pending, app_key):
    reply = shop.approve(PENDING, query={"app_key": app_key})

    assert_rejected(reply, 36009004, tiktok_emulator)
    assert "app_key" in reply.json()["message"]


@pytest.mark.parametrize("timestamp", [None, "", "abc", "1.5", "-1", " 123", "1_800_000_000", "9" * 5000])
def test_malformed_timestamp(shop, tiktok_emulator, pending, timestamp):
    reply = shop.approve(PENDING, query={"timestamp": timestamp})

    assert_rejected(reply, 36009004, tiktok_emulator)
    assert "timestamp" in reply.json()["message"]


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [(-301, False), (-300, True), (0, True), (30, True), (31, False)],
)
def test_timestamp_window_is_5_minutes_back_and_30_seconds_ahead(offset, accepted):
    with TikTokEmulator(cancellations={PENDING: "pending"}, clock=lambda: float(NOW)) as emulator:
        reply = Shop(emulator).approve(PENDING, query={"timestamp": str(NOW + offset)})

        assert reply.code == (0 if accepted else 36009004)


@pytest.mark.parametrize("token", [None, "", "someone-elses-token"])
def test_missing_or_unknown_access_token(shop, tiktok_emulator, pending, token):
    reply = shop.approve(PENDING, headers={"x-tts-access-token": token})

    assert_rejected(reply, 36009004, tiktok_emulator)


def test_token_in_the_query_instead_of_the_header_is_missing(shop, tiktok_emulator, pending):
    reply = shop.approve(
        PENDING, query={"access_token": tiktok_emulator.access_token}, headers={"x-tts-access-token": None}
    )

    assert_rejected(reply, 36009004, tiktok_emulator)


def test_expired_token_answers_105002_until_a_new_one_is_used(shop, tiktok_emulator, pending):
    old_token = tiktok_emulator.access_token
    tiktok_emulator.expire_token()

    assert_rejected(shop.approve(PENDING), 105002, tiktok_emulator)

    tiktok_emulator.add_access_token("refreshed-token")

    assert tiktok_emulator.access_token == "refreshed-token"
    assert shop.approve(PENDING, headers={"x-tts-access-token": old_token}).code == 105002
    assert shop.approve(PENDING).code == 0


def test_revoked_token_is_unknown(shop, tiktok_emulator, pending):
    tiktok_emulator.revoke_token(tiktok_emulator.access_token)

    assert_rejected(shop.approve(PENDING), 36009004, tiktok_emulator)


@pytest.mark.parametrize("bad_sign", [None, "", "0" * 64, "not-hex-at-all-ü"])
def test_missing_or_wrong_sign(shop, tiktok_emulator, pending, bad_sign):
    reply = shop.approve(PENDING, query={"sign": bad_sign})

    assert_rejected(reply, 106001, tiktok_emulator)


def test_uppercase_hex_sign_is_rejected(shop, tiktok_emulator, pending):
    path = approve_path(PENDING)
    query = shop.query(path)
    query["sign"] = query["sign"].upper()

    assert_rejected(shop.send("POST", path, query=query), 106001, tiktok_emulator)


def test_sign_covers_every_parameter_and_the_body(shop, tiktok_emulator, pending):
    path = approve_path(PENDING)
    tampered_query = {**shop.query(path, {"idempotency_key": "a"}), "idempotency_key": "b"}

    assert_rejected(shop.send("POST", path, query=tampered_query), 106001, tiktok_emulator)
    assert_rejected(shop.send("POST", path, query=shop.query(path), body=b"{}"), 106001, tiktok_emulator)


def test_signed_body_is_accepted(shop, pending):
    assert shop.approve(PENDING, body=b'{"note": "x"}').code == 0


def test_percent_encoded_values_are_signed_decoded(shop, pending):
    assert shop.approve(PENDING, query={"idempotency_key": "a b/ü&=+%"}).code == 0


def test_missing_shop_cipher_is_106013(shop, tiktok_emulator, pending):
    assert_rejected(shop.approve(PENDING, query={"shop_cipher": None}), 106013, tiktok_emulator)


def test_unknown_shop_cipher_is_36009004(shop, tiktok_emulator, pending):
    assert_rejected(shop.approve(PENDING, query={"shop_cipher": "ROW_other"}), 36009004, tiktok_emulator)


def test_idempotency_key_longer_than_255_is_an_invalid_parameter(shop, tiktok_emulator, pending):
    assert_rejected(shop.approve(PENDING, query={"idempotency_key": "k" * 256}), 25001001, tiktok_emulator)
    assert shop.approve(PENDING, query={"idempotency_key": "k" * 255}).code == 0


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ({"app_key": "wrong", "timestamp": "0", "sign": "bad"}, {}, 36009004),  # app_key first
        ({"timestamp": "0", "sign": "bad"}, {"x-tts-access-token": None}, 36009004),
        (
            {"sign": "bad", "shop_cipher": None},
            {"x-tts-access-token": "expired"},
            105002,
        ),  # token before sign
        ({"sign": "bad", "shop_cipher": None}, {}, 106001),  # sign before shop_cipher
        ({"shop_cipher": None, "idempotency_key": "k" * 300}, {}, 106013),  # shop_cipher before the key
    ],
)
def test_checks_run_in_tiktoks_order(shop, tiktok_emulator, pending, query, headers, expected):
    tiktok_emulator.add_access_token("expired")
    tiktok_emulator.expire_token("expired")
    tiktok_emulator.add_access_token("valid")

    assert_rejected(shop.approve(PENDING, query=query, headers=headers), expected, tiktok_emulator)


def test_a_rejected_request_does_not_claim_its_idempotency_key(shop, pending):
    assert shop.approve(PENDING, query={"idempotency_key": "k1", "sign": "bad"}).code == 106001

    assert shop.approve(PENDING, query={"idempotency_key": "k1"}).code == 0


def test_fixed_clock_is_used_for_request_ids():
    with TikTokEmulator(clock=lambda: 1_623_812_664.0) as emulator:
        reply = Shop(emulator).approve(PENDING, query={"timestamp": "1623812664"})

    assert reply.json()["request_id"].startswith("20210616030424")

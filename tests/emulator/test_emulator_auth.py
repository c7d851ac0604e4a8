"""The auth host's token endpoints, Get Authorized Shops, and their controls over HTTP."""

import logging

import pytest
from emulator_http import Shop, control
from tiktok_emulator import DEFAULT_REFRESH_TOKEN, AuthorizedShop, TikTokEmulator

REFRESH = "/api/v2/token/refresh"
GET_TOKEN = "/api/v2/token/get"
SHOPS = "/authorization/202309/shops"
PENDING = "5760001"
DAY = 24 * 3600


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def token_call(emulator, path, overrides=None, method="GET"):
    query = {"app_key": emulator.app_key, "app_secret": emulator.app_secret}
    if path == REFRESH:
        query |= {"refresh_token": emulator.refresh_token, "grant_type": "refresh_token"}
    else:
        query["grant_type"] = "authorized_code"
    for key, value in (overrides or {}).items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return Shop(emulator).send(method, path, query=query, headers={"x-tts-access-token": None})


def list_shops(emulator, overrides=None, headers=None):
    shop = Shop(emulator)
    return shop.send(
        "GET", SHOPS, query=shop.query(SHOPS, {"shop_cipher": None, **(overrides or {})}), headers=headers
    )


def assert_refused(reply, code):
    body = reply.json()
    assert (reply.status, body["code"]) == (200, code), body
    assert body["data"] is None
    assert body["message"]
    assert body["request_id"]


# --- refresh ---------------------------------------------------------------------------------------------


def test_refresh_hands_out_new_tokens_with_absolute_expiry_times():
    clock = FakeClock()
    with TikTokEmulator(clock=clock) as emulator:
        authorization_expiry = emulator.refresh_token_expire_in()

        reply = token_call(emulator, REFRESH)

        body = reply.json()
        assert (reply.status, body["code"], body["message"]) == (200, 0, "success")
        data = body["data"]
        assert data["access_token"] not in (emulator.app_secret, "test-access-token")
        assert data["refresh_token"] != DEFAULT_REFRESH_TOKEN
        assert data["access_token_expire_in"] == int(clock.now) + 7 * DAY
        assert data["refresh_token_expire_in"] == authorization_expiry == int(clock.now) + 365 * DAY
        assert {"open_id", "seller_name", "seller_base_region", "user_type", "granted_scopes"} <= set(data)
        assert emulator.refresh_token == data["refresh_token"]
        assert emulator.access_token == data["access_token"]


def test_the_new_access_token_approves_and_the_old_one_still_does_until_it_expires(tiktok_emulator):
    tiktok_emulator.seed({PENDING: "pending", "5760002": "pending"})
    old_token = tiktok_emulator.access_token

    new_token = token_call(tiktok_emulator, REFRESH).json()["data"]["access_token"]

    shop = Shop(tiktok_emulator)
    assert shop.approve(PENDING, headers={"x-tts-access-token": new_token}).code == 0
    assert shop.approve("5760002", headers={"x-tts-access-token": old_token}).code == 0


def test_an_issued_access_token_expires_after_seven_days():
    clock = FakeClock()
    with TikTokEmulator(clock=clock, cancellations={PENDING: "pending"}) as emulator:
        token = token_call(emulator, REFRESH).json()["data"]["access_token"]
        clock.now += 7 * DAY

        reply = Shop(emulator).approve(PENDING, query={"timestamp": str(int(clock.now))},
                                       headers={"x-tts-access-token": token})  # fmt: skip

        assert reply.code == 105002


def test_a_refresh_token_works_once(tiktok_emulator):
    spent = tiktok_emulator.refresh_token
    assert token_call(tiktok_emulator, REFRESH).json()["code"] == 0

    reply = token_call(tiktok_emulator, REFRESH, {"refresh_token": spent})

    assert_refused(reply, 36004005)
    assert "already used" in reply.json()["message"]
    assert token_call(tiktok_emulator, REFRESH).json()["code"] == 0  # the new one works


def test_an_unknown_refresh_token_is_refused(tiktok_emulator):
    reply = token_call(tiktok_emulator, REFRESH, {"refresh_token": "never-issued"})

    assert_refused(reply, 36004005)
    assert reply.json()["message"] == "can not find related auth record"


def test_a_missing_refresh_token_is_refused(tiktok_emulator):
    assert_refused(token_call(tiktok_emulator, REFRESH, {"refresh_token": None}), 36004005)


def test_an_expired_refresh_token_is_refused_and_not_spent(tiktok_emulator):
    token = tiktok_emulator.refresh_token
    tiktok_emulator.expire_refresh_token()

    reply = token_call(tiktok_emulator, REFRESH)

    assert_refused(reply, 36004005)
    assert "expired" in reply.json()["message"]
    assert tiktok_emulator.refresh_token == token


def test_a_refresh_token_expires_with_the_authorization():
    clock = FakeClock()
    with TikTokEmulator(clock=clock) as emulator:
        clock.now += 365 * DAY
        assert_refused(token_call(emulator, REFRESH), 36004005)


@pytest.mark.parametrize(
    ("overrides", "code", "word"),
    [
        ({"app_secret": "wrong-secret"}, 36009004, "app_secret"),
        ({"app_secret": None}, 36009004, "app_secret"),
        ({"app_key": "another-app"}, 36009004, "app_key"),
        ({"app_key": None}, 36009004, "app_key"),
        ({"grant_type": "authorized_code"}, 11050001, "grant_type"),
        ({"grant_type": None}, 11050001, "grant_type"),
    ],
)
def test_refresh_refuses_wrong_app_credentials_and_grant_type(tiktok_emulator, overrides, code, word):
    token = tiktok_emulator.refresh_token

    reply = token_call(tiktok_emulator, REFRESH, overrides)

    assert_refused(reply, code)
    assert word in reply.json()["message"]
    assert "wrong-secret" not in reply.json()["message"]
    assert tiktok_emulator.refresh_token == token  # nothing spent


@pytest.mark.parametrize("path", [REFRESH, GET_TOKEN])
def test_token_endpoints_are_get_only(tiktok_emulator, path):
    reply = token_call(tiktok_emulator, path, method="POST")

    assert (reply.status, reply.json()["code"]) == (405, 36009010)
    assert "GET" in reply.json()["message"]


# --- authorization codes -----------------------------------------------------------------------------------


def test_an_authorization_code_buys_tokens_once(tiktok_emulator):
    code = tiktok_emulator.issue_auth_code()

    first = token_call(tiktok_emulator, GET_TOKEN, {"auth_code": code})
    second = token_call(tiktok_emulator, GET_TOKEN, {"auth_code": code})

    data = first.json()["data"]
    assert first.json()["code"] == 0
    assert data["refresh_token"] == tiktok_emulator.refresh_token
    assert Shop(tiktok_emulator).send("GET", SHOPS).status == 200
    assert_refused(second, 36004004)
    assert second.json()["message"] == "invalid auth code"


def test_an_authorization_code_lasts_thirty_minutes():
    clock = FakeClock()
    with TikTokEmulator(clock=clock) as emulator:
        code = emulator.issue_auth_code()
        clock.now += 30 * 60
        assert_refused(token_call(emulator, GET_TOKEN, {"auth_code": code}), 36004004)


def test_an_unknown_authorization_code_is_refused(tiktok_emulator):
    assert_refused(token_call(tiktok_emulator, GET_TOKEN, {"auth_code": "made-up"}), 36004004)


def test_get_token_refuses_a_wrong_app_secret_without_spending_the_code(tiktok_emulator):
    code = tiktok_emulator.issue_auth_code()

    assert_refused(token_call(tiktok_emulator, GET_TOKEN, {"auth_code": code, "app_secret": "x"}), 36009004)
    assert token_call(tiktok_emulator, GET_TOKEN, {"auth_code": code}).json()["code"] == 0


def test_token_calls_are_logged_without_their_query(tiktok_emulator, caplog):
    caplog.set_level(logging.INFO, logger="tiktok_emulator")

    token_call(tiktok_emulator, REFRESH)

    assert REFRESH in caplog.text
    assert tiktok_emulator.app_secret not in caplog.text
    assert DEFAULT_REFRESH_TOKEN not in caplog.text


# --- Get Authorized Shops ----------------------------------------------------------------------------------


def test_shops_lists_the_default_shop_with_the_emulator_cipher(tiktok_emulator):
    reply = list_shops(tiktok_emulator)

    body = reply.json()
    assert (reply.status, body["code"], body["message"]) == (200, 0, "Success")
    [shop] = body["data"]["shops"]
    assert set(shop) == {"id", "name", "region", "seller_type", "cipher", "code"}
    assert shop["cipher"] == tiktok_emulator.shop_cipher


@pytest.mark.parametrize(
    ("overrides", "headers", "code"),
    [
        ({"sign": "0" * 64}, None, 106001),
        ({"app_key": "another-app"}, None, 36009004),
        ({"timestamp": "1"}, None, 36009004),
        (None, {"x-tts-access-token": None}, 36009004),
        (None, {"x-tts-access-token": "unknown"}, 36009004),
    ],
)
def test_shops_checks_like_the_other_signed_endpoints(tiktok_emulator, overrides, headers, code):
    assert_refused(list_shops(tiktok_emulator, overrides, headers), code)


def test_shops_with_an_expired_token_answers_105002(tiktok_emulator):
    tiktok_emulator.expire_token()
    assert_refused(list_shops(tiktok_emulator), 105002)


def test_shops_is_get_only(tiktok_emulator):
    shop = Shop(tiktok_emulator)
    reply = shop.send("POST", SHOPS, query=shop.query(SHOPS, {"shop_cipher": None}))
    assert (reply.status, reply.json()["code"]) == (405, 36009010)


def test_several_shops_are_listed_and_each_cipher_approves():
    shops = [AuthorizedShop("GB_cipher", name="GB shop"), AuthorizedShop("FR_cipher", id="2", region="FR")]
    with TikTokEmulator(shops=shops, cancellations={PENDING: "pending", "5760002": "pending"}) as emulator:
        listed = list_shops(emulator).json()["data"]["shops"]
        shop = Shop(emulator)

        assert [s["cipher"] for s in listed] == ["GB_cipher", "FR_cipher"]
        assert shop.approve(PENDING, query={"shop_cipher": "FR_cipher"}).code == 0
        assert shop.approve("5760002", query={"shop_cipher": emulator.shop_cipher}).code == 36009004


# --- the controls over HTTP ---------------------------------------------------------------------------------


def test_a_control_issues_an_authorization_code(tiktok_emulator):
    status, code = control(tiktok_emulator, "issue_auth_code")

    assert status == 200
    assert token_call(tiktok_emulator, GET_TOKEN, {"auth_code": code}).json()["code"] == 0


def test_controls_read_issue_and_expire_refresh_tokens(tiktok_emulator):
    assert control(tiktok_emulator, "refresh_token_of") == (200, DEFAULT_REFRESH_TOKEN)
    assert control(tiktok_emulator, "refresh_token_expire_in")[1] > 0

    status, issued = control(tiktok_emulator, "issue_refresh_token", {"lifetime": 3600})
    assert status == 200
    assert issued == tiktok_emulator.refresh_token
    expire_in = control(tiktok_emulator, "refresh_token_expire_in", {"token": issued})[1]
    assert expire_in <= tiktok_emulator.refresh_token_expire_in(DEFAULT_REFRESH_TOKEN)

    assert control(tiktok_emulator, "expire_refresh_token") == (200, None)
    assert_refused(token_call(tiktok_emulator, REFRESH), 36004005)
    assert control(tiktok_emulator, "expire_refresh_token", {"token": "nope"})[0] == 400


def test_controls_read_and_replace_the_shops(tiktok_emulator):
    shops = [{"cipher": "A"}, {"cipher": "B", "name": "Second"}]

    assert control(tiktok_emulator, "set_authorized_shops", {"shops": shops}) == (200, None)

    status, listed = control(tiktok_emulator, "authorized_shops")
    assert status == 200
    assert [s["cipher"] for s in listed] == ["A", "B"]
    assert listed[1] == AuthorizedShop("B", name="Second").to_json()
    assert [s["cipher"] for s in list_shops(tiktok_emulator).json()["data"]["shops"]] == ["A", "B"]


@pytest.mark.parametrize(
    "payload",
    [{}, {"shops": {}}, {"shops": [{"name": "x"}]}, {"shops": [{"cipher": ""}]}, {"shops": [{"cipher": "A", "x": "y"}]},
     {"shops": [{"cipher": "A"}, {"cipher": "A"}]}],
)  # fmt: skip
def test_controls_refuse_malformed_shops(tiktok_emulator, payload):
    assert control(tiktok_emulator, "set_authorized_shops", payload)[0] == 400


@pytest.mark.parametrize("lifetime", [0, -1, "soon", True])
def test_controls_refuse_a_bad_lifetime(tiktok_emulator, lifetime):
    assert control(tiktok_emulator, "issue_auth_code", {"lifetime": lifetime})[0] == 400
    assert control(tiktok_emulator, "issue_refresh_token", {"lifetime": lifetime})[0] == 400


def test_reset_restores_the_refresh_token_and_the_shops(tiktok_emulator):
    token_call(tiktok_emulator, REFRESH)
    tiktok_emulator.set_authorized_shops([AuthorizedShop("other")])

    tiktok_emulator.reset()

    assert tiktok_emulator.refresh_token == DEFAULT_REFRESH_TOKEN
    assert [shop.cipher for shop in tiktok_emulator.authorized_shops()] == [tiktok_emulator.shop_cipher]
    assert token_call(tiktok_emulator, REFRESH).json()["code"] == 0


def test_describe_names_the_refresh_token(tiktok_emulator):
    assert tiktok_emulator.describe()["refresh_token"] == DEFAULT_REFRESH_TOKEN


def test_a_refresh_token_needing_percent_encoding_matches_once_decoded():
    with TikTokEmulator(refresh_token="ROW_a+b/c==") as emulator:
        assert token_call(emulator, REFRESH).json()["code"] == 0


# --- the call recorder ------------------------------------------------------------------------------------


def test_token_calls_are_recorded_without_the_app_secret_refresh_token_or_code(tiktok_emulator):
    secrets = {tiktok_emulator.app_secret, tiktok_emulator.refresh_token}
    code = tiktok_emulator.issue_auth_code()
    secrets.add(code)
    assert token_call(tiktok_emulator, REFRESH).json()["code"] == 0
    assert token_call(tiktok_emulator, GET_TOKEN, {"auth_code": code}).json()["code"] == 0
    assert token_call(tiktok_emulator, REFRESH, {"refresh_token": "unknown"}).json()["code"] == 36004005

    calls = tiktok_emulator.recorder.calls
    assert [call.path for call in calls] == [REFRESH, GET_TOKEN, REFRESH]
    assert [call.query["app_secret"] for call in calls] == ["***"] * 3
    assert calls[0].query["refresh_token"] == calls[2].query["refresh_token"] == "***"
    assert calls[1].query["auth_code"] == "***"
    assert calls[0].query["app_key"] == tiktok_emulator.app_key  # the rest as sent
    assert calls[0].query["grant_type"] == "refresh_token"
    status, listed = control(tiktok_emulator, "calls")
    assert status == 200
    assert [call["query"] for call in listed] == [call.query for call in calls]
    assert not [secret for secret in secrets if secret in repr(listed) or secret in repr(calls)]

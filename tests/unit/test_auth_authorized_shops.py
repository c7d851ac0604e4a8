"""client.authorization.get_authorized_shops: a signed GET without shop_cipher, parsed into shops."""

import pytest
from support.scripted_http import APP_SECRET, answer, client_with, sent_query
from tiktok_shop import AuthorizedShop, TikTokAPIError, TikTokValidationError, sign

SPEC_SHOP = {
    "id": "7000714532876273420",
    "name": "Maomao beauty shop",
    "region": "GB",
    "seller_type": "CROSS_BORDER",
    "cipher": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
    "code": "CNGBCBA4LLU8",
}
PATH = "/authorization/202309/shops"


def test_the_request_is_signed_carries_the_token_and_no_shop_cipher():
    client, adapter = client_with(answer(message="Success", data={"shops": [SPEC_SHOP]}))
    client.set_access_token("access-token")
    client.set_shop_cipher("ignored-here")

    client.authorization.get_authorized_shops()

    [request] = adapter.sent
    query = sent_query(request)
    assert request.method == "GET"
    assert (request.url or "").startswith(f"https://open.test{PATH}?")
    assert set(query) == {"app_key", "timestamp", "sign"}
    assert query["sign"] == sign(APP_SECRET, PATH, {k: v for k, v in query.items() if k != "sign"})
    assert request.headers["x-tts-access-token"] == "access-token"
    assert request.headers["content-type"] == "application/json"


def test_the_spec_sample_answer_becomes_a_shop():
    client, _ = client_with(answer(message="Success", data={"shops": [SPEC_SHOP]}))
    client.set_access_token("t")

    assert client.authorization.get_authorized_shops() == [AuthorizedShop(**SPEC_SHOP)]


def test_several_shops_keep_their_order():
    shops = [{"cipher": "A", "name": "first"}, {"cipher": "B"}]
    client, _ = client_with(answer(data={"shops": shops}))
    client.set_access_token("t")

    assert [shop.cipher for shop in client.authorization.get_authorized_shops()] == ["A", "B"]


@pytest.mark.parametrize("data", [None, {}, {"shops": None}, {"shops": []}])
def test_no_shops_is_an_empty_list(data: object):
    client, _ = client_with(answer(data=data))
    client.set_access_token("t")
    assert client.authorization.get_authorized_shops() == []


@pytest.mark.parametrize("shops", [{}, "x", [{"name": "no cipher"}], [{"cipher": ""}], ["GCP_x"]])
def test_a_malformed_list_is_an_error(shops: object):
    client, _ = client_with(answer(data={"shops": shops}))
    client.set_access_token("t")
    with pytest.raises(TikTokAPIError, match="shop list"):
        client.authorization.get_authorized_shops()


def test_an_access_token_is_required_before_sending():
    client, adapter = client_with()
    with pytest.raises(TikTokValidationError, match="access_token"):
        client.authorization.get_authorized_shops()
    assert adapter.sent == []


def test_an_expired_token_is_reported_as_such():
    client, _ = client_with(answer(105002, "Access token is expired"))
    client.set_access_token("t")
    with pytest.raises(TikTokAPIError) as raised:
        client.authorization.get_authorized_shops()
    assert raised.value.token_expired

import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

import pytest
from tiktok_shop import TikTokShopClient, sign
from tiktok_shop.signing import string_to_sign


def test_official_documentation_vector():
    query = {"app_key": "29a39d", "timestamp": "1623812664"}
    assert (
        string_to_sign("e59af819cc", "/authorization/202309/shops", query)
        == b"e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"
    )
    assert (
        sign("e59af819cc", "/authorization/202309/shops", query)
        == "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"
    )


def test_second_public_vector():
    assert (
        sign("app_secret", "/test-api", {"foo": "bar"})
        == "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"
    )


def test_integer_values_sign_as_their_decimal_text():
    assert sign("s", "/p", {"timestamp": 1623812664}) == sign("s", "/p", {"timestamp": "1623812664"})


def test_sign_and_access_token_are_left_out():
    base = {"app_key": "k", "timestamp": "1"}
    expected = sign("s", "/p", base)
    assert sign("s", "/p", {**base, "sign": "old", "access_token": "tok"}) == expected


def test_keys_sort_in_byte_order_not_case_insensitively():
    # "Z" (0x5A) sorts before "a" (0x61) in byte order.
    message = string_to_sign("s", "/p", {"a": "1", "Z": "2", "_": "3"})
    assert message == b"s/pZ2_3a1s"


def test_non_ascii_keys_and_values_are_signed_as_utf8():
    message = string_to_sign("s", "/p", {"\U0001f600": "x", "\uff21": "y", "\u00e9": "z\u2603"})
    assert message == "s/p\u00e9z\u2603\uff21y\U0001f600xs".encode()


def test_body_is_appended_after_the_parameters():
    assert string_to_sign("s", "/p", {"a": "1"}, b'{"x":1}') == b's/pa1{"x":1}s'
    assert sign("s", "/p", {"a": "1"}, '{"x":1}') == sign("s", "/p", {"a": "1"}, b'{"x":1}')


def test_signature_is_lowercase_hex_hmac_sha256():
    result = sign("secret", "/p", {"a": "b"})
    expected = hmac.new(b"secret", b"secret/pabsecret", hashlib.sha256).hexdigest()
    assert result == expected
    assert result == result.lower()
    assert len(result) == 64


@pytest.mark.parametrize(
    "value",
    [
        "with space",
        "plus+sign",
        "amp&ersand",
        "equals=sign",
        "slash/path",
        "caf\u00e9 \u2603",
        "100%",
        "a+b c",
    ],
)
def test_the_url_carries_encoded_what_was_signed_decoded(value: str):
    """The server percent-decodes the query and signs what it decoded: that must equal what we signed."""
    client = TikTokShopClient(app_key="key", app_secret="secret", base_url="https://example.test")
    client.set_access_token("token")
    path = "/return_refund/202309/cancellations/1/approve"
    prepared = client.prepare_request(
        "POST", path, query={"idempotency_key": value, "shop_cipher": "c"}, timestamp=1700000000
    )
    url = urlsplit(prepared.url or "")
    assert " " not in url.query
    assert "+" not in url.query  # a literal "+" would decode to a space on most servers
    received = dict(parse_qsl(url.query, keep_blank_values=True))
    assert received["idempotency_key"] == value
    assert received["sign"] == sign("secret", url.path, received)

"""The emulator's own signature implementation against the documented algorithm and public vectors."""

import pytest
from tiktok_emulator import sign, string_to_sign


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


def test_sign_and_access_token_are_not_signed():
    plain = sign("s", "/p", {"a": "1"})

    assert sign("s", "/p", {"a": "1", "sign": "whatever", "access_token": "tok"}) == plain


def test_keys_sort_in_byte_order_and_values_are_used_decoded():
    # Byte order puts upper case before "_" before lower case, which locale-aware sorting would not.
    query = {"b": "x y", "_": "ü", "B": "/"}

    assert string_to_sign("s", "/p", query) == "s/pB/_übx ys".encode()


def test_body_is_appended_unless_multipart():
    body = b'{"reject_reason": "x"}'

    assert string_to_sign("s", "/p", {}, body, "application/json") == b"s/p" + body + b"s"
    assert string_to_sign("s", "/p", {}, body, "multipart/form-data; boundary=xyz") == b"s/ps"


@pytest.mark.parametrize("secret", ["e59af819cc", "app_secret"])
def test_sign_is_lowercase_hex(secret):
    result = sign(secret, "/p", {"a": "1"})

    assert len(result) == 64
    assert result == result.lower()

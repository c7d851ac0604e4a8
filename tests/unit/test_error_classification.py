import json

import pytest
from tiktok_shop import ErrorCategory, TikTokAPIError, TikTokCode, TikTokTransportError
from tiktok_shop.responses import parse_envelope


def envelope(code: int, message: str = "m", request_id: str = "req-1") -> bytes:
    return json.dumps({"code": code, "message": message, "request_id": request_id, "data": {}}).encode()


@pytest.mark.parametrize(
    ("code", "category"),
    [
        (36009002, ErrorCategory.TRANSIENT),
        (36009003, ErrorCategory.TRANSIENT),
        (36009007, ErrorCategory.TRANSIENT),
        (25001028, ErrorCategory.TRANSIENT),
        (25001058, ErrorCategory.TRANSIENT),
        (25007002, ErrorCategory.TRANSIENT),
        (105002, ErrorCategory.TOKEN_EXPIRED),
        (36009004, ErrorCategory.CONFIGURATION),
        (106001, ErrorCategory.CONFIGURATION),
        (101000, ErrorCategory.CONFIGURATION),
        (105005, ErrorCategory.CONFIGURATION),
        (36009033, ErrorCategory.CONFIGURATION),
        (106013, ErrorCategory.CONFIGURATION),
        (25011012, ErrorCategory.CONFLICT),
        (25001045, ErrorCategory.CONFLICT),
        (25001003, ErrorCategory.CONFLICT),
        (25020003, ErrorCategory.CONFLICT),
        (25020004, ErrorCategory.CONFLICT),
        (25020009, ErrorCategory.CONFLICT),
        (25007006, ErrorCategory.NOT_FOUND),
        (25020005, ErrorCategory.FORBIDDEN),
        (11050001, ErrorCategory.INVALID_REQUEST),
        (25001001, ErrorCategory.INVALID_REQUEST),
        (99999999, ErrorCategory.UNKNOWN),
    ],
)
def test_each_documented_code_in_an_http_200_answer(code: int, category: ErrorCategory):
    with pytest.raises(TikTokAPIError) as raised:
        parse_envelope(200, envelope(code, "why", "req-7"), {})
    error = raised.value
    assert (error.code, error.http_status, error.request_id, error.message) == (code, 200, "req-7", "why")
    assert error.category is category
    assert error.retryable is (category is ErrorCategory.TRANSIENT)


def test_success_returns_the_envelope():
    assert parse_envelope(200, envelope(0, "Success"), {})["message"] == "Success"


@pytest.mark.parametrize(
    ("status", "retryable"), [(429, True), (500, True), (502, True), (503, True), (504, True), (400, False)]
)
def test_non_2xx_without_a_tiktok_body_uses_the_status_as_code(status: int, retryable: bool):
    with pytest.raises(TikTokAPIError) as raised:
        parse_envelope(status, b"<html>oops</html>", {"x-tt-logid": "log-1"})
    assert (raised.value.code, raised.value.http_status, raised.value.request_id) == (status, status, "log-1")
    assert raised.value.retryable is retryable


def test_non_2xx_with_a_tiktok_body_keeps_tiktoks_code():
    with pytest.raises(TikTokAPIError) as raised:
        parse_envelope(429, envelope(TikTokCode.TOO_MANY_REQUESTS), {"retry-after": "2"})
    assert (raised.value.code, raised.value.http_status, raised.value.retry_after) == (36009002, 429, 2.0)
    assert raised.value.retryable


def test_a_business_code_wins_over_a_transient_status():
    with pytest.raises(TikTokAPIError) as raised:
        parse_envelope(500, envelope(25011012), {})
    assert not raised.value.retryable


@pytest.mark.parametrize(
    ("body", "described"),
    [
        (b"", "empty body"),
        (b"<html><body>502 Bad Gateway</body></html>", "HTML page"),
        (b'{"code": 0, "message": "Succ', "not a JSON object"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"message": "no code"}', "without an integer code"),
        (b'{"code": "0"}', "without an integer code"),
        (b'{"code": true}', "without an integer code"),
        (b"\xff\xfe", "not a JSON object"),
    ],
)
def test_a_2xx_answer_that_is_not_an_envelope_is_an_error(body: bytes, described: str):
    with pytest.raises(TikTokAPIError, match=described) as raised:
        parse_envelope(200, body, {})
    assert (raised.value.code, raised.value.http_status) == (200, 200)
    assert raised.value.retryable


def test_transport_errors_have_no_status():
    error = TikTokTransportError("timed out")
    assert (error.http_status, error.code, error.retryable) == (None, None, True)
    assert not TikTokTransportError("TLS failed", retryable=False).retryable


def test_str_is_a_useful_log_line():
    error = TikTokAPIError("Order not found.", code=25007006, request_id="req-9", http_status=200)
    assert (
        str(error) == "Order not found. (code=25007006, http_status=200, request_id=req-9, retryable=False)"
    )


def test_the_message_is_bounded():
    with pytest.raises(TikTokAPIError) as raised:
        parse_envelope(200, envelope(25011012, "x" * 5000), {})
    assert len(raised.value.message) <= 300


@pytest.mark.parametrize("value", ["soon", "-3", None])
def test_unusable_retry_after_is_ignored(value: str | None):
    headers = {} if value is None else {"retry-after": value}
    with pytest.raises(TikTokAPIError) as raised:
        parse_envelope(429, b"", headers)
    assert raised.value.retry_after is None

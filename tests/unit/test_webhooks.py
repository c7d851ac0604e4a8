"""Webhooks in the layer: the signature over the raw body, the notification's parsing, the pending-buyer rule."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tiktok_shop import (
    MAX_WEBHOOK_BODY_BYTES,
    CancellationStatusChange,
    CancelStatus,
    Notification,
    PayloadProblem,
    TikTokValidationError,
    WebhookBodyTooLarge,
    WebhookPayloadError,
    check_body_size,
    find_signing_app,
    is_pending_buyer_cancellation,
    parse_notification,
    verify_signature,
    webhook_signature,
)

LAYER = Path(__file__).resolve().parents[2] / "layers" / "tiktok_shop"
APP_KEY = "29a39d"
APP_SECRET = "e59af819cc"
OTHER_APP_KEY = "6abc01"
OTHER_APP_SECRET = "0f1e2d3c4b"
# The exact bytes TikTok would post: compact, in TikTok's field order.
BODY = (
    b'{"type":11,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621",'
    b'"timestamp":1700000000,"data":{"order_id":"576486316948490001","cancellations_role":"BUYER",'
    b'"cancel_status":"CANCELLATION_REQUEST_PENDING","cancel_id":"4035318504086604100",'
    b'"create_time":1699999990}}'
)
# Computed apart from Python: printf '%s' "$APP_KEY$BODY" | openssl dgst -sha256 -hmac "$APP_SECRET"
BODY_SIGNATURE = "9fedb7f8877f31ae2234057f3647ce8626529b21e85ba327a9178e0c02f5bd60"


def expected_signature(app_key: str, app_secret: str, body: bytes) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def notification(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(BODY)
    for name, value in overrides.items():
        document[name] = value
    return document


def with_data(**overrides: Any) -> dict[str, Any]:
    document = notification()
    document["data"].update(overrides)
    return document


def encode(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def payload_error(body: bytes) -> WebhookPayloadError:
    with pytest.raises(WebhookPayloadError) as caught:
        parse_notification(body)
    return caught.value


# Signature


def test_the_known_answer_vector():
    assert expected_signature(APP_KEY, APP_SECRET, BODY) == BODY_SIGNATURE
    assert webhook_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY) == BODY_SIGNATURE
    assert verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=BODY_SIGNATURE)


@pytest.mark.parametrize(
    ("app_key", "app_secret", "body"),
    [
        ("k", "s", b""),
        ("app-key", "app-secret", b"{}"),
        ("29a39d", "e59af819cc", '{"note":"caf\u00e9 \u2603"}'.encode()),
        ("29a39d", "e59af819cc", b"\x00\xff not even text"),
        ("29a39d", "e59af819cc", b"x" * MAX_WEBHOOK_BODY_BYTES),
    ],
)
def test_the_signature_is_the_hmac_of_the_app_key_and_the_raw_body(
    app_key: str, app_secret: str, body: bytes
):
    signature = expected_signature(app_key, app_secret, body)
    assert webhook_signature(app_key=app_key, app_secret=app_secret, body=body) == signature
    assert verify_signature(app_key=app_key, app_secret=app_secret, body=body, signature=signature)


def test_the_app_key_is_signed_before_the_body_not_after():
    after = hmac.new(APP_SECRET.encode(), BODY + APP_KEY.encode(), hashlib.sha256).hexdigest()
    assert not verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=after)


def test_the_body_bytes_are_not_normalised():
    # Whitespace a JSON parser ignores still changes the signature: it covers the bytes, not the meaning.
    spaced = json.dumps(json.loads(BODY)).encode()
    assert json.loads(spaced) == json.loads(BODY)
    assert not verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=spaced, signature=BODY_SIGNATURE)


def test_a_tampered_body_fails():
    tampered = BODY.replace(b"BUYER", b"SELLR")
    assert len(tampered) == len(BODY)
    assert not verify_signature(
        app_key=APP_KEY, app_secret=APP_SECRET, body=tampered, signature=BODY_SIGNATURE
    )


@pytest.mark.parametrize("cut", [1, 2, len(BODY) // 2, len(BODY)])
def test_a_truncated_body_fails(cut: int):
    truncated = BODY[:-cut]
    assert not verify_signature(
        app_key=APP_KEY, app_secret=APP_SECRET, body=truncated, signature=BODY_SIGNATURE
    )


def test_a_body_with_bytes_appended_fails():
    assert not verify_signature(
        app_key=APP_KEY, app_secret=APP_SECRET, body=BODY + b"\n", signature=BODY_SIGNATURE
    )


def test_another_apps_secret_fails():
    forged = expected_signature(APP_KEY, OTHER_APP_SECRET, BODY)
    assert not verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=forged)
    # Signed by the other app for itself: valid for that app only.
    theirs = expected_signature(OTHER_APP_KEY, OTHER_APP_SECRET, BODY)
    assert not verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=theirs)
    assert verify_signature(app_key=OTHER_APP_KEY, app_secret=OTHER_APP_SECRET, body=BODY, signature=theirs)


def test_the_right_secret_with_another_app_key_fails():
    signature = expected_signature(OTHER_APP_KEY, APP_SECRET, BODY)
    assert not verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=signature)


def test_uppercase_hex_is_accepted():
    # TikTok sends lowercase; uppercase digits name the same 32 bytes, so refusing them would protect nothing.
    upper = BODY_SIGNATURE.upper()
    assert verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=upper)
    mixed = BODY_SIGNATURE[:32] + BODY_SIGNATURE[32:].upper()
    assert verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=mixed)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        " ",
        BODY_SIGNATURE[:-1],  # one digit short
        BODY_SIGNATURE + "0",  # one digit long
        BODY_SIGNATURE[:-2],  # one byte short
        BODY_SIGNATURE[:62] + "zz",  # not hex
        " " + BODY_SIGNATURE,  # padded
        BODY_SIGNATURE + "\n",
        " ".join(BODY_SIGNATURE[i : i + 2] for i in range(0, 64, 2)),  # bytes.fromhex would take it
        "sha256=" + BODY_SIGNATURE,
        "Bearer " + BODY_SIGNATURE,
        "t=1700000000,s=" + BODY_SIGNATURE,  # the other TikTok platform's scheme
        hashlib.sha256(APP_KEY.encode() + BODY).hexdigest(),  # right length, no key
        "\u0660" * 64,  # Arabic-Indic zeros: digits to str.isdigit, not hex
        "0" * 64,
    ],
)
def test_a_missing_or_malformed_header_fails(signature: str | None):
    assert not verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=BODY, signature=signature)


def test_a_header_that_is_not_text_fails():
    assert not verify_signature(
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        body=BODY,
        signature=BODY_SIGNATURE.encode(),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("app_key", "app_secret", "named"),
    [
        (APP_KEY, "", "app_secret"),
        (APP_KEY, " ", "app_secret"),
        (APP_KEY, None, "app_secret"),
        (APP_KEY, APP_SECRET + "\n", "app_secret"),
        ("", APP_SECRET, "app_key"),
    ],
)
def test_a_missing_app_key_or_secret_is_a_configuration_error_never_a_pass(
    app_key: str, app_secret: str, named: str
):
    # An empty secret would let anyone who knows the app key sign: never verify with one.
    signature = expected_signature(app_key or "", (app_secret or "").strip(), BODY)
    with pytest.raises(TikTokValidationError, match=named) as caught:
        verify_signature(app_key=app_key, app_secret=app_secret, body=BODY, signature=signature)
    assert not isinstance(caught.value, WebhookPayloadError)
    if app_secret and app_secret.strip():
        assert app_secret.strip() not in str(caught.value)


def test_the_body_must_be_bytes_not_text():
    with pytest.raises(TikTokValidationError, match="raw bytes"):
        verify_signature(
            app_key=APP_KEY,
            app_secret=APP_SECRET,
            body=BODY.decode(),  # type: ignore[arg-type]
            signature=BODY_SIGNATURE,
        )


def test_a_bytearray_body_is_verified_like_bytes():
    assert verify_signature(
        app_key=APP_KEY, app_secret=APP_SECRET, body=bytearray(BODY), signature=BODY_SIGNATURE
    )


def test_errors_and_their_representations_never_show_a_secret_or_a_signature():
    errors: list[Exception] = []
    for call in (
        lambda: verify_signature(app_key=APP_KEY, app_secret=APP_SECRET + " ", body=BODY, signature="x"),
        lambda: find_signing_app(apps=[(APP_KEY, APP_SECRET), (OTHER_APP_KEY, "")], body=BODY, signature="x"),
        lambda: verify_signature(
            app_key=APP_KEY, app_secret=APP_SECRET, body=b"x" * (MAX_WEBHOOK_BODY_BYTES + 1), signature="x"
        ),
    ):
        with pytest.raises(TikTokValidationError) as caught:
            call()
        errors.append(caught.value)
    for error in errors:
        for shown in (str(error), repr(error), repr(error.args)):
            assert APP_SECRET not in shown
            assert BODY_SIGNATURE not in shown


# Several apps


def test_find_signing_app_names_the_app_whose_secret_signed():
    apps = [(APP_KEY, APP_SECRET), (OTHER_APP_KEY, OTHER_APP_SECRET)]
    theirs = expected_signature(OTHER_APP_KEY, OTHER_APP_SECRET, BODY)
    assert find_signing_app(apps=apps, body=BODY, signature=theirs) == OTHER_APP_KEY
    assert find_signing_app(apps=apps, body=BODY, signature=BODY_SIGNATURE) == APP_KEY
    assert find_signing_app(apps=iter(apps), body=BODY, signature=BODY_SIGNATURE.upper()) == APP_KEY


def test_find_signing_app_takes_two_secrets_of_one_app():
    # While an app's secret is reset, webhooks may come signed with the old or the new one.
    apps = [(APP_KEY, "old-secret"), (APP_KEY, APP_SECRET)]
    assert find_signing_app(apps=apps, body=BODY, signature=BODY_SIGNATURE) == APP_KEY


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "0" * 64,
        expected_signature("unknown-app", "unknown-secret", BODY),
        expected_signature(APP_KEY, OTHER_APP_SECRET, BODY),  # a known key with another app's secret
    ],
)
def test_find_signing_app_is_none_when_no_app_signed(signature: str | None):
    apps = [(APP_KEY, APP_SECRET), (OTHER_APP_KEY, OTHER_APP_SECRET)]
    assert find_signing_app(apps=apps, body=BODY, signature=signature) is None


def test_find_signing_app_tampered_body_matches_no_app():
    apps = [(APP_KEY, APP_SECRET), (OTHER_APP_KEY, OTHER_APP_SECRET)]
    assert find_signing_app(apps=apps, body=BODY[:-1], signature=BODY_SIGNATURE) is None


def test_find_signing_app_compares_every_app_past_a_match(monkeypatch: pytest.MonkeyPatch):
    compared: list[bytes] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append(a)
        return real(a, b)

    monkeypatch.setattr("tiktok_shop.webhooks.hmac.compare_digest", counting)
    apps = [(APP_KEY, APP_SECRET), (OTHER_APP_KEY, OTHER_APP_SECRET), ("third", "third-secret")]
    assert find_signing_app(apps=apps, body=BODY, signature=BODY_SIGNATURE) == APP_KEY
    assert len(compared) == 3


def test_find_signing_app_without_apps_is_a_configuration_error():
    with pytest.raises(TikTokValidationError, match="no app key and secret"):
        find_signing_app(apps=[], body=BODY, signature=BODY_SIGNATURE)


def test_find_signing_app_refuses_an_app_without_a_secret():
    # Even when another app's secret would match: the configuration is wrong and must be seen.
    with pytest.raises(TikTokValidationError, match=f"app_secret of app_key '{OTHER_APP_KEY}'"):
        find_signing_app(
            apps=[(APP_KEY, APP_SECRET), (OTHER_APP_KEY, "")], body=BODY, signature=BODY_SIGNATURE
        )


# Size


def test_a_body_at_the_limit_is_read():
    document = notification()
    document["data"]["padding"] = ""
    short = len(encode(document))
    document["data"]["padding"] = "x" * (MAX_WEBHOOK_BODY_BYTES - short)
    body = encode(document)
    assert len(body) == MAX_WEBHOOK_BODY_BYTES == 64 * 1024
    check_body_size(body)
    assert parse_notification(body).shop_id == "7494049642642441621"
    signature = expected_signature(APP_KEY, APP_SECRET, body)
    assert verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=body, signature=signature)


@pytest.mark.parametrize("size", [MAX_WEBHOOK_BODY_BYTES + 1, 1024 * 1024])
def test_a_body_over_the_limit_is_too_large_before_anything_else(size: int):
    body = b"\xff" * size  # neither UTF-8 nor JSON: the size is what is refused
    signature = expected_signature(APP_KEY, APP_SECRET, body)
    for call in (
        lambda: check_body_size(body),
        lambda: parse_notification(body),
        lambda: verify_signature(app_key=APP_KEY, app_secret=APP_SECRET, body=body, signature=signature),
        lambda: find_signing_app(apps=[(APP_KEY, APP_SECRET)], body=body, signature=signature),
    ):
        with pytest.raises(WebhookBodyTooLarge) as caught:
            call()
        assert caught.value.size == size
        assert str(size) in str(caught.value)


def test_too_large_is_its_own_kind_not_a_payload_error():
    # A handler answers 413 for one and parks the other: neither may catch the other.
    assert not issubclass(WebhookBodyTooLarge, WebhookPayloadError)
    assert not issubclass(WebhookPayloadError, WebhookBodyTooLarge)
    assert issubclass(WebhookBodyTooLarge, TikTokValidationError)
    assert issubclass(WebhookPayloadError, TikTokValidationError)


# Parsing


def test_a_cancellation_status_change_parses():
    parsed = parse_notification(BODY)
    assert parsed == Notification(
        type=11,
        tts_notification_id="7327112393057371910",
        shop_id="7494049642642441621",
        timestamp=1700000000,
        data=CancellationStatusChange(
            order_id="576486316948490001",
            cancellations_role="BUYER",
            cancel_status="CANCELLATION_REQUEST_PENDING",
            cancel_id="4035318504086604100",
            create_time=1699999990,
        ),
    )
    assert parsed.cancellation_change is parsed.data


def test_a_notification_is_frozen():
    parsed = parse_notification(BODY)
    with pytest.raises(AttributeError):
        parsed.shop_id = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        parsed.data.order_id = "other"  # type: ignore[union-attr]


def test_the_optional_fields_may_be_absent_null_or_empty():
    for absent in ({}, {"cancel_id": None, "create_time": None}, {"cancel_id": ""}):
        document = notification()
        del document["data"]["cancel_id"], document["data"]["create_time"]
        document["data"].update(absent)
        change = parse_notification(encode(document)).cancellation_change
        assert change is not None
        assert change.cancel_id is None
        assert change.create_time is None


def test_fields_this_package_does_not_read_are_ignored():
    document = with_data(cancel_reason="unknown to the docs")
    document["extra"] = {"nested": [1, 2]}
    assert parse_notification(encode(document)) == parse_notification(BODY)


def test_the_closed_status_spelled_as_the_search_filter_does_is_read_as_cancelled():
    change = parse_notification(
        encode(with_data(cancel_status="CANCELLATION_REQUEST_CANCEL"))
    ).cancellation_change
    assert change is not None
    assert change.cancel_status == CancelStatus.CANCELLED


def test_an_undocumented_status_or_role_is_kept_as_sent():
    body = encode(with_data(cancel_status="CANCELLATION_REQUEST_SOMETHING_NEW", cancellations_role="ROBOT"))
    change = parse_notification(body).cancellation_change
    assert change is not None
    assert (change.cancel_status, change.cancellations_role) == (
        "CANCELLATION_REQUEST_SOMETHING_NEW",
        "ROBOT",
    )


@pytest.mark.parametrize(
    ("field", "number", "text"),
    [
        ("tts_notification_id", 7327112393057371910, "7327112393057371910"),
        ("shop_id", 7494049642642441621, "7494049642642441621"),
        ("data.order_id", 576486316948490001, "576486316948490001"),
        ("data.cancel_id", 4035318504086604100, "4035318504086604100"),
        ("data.cancel_id", 0, "0"),
    ],
)
def test_ids_sent_as_numbers_become_their_text(field: str, number: int, text: str):
    document = notification()
    target = document["data"] if field.startswith("data.") else document
    target[field.removeprefix("data.")] = number
    body = encode(document)
    assert str(number).encode() in body  # a JSON number, not a string
    parsed = parse_notification(body)
    value = getattr(parsed.data, field[5:]) if field.startswith("data.") else getattr(parsed, field)
    assert value == text


def test_huge_ids_stay_exact():
    # Beyond 2**53 a float would round: 2**53 + 1 is the first integer a double cannot hold.
    exact = [2**53 + 1, 2**63 + 1, 10**40 + 7, int("9" * 64)]
    for number in exact:
        body = BODY.replace(b'"576486316948490001"', str(number).encode())
        change = parse_notification(body).cancellation_change
        assert change is not None
        assert change.order_id == str(number)


def test_ids_with_a_zero_fraction_or_an_exponent_are_whole_numbers():
    for sent, text in [
        ("576486316948490001.0", "576486316948490001"),
        ("5.76486316948490001e17", "576486316948490001"),
        ("9007199254740993.000", "9007199254740993"),  # 2**53 + 1: exact, not via float
        ("1E3", "1000"),
    ]:
        body = BODY.replace(b'"576486316948490001"', sent.encode())
        change = parse_notification(body).cancellation_change
        assert change is not None
        assert change.order_id == text, sent


@pytest.mark.parametrize(
    "sent",
    [
        "576486316948490001.5",
        "9007199254740993.0000000001",  # a float would round this to a whole number
        "1e-3",
        "-576486316948490001",
        "-0.5",
        "1e64",
        "1e999999999",  # would be a billion digits as an int
        "1" + "0" * 64,
    ],
)
def test_ids_that_are_no_whole_number_or_too_long_are_invalid(sent: str):
    error = payload_error(BODY.replace(b'"576486316948490001"', sent.encode()))
    assert error.problem is PayloadProblem.INVALID_VALUE
    assert error.field == "data.order_id"


@pytest.mark.parametrize(
    ("number_text", "expected"),
    [("1700000000", 1700000000), ("1700000000.0", 1700000000), ("1.7e9", 1700000000)],
)
def test_the_timestamp_is_a_whole_number_however_written(number_text: str, expected: int):
    body = BODY.replace(b'"timestamp":1700000000', b'"timestamp":' + number_text.encode())
    assert parse_notification(body).timestamp == expected


UNSAFE_IDS = [
    "",
    "has space",
    "a/b",
    "x" * 65,
    "\u0661\u0662",
    "123\n",
]  # "\u0661\u0662": digits to Python only
ID_FIELDS = ["tts_notification_id", "shop_id", "data.order_id", "data.cancel_id"]
UNSAFE_ID_CASES = [
    (field, text)
    for field in ID_FIELDS
    for text in UNSAFE_IDS
    if (field, text) != ("data.cancel_id", "")  # an empty cancel_id means none was sent
]


@pytest.mark.parametrize(("field", "text"), UNSAFE_ID_CASES)
def test_ids_outside_the_safe_set_are_invalid(field: str, text: str):
    document = notification()
    target = document["data"] if field.startswith("data.") else document
    target[field.removeprefix("data.")] = text
    error = payload_error(encode(document))
    assert (error.problem, error.field) == (PayloadProblem.INVALID_VALUE, field)


@pytest.mark.parametrize("field", ["data.cancel_status", "data.cancellations_role"])
def test_an_empty_status_or_role_is_invalid(field: str):
    error = payload_error(encode(with_data(**{field[5:]: ""})))
    assert (error.problem, error.field) == (PayloadProblem.INVALID_VALUE, field)


@pytest.mark.parametrize("number", [-1, 10**64, -(10**64)])
@pytest.mark.parametrize("field", ["type", "timestamp", "data.create_time"])
def test_negative_or_overlong_numbers_are_invalid(field: str, number: int):
    document = notification()
    target = document["data"] if field.startswith("data.") else document
    target[field.removeprefix("data.")] = number
    error = payload_error(encode(document))
    assert (error.problem, error.field) == (PayloadProblem.INVALID_VALUE, field)


# Each field, each wrong JSON kind. None stands for null; a bool is never a number.
WRONG_KINDS: dict[str, list[object]] = {
    "type": ["11", None, True, [11], {"type": 11}, 11.5],
    "tts_notification_id": [None, True, False, [], {}, 1.5],
    "shop_id": [None, True, [], {"id": "1"}, 0.5],
    "timestamp": ["1700000000", None, True, [], {}, 1.5],
    "data": [None, "x", 11, True, [], [{"order_id": "1"}]],
    "data.order_id": [None, True, [], {}, 2.5],
    "data.cancellations_role": [None, 1, True, ["BUYER"], {}],
    "data.cancel_status": [None, 1, False, ["CANCELLATION_REQUEST_PENDING"], {}],
    "data.cancel_id": [True, [], {}, 3.5],
    "data.create_time": ["1699999990", True, [], {}, 0.5],
}
WRONG_CASES = [(field, value) for field, values in WRONG_KINDS.items() for value in values]


@pytest.mark.parametrize(("field", "value"), WRONG_CASES, ids=[f"{f}={v!r}" for f, v in WRONG_CASES])
def test_every_field_of_the_wrong_type_is_named(field: str, value: object):
    document = notification()
    target = document["data"] if field.startswith("data.") else document
    target[field.removeprefix("data.")] = value
    error = payload_error(encode(document))
    assert error.field == field
    # A fraction is the right kind (a number) with the wrong value.
    expected = PayloadProblem.INVALID_VALUE if isinstance(value, float) else PayloadProblem.WRONG_TYPE
    assert error.problem is expected
    assert field in str(error)


@pytest.mark.parametrize(
    "field",
    [
        "type",
        "tts_notification_id",
        "shop_id",
        "timestamp",
        "data",
        "data.order_id",
        "data.cancellations_role",
        "data.cancel_status",
    ],
)
def test_every_required_field_missing_is_named(field: str):
    document = notification()
    target = document["data"] if field.startswith("data.") else document
    del target[field.removeprefix("data.")]
    error = payload_error(encode(document))
    assert (error.problem, error.field) == (PayloadProblem.MISSING_FIELD, field)
    assert "lacks " + field.removeprefix("data.") in str(error)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", PayloadProblem.NOT_JSON),
        (b"not json", PayloadProblem.NOT_JSON),
        (BODY[:-1], PayloadProblem.NOT_JSON),  # truncated
        (b"{'type': 11}", PayloadProblem.NOT_JSON),
        (b'{"type": NaN}', PayloadProblem.NOT_JSON),
        (b'{"type": Infinity}', PayloadProblem.NOT_JSON),
        (b'{"type": 1' + b"0" * 5000 + b"}", PayloadProblem.NOT_JSON),  # over Python's limit on digits
        (b"[" * MAX_WEBHOOK_BODY_BYTES, PayloadProblem.NOT_JSON),  # nested deeper than Python recurses
        ("\ufeff".encode() + BODY, PayloadProblem.NOT_JSON),  # a byte-order mark
        (b"\xff\xfe{}", PayloadProblem.NOT_UTF8),
        ("{}".encode("utf-16"), PayloadProblem.NOT_UTF8),
        (b'{"shop_id": "\xc3"}', PayloadProblem.NOT_UTF8),
        (b"[]", PayloadProblem.NOT_AN_OBJECT),
        (b"[" + BODY + b"]", PayloadProblem.NOT_AN_OBJECT),
        (b'"text"', PayloadProblem.NOT_AN_OBJECT),
        (b"11", PayloadProblem.NOT_AN_OBJECT),
        (b"1.5", PayloadProblem.NOT_AN_OBJECT),
        (b"null", PayloadProblem.NOT_AN_OBJECT),
        (b"true", PayloadProblem.NOT_AN_OBJECT),
    ],
)
def test_a_body_that_is_no_json_object_says_why(body: bytes, problem: PayloadProblem):
    error = payload_error(body)
    assert error.problem is problem
    assert error.field is None
    assert len(str(error)) < 200  # a reason, never the body


def test_a_payload_error_never_quotes_the_body():
    secretish = "x" * 500
    error = payload_error(encode(notification(shop_id=secretish)))
    assert secretish not in str(error)
    assert len(str(error)) < 200


def test_an_unknown_type_keeps_its_data_as_sent():
    data = {"anything": [1, "two", {"three": None}], "price": 1.5}
    parsed = parse_notification(encode(notification(type=99, data=data)))
    assert parsed.type == 99
    assert parsed.cancellation_change is None
    assert not is_pending_buyer_cancellation(parsed)
    assert dict(parsed.data) == {"anything": [1, "two", {"three": None}], "price": 1.5}
    with pytest.raises(TypeError):
        parsed.data["anything"] = "changed"  # type: ignore[index]


@pytest.mark.parametrize("kind", [6, 7, 12])
def test_types_this_package_does_not_act_on_keep_their_data_raw(kind: int):
    # Even with a cancellation's fields: only type 11 is read as a cancellation status change.
    parsed = parse_notification(encode(notification(type=kind)))
    assert parsed.type == kind
    assert parsed.cancellation_change is None
    assert parsed.data["order_id"] == "576486316948490001"
    assert not is_pending_buyer_cancellation(parsed)


def test_an_unknown_type_still_needs_the_envelope():
    error = payload_error(encode({"type": 99, "tts_notification_id": "1", "timestamp": 1, "data": {}}))
    assert (error.problem, error.field) == (PayloadProblem.MISSING_FIELD, "shop_id")


def test_a_type_11_without_its_fields_is_a_payload_error_not_raw_data():
    error = payload_error(encode(notification(data={"anything": 1})))
    assert (error.problem, error.field) == (PayloadProblem.MISSING_FIELD, "data.order_id")


def test_the_parser_needs_no_signature_and_the_body_as_bytes():
    with pytest.raises(TikTokValidationError, match="raw bytes"):
        parse_notification(BODY.decode())  # type: ignore[arg-type]


# The pending buyer cancellation


@pytest.mark.parametrize(
    ("role", "status", "pending"),
    [
        ("BUYER", "CANCELLATION_REQUEST_PENDING", True),
        ("SELLER", "CANCELLATION_REQUEST_PENDING", False),
        ("SYSTEM", "CANCELLATION_REQUEST_PENDING", False),
        ("buyer", "CANCELLATION_REQUEST_PENDING", False),
        ("BUYER", "CANCELLATION_REQUEST_SUCCESS", False),
        ("BUYER", "CANCELLATION_REQUEST_CANCELLED", False),
        ("BUYER", "CANCELLATION_REQUEST_CANCEL", False),
        ("BUYER", "CANCELLATION_REQUEST_COMPLETE", False),
        ("BUYER", "cancellation_request_pending", False),
    ],
)
def test_only_a_buyers_pending_request_is_one_to_decide(role: str, status: str, pending: bool):
    parsed = parse_notification(encode(with_data(cancellations_role=role, cancel_status=status)))
    assert is_pending_buyer_cancellation(parsed) is pending


def test_a_pending_buyer_request_without_a_cancel_id_is_still_one_to_decide():
    document = notification()
    del document["data"]["cancel_id"]
    assert is_pending_buyer_cancellation(parse_notification(encode(document)))


# Cold start


def test_importing_the_package_leaves_the_webhooks_module_unimported():
    # The approval function imports tiktok_shop; the webhook names load at first use only.
    probe = (
        "import sys, tiktok_shop\n"
        "assert 'tiktok_shop.webhooks' not in sys.modules, 'imported eagerly'\n"
        "tiktok_shop.parse_notification\n"
        "assert 'tiktok_shop.webhooks' in sys.modules\n"
        "missing = [n for n in tiktok_shop.__all__ if not hasattr(tiktok_shop, n)]\n"
        "assert not missing, missing\n"
    )
    env = {**os.environ, "PYTHONPATH": str(LAYER)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

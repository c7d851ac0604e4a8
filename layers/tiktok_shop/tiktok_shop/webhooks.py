"""TikTok Shop webhooks: the signature over the raw body, and the notification TikTok posts.

Pure: the bytes received and the `Authorization` header in, a verdict or a typed notification out; the
caller (an HTTP handler) answers TikTok. A caller's order: the body's size (413, before any other work), the
signature (401), then the notification (a signed body that cannot be read is still TikTok's: parked, not
refused). Nothing here logs, and no error carries a secret, a signature or the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any, Final, NoReturn, TypeGuard

from .cancellations import CancelStatus, normalized_cancel_status
from .errors import TikTokValidationError
from .validation import CANCEL_ID_PATTERN, SHOP_ID_PATTERN, describe_kind, describe_value, require_text

# TikTok's notifications are a few hundred bytes; the limit leaves ample room and keeps hashing and parsing
# an unauthenticated body cheap.
MAX_WEBHOOK_BODY_BYTES: Final = 64 * 1024
# HMAC-SHA256 in hex: 32 bytes, 64 digits. TikTok sends lowercase; uppercase names the same bytes.
_SIGNATURE_PATTERN: Final = re.compile(r"[0-9a-fA-F]{64}")
# Order, cancel and notification ids: TikTok's are digits; the same safe set as cancel and shop ids.
_ID_PATTERN: Final = CANCEL_ID_PATTERN
_MAX_INTEGER_DIGITS: Final = 64  # no id or time of TikTok's comes near; bounds int() of a JSON number
_INTEGER_LIMIT: Final = 10**_MAX_INTEGER_DIGITS


class NotificationType(IntEnum):
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12


class CancellationRole(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"
    SYSTEM = "SYSTEM"


class PayloadProblem(StrEnum):
    """What is wrong with a signed body, in words fit for a metric's dimension."""

    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    INVALID_VALUE = "invalid_value"


class WebhookBodyTooLarge(TikTokValidationError):
    """The body is over MAX_WEBHOOK_BODY_BYTES: refused before it is hashed or read (HTTP 413).

    Not a WebhookPayloadError: an oversized body is refused whether or not it is signed, while a signed
    body that cannot be read is kept."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the webhook body is {size} bytes, over the limit of {MAX_WEBHOOK_BODY_BYTES}")
        self.size = size


class WebhookPayloadError(TikTokValidationError):
    """The body is no notification this package can read. `problem` says what kind of fault, `field` names
    the field at fault ("data.order_id") where there is one. The message quotes at most a short excerpt of
    an offending value, never the body."""

    def __init__(self, message: str, *, problem: PayloadProblem, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.field = field


@dataclass(frozen=True)
class CancellationStatusChange:
    """`data` of type 11. It carries no reason, amount or deadline, and may arrive late or out of order:
    Search Cancellations is the truth about the cancellation."""

    order_id: str
    cancellations_role: str  # a CancellationRole value, or an undocumented one as sent
    cancel_status: str  # a CancelStatus value, or an undocumented one as sent
    cancel_id: str | None = None  # absent from some of TikTok's examples: then find it by order_id
    create_time: int | None = None  # Unix seconds


@dataclass(frozen=True)
class Notification:
    """One webhook notification. `data` is typed for the types this package reads (11); for any other
    type it is the object as sent, read-only, numbers with a fraction or exponent as Decimal."""

    type: int  # a NotificationType value, or one this package does not know
    tts_notification_id: str  # TikTok's id of the notification, the same on each retry: the dedup key
    shop_id: str
    timestamp: int  # Unix seconds, when TikTok sent it
    data: CancellationStatusChange | Mapping[str, Any]

    @property
    def cancellation_change(self) -> CancellationStatusChange | None:
        return self.data if isinstance(self.data, CancellationStatusChange) else None


def check_body_size(body: bytes) -> None:
    """Raise WebhookBodyTooLarge over the limit. `verify_signature`, `find_signing_app` and
    `parse_notification` check it first themselves; a handler may call it before anything else."""
    if not isinstance(body, bytes | bytearray):
        raise TikTokValidationError(
            f"the webhook body must be the raw bytes received (got {type(body).__name__})"
        )
    if len(body) > MAX_WEBHOOK_BODY_BYTES:
        raise WebhookBodyTooLarge(len(body))


def webhook_signature(*, app_key: str, app_secret: str, body: bytes) -> str:
    """The `Authorization` header TikTok sends: lowercase hex HMAC-SHA256, keyed with the app secret, of
    the app key followed by the body's exact bytes. No timestamp is signed."""
    key, secret = _checked_app(app_key, app_secret)
    return _digest(key, secret, body).hex()


def verify_signature(*, app_key: str, app_secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` (the `Authorization` header as received) signs `body` for this app, compared in
    constant time. A missing, empty or malformed header is False. A missing or malformed app key or secret
    raises TikTokValidationError (a configuration fault, not a forged request); an empty secret would let
    anyone sign."""
    check_body_size(body)
    require_text("app_key", app_key)
    require_text("app_secret", app_secret)
    received = _received_digest(signature)
    if received is None:
        return False
    return hmac.compare_digest(_digest(app_key, app_secret, body), received)


def find_signing_app(*, apps: Iterable[tuple[str, str]], body: bytes, signature: str | None) -> str | None:
    """The app key, of the (app_key, app_secret) pairs given, whose secret signed `body`; None if none did.

    For a deployment holding secrets of several apps (sellers' secrets may name different apps), or two
    secrets of one app while it is reset. Every pair is hashed and compared in constant time, past a match
    too, so the time taken does not tell which pair matched. No pairs raise TikTokValidationError, as does
    a pair with a missing or malformed key or secret."""
    check_body_size(body)
    candidates = [_checked_app(key, secret) for key, secret in apps]
    if not candidates:
        raise TikTokValidationError("no app key and secret to verify a webhook with")
    received = _received_digest(signature)
    if received is None:
        return None
    matched: str | None = None
    for app_key, app_secret in candidates:
        if hmac.compare_digest(_digest(app_key, app_secret, body), received) and matched is None:
            matched = app_key
    return matched


def parse_notification(body: bytes) -> Notification:
    """The notification in `body` (checked for size first). Raises WebhookBodyTooLarge, or
    WebhookPayloadError for a body that is not UTF-8 JSON, not an object, or lacks a field or has one of the
    wrong type. Ids sent as JSON numbers become their decimal text, exactly, however large."""
    check_body_size(body)
    document = _json_object(body)
    kind = _integer("type", _required(document, "type"))
    notification_id = _id_text("tts_notification_id", _required(document, "tts_notification_id"))
    shop_id = _id_text("shop_id", _required(document, "shop_id"), SHOP_ID_PATTERN)
    timestamp = _integer("timestamp", _required(document, "timestamp"))
    raw_data = _required(document, "data")
    if not isinstance(raw_data, dict):
        _wrong_type("data", "an object", raw_data)
    data: CancellationStatusChange | Mapping[str, Any]
    if kind == NotificationType.CANCELLATION_STATUS_CHANGE:
        data = _cancellation_change(raw_data)
    else:
        data = MappingProxyType(raw_data)
    return Notification(
        type=kind, tts_notification_id=notification_id, shop_id=shop_id, timestamp=timestamp, data=data
    )


def is_pending_buyer_cancellation(notification: Notification) -> bool:
    """A buyer's cancellation request awaiting the seller: the only kind the autopilot may approve. Still to
    be confirmed with Search Cancellations before anything is decided."""
    change = notification.cancellation_change
    return (
        change is not None
        and change.cancel_status == CancelStatus.PENDING
        and change.cancellations_role == CancellationRole.BUYER
    )


def _checked_app(app_key: object, app_secret: object) -> tuple[str, str]:
    key = require_text("app_key", app_key)
    return key, require_text(f"app_secret of app_key {key!r}", app_secret)


def _digest(app_key: str, app_secret: str, body: bytes) -> bytes:
    mac = hmac.new(app_secret.encode("utf-8"), app_key.encode("utf-8"), hashlib.sha256)
    mac.update(body)  # the body's bytes as received, never re-encoded
    return mac.digest()


def _received_digest(signature: object) -> bytes | None:
    # The pattern first: bytes.fromhex would accept spaces between digit pairs.
    if not isinstance(signature, str) or not _SIGNATURE_PATTERN.fullmatch(signature):
        return None
    return bytes.fromhex(signature)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WebhookPayloadError(
            f"the body is not UTF-8 text (byte {error.start})", problem=PayloadProblem.NOT_UTF8
        ) from None
    try:
        # Decimal, never float: an id sent with a fraction or exponent keeps every digit it was sent with.
        document = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise WebhookPayloadError(
            "the body's JSON is nested too deeply", problem=PayloadProblem.NOT_JSON
        ) from None
    except ValueError as error:  # the message gives a position, or Python's limit on an integer's digits
        raise WebhookPayloadError(f"the body is not JSON: {error}", problem=PayloadProblem.NOT_JSON) from None
    if not isinstance(document, dict):
        raise WebhookPayloadError(
            f"the body is not a JSON object (found {describe_kind(_plain(document))})",
            problem=PayloadProblem.NOT_AN_OBJECT,
        )
    return document


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _cancellation_change(data: Mapping[str, Any]) -> CancellationStatusChange:
    order_id = _id_text("data.order_id", _required(data, "data.order_id"))
    role = _text("data.cancellations_role", _required(data, "data.cancellations_role"))
    status = _text("data.cancel_status", _required(data, "data.cancel_status"))
    # Optional ones: absent, null or empty mean "not sent".
    cancel_id = data.get("cancel_id")
    create_time = data.get("create_time")
    return CancellationStatusChange(
        order_id=order_id,
        cancellations_role=role,
        cancel_status=normalized_cancel_status(status),
        cancel_id=None if cancel_id in (None, "") else _id_text("data.cancel_id", cancel_id),
        create_time=None if create_time is None else _integer("data.create_time", create_time),
    )


def _required(document: Mapping[str, Any], field: str) -> Any:
    """The value of `field` ("shop_id", or "data.order_id" looked up in `data`), present but maybe null."""
    where, _, name = field.rpartition(".")
    if name not in document:
        raise WebhookPayloadError(
            f"{where or 'the notification'} lacks {name}", problem=PayloadProblem.MISSING_FIELD, field=field
        )
    return document[name]


def _id_text(field: str, value: object, pattern: re.Pattern[str] = _ID_PATTERN) -> str:
    """An id as text: sent as text, or as a JSON number without a fraction (its exact decimal digits)."""
    if isinstance(value, str):
        text = value
    elif _is_number(value):
        number = _whole_number(field, value)
        if number < 0:
            _invalid(field, f"{field} must not be negative")
        text = str(number)
    else:
        _wrong_type(field, "text or a whole number", value)
    if not pattern.fullmatch(text):
        _invalid(field, f"{field} must be 1 to 64 letters, digits, '_' or '-' (got {describe_value(text)})")
    return text


def _integer(field: str, value: object) -> int:
    if not _is_number(value):
        _wrong_type(field, "a whole number", value)
    number = _whole_number(field, value)
    if number < 0:
        _invalid(field, f"{field} must not be negative")
    return number


def _text(field: str, value: object) -> str:
    if not isinstance(value, str):
        _wrong_type(field, "text", value)
    if not value:
        _invalid(field, f"{field} is empty")
    return value


def _is_number(value: object) -> TypeGuard[int | Decimal]:
    # A bool is an int to Python, never a number to JSON.
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _whole_number(field: str, value: int | Decimal) -> int:
    """A JSON number without a fraction: 11, 11.0 and 1.1e1 alike; at most 64 digits, checked before a
    Decimal's int() could build a billion-digit number out of 1e999999999."""
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            _invalid(field, f"{field} must be a whole number (got {value:.6g})")
        # adjusted(), not abs(): arithmetic in the default context overflows past an exponent of 999999.
        too_long = value != 0 and value.adjusted() >= _MAX_INTEGER_DIGITS
    else:
        too_long = abs(value) >= _INTEGER_LIMIT
    if too_long:
        _invalid(field, f"{field} has more than {_MAX_INTEGER_DIGITS} digits")
    return int(value)


def _wrong_type(field: str, expected: str, value: object) -> NoReturn:
    raise WebhookPayloadError(
        f"{field} must be {expected} (got {describe_kind(_plain(value))})",
        problem=PayloadProblem.WRONG_TYPE,
        field=field,
    )


def _invalid(field: str, message: str) -> NoReturn:
    raise WebhookPayloadError(message, problem=PayloadProblem.INVALID_VALUE, field=field)


def _plain(value: object) -> object:
    # describe_kind knows JSON's kinds as json.loads makes them by default.
    return float(value) if isinstance(value, Decimal) else value

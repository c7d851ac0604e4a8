"""Checks that run before a request is built, so that bad input never reaches TikTok or the URL."""

from __future__ import annotations

import re

from .errors import TikTokValidationError

CANCEL_ID_PATTERN = re.compile(r"[0-9A-Za-z_-]{1,64}")
SHOP_ID_PATTERN = CANCEL_ID_PATTERN  # TikTok's shop ids are digits; the directory takes the same safe set
IDEMPOTENCY_KEY_MAX_LENGTH = 255  # TikTok's documented limit


def validate_cancel_id(cancel_id: object) -> str:
    # fullmatch, not match: "$" would accept a trailing newline.
    if not isinstance(cancel_id, str) or not CANCEL_ID_PATTERN.fullmatch(cancel_id):
        raise TikTokValidationError(
            "cancel_id must be 1 to 64 characters of letters, digits, '_' or '-'"
            f" (got {describe_value(cancel_id)})"
        )
    return cancel_id


def validate_shop_id(shop_id: object) -> str:
    if not isinstance(shop_id, str) or not SHOP_ID_PATTERN.fullmatch(shop_id):
        raise TikTokValidationError(
            "shop_id must be 1 to 64 characters of letters, digits, '_' or '-'"
            f" (got {describe_value(shop_id)})"
        )
    return shop_id


def validate_idempotency_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise TikTokValidationError(f"idempotency_key must be a non-empty string (got {describe_value(key)})")
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise TikTokValidationError(
            f"idempotency_key must be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters (got {len(key)})"
        )
    if not (key.isascii() and key.isprintable()):
        raise TikTokValidationError("idempotency_key must hold printable ASCII characters only")
    return key


def require_text(name: str, value: object) -> str:
    """A credential or setting that must be a non-empty string; the error names it, never shows it."""
    if not isinstance(value, str) or not value.strip():
        raise TikTokValidationError(f"{name} is missing or empty")
    problem = credential_text_problem(value)
    if problem:
        raise TikTokValidationError(f"{name} {problem}")
    return value


def credential_text_problem(value: str) -> str | None:
    """Why a credential cannot be sent as is, or None. Keys, secrets, tokens and ciphers are plain ASCII;
    a pasted line break or space would otherwise break the header or the sign, and land in an error text."""
    if value != value.strip():
        return "has leading or trailing white space"
    if not (value.isascii() and value.isprintable()):
        return "has characters other than printable ASCII"
    return None


# What a JSON value is called in an error message: a sender knows JSON's words, not Python's type names.
_KIND_WORDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (type(None), "null"),
    ((int, float), "a number"),
    (str, "text"),
    (dict, "an object"),
    ((list, tuple), "a list"),
)


def describe_kind(value: object) -> str:
    """What kind of JSON value `value` is, in plain words ("null", "a number", "an object", ...)."""
    if isinstance(value, bool):  # before numbers: a bool is an int to Python
        return "true" if value else "false"
    for kinds, word in _KIND_WORDS:
        if isinstance(value, kinds):
            return word
    return "a value that is not JSON"


def describe_value(value: object) -> str:
    """A value as an error message shows it: text quoted (cut after 70 characters), anything else by kind."""
    if isinstance(value, str):
        shown = value if len(value) <= 70 else value[:67] + "..."
        return repr(shown)
    return describe_kind(value)

"""TikTok Shop response codes this project acts on, and what each one means for a caller."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class TikTokCode(IntEnum):
    SUCCESS = 0
    # Common to every endpoint.
    TOO_MANY_REQUESTS = 36009002
    INTERNAL_ERROR = 36009003
    INVALID_CREDENTIALS = 36009004  # signature, token, app_key, timestamp or shop_cipher
    REQUEST_TIMEOUT = 36009007
    INVALID_PATH = 36009009
    INVALID_METHOD = 36009010
    IP_NOT_ALLOWED = 36009033
    INVALID_TOKEN = 101000
    ACCESS_TOKEN_EXPIRED = 105002
    MISSING_SCOPE = 105005
    INVALID_SIGN = 106001
    SHOP_CIPHER_MISSING = 106013
    # Token endpoints on the auth host. Not in TikTok's published tables: as integrators observe them.
    INVALID_AUTH_CODE = 36004004  # unknown, spent or expired authorization code
    AUTH_RECORD_NOT_FOUND = 36004005  # unknown, spent or expired refresh token: the seller must re-authorize
    # Approve Cancellation.
    INVALID_PARAM = 11050001
    INVALID_REQUEST_PARAMETER = 25001001
    INVALID_ORDER_STATUS = 25001003
    REVERSE_LOCK_FAILED = 25001028
    ORDER_ALREADY_SHIPPED = 25001045
    DOWNSTREAM_DATA_LOAD_ERROR = 25001058
    DB_ACCESS_ERROR = 25007002
    ORDER_NOT_FOUND = 25007006
    CANNOT_APPROVE_IN_STATUS = 25011012
    DECISION_STATUS_MISMATCH = 25020003
    DECISION_TYPE_MISMATCH = 25020004
    NO_PERMISSION = 25020005
    ALREADY_CANCELLED = 25020009


class ErrorCategory(StrEnum):
    """What a caller should do about a failure."""

    TRANSIENT = "transient"  # try again later, same idempotency key
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - a category name, not a password. Refresh the access token, then try once more
    CONFIGURATION = "configuration"  # credentials, sign, scope or allow-list: a person must fix it
    CONFLICT = "conflict"  # the cancellation is not in a state that can be approved
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID_REQUEST = "invalid_request"
    UNKNOWN = "unknown"  # an undocumented code: not retried, surfaced as is


# 25001028, 25001058 and 25007002 are documented as lock/load/db failures: transient by nature.
TRANSIENT_CODES = frozenset(
    {
        TikTokCode.TOO_MANY_REQUESTS,
        TikTokCode.INTERNAL_ERROR,
        TikTokCode.REQUEST_TIMEOUT,
        TikTokCode.REVERSE_LOCK_FAILED,
        TikTokCode.DOWNSTREAM_DATA_LOAD_ERROR,
        TikTokCode.DB_ACCESS_ERROR,
    }
)
TRANSIENT_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})
# Without a TikTok code: a refused credential, or a wrong base URL or path (not a missing cancellation).
CONFIGURATION_HTTP_STATUSES = frozenset({401, 403, 404})

_CATEGORY_BY_CODE: dict[int, ErrorCategory] = {
    **dict.fromkeys(TRANSIENT_CODES, ErrorCategory.TRANSIENT),
    TikTokCode.ACCESS_TOKEN_EXPIRED: ErrorCategory.TOKEN_EXPIRED,
    **dict.fromkeys(
        (
            TikTokCode.INVALID_CREDENTIALS,
            TikTokCode.INVALID_PATH,
            TikTokCode.INVALID_METHOD,
            TikTokCode.IP_NOT_ALLOWED,
            TikTokCode.INVALID_TOKEN,
            TikTokCode.MISSING_SCOPE,
            TikTokCode.INVALID_SIGN,
            TikTokCode.SHOP_CIPHER_MISSING,
            TikTokCode.INVALID_AUTH_CODE,
            TikTokCode.AUTH_RECORD_NOT_FOUND,
        ),
        ErrorCategory.CONFIGURATION,
    ),
    **dict.fromkeys(
        (
            TikTokCode.INVALID_ORDER_STATUS,
            TikTokCode.ORDER_ALREADY_SHIPPED,
            TikTokCode.CANNOT_APPROVE_IN_STATUS,
            TikTokCode.DECISION_STATUS_MISMATCH,
            TikTokCode.DECISION_TYPE_MISMATCH,
            TikTokCode.ALREADY_CANCELLED,
        ),
        ErrorCategory.CONFLICT,
    ),
    TikTokCode.ORDER_NOT_FOUND: ErrorCategory.NOT_FOUND,
    TikTokCode.NO_PERMISSION: ErrorCategory.FORBIDDEN,
    TikTokCode.INVALID_PARAM: ErrorCategory.INVALID_REQUEST,
    TikTokCode.INVALID_REQUEST_PARAMETER: ErrorCategory.INVALID_REQUEST,
}


def categorize(code: int | None, http_status: int | None) -> ErrorCategory:
    """Classify a failure by TikTok's code first, then by the HTTP status; no answer at all is transient."""
    if code is not None and code in _CATEGORY_BY_CODE:
        return _CATEGORY_BY_CODE[code]
    if http_status is None or http_status in TRANSIENT_HTTP_STATUSES:
        return ErrorCategory.TRANSIENT
    if http_status in CONFIGURATION_HTTP_STATUSES:
        return ErrorCategory.CONFIGURATION
    return ErrorCategory.UNKNOWN


def codes_of(category: ErrorCategory) -> list[int]:
    """The TikTok codes this table puts in `category`, in ascending order (for documentation)."""
    return sorted(code for code, known in _CATEGORY_BY_CODE.items() if known is category)

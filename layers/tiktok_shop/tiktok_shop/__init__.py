"""TikTok Shop Partner API client: signing, the HTTP client, typed errors, retries, credentials.

Knows TikTok and nothing of AWS events; usable as a plain library.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .cancellations import Cancellation, CancellationPage, CancelStatus, NextAction
from .codes import ErrorCategory, TikTokCode
from .credentials import Credentials, CredentialsLoader
from .errors import (
    CredentialsError,
    CredentialsUnavailableError,
    DeadlineReached,
    TikTokAPIError,
    TikTokShopError,
    TikTokTransportError,
    TikTokValidationError,
)
from .rate_limit import RateLimiter, RequestSlotUnavailable
from .retry import RetryPolicy
from .signing import sign

if TYPE_CHECKING:
    from .auth import TokenGrant
    from .authorization import AuthorizedShop
    from .client import DEFAULT_AUTH_BASE_URL, DEFAULT_BASE_URL, TikTokShopClient
    from .events import EventType, ShopWebhook, ShopWebhooks, WebhookChange
    from .webhooks import (
        MAX_WEBHOOK_BODY_BYTES,
        CancellationRole,
        CancellationStatusChange,
        Notification,
        NotificationType,
        PayloadProblem,
        WebhookBodyTooLarge,
        WebhookPayloadError,
        check_body_size,
        find_signing_app,
        is_pending_buyer_cancellation,
        parse_notification,
        verify_signature,
        webhook_signature,
    )

# Imported at first use: the token, shop-list and Event APIs serve the rotation and the scripts, the
# webhooks the webhook function; none of them an approval. The client (and with it requests and urllib3)
# serves every function but the webhook's, which never calls TikTok: its cold start does not pay for them.
_WEBHOOK_NAMES = (
    "MAX_WEBHOOK_BODY_BYTES",
    "CancellationRole",
    "CancellationStatusChange",
    "Notification",
    "NotificationType",
    "PayloadProblem",
    "WebhookBodyTooLarge",
    "WebhookPayloadError",
    "check_body_size",
    "find_signing_app",
    "is_pending_buyer_cancellation",
    "parse_notification",
    "verify_signature",
    "webhook_signature",
)
_LAZY = {
    **dict.fromkeys(("DEFAULT_AUTH_BASE_URL", "DEFAULT_BASE_URL", "TikTokShopClient"), ".client"),
    "TokenGrant": ".auth",
    "AuthorizedShop": ".authorization",
    **dict.fromkeys(("EventType", "ShopWebhook", "ShopWebhooks", "WebhookChange"), ".events"),
    **dict.fromkeys(_WEBHOOK_NAMES, ".webhooks"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib  # noqa: PLC0415

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_AUTH_BASE_URL",
    "DEFAULT_BASE_URL",
    "MAX_WEBHOOK_BODY_BYTES",
    "AuthorizedShop",
    "CancelStatus",
    "Cancellation",
    "CancellationPage",
    "CancellationRole",
    "CancellationStatusChange",
    "Credentials",
    "CredentialsError",
    "CredentialsLoader",
    "CredentialsUnavailableError",
    "DeadlineReached",
    "ErrorCategory",
    "EventType",
    "NextAction",
    "Notification",
    "NotificationType",
    "PayloadProblem",
    "RateLimiter",
    "RequestSlotUnavailable",
    "RetryPolicy",
    "ShopWebhook",
    "ShopWebhooks",
    "TikTokAPIError",
    "TikTokCode",
    "TikTokShopClient",
    "TikTokShopError",
    "TikTokTransportError",
    "TikTokValidationError",
    "TokenGrant",
    "WebhookBodyTooLarge",
    "WebhookChange",
    "WebhookPayloadError",
    "__version__",
    "check_body_size",
    "find_signing_app",
    "is_pending_buyer_cancellation",
    "parse_notification",
    "sign",
    "verify_signature",
    "webhook_signature",
]

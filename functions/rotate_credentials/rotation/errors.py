"""Why a rotation step refused to go on. None of them carries a secret value or a token.

Their class names are the Lambda error types Secrets Manager records for the failed rotation.
"""

from __future__ import annotations

from tiktok_shop import AuthorizedShop, ErrorCategory, TikTokAPIError


class RotationError(Exception):
    """Base: the step failed and changed nothing that AWSCURRENT depends on."""


class RotationNotEnabled(RotationError):
    pass


class VersionNotPending(RotationError):
    """The ClientRequestToken names no version of the secret, or one that is not AWSPENDING."""


class CredentialsIncomplete(RotationError):
    """The current secret cannot be rotated: a key is missing or still holds the template's placeholder."""


class PendingValueMissing(RotationError):
    """A later step found no value in the pending version: createSecret did not complete."""


class ShopCipherUnresolved(RotationError):
    """The secret names no shop_cipher and the seller authorized none or several shops."""

    def __init__(self, shops: list[AuthorizedShop]) -> None:
        listed = ", ".join(f"{shop.cipher} ({shop.name or shop.id or 'unnamed'})" for shop in shops)
        problem = f"{len(shops)} shops are authorized: {listed}" if shops else "no shop is authorized"
        super().__init__(
            f"the secret names no shop_cipher and {problem}; put the one to approve for in the secret's "
            "shop_cipher (make authorize ... SHOP_CIPHER=...), then rotate again"
        )


class ShopCipherNotAuthorized(RotationError):
    """The secret's shop_cipher is not among the shops the new access token may act for."""


class NoShopAuthorized(RotationError):
    """A seller's secret whose access token may act for no shop: the seller revoked the whole authorization
    (or every shop of it). Nothing in the directory is changed; the seller authorizes again."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"{token} lists no shop of the seller's authorization; the shop directory is left as it was. "
            "Have the seller authorize the app again (make authorize CODE=... SELLER=...), or remove the "
            "seller (make remove-seller SELLER=...)"
        )


class ShopListUnusable(RotationError):
    """A shop TikTok listed cannot be a directory entry (no id, or an id the directory refuses)."""


class ShopDirectoryNotConfigured(RotationError):
    """A seller's secret (its name starts with SELLER_SECRET_PREFIX) but no SHOPS_TABLE to refresh."""


class TikTokRefused(RotationError):
    """TikTok refused a call, or could not be reached; carries TikTok's code and request id, no token."""

    def __init__(self, action: str, error: TikTokAPIError) -> None:
        hint = ""
        if error.category is ErrorCategory.CONFIGURATION:
            hint = (
                "; check app_key and app_secret, or have the seller authorize the app again "
                "(make authorize CODE=...): a spent or expired refresh token cannot be refreshed"
            )
        super().__init__(f"{action} failed: {error}{hint}")
        self.code = error.code
        self.request_id = error.request_id

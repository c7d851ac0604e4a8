"""What rotation needs from the secret's JSON object, read without ever echoing a value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from tiktok_shop import TokenGrant

from .errors import CredentialsIncomplete

# What template.yaml puts in every field of a freshly deployed secret.
PLACEHOLDER: Final = "REPLACE_ME"


def filled(value: object) -> str | None:
    """The value when it is a real one: a non-empty string other than the template's placeholder."""
    if isinstance(value, str) and value.strip() and value != PLACEHOLDER:
        return value
    return None


@dataclass(frozen=True, repr=False)
class RefreshableCredentials:
    app_key: str
    app_secret: str
    refresh_token: str
    access_token: str | None
    shop_cipher: str | None

    def __repr__(self) -> str:
        return f"RefreshableCredentials(app_key={self.app_key!r}, shop_cipher={self.shop_cipher!r})"

    @classmethod
    def from_secret(cls, secret: Mapping[str, Any], *, stage: str) -> RefreshableCredentials:
        missing = [
            key for key in ("app_key", "app_secret", "refresh_token") if filled(secret.get(key)) is None
        ]
        if missing:
            raise CredentialsIncomplete(
                f"the {stage} version of the secret has no usable {', '.join(missing)} (missing, empty or "
                f"{PLACEHOLDER}); fill it first: make authorize CODE=<the seller's authorization code>"
            )
        return cls(
            app_key=secret["app_key"],
            app_secret=secret["app_secret"],
            refresh_token=secret["refresh_token"],
            access_token=filled(secret.get("access_token")),
            shop_cipher=filled(secret.get("shop_cipher")),
        )


def with_grant(secret: Mapping[str, Any], grant: TokenGrant, shop_cipher: str | None) -> dict[str, Any]:
    """The secret with the new tokens and their expiry times; every other key kept as it was."""
    updated = {
        **secret,
        "access_token": grant.access_token,
        "access_token_expire_in": grant.access_token_expire_in,
        "refresh_token": grant.refresh_token,
        "refresh_token_expire_in": grant.refresh_token_expire_in,
    }
    if shop_cipher is not None:
        updated["shop_cipher"] = shop_cipher
    return updated

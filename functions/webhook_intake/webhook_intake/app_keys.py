"""The app key and secret that sign TikTok's webhooks: the default credentials secret's `app_key` and
`app_secret`, read with Powertools' SecretsProvider and cached for CREDENTIALS_CACHE_SECONDS, as the approval
function reads the same secret. Nothing else of the secret (tokens) is used here.

Sellers' secrets (SellerSecretPrefix) are not read: see README, "Webhook intake", for the limitation.
"""

from __future__ import annotations

import json
from typing import Any, Final

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from tiktok_shop.credentials import parameter_error_code

# The template fills the secret with this until `make authorize` runs. It is public: an app "secret" that
# holds it would let anyone sign.
PLACEHOLDER: Final = "REPLACE_ME"
# What no retry fixes: the secret is missing or this function may not read it.
_PERMANENT_READ_ERRORS: Final = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure", "InvalidRequestException"}
)


class NoAppSecret(Exception):
    """No usable app key and secret: a configuration fault (answered 401, counted apart from forgeries).
    The message names what is wrong, never a value."""


class SecretUnavailable(Exception):
    """Secrets Manager failed transiently: TikTok should send the webhook again (5xx)."""


class AppKeys:
    def __init__(self, secret_id: str | None, *, provider: SecretsProvider, max_age: int) -> None:
        self._secret_id = secret_id
        self._provider = provider
        self._max_age = max_age

    def apps(self) -> list[tuple[str, str]]:
        """[(app_key, app_secret)] to verify with. Raises NoAppSecret or SecretUnavailable."""
        if not self._secret_id:
            raise NoAppSecret("TIKTOK_CREDENTIALS_SECRET is not set")
        try:
            raw = self._provider.get(self._secret_id, max_age=self._max_age)
        except GetParameterError as error:
            if parameter_error_code(error) in _PERMANENT_READ_ERRORS:
                raise NoAppSecret(f"cannot read secret {self._secret_id!r}: {error}") from None
            raise SecretUnavailable(f"cannot read secret {self._secret_id!r}: {error}") from None
        return [_app(self._secret_id, raw)]


def _app(secret_id: str, raw: Any) -> tuple[str, str]:
    try:
        secret = json.loads(raw) if isinstance(raw, str | bytes) else None
    except ValueError:
        secret = None
    if not isinstance(secret, dict):
        raise NoAppSecret(f"secret {secret_id!r} is not a JSON object")
    pair = []
    for name in ("app_key", "app_secret"):
        value = secret.get(name)
        if not isinstance(value, str) or not value.strip() or value == PLACEHOLDER:
            raise NoAppSecret(f"secret {secret_id!r} has no {name} (missing, empty or {PLACEHOLDER})")
        pair.append(value)
    return pair[0], pair[1]

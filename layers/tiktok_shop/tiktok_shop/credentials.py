"""TikTok credentials and their loading from a Secrets Manager JSON secret (through Powertools Parameters)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from .errors import CredentialsError, CredentialsUnavailableError
from .validation import credential_text_problem, describe_kind

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

REQUIRED_KEYS = ("app_key", "app_secret", "access_token", "shop_cipher")
_SECRET_FIELDS = frozenset({"app_secret", "access_token", "refresh_token"})
DEFAULT_MAX_AGE_SECONDS = 300
# Secrets Manager errors that asking again will not cure; anything else (throttling, faults) may pass.
_PERMANENT_READ_ERRORS = frozenset(
    {
        "ResourceNotFoundException",
        "AccessDeniedException",
        "DecryptionFailure",
        "InvalidRequestException",
        "InvalidParameterException",
    }
)


@dataclass(frozen=True)
class Credentials:
    app_key: str
    app_secret: str
    access_token: str
    shop_cipher: str
    refresh_token: str | None = None
    access_token_expire_in: int | None = None  # absolute Unix time, as TikTok names it
    refresh_token_expire_in: int | None = None
    # TikTok's id of the secret's own shop (the default shop), as its webhooks name it: `make authorize`
    # writes it beside shop_cipher. None in a secret written before it did.
    shop_id: str | None = None

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={self._shown(f.name)}" for f in fields(self))
        return f"Credentials({shown})"

    def _shown(self, name: str) -> str:
        value = getattr(self, name)
        return "'***'" if name in _SECRET_FIELDS and value else repr(value)

    @classmethod
    def from_mapping(cls, secret: Mapping[str, Any], *, source: str = "the secret") -> Credentials:
        """Build from the secret's JSON object; an error names the missing or bad key, never a value."""
        for key in REQUIRED_KEYS:
            value = secret.get(key)
            if not isinstance(value, str) or not value.strip():
                state = "missing" if key not in secret else "empty or not a string"
                raise CredentialsError(f"{source}: key {key!r} is {state}")
            problem = credential_text_problem(value)
            if problem:
                raise CredentialsError(f"{source}: key {key!r} {problem}")
        return cls(
            app_key=secret["app_key"],
            app_secret=secret["app_secret"],
            access_token=secret["access_token"],
            shop_cipher=secret["shop_cipher"],
            refresh_token=_optional_text(secret, "refresh_token", source),
            access_token_expire_in=_optional_int(secret, "access_token_expire_in", source),
            refresh_token_expire_in=_optional_int(secret, "refresh_token_expire_in", source),
            shop_id=_optional_text(secret, "shop_id", source),
        )

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "the secret") -> Credentials:
        try:
            secret = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise CredentialsError(f"{source} is not valid JSON") from None  # the cause quotes the text
        if not isinstance(secret, dict):
            raise CredentialsError(f"{source} is not a JSON object (found {describe_kind(secret)})")
        return cls.from_mapping(secret, source=source)


class CredentialsLoader:
    """Reads the credentials secret, cached for `max_age` seconds; `get(force_refresh=True)` re-reads it."""

    def __init__(
        self,
        secret_id: str,
        *,
        max_age: int = DEFAULT_MAX_AGE_SECONDS,
        provider: SecretsProvider | None = None,
    ) -> None:
        if not secret_id:
            raise CredentialsError("no credentials secret configured (TIKTOK_CREDENTIALS_SECRET is empty)")
        self.secret_id = secret_id
        self.max_age = max_age
        self._provider = provider

    def get(self, *, force_refresh: bool = False) -> Credentials:
        # Imported here so that the client stays usable without Powertools installed.
        from aws_lambda_powertools.utilities.parameters import SecretsProvider  # noqa: PLC0415
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

        if self._provider is None:
            self._provider = SecretsProvider()
        try:
            raw = self._provider.get(self.secret_id, max_age=self.max_age, force_fetch=force_refresh)
        except GetParameterError as error:
            # Powertools' message carries the AWS error (access denied, not found), never the value.
            message = f"cannot read secret {self.secret_id!r}: {error}"
            if parameter_error_code(error) in _PERMANENT_READ_ERRORS:
                raise CredentialsError(message) from None
            raise CredentialsUnavailableError(message) from None
        if not isinstance(raw, str | bytes):
            raise CredentialsError(f"secret {self.secret_id!r} has no string value")
        return Credentials.from_json(raw, source=f"secret {self.secret_id!r}")


def parameter_error_code(error: BaseException) -> str | None:
    """The AWS error code behind a Powertools GetParameterError: Powertools wraps every boto error in it,
    and the original is the implicit context."""
    response = getattr(error.__context__, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _optional_text(secret: Mapping[str, Any], key: str, source: str) -> str | None:
    value = secret.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CredentialsError(f"{source}: key {key!r} must be a string")
    return value


def _optional_int(secret: Mapping[str, Any], key: str, source: str) -> int | None:
    value = secret.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise CredentialsError(f"{source}: key {key!r} must be a Unix timestamp (integer)")
    return int(value)

"""Store a seller's first TikTok Shop tokens in the credentials secret. An operator's tool, never deployed.

    make authorize CODE=<authorization code> [SHOP_CIPHER=<cipher>] [SECRET_ID=<secret name or ARN>]
    PYTHONPATH=layers/tiktok_shop python scripts/authorize.py --code <code> [--shop-cipher] [--secret-id]

Exchanges the seller's authorization code (30 minutes, single use) for an access token and a refresh token,
looks up the shop cipher (Get Authorized Shops; --shop-cipher chooses when the seller authorized several
shops), and writes the whole secret as its new AWSCURRENT version. From then on the rotation function keeps
the access token fresh.

app_key and app_secret come from TIKTOK_APP_KEY and TIKTOK_APP_SECRET, else from the secret when it already
holds real ones, else from a prompt (the secret one without echo). Nothing secret is ever printed. AWS access
is boto3's usual (profile, AWS_REGION, AWS_ENDPOINT_URL for a local emulator).
"""

from __future__ import annotations

import argparse
import datetime
import getpass
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from tiktok_shop import (
    DEFAULT_AUTH_BASE_URL,
    DEFAULT_BASE_URL,
    AuthorizedShop,
    TikTokAPIError,
    TikTokShopClient,
    TikTokValidationError,
    TokenGrant,
)

PLACEHOLDER = "REPLACE_ME"  # what template.yaml puts in every field of a fresh secret
EXIT_FAILED = 1
EXIT_CHOICE_NEEDED = 2


class AuthorizationFailed(Exception):
    """Ends the script with a message; `exit_code` says why."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_arguments(argv)
    try:
        summary = authorize(args)
    except AuthorizationFailed as failure:
        print(f"authorize: {failure}", file=sys.stderr)
        return failure.exit_code
    print(summary)
    return 0


def authorize(args: argparse.Namespace) -> str:
    secret_id = args.secret_id or os.environ.get("TIKTOK_CREDENTIALS_SECRET")
    if not secret_id:
        raise AuthorizationFailed("no secret: pass --secret-id (the stack output TikTokCredentialsSecretArn)")
    secrets = boto3.client("secretsmanager")
    existing = _current_secret(secrets, secret_id)
    app_key = _setting("TIKTOK_APP_KEY", existing.get("app_key")) or _ask("TikTok app_key: ")
    app_secret = _setting("TIKTOK_APP_SECRET", existing.get("app_secret")) or _ask_secret(
        "TikTok app_secret: "
    )
    client = TikTokShopClient(
        app_key=app_key, app_secret=app_secret, base_url=args.api_base_url, auth_base_url=args.auth_base_url
    )
    try:
        grant = client.auth.get_access_token(args.code)
        client.set_access_token(grant.access_token)
        shops = client.authorization.get_authorized_shops()
    except (TikTokAPIError, TikTokValidationError) as error:
        raise AuthorizationFailed(f"TikTok refused: {error}") from None
    shop = _choose_shop(shops, args.shop_cipher)
    secret = {
        **existing,
        "app_key": app_key,
        "app_secret": app_secret,
        "access_token": grant.access_token,
        "access_token_expire_in": grant.access_token_expire_in,
        "refresh_token": grant.refresh_token,
        "refresh_token_expire_in": grant.refresh_token_expire_in,
        "shop_cipher": shop.cipher,
    }
    try:
        secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(secret))
        abandoned = _abandon_rotation_in_progress(secrets, secret_id)
    except (BotoCoreError, ClientError) as error:
        raise AuthorizationFailed(f"cannot write secret {secret_id}: {error}") from None
    return _summary(secret_id, grant, shop, abandoned)


def _current_secret(secrets: Any, secret_id: str) -> dict[str, Any]:
    try:
        text = secrets.get_secret_value(SecretId=secret_id).get("SecretString")
    except (BotoCoreError, ClientError) as error:
        raise AuthorizationFailed(f"cannot read secret {secret_id}: {error}") from None
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = None  # the parser's message would quote the text
    # Anything else the secret holds is kept; a value that is not a JSON object is replaced as a whole.
    return value if isinstance(value, dict) else {}


def _setting(variable: str, from_secret: object) -> str | None:
    value = os.environ.get(variable) or from_secret
    return value if isinstance(value, str) and value.strip() and value != PLACEHOLDER else None


def _ask(prompt: str) -> str:
    return _required(input(prompt))


def _ask_secret(prompt: str) -> str:
    return _required(getpass.getpass(prompt))


def _required(value: str) -> str:
    if not value.strip():
        raise AuthorizationFailed("an empty answer; nothing written")
    return value.strip()


def _interactive() -> bool:
    return sys.stdin.isatty()


def _choose_shop(shops: list[AuthorizedShop], wanted: str | None) -> AuthorizedShop:
    if wanted is not None:
        chosen = next((shop for shop in shops if shop.cipher == wanted), None)
        if chosen is None:
            raise AuthorizationFailed(f"--shop-cipher is not among the authorized shops:\n{_listing(shops)}")
        return chosen
    if len(shops) == 1:
        return shops[0]
    if not shops:
        raise AuthorizationFailed("the seller authorized no shop for this app; nothing written")
    if _interactive():
        print(_listing(shops))
        answer = _ask(f"Approve cancellations for which shop (1-{len(shops)})? ")
        if answer.isdigit() and 1 <= int(answer) <= len(shops):
            return shops[int(answer) - 1]
    # The authorization code is spent by now: the seller has to authorize again for another try.
    raise AuthorizationFailed(
        f"the seller authorized {len(shops)} shops; authorize again with --shop-cipher (SHOP_CIPHER=) set to "
        f"one of them; nothing written:\n{_listing(shops)}",
        EXIT_CHOICE_NEEDED,
    )


def _abandon_rotation_in_progress(secrets: Any, secret_id: str) -> list[str]:
    """A new authorization supersedes a failed rotation: its AWSPENDING version would otherwise be retried
    (and refused again) instead of a fresh rotation from the new tokens."""
    stages_by_version: Mapping[str, list[str]] = secrets.describe_secret(SecretId=secret_id).get(
        "VersionIdsToStages", {}
    )
    abandoned = [
        v for v, stages in stages_by_version.items() if "AWSPENDING" in stages and "AWSCURRENT" not in stages
    ]
    for version in abandoned:
        secrets.update_secret_version_stage(
            SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=version
        )
    return abandoned


def _listing(shops: list[AuthorizedShop]) -> str:
    return "\n".join(f"  {n}. {_describe(shop)}" for n, shop in enumerate(shops, start=1))


def _describe(shop: AuthorizedShop) -> str:
    return f"{shop.name or '(no name)'} [{shop.region or '?'}, id {shop.id or '?'}] shop_cipher={shop.cipher}"


def _summary(secret_id: str, grant: TokenGrant, shop: AuthorizedShop, abandoned: list[str]) -> str:
    lines = [
        f"Stored the tokens of {grant.seller_name or 'the seller'} in {secret_id} (AWSCURRENT).",
        f"  shop:                  {_describe(shop)}",
        f"  access token expires:  {_date(grant.access_token_expire_in)} (rotation refreshes it)",
        f"  refresh token expires: {_date(grant.refresh_token_expire_in)} (then the seller authorizes again)",
    ]
    if abandoned:
        lines.append(f"  abandoned the unfinished rotation of version(s) {', '.join(abandoned)}")
    return "\n".join(lines)


def _date(unix_time: int) -> str:
    return datetime.datetime.fromtimestamp(unix_time, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="authorize", description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--code", required=True, help="the seller's authorization code (30 minutes, single use)"
    )
    parser.add_argument("--secret-id", help="the credentials secret (default: $TIKTOK_CREDENTIALS_SECRET)")
    parser.add_argument("--shop-cipher", help="the shop to approve for, when the seller authorized several")
    parser.add_argument(
        "--auth-base-url",
        default=os.environ.get("TIKTOK_AUTH_BASE_URL") or DEFAULT_AUTH_BASE_URL,
        help="TikTok's auth host (default: $TIKTOK_AUTH_BASE_URL or %(default)s)",
    )
    parser.add_argument(
        "--api-base-url",
        default=os.environ.get("TIKTOK_API_BASE_URL") or DEFAULT_BASE_URL,
        help="TikTok's API host (default: $TIKTOK_API_BASE_URL or %(default)s)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())

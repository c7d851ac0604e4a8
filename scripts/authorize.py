"""Store a seller's first TikTok Shop tokens in the credentials secret. An operator's tool, never deployed.

    make authorize CODE=<authorization code> [SHOP_CIPHER=<cipher>] [SECRET_ID=<secret name or ARN>]
    PYTHONPATH=layers/tiktok_shop python scripts/authorize.py --code <code> [--shop-cipher] [--secret-id]

    make authorize CODE=<authorization code> SELLER=<name>          # a seller of many (docs/shops.md)
    ... scripts/authorize.py --code <code> --seller [NAME] [--shops-table] [--secret-prefix]
                             [--rotation-function-arn] [--rotation-days N]

Two modes. The single secret (below): a secret named by --secret-id or $TIKTOK_CREDENTIALS_SECRET. A
seller's own secret and the shop directory (seller_onboarding.py): when a seller flag is given (--seller,
--shops-table, --secret-prefix, --rotation-function-arn, --rotation-days), or when no secret is named and
$SHOPS_TABLE is set. A flag beats the environment; --secret-id with a seller flag is refused.

Exchanges the seller's authorization code (30 minutes, single use) for an access token and a refresh token,
looks up the shop cipher (Get Authorized Shops; --shop-cipher chooses when the seller authorized several
shops), and writes the whole secret as its new AWSCURRENT version. From then on the rotation function keeps
the access token fresh.

app_key and app_secret come from TIKTOK_APP_KEY and TIKTOK_APP_SECRET, else from the secret when it already
holds real ones, else from a prompt (the secret one without echo). Nothing secret is ever printed. AWS access
(aws_access.py, as every operator command): the region from AWS_REGION or AWS_DEFAULT_REGION, else the one
samconfig.toml saved; the profile from AWS_PROFILE, else samconfig.toml's; AWS_ENDPOINT_URL for a local
emulator. Without a region or credentials it stops with one line that says how to set them (exit 3).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_access
import seller_config
import seller_mode
from botocore.exceptions import BotoCoreError, ClientError
from deployed_stack import SAMCONFIG, read_samconfig
from operator_common import (
    EXIT_CHOICE_NEEDED,
    OperatorError,
    abandon_rotation_in_progress,
    ask,
    date,
    describe_shop,
    read_secret_object,
    required,
    run,
    setting,
)
from tiktok_shop import (
    DEFAULT_AUTH_BASE_URL,
    DEFAULT_BASE_URL,
    AuthorizedShop,
    TikTokAPIError,
    TikTokShopClient,
    TikTokValidationError,
    TokenGrant,
)

AuthorizationFailed = OperatorError  # the name this script has always raised


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_arguments(argv)
    return run("authorize", lambda: _authorize_in_its_mode(args))


def _authorize_in_its_mode(args: argparse.Namespace) -> str:
    if seller_mode.seller_mode(args):
        # Imported here: the single-secret mode needs only the layer on PYTHONPATH, as it always has.
        import seller_onboarding  # noqa: PLC0415

        return seller_onboarding.onboard(args)
    return authorize(args)


def authorize(args: argparse.Namespace) -> str:
    secret_id = args.secret_id or os.environ.get("TIKTOK_CREDENTIALS_SECRET")
    if not secret_id:
        raise AuthorizationFailed(
            "no secret: pass --secret-id (the stack output TikTokCredentialsSecretArn), or --seller [NAME] "
            "for a seller's own secret and the shop directory"
        )
    # The region and profile every operator command uses (aws_access.py); credentials checked first.
    saved = read_samconfig(args.config_file or SAMCONFIG)
    session = aws_access.session(saved)
    secrets = session.client("secretsmanager")
    existing = _current_secret(secrets, secret_id)
    app_key = setting("TIKTOK_APP_KEY", existing.get("app_key")) or ask("TikTok app_key: ")
    app_secret = setting("TIKTOK_APP_SECRET", existing.get("app_secret")) or _ask_secret(
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
    # What the shop's webhooks name it by: the autopilot finds the default shop with it. An earlier
    # shop's id must not outlive its cipher.
    secret.pop("shop_id", None)
    if shop.id:
        secret["shop_id"] = shop.id
    try:
        secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(secret))
        abandoned = abandon_rotation_in_progress(secrets, secret_id)
    except (BotoCoreError, ClientError) as error:
        raise AuthorizationFailed(
            f"cannot write secret {secret_id}: {aws_access.describe_error(error)}"
        ) from None
    # Imported here: the layer's Event API is needed only once the tokens are stored.
    import webhooks  # noqa: PLC0415

    stack = seller_config.StackOutputs(saved, lambda: session.client("cloudformation"))
    subscribed = webhooks.subscribe_after_authorization(client, [(describe_shop(shop), shop.cipher)], stack)
    return "\n".join([_summary(secret_id, grant, shop, abandoned), *subscribed])


def _current_secret(secrets: Any, secret_id: str) -> dict[str, Any]:
    # Anything else the secret holds is kept; a value that is not a JSON object is replaced as a whole.
    return read_secret_object(secrets, secret_id)


def _ask_secret(prompt: str) -> str:
    return required(getpass.getpass(prompt))


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
        answer = ask(f"Approve cancellations for which shop (1-{len(shops)})? ")
        if answer.isdigit() and 1 <= int(answer) <= len(shops):
            return shops[int(answer) - 1]
    # The authorization code is spent by now: the seller has to authorize again for another try.
    raise AuthorizationFailed(
        f"the seller authorized {len(shops)} shops; authorize again with --shop-cipher (SHOP_CIPHER=) set to "
        f"one of them; nothing written:\n{_listing(shops)}",
        EXIT_CHOICE_NEEDED,
    )


def _listing(shops: list[AuthorizedShop]) -> str:
    return "\n".join(f"  {n}. {describe_shop(shop)}" for n, shop in enumerate(shops, start=1))


def _summary(secret_id: str, grant: TokenGrant, shop: AuthorizedShop, abandoned: list[str]) -> str:
    lines = [
        f"Stored the tokens of {grant.seller_name or 'the seller'} in {secret_id} (AWSCURRENT).",
        f"  shop:                  {describe_shop(shop)}",
        f"  access token expires:  {date(grant.access_token_expire_in)} (rotation refreshes it)",
        f"  refresh token expires: {date(grant.refresh_token_expire_in)} (then the seller authorizes again)",
    ]
    if abandoned:
        lines.append(f"  abandoned the unfinished rotation of version(s) {', '.join(abandoned)}")
    return "\n".join(lines)


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="authorize", description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--code", required=True, help="the seller's authorization code (30 minutes, single use)"
    )
    parser.add_argument("--secret-id", help="the credentials secret (default: $TIKTOK_CREDENTIALS_SECRET)")
    parser.add_argument(
        "--shop-cipher",
        help="the shop to approve for, when the seller authorized several (seller mode: the secret's own "
        "shop_cipher; every shop goes into the directory)",
    )
    seller = parser.add_argument_group("seller mode (docs/shops.md)")
    seller.add_argument(
        "--seller",
        nargs="?",
        const=seller_mode.OPEN_ID,
        metavar="NAME",
        help="a seller's own secret, <prefix><NAME>; without NAME, the token grant's open_id",
    )
    seller.add_argument("--shops-table", help="the shop directory (default: $SHOPS_TABLE, else the stack's)")
    seller.add_argument(
        "--secret-prefix",
        help="the sellers' secret name prefix (default: $SELLER_SECRET_PREFIX, else the stack's)",
    )
    seller.add_argument(
        "--rotation-function-arn",
        help="RotateCredentialsFunction (default: $ROTATE_CREDENTIALS_FUNCTION_ARN, else the stack's)",
    )
    seller.add_argument(
        "--no-rotation",
        action="store_const",
        const=True,
        help="leave rotation off: for a stack with no Lambda service to rotate (the local stack)",
    )
    seller.add_argument(
        "--rotation-days",
        type=int,
        help=f"days between rotations (default: {seller_mode.DEFAULT_ROTATION_DAYS})",
    )
    parser.add_argument(
        "--config-file",
        type=Path,
        help="the samconfig.toml that records the deployed stack, its region and profile (default: the "
        "repository's)",
    )
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

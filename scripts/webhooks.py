"""Subscribe the stack's webhook URL for one shop with TikTok's Event API, then show what TikTok has
subscribed. An operator's tool, never deployed.

    make webhooks [SHOP=<shop_id>] [ADDRESS=<url>] [LIST=1] [SECRET_ID=<the default secret>]
    PYTHONPATH=layers/tiktok_shop python scripts/webhooks.py [--shop ID] [--address URL] [--list] ...

Whose credentials: with --shop, the shop directory's entry (ShopsTable: --shops-table, else $SHOPS_TABLE,
else the stack output ShopsTableName) names the seller's secret and the shop's cipher; without, the default
secret (--secret-id, else $TIKTOK_CREDENTIALS_SECRET, else the stack output TikTokCredentialsSecretArn) with
its own shop_cipher. The secret gives app_key, app_secret and the access token; none of them is printed.

Where to: --address, else the deployed stack's output WebhookUrl. CANCELLATION_STATUS_CHANGE,
SELLER_DEAUTHORIZATION and UPCOMING_AUTHORIZATION_EXPIRATION are subscribed (Update Shop Webhook: one
address per event type and shop; asking again is harmless), then the shop's subscriptions are listed (Get
Shop Webhooks). --list only lists. AWS access as for every operator command (aws_access.py); every failure
is one line on stderr and an exit code (operator_common.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aws_access
import seller_config
from botocore.exceptions import BotoCoreError, ClientError
from operator_common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_NOT_CONFIGURED,
    EXIT_NOT_FOUND,
    PLACEHOLDER,
    OperatorError,
    date,
    read_secret_object,
    run,
)
from seller_config import SHOPS_TABLE, Setting
from shop_directory import ShopEntry
from tiktok_shop import (
    DEFAULT_BASE_URL,
    EventType,
    ShopWebhooks,
    TikTokAPIError,
    TikTokShopClient,
    TikTokValidationError,
)
from tiktok_shop.events import is_local_base_url, validate_address
from tiktok_shop.validation import validate_shop_id

DEFAULT_SECRET: Final = Setting(
    "the default credentials secret", "--secret-id", "TIKTOK_CREDENTIALS_SECRET", "TikTokCredentialsSecretArn"
)
WEBHOOK_URL_OUTPUT: Final = "WebhookUrl"
SUBSCRIBED: Final = tuple(EventType)  # what the stack's webhook function is for


@dataclass(frozen=True)
class ShopAccess:
    """One shop as TikTok's shop API needs it. `described` is for the operator: never a secret value."""

    described: str
    shop_cipher: str
    app_key: str
    app_secret: str
    access_token: str


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run("webhooks", lambda: _command(args))


def _command(args: argparse.Namespace) -> str:
    shop_id = _checked_shop_id(args)  # bad input is refused before AWS is asked anything
    if args.address is not None:
        _checked_address(args.address, args.api_base_url)
    saved = seller_config.saved_deploy(args.config_file)
    session = seller_config.aws_session(saved)
    stack = seller_config.StackOutputs(saved, lambda: session.client("cloudformation"))
    address: str | None = args.address
    if address is None and not args.list:
        address = _checked_address(_stack_webhook_url(stack, saved.stack_name), args.api_base_url)
    if shop_id is None:
        access = _default_shop(session, stack, saved.stack_name, args.secret_id)
    else:
        access = _directory_shop(session, stack, saved.stack_name, shop_id, args.shops_table)
    try:
        client = TikTokShopClient(
            app_key=access.app_key,
            app_secret=access.app_secret,
            base_url=args.api_base_url,
            access_token=access.access_token,
            shop_cipher=access.shop_cipher,
        )
    except TikTokValidationError as error:
        raise OperatorError(f"{error}; nothing done", EXIT_BAD_INPUT) from None
    with client:
        lines = [subscribe(client, access, address)] if address is not None and not args.list else []
        listed = list_webhooks(client, access)
    return "\n".join([*lines, *describe_webhooks(access, listed, address)])


def subscribe(client: TikTokShopClient, access: ShopAccess, address: str) -> str:
    """Every event type in SUBSCRIBED to `address`; a refusal names what was subscribed before it."""
    done: list[str] = []
    for event_type in SUBSCRIBED:
        try:
            client.event.update_shop_webhook(event_type, address)
        except (TikTokAPIError, TikTokValidationError) as error:
            before = ", ".join(done) or "nothing"
            raise OperatorError(
                f"{_refusal(f'subscribing {event_type} for {access.described}', error)}; subscribed before "
                f"it: {before}; run the command again (subscribing again is harmless)",
                _exit_code(error),
            ) from None
        done.append(event_type)
    return f"Subscribed {access.described} to {address}: {', '.join(done)}"


def subscribe_after_authorization(
    client: TikTokShopClient, shops: Sequence[tuple[str, str]], stack: seller_config.StackOutputs
) -> list[str]:
    """What `make authorize` adds once the seller's tokens are stored: each of `shops` ((described,
    shop_cipher) pairs, the client holding the new token) subscribed to the stack's WebhookUrl, when the
    stack has one. Never raises: the tokens are stored by then, and `make webhooks` can subscribe later."""
    address = stack.get(WEBHOOK_URL_OUTPUT)
    if address is None:
        return ["  webhooks: not subscribed (no deployed stack output WebhookUrl): make webhooks ADDRESS=..."]
    lines = []
    for described, shop_cipher in shops:
        client.set_shop_cipher(shop_cipher)
        access = ShopAccess(described, shop_cipher, client.app_key, "", "")
        try:
            lines.append(f"  webhooks: {subscribe(client, access, address)}")
        except OperatorError as failure:
            lines.append(f"  webhooks: not subscribed ({failure}): make webhooks")
    return lines


def list_webhooks(client: TikTokShopClient, access: ShopAccess) -> ShopWebhooks:
    try:
        return client.event.get_shop_webhooks()
    except (TikTokAPIError, TikTokValidationError) as error:
        what = f"listing the webhooks of {access.described}"
        raise OperatorError(_refusal(what, error), _exit_code(error)) from None


def describe_webhooks(access: ShopAccess, listed: ShopWebhooks, address: str | None) -> list[str]:
    lines = [f"TikTok's webhooks for {access.described}:"]
    if listed.webhooks:
        rows = [("EVENT_TYPE", "ADDRESS", "UPDATED")] + [
            (w.event_type, w.address, date(w.update_time) if w.update_time is not None else "?")
            for w in listed.webhooks
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                  for row in rows]  # fmt: skip
    else:
        lines.append("  none")
    missing = [event_type for event_type in SUBSCRIBED if listed.address_of(event_type) is None]
    elsewhere = [
        event_type
        for event_type in SUBSCRIBED
        if address is not None and listed.address_of(event_type) not in (None, address)
    ]
    if missing:
        lines.append(f"Not subscribed: {', '.join(missing)} (make webhooks subscribes them)")
    if elsewhere:
        lines.append(f"Sent elsewhere than {address}: {', '.join(elsewhere)}")
    return lines


def _default_shop(session: Any, stack: seller_config.StackOutputs, stack_name: str | None,
                  secret_id: str | None) -> ShopAccess:  # fmt: skip
    resolved = seller_config.resolve((DEFAULT_SECRET,), {DEFAULT_SECRET: secret_id}, stack, stack_name)
    name = resolved[DEFAULT_SECRET]
    secret = read_secret_object(session.client("secretsmanager"), name)
    cipher = _secret_value(secret, "shop_cipher", name)
    return _access(f"the default shop (cipher {cipher})", cipher, secret, name)


def _directory_shop(session: Any, stack: seller_config.StackOutputs, stack_name: str | None, shop_id: str,
                    table_flag: str | None) -> ShopAccess:  # fmt: skip
    table = seller_config.resolve((SHOPS_TABLE,), {SHOPS_TABLE: table_flag}, stack, stack_name)[SHOPS_TABLE]
    dynamodb = session.client("dynamodb")
    seller_config.check_directory_table(dynamodb, table)
    entry = _directory_entry(dynamodb, table, shop_id)
    secret = read_secret_object(session.client("secretsmanager"), entry.secret_id)
    seller = f"seller {entry.seller_name}" if entry.seller_name else None
    details = [part for part in (entry.shop_name, entry.region, seller) if part]
    described = f"shop {shop_id} ({', '.join([*details, f'cipher {entry.shop_cipher}'])})"
    return _access(described, entry.shop_cipher, secret, entry.secret_id)


def _directory_entry(dynamodb: Any, table: str, shop_id: str) -> ShopEntry:
    try:
        item = dynamodb.get_item(TableName=table, Key={"shop_id": {"S": shop_id}}, ConsistentRead=True)
    except (BotoCoreError, ClientError) as error:
        raise OperatorError(
            f"cannot read the shop directory {table}: {aws_access.describe_error(error)}"
        ) from None
    if "Item" not in item:
        raise OperatorError(
            f"no shop {shop_id} in the shop directory {table}: make shops lists the shops, make authorize "
            "CODE=... SELLER=... adds a seller's",
            EXIT_NOT_FOUND,
        )
    try:
        return ShopEntry.from_item({key: value["S"] for key, value in item["Item"].items() if "S" in value})
    except TikTokValidationError as error:
        raise OperatorError(f"shop directory {table}: shop {shop_id}: {error}") from None


def _access(described: str, shop_cipher: str, secret: dict[str, Any], secret_id: str) -> ShopAccess:
    return ShopAccess(
        described=described,
        shop_cipher=shop_cipher,
        app_key=_secret_value(secret, "app_key", secret_id),
        app_secret=_secret_value(secret, "app_secret", secret_id),
        access_token=_secret_value(secret, "access_token", secret_id),
    )


def _secret_value(secret: dict[str, Any], key: str, secret_id: str) -> str:
    value = secret.get(key)
    if not isinstance(value, str) or not value.strip() or value == PLACEHOLDER:
        # The token was issued to the app whose key the secret holds: the environment's app is never used.
        raise OperatorError(
            f"secret {secret_id} holds no {key}: make authorize fills it (docs/shops.md); nothing done",
            EXIT_NOT_CONFIGURED,
        )
    return value


def _stack_webhook_url(stack: seller_config.StackOutputs, stack_name: str | None) -> str:
    url = stack.get(WEBHOOK_URL_OUTPUT)
    if url is None:
        why = stack.problem or f"the stack {stack_name} has no output {WEBHOOK_URL_OUTPUT}"
        raise OperatorError(
            f"no webhook URL to subscribe ({why}): pass ADDRESS=<https URL> (--address), such as "
            "https://<api id>.execute-api.<region>.amazonaws.com/Prod/webhooks/tiktok; nothing done",
            EXIT_NOT_CONFIGURED,
        )
    return url


def _checked_shop_id(args: argparse.Namespace) -> str | None:
    if args.shop is None:
        return None
    if args.secret_id is not None:
        raise OperatorError(
            "--secret-id names the default secret; --shop takes the shop's seller secret from the shop "
            "directory: give one or the other",
            EXIT_BAD_INPUT,
        )
    try:
        return validate_shop_id(args.shop)
    except TikTokValidationError as error:
        raise OperatorError(str(error), EXIT_BAD_INPUT) from None


def _checked_address(address: str, api_base_url: str) -> str:
    try:
        return validate_address(address, local_tiktok=is_local_base_url(api_base_url))
    except TikTokValidationError as error:
        raise OperatorError(f"{error}; nothing done", EXIT_BAD_INPUT) from None


def _refusal(what: str, error: TikTokAPIError | TikTokValidationError) -> str:
    if isinstance(error, TikTokValidationError):
        return f"{what}: not sent: {error}"
    hint = ""
    if error.token_expired:
        hint = " (the access token has expired: the secret's rotation refreshes it, or make authorize again)"
    return f"TikTok refused {what}: {error}{hint}"


def _exit_code(error: TikTokAPIError | TikTokValidationError) -> int:
    # A credential the client cannot send (white space, an empty value) is the secret's fault, not TikTok's.
    return EXIT_NOT_CONFIGURED if isinstance(error, TikTokValidationError) else EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webhooks", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shop", help="a shop_id of the shop directory (default: the default secret's shop)")
    parser.add_argument("--address", help="the webhook URL (default: the stack output WebhookUrl)")
    parser.add_argument("--list", action="store_true", help="only list what TikTok has subscribed")
    parser.add_argument(
        "--secret-id", help="the default secret (default: $TIKTOK_CREDENTIALS_SECRET, else the stack's)"
    )
    parser.add_argument("--shops-table", help="the shop directory (default: $SHOPS_TABLE, else the stack's)")
    parser.add_argument("--config-file", type=Path, help="the samconfig.toml that records the deployed stack")
    parser.add_argument(
        "--api-base-url",
        default=os.environ.get("TIKTOK_API_BASE_URL") or DEFAULT_BASE_URL,
        help="TikTok's API host (default: $TIKTOK_API_BASE_URL or %(default)s)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())

"""authorize.py's seller mode: one seller authorization into its own secret and the shop directory.

    make authorize CODE=<code> SELLER=<name>
    PYTHONPATH=layers/tiktok_shop \
        python scripts/authorize.py --code <code> --seller [NAME]

In order, so that a refusal costs as little as possible:
1. before the single-use code is spent: the shop directory table, the secret prefix and the rotation
   function's ARN are known (flags, environment, else the deployed stack's outputs), the table exists, a named
   seller is a valid secret name, the app credentials are at hand;
2. the code is exchanged for tokens and the authorization's shops are listed; nothing is written if none is;
3. the secret `<prefix><seller>` is created or updated (tokens, expiry times, a shop_cipher, seller_name; any
   other key kept), an unfinished rotation's AWSPENDING is abandoned, and rotation is turned on with the
   rotation function (RotateImmediately false: the tokens are fresh);
4. the directory gets every authorized shop, and loses this authorization's shops it no longer covers
   (`shop_directory.writer`, the same writer as the rotation's testSecret).
A failure after step 3 began says what is done; the next rotation's testSecret refreshes the directory too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import aws_access
import seller_config
from botocore.exceptions import BotoCoreError, ClientError
from operator_common import (
    EXIT_BAD_INPUT,
    OperatorError,
    abandon_rotation_in_progress,
    ask,
    ask_secret,
    date,
    describe_shop,
    read_secret_object,
    setting,
)
from seller_config import ROTATION_FUNCTION, SECRET_PREFIX, SHOPS_TABLE
from seller_mode import DEFAULT_ROTATION_DAYS, OPEN_ID
from shop_directory import ShopDirectoryError, ShopEntry
from shop_directory.writer import ShopDirectoryWriter, SyncResult
from tiktok_shop import (
    AuthorizedShop,
    TikTokAPIError,
    TikTokShopClient,
    TikTokValidationError,
    TokenGrant,
)

# The template's RotationIntervalDays range: below the access token's 7 days, and rate() wants "1 day"
# in the singular, which this script does not write.
ROTATION_DAYS: Final = range(2, 7)


@dataclass(frozen=True)
class SellerSecret:
    name: str
    arn: str | None  # None: not created yet
    value: dict[str, Any]
    deleted: bool  # scheduled for deletion (make remove-seller); restored by a new authorization


@dataclass(frozen=True)
class Onboarded:
    seller: str
    secret: SellerSecret
    arn: str
    created: bool
    restored: bool
    grant: TokenGrant
    shops: list[AuthorizedShop]
    shop_cipher: str
    abandoned: list[str]
    rotation_function_arn: str | None  # None: --no-rotation
    rotation_days: int
    directory: SyncResult


@dataclass(frozen=True)
class Prepared:
    """Everything known before the authorization code is spent."""

    secrets: Any
    dynamodb: Any
    table: str
    prefix: str
    function_arn: str | None  # None: --no-rotation
    rotation_days: int
    named: str | None  # the seller given by --seller NAME; None: the grant's open_id
    known: SellerSecret | None  # the named seller's secret as it stands
    app_key: str
    app_secret: str
    stack: seller_config.StackOutputs  # the deployed stack's outputs, for its WebhookUrl


def onboard(args: argparse.Namespace) -> str:
    ready = _prepare(args)
    # The code is spent from here on: whatever fails now needs the seller to authorize again.
    grant, shops = _exchange(ready.app_key, ready.app_secret, args)
    if not shops:
        raise OperatorError("the seller authorized no shop for this app; nothing written")
    seller = ready.named if ready.named is not None else _open_id(grant)
    name = seller_config.seller_secret_name(ready.prefix, seller)
    secret = ready.known or _seller_secret(ready.secrets, name)
    # Checked before anything is written: a shop the directory cannot hold stops here.
    entries = _entries(shops, name, grant.seller_name or seller)
    restored = secret.deleted
    if restored:
        # Removed by make remove-seller, still within its recovery window: restored, so that it can be
        # written again and the keys it held are kept.
        secret = _restore(ready.secrets, secret)
    shop_cipher = _secret_cipher(shops, args.shop_cipher, secret.value.get("shop_cipher"))
    value = {
        **secret.value,
        "app_key": ready.app_key,
        "app_secret": ready.app_secret,
        "access_token": grant.access_token,
        "access_token_expire_in": grant.access_token_expire_in,
        "refresh_token": grant.refresh_token,
        "refresh_token_expire_in": grant.refresh_token_expire_in,
        "shop_cipher": shop_cipher,
        "seller_name": grant.seller_name or seller,
    }
    arn, created, abandoned = _store(ready.secrets, secret, value, seller)
    rotation_refused = (
        _turn_rotation_on(ready.secrets, arn, ready.function_arn, ready.rotation_days)
        if ready.function_arn is not None
        else None
    )
    # The directory is written even without rotation: the tokens serve the shops for their 7 days meanwhile.
    rotation_on = rotation_refused is None and ready.function_arn is not None
    result = _sync_directory(ready, name, arn, entries, rotation_on=rotation_on)
    if rotation_refused is not None:
        raise OperatorError(
            f"the tokens are in {name} and its {len(entries)} shop(s) in the directory, but rotation could "
            f"not be turned on: {rotation_refused}. Without rotation the access token expires in 7 days; "
            f"turn it on: aws secretsmanager rotate-secret --secret-id {arn} "
            f"{_rotation_options(ready.function_arn or '', ready.rotation_days)}"
        )
    summary = _summary(
        Onboarded(
            seller=seller,
            secret=secret,
            arn=arn,
            created=created,
            restored=restored,
            grant=grant,
            shops=shops,
            shop_cipher=shop_cipher,
            abandoned=abandoned,
            rotation_function_arn=ready.function_arn,
            rotation_days=ready.rotation_days,
            directory=result,
        )
    )
    return "\n".join([summary, *_subscribe_webhooks(ready, args, grant, shops)])


def _subscribe_webhooks(
    ready: Prepared, args: argparse.Namespace, grant: TokenGrant, shops: Sequence[AuthorizedShop]
) -> list[str]:
    # Imported here: the layer's Event API is needed only once the tokens are stored.
    import webhooks  # noqa: PLC0415

    client = TikTokShopClient(
        app_key=ready.app_key,
        app_secret=ready.app_secret,
        base_url=args.api_base_url,
        access_token=grant.access_token,
    )
    with client:
        return webhooks.subscribe_after_authorization(
            client, [(describe_shop(shop), shop.cipher) for shop in shops], ready.stack
        )


def _prepare(args: argparse.Namespace) -> Prepared:
    """Every check that needs no authorization code: a refusal here leaves the code usable."""
    rotation_days = DEFAULT_ROTATION_DAYS if args.rotation_days is None else args.rotation_days
    if rotation_days not in ROTATION_DAYS:
        raise OperatorError(
            f"--rotation-days must be {ROTATION_DAYS.start} to {ROTATION_DAYS.stop - 1} (an access token "
            "lives 7 days)",
            EXIT_BAD_INPUT,
        )
    saved = seller_config.saved_deploy(args.config_file)
    session = seller_config.aws_session(saved)
    stack = seller_config.StackOutputs(saved, lambda: session.client("cloudformation"))
    wanted = (
        (SHOPS_TABLE, SECRET_PREFIX) if args.no_rotation else (SHOPS_TABLE, SECRET_PREFIX, ROTATION_FUNCTION)
    )
    resolved = seller_config.resolve(
        wanted,
        {
            SHOPS_TABLE: args.shops_table,
            SECRET_PREFIX: args.secret_prefix,
            ROTATION_FUNCTION: args.rotation_function_arn,
        },
        stack,
        saved.stack_name,
    )
    prefix = seller_config.check_prefix(resolved[SECRET_PREFIX])
    function_arn = None if args.no_rotation else seller_config.check_function_arn(resolved[ROTATION_FUNCTION])
    named = args.seller if args.seller != OPEN_ID else None
    name = seller_config.seller_secret_name(prefix, named) if named is not None else None
    secrets = session.client("secretsmanager")
    dynamodb = session.client("dynamodb")
    seller_config.check_directory_table(dynamodb, resolved[SHOPS_TABLE])
    known = _seller_secret(secrets, name) if name is not None else None
    existing = known.value if known is not None else {}
    app_key = setting("TIKTOK_APP_KEY", existing.get("app_key")) or ask("TikTok app_key: ")
    app_secret = setting("TIKTOK_APP_SECRET", existing.get("app_secret")) or ask_secret("TikTok app_secret: ")
    return Prepared(
        secrets=secrets,
        dynamodb=dynamodb,
        table=resolved[SHOPS_TABLE],
        prefix=prefix,
        function_arn=function_arn,
        rotation_days=rotation_days,
        named=named,
        known=known,
        app_key=app_key,
        app_secret=app_secret,
        stack=stack,
    )


def _sync_directory(
    ready: Prepared, name: str, arn: str, entries: Sequence[ShopEntry], *, rotation_on: bool
) -> SyncResult:
    directory = ShopDirectoryWriter(ready.dynamodb, ready.table)
    try:
        return directory.sync(arn, [dataclasses.replace(entry, secret_id=arn) for entry in entries])
    except ShopDirectoryError as error:
        rotate_now = f"aws secretsmanager rotate-secret --secret-id {arn}"
        if not rotation_on:
            function_arn = ready.function_arn or "<RotateCredentialsFunction ARN>"
            rotate_now += f" {_rotation_options(function_arn, ready.rotation_days)}"
        raise OperatorError(
            f"the tokens are in {name} and rotation is {'on' if rotation_on else 'NOT on'}, but the shop "
            f"directory was not updated: {error}. A rotation refreshes it: {rotate_now}"
        ) from None


def _seller_secret(secrets: Any, name: str) -> SellerSecret:
    """The seller's secret as it stands, or an empty one when it does not exist yet."""
    try:
        described = secrets.describe_secret(SecretId=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return SellerSecret(name=name, arn=None, value={}, deleted=False)
        raise OperatorError(f"cannot read secret {name}: {aws_access.describe_error(error)}") from None
    except BotoCoreError as error:
        raise OperatorError(f"cannot read secret {name}: {aws_access.describe_error(error)}") from None
    deleted = described.get("DeletedDate") is not None
    # A secret scheduled for deletion cannot be read.
    value = {} if deleted else read_secret_object(secrets, name)
    return SellerSecret(name=name, arn=str(described["ARN"]), value=value, deleted=deleted)


def _restore(secrets: Any, secret: SellerSecret) -> SellerSecret:
    try:
        secrets.restore_secret(SecretId=secret.arn)
    except (BotoCoreError, ClientError) as error:
        why = aws_access.describe_error(error)
        raise OperatorError(f"cannot restore secret {secret.name} (scheduled for deletion): {why}") from None
    return _seller_secret(secrets, secret.name)


def _exchange(
    app_key: str, app_secret: str, args: argparse.Namespace
) -> tuple[TokenGrant, list[AuthorizedShop]]:
    client = TikTokShopClient(
        app_key=app_key, app_secret=app_secret, base_url=args.api_base_url, auth_base_url=args.auth_base_url
    )
    try:
        grant = client.auth.get_access_token(args.code)
        client.set_access_token(grant.access_token)
        return grant, client.authorization.get_authorized_shops()
    except (TikTokAPIError, TikTokValidationError) as error:
        raise OperatorError(f"TikTok refused: {error}") from None


def _open_id(grant: TokenGrant) -> str:
    if not grant.open_id:
        raise OperatorError(
            "TikTok's answer names no open_id; nothing written. Authorize again with --seller NAME (SELLER=)",
            EXIT_BAD_INPUT,
        )
    return grant.open_id


def _entries(shops: Sequence[AuthorizedShop], secret_name: str, seller_name: str) -> list[ShopEntry]:
    try:
        return [
            ShopEntry.from_authorized_shop(shop, secret_id=secret_name, seller_name=seller_name)
            for shop in shops
        ]
    except TikTokValidationError as error:
        raise OperatorError(f"{error}; nothing written") from None


def _secret_cipher(shops: Sequence[AuthorizedShop], wanted: str | None, current: object) -> str:
    """The secret's own shop_cipher (the directory serves every shop; the approver reads a complete
    secret): --shop-cipher when given, else the one it had while still authorized, else the first shop's."""
    ciphers = [shop.cipher for shop in shops]
    if wanted is not None:
        if wanted not in ciphers:
            listed = "\n".join(f"  {describe_shop(shop)}" for shop in shops)
            raise OperatorError(
                f"--shop-cipher is not among the authorized shops; nothing written:\n{listed}"
            )
        return wanted
    return current if isinstance(current, str) and current in ciphers else ciphers[0]


def _store(
    secrets: Any, secret: SellerSecret, value: dict[str, Any], seller: str
) -> tuple[str, bool, list[str]]:
    """Writes the value as AWSCURRENT; returns the secret's ARN, whether it is new, and abandoned versions."""
    text = json.dumps(value)
    try:
        if secret.arn is None:
            created = secrets.create_secret(
                Name=secret.name,
                Description=f"TikTok Shop seller authorization {seller}: tokens (make authorize, rotated)",
                SecretString=text,
            )
            return str(created["ARN"]), True, []
        secrets.put_secret_value(SecretId=secret.arn, SecretString=text)
        return secret.arn, False, abandon_rotation_in_progress(secrets, secret.arn)
    except (BotoCoreError, ClientError) as error:
        raise OperatorError(
            f"cannot write secret {secret.name}: {aws_access.describe_error(error)}"
        ) from None


def _turn_rotation_on(secrets: Any, arn: str, function_arn: str, days: int) -> str | None:
    """None when rotation is on, else why not."""
    # RotateImmediately false: the tokens were just issued. Secrets Manager still runs testSecret once on a
    # copy of them to check the set-up, which refreshes the directory as well.
    try:
        secrets.rotate_secret(
            SecretId=arn,
            RotationLambdaARN=function_arn,
            RotationRules={"ScheduleExpression": f"rate({days} days)"},
            RotateImmediately=False,
        )
    except (BotoCoreError, ClientError) as error:
        return str(error).rstrip(".")
    return None


def _rotation_options(function_arn: str, days: int) -> str:
    return f"--rotation-lambda-arn {function_arn} --rotation-rules 'ScheduleExpression=rate({days} days)'"


def _summary(done: Onboarded) -> str:
    verb = "Created" if done.created else ("Restored and updated" if done.restored else "Updated")
    grant = done.grant
    rotation = (
        f"every {done.rotation_days} days by {done.rotation_function_arn.split(':')[6]}"
        if done.rotation_function_arn is not None
        else "OFF (--no-rotation): nothing refreshes the access token before it expires"
    )
    lines = [
        f"{verb} {done.secret.name} for seller {done.seller} ({grant.seller_name or 'no name'}).",
        f"  rotation:              {rotation}",
        f"  access token expires:  {date(grant.access_token_expire_in)}"
        + (" (rotation refreshes it)" if done.rotation_function_arn is not None else ""),
        f"  refresh token expires: {date(grant.refresh_token_expire_in)} (then the seller authorizes again)",
        f"  secret's shop_cipher:  {done.shop_cipher}",
        f"  shops in the directory ({len(done.shops)}):",
    ]
    for shop in done.shops:
        moved = done.directory.moved_from.get(shop.id or "")
        lines.append(
            f"    {shop.id}  {shop.name or '(no name)'}  [{shop.region or '?'}]  shop_cipher={shop.cipher}"
            + (f"  (moved from {moved})" if moved else "")
        )
    if done.directory.removed:
        lines.append(f"  removed, no longer authorized: {', '.join(done.directory.removed)}")
    if done.directory.left_to_others:
        lines.append(f"  left to the secret that holds them now: {', '.join(done.directory.left_to_others)}")
    if done.abandoned:
        lines.append(f"  abandoned the unfinished rotation of version(s) {', '.join(done.abandoned)}")
    return "\n".join(lines)

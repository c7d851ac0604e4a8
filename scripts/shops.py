"""The shop directory for an operator: which shops are served, by which seller's secret, until when; and
removing a seller. An operator's tool, never deployed.

    make shops                                   # every shop, its seller and the token expiry dates
    make remove-seller SELLER=<name> [RECOVERY_DAYS=7] [FORCE=1]
    PYTHONPATH=layers/tiktok_shop python scripts/shops.py list
    ... scripts/shops.py remove-seller <name> [--recovery-days N | --force]

The table and the secret prefix come from --shops-table / --secret-prefix, else $SHOPS_TABLE /
$SELLER_SECRET_PREFIX, else the deployed stack's outputs (seller_config.py); the AWS region and profile as for
every operator command (aws_access.py). Secrets are read only for their expiry times (GetSecretValue); no
value is ever printed. Every failure ends in one line on stderr and an exit code (operator_common.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aws_access
import seller_config
from botocore.exceptions import BotoCoreError, ClientError
from operator_common import EXIT_BAD_INPUT, EXIT_NOT_FOUND, OperatorError, date, run
from seller_config import SECRET_PREFIX, SHOPS_TABLE
from shop_directory import ShopDirectoryError, ShopEntry
from shop_directory.writer import ShopDirectoryWriter

RECOVERY_DAYS: Final = range(7, 31)  # what Secrets Manager accepts
DEFAULT_RECOVERY_DAYS: Final = 7
_ARN_SUFFIX_LENGTH: Final = 7  # "-" and the six characters Secrets Manager appends to a secret's name


@dataclass(frozen=True)
class SecretState:
    """What the listing shows of a seller's secret: its name and expiry times, or why it has none."""

    name: str | None
    access_token_expire_in: int | None = None
    refresh_token_expire_in: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Context:
    secrets: Any
    directory: ShopDirectoryWriter
    prefix: str


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run("shops", lambda: _command(args))


def _command(args: argparse.Namespace) -> str:
    try:
        if args.command == "list":
            return list_shops(_context(args))
        recovery_days = _recovery_days(args)  # refused before AWS is asked anything
        return remove_seller(_context(args), args.seller, recovery_days)
    except ShopDirectoryError as error:
        raise OperatorError(str(error)) from None


def _context(args: argparse.Namespace) -> Context:
    saved = seller_config.saved_deploy(args.config_file)
    session = seller_config.aws_session(saved)
    stack = seller_config.StackOutputs(saved, lambda: session.client("cloudformation"))
    resolved = seller_config.resolve(
        (SHOPS_TABLE, SECRET_PREFIX),
        {SHOPS_TABLE: args.shops_table, SECRET_PREFIX: args.secret_prefix},
        stack,
        saved.stack_name,
    )
    dynamodb = session.client("dynamodb")
    seller_config.check_directory_table(dynamodb, resolved[SHOPS_TABLE])
    return Context(
        secrets=session.client("secretsmanager"),
        directory=ShopDirectoryWriter(dynamodb, resolved[SHOPS_TABLE]),
        prefix=seller_config.check_prefix(resolved[SECRET_PREFIX]),
    )


def list_shops(context: Context, clock: Callable[[], float] = time.time) -> str:
    entries = context.directory.list_entries()
    if not entries:
        return (
            f"No shop in {context.directory.table_name}: make authorize CODE=... SELLER=... adds a seller's."
        )
    states = {
        secret_id: _secret_state(context.secrets, secret_id) for secret_id in {e.secret_id for e in entries}
    }
    now = clock()
    rows = [
        (
            entry.shop_id,
            entry.shop_name or "-",
            entry.region or "-",
            _seller(states[entry.secret_id], entry, context.prefix),
            _expiry(states[entry.secret_id], "access_token_expire_in", now),
            _expiry(states[entry.secret_id], "refresh_token_expire_in", now),
            entry.shop_cipher,
        )
        for entry in entries
    ]
    header = (
        "SHOP_ID",
        "NAME",
        "REGION",
        "SELLER",
        "ACCESS TOKEN EXPIRES",
        "REFRESH TOKEN EXPIRES",
        "SHOP_CIPHER",
    )
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]  # fmt: skip
    sellers = len(states)
    lines.append(
        f"{len(entries)} shop(s) of {sellers} seller authorization(s) in {context.directory.table_name}"
    )
    return "\n".join(lines)


def _secret_state(secrets: Any, secret_id: str) -> SecretState:
    try:
        answer = secrets.get_secret_value(SecretId=secret_id)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        return SecretState(name=_name_from_arn(secret_id), problem=f"secret unreadable: {code}")
    except BotoCoreError as error:
        said = " ".join(str(error).split()).rstrip(".")
        return SecretState(name=_name_from_arn(secret_id), problem=f"secret unreadable: {said}")
    try:
        value = json.loads(answer.get("SecretString") or "")
    except ValueError:
        value = None  # the parser's message would quote the text
    if not isinstance(value, dict):
        return SecretState(name=answer.get("Name"), problem="secret is not a JSON object")
    return SecretState(
        name=answer.get("Name"),
        access_token_expire_in=_unix_time(value.get("access_token_expire_in")),
        refresh_token_expire_in=_unix_time(value.get("refresh_token_expire_in")),
    )


def _seller(state: SecretState, entry: ShopEntry, prefix: str) -> str:
    name = state.name or entry.secret_id
    seller = name.removeprefix(prefix) if name.startswith(prefix) else name
    return f"{seller} ({entry.seller_name})" if entry.seller_name and entry.seller_name != seller else seller


def _expiry(state: SecretState, field: str, now: float) -> str:
    if state.problem is not None:
        return f"({state.problem})"
    value = getattr(state, field)
    if value is None:
        return "?"
    return date(value) + (" EXPIRED" if value <= now else "")


def _unix_time(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def remove_seller(context: Context, seller: str, recovery_days: int | None) -> str:
    """The seller's rotation off first (a rotation's testSecret would write the shops back, and a rotation of
    a secret scheduled for deletion could only fail, and alarm), then its shops out of the directory (no
    request is routed to a secret on its way out), then the secret scheduled for deletion: after
    `recovery_days`, or at once when None."""
    name = seller_config.seller_secret_name(context.prefix, seller)
    described = _describe(context.secrets, name)
    if described is None:
        # The secret is gone already; entries may still name it by ARN.
        arns = sorted(
            {e.secret_id for e in context.directory.list_entries() if _name_from_arn(e.secret_id) == name}
        )
        if not arns:
            raise OperatorError(f"no seller secret {name} and no shop of it in the directory", EXIT_NOT_FOUND)
        removed = [shop_id for arn in arns for shop_id in context.directory.remove_all(arn).removed]
        return f"No secret {name} any more; removed its {len(removed)} shop(s): {', '.join(removed) or '-'}"
    arn = str(described["ARN"])
    if described.get("RotationEnabled") and described.get("DeletedDate") is None:
        try:
            context.secrets.cancel_rotate_secret(SecretId=arn)
        except (BotoCoreError, ClientError) as error:
            raise OperatorError(
                f"nothing removed: cannot turn off the rotation of {name}: {aws_access.describe_error(error)}"
            ) from None
    removed = list(context.directory.remove_all(arn).removed)
    lines = [
        f"Removed seller {seller}: {len(removed)} shop(s) out of the directory: {', '.join(removed) or '-'}"
    ]
    if described.get("DeletedDate") is not None:
        lines.append(f"  secret {name} was already scheduled for deletion")
        return "\n".join(lines)
    try:
        if recovery_days is None:
            context.secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
            lines.append(f"  secret {name} deleted, without recovery")
        else:
            answer = context.secrets.delete_secret(SecretId=arn, RecoveryWindowInDays=recovery_days)
            lines.append(
                f"  secret {name} scheduled for deletion on {_when(answer.get('DeletionDate'))} "
                f"(until then, make authorize CODE=... SELLER={seller} restores it)"
            )
    except (BotoCoreError, ClientError) as error:
        raise OperatorError(
            f"its shops are out of the directory, but secret {name}: {aws_access.describe_error(error)}"
        ) from None
    return "\n".join(lines)


def _describe(secrets: Any, name: str) -> Mapping[str, Any] | None:
    try:
        described: Mapping[str, Any] = secrets.describe_secret(SecretId=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise OperatorError(f"cannot read secret {name}: {aws_access.describe_error(error)}") from None
    except BotoCoreError as error:
        raise OperatorError(f"cannot read secret {name}: {aws_access.describe_error(error)}") from None
    return described


def _name_from_arn(secret_id: str) -> str | None:
    """arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf -> <name>."""
    _, marker, rest = secret_id.partition(":secret:")
    return rest[:-_ARN_SUFFIX_LENGTH] if marker and len(rest) > _ARN_SUFFIX_LENGTH else None


def _when(value: object) -> str:
    if hasattr(value, "timestamp"):  # boto3 parses it into a datetime
        return date(int(value.timestamp()))
    return str(value)


def _recovery_days(args: argparse.Namespace) -> int | None:
    if args.force:
        if args.recovery_days is not None:
            raise OperatorError("--force deletes at once: it takes no --recovery-days", EXIT_BAD_INPUT)
        return None
    days = DEFAULT_RECOVERY_DAYS if args.recovery_days is None else args.recovery_days
    if days not in RECOVERY_DAYS:
        raise OperatorError(
            f"--recovery-days must be {RECOVERY_DAYS.start} to {RECOVERY_DAYS.stop - 1} (Secrets Manager's "
            "range); --force deletes at once",
            EXIT_BAD_INPUT,
        )
    return days


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shops", description=(__doc__ or "").splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--shops-table", help="the shop directory (default: $SHOPS_TABLE, else the stack's)")
    common.add_argument(
        "--secret-prefix",
        help="the sellers' secret prefix (default: $SELLER_SECRET_PREFIX, else the stack's)",
    )
    common.add_argument("--config-file", type=Path, help="the samconfig.toml that records the deployed stack")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", parents=[common], help="every shop, its seller and the token expiry dates")
    remove = commands.add_parser(
        "remove-seller", parents=[common], help="a seller's shops out of the directory, its secret deleted"
    )
    remove.add_argument("seller", help="the seller, as in its secret's name <prefix><seller>")
    remove.add_argument(
        "--recovery-days",
        type=int,
        help=f"days before the secret is gone for good (default {DEFAULT_RECOVERY_DAYS})",
    )
    remove.add_argument("--force", action="store_true", help="delete the secret at once, without recovery")
    return parser


if __name__ == "__main__":
    sys.exit(main())

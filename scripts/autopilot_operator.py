"""The autopilot for an operator: a shop's policy (show, set) and the decision log. Never deployed.

    make policy SHOP=<shop_id>                  # the policy that applies to the shop, and where it comes from
    make policy SHOP=<shop_id> FILE=<json>      # validate, then set it (SHOP=default: the default)
    make decisions [SHOP=<shop_id>] [JSON=1]    # what the autopilot saw, decided and did, newest first
    PYTHONPATH=layers/tiktok_shop python scripts/autopilot_operator.py policy <shop_id> [--file F]
    ... scripts/autopilot_operator.py decisions [--shop S] [--json] [--limit N]

The tables come from --policies-table / --decisions-table, else $POLICIES_TABLE / $DECISIONS_TABLE, else the
deployed stack's outputs (PoliciesTableName, DecisionsTableName); the AWS region and profile as for every
operator command (aws_access.py). A policy is validated before anything is written (docs/autopilot-policy.md
has the format); a refused one changes nothing. Every failure ends in one line on stderr and an exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import seller_config
from cancellation_policy import PolicyError, policy_to_json
from decision_log import DecisionLog, DecisionLogError, StoredDecision
from operator_common import EXIT_BAD_INPUT, OperatorError, date, run
from policy_store import DEFAULT_KEY, PolicyStoreError
from policy_store.writer import PolicyWriter
from seller_config import Setting
from tiktok_shop.validation import validate_shop_id

POLICIES_TABLE: Final = Setting(
    "the autopilot's policy table", "--policies-table", "POLICIES_TABLE", "PoliciesTableName"
)
DECISIONS_TABLE: Final = Setting(
    "the autopilot's decision log", "--decisions-table", "DECISIONS_TABLE", "DecisionsTableName"
)
MAX_POLICY_FILE: Final = 64 * 1024


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run("autopilot", lambda: _command(args))


def _command(args: argparse.Namespace) -> str:
    if args.command == "policy":
        shop = _shop(args.shop)
        text = _read_file(args.file) if args.file else None  # refused before AWS is asked anything
        writer = PolicyWriter(_table(args, POLICIES_TABLE, args.policies_table), dynamodb=_dynamodb(args))
        try:
            return show_policy(writer, shop) if text is None else set_policy(writer, shop, text)
        except PolicyError as error:
            where = f" ({error.field})" if error.field else ""
            raise OperatorError(
                f"invalid policy{where}: {error.message}; nothing written", EXIT_BAD_INPUT
            ) from None
        except PolicyStoreError as error:
            raise OperatorError(str(error)) from None
    log = DecisionLog(_table(args, DECISIONS_TABLE, args.decisions_table), dynamodb=_dynamodb(args))
    try:
        records = list(log.records(_shop(args.shop) if args.shop else None))
    except DecisionLogError as error:
        raise OperatorError(str(error)) from None
    return list_decisions(records, as_json=args.json, limit=args.limit)


def show_policy(writer: PolicyWriter, shop_id: str) -> str:
    effective = writer.effective(shop_id)
    source = {
        "shop": "its own policy",
        "default": "the deployment's default policy (make policy SHOP=default FILE=...)",
        "built-in": "no stored policy: the built-in default (observe, nothing approved)",
    }[effective.source]
    label = "the default" if shop_id == DEFAULT_KEY else f"shop {shop_id}"
    return f"{label}: {source}\n{json.dumps(policy_to_json(effective.policy), indent=2)}"


def set_policy(writer: PolicyWriter, shop_id: str, text: str) -> str:
    policy = writer.put(shop_id, text)
    label = "the default policy" if shop_id == DEFAULT_KEY else f"shop {shop_id}'s policy"
    return (
        f"{label} is now version {policy.version}, mode {policy.mode.value} in {writer.table_name}; "
        "running deciders apply it within POLICY_CACHE_SECONDS (60 s by default)"
    )


COLUMNS: Final = ("SHOP_ID", "CANCEL_ID", "SEEN", "REFUND", "REASON", "DECISION", "POLICY", "OUTCOME")


def list_decisions(records: Sequence[StoredDecision], *, as_json: bool, limit: int) -> str:
    newest = sorted(records, key=lambda r: r.first_seen_at or 0, reverse=True)[:limit]
    if as_json:
        return json.dumps([record.to_json() for record in newest], indent=2)
    if not newest:
        return "No decision on record."
    rows = [_row(record) for record in newest]
    widths = [max(len(row[column]) for row in [COLUMNS, *rows]) for column in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [COLUMNS, *rows]]  # fmt: skip
    for record in newest:
        if record.reasons:
            lines.append(f"  {record.cancel_id}: " + "; ".join(record.reasons))
    lines.append(f"{len(newest)} of {len(records)} record(s)")
    return "\n".join(lines)


def _row(record: StoredDecision) -> tuple[str, ...]:
    decision = record.verdict or "-"
    if record.dry_run:
        decision += " (dry run)"
    refund = f"{record.refund_total} {record.currency}" if record.refund_total else "-"
    return (
        record.shop_id,
        record.cancel_id,
        date(record.first_seen_at) if record.first_seen_at else "-",
        refund,
        record.cancel_reason or "-",
        decision,
        record.policy_version or "-",
        record.outcome or ("approval queued" if record.approval_queued_at else "-"),
    )


def _shop(value: str) -> str:
    if value == DEFAULT_KEY:
        return value
    try:
        return validate_shop_id(value)
    except ValueError as error:
        raise OperatorError(
            f"{error} (or SHOP=default for the deployment's default)", EXIT_BAD_INPUT
        ) from None


def _read_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_POLICY_FILE:
            raise OperatorError(f"{path} is over {MAX_POLICY_FILE} bytes: not a policy", EXIT_BAD_INPUT)
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OperatorError(f"cannot read {path}: {error}", EXIT_BAD_INPUT) from None


def _table(args: argparse.Namespace, setting: Setting, flag: str | None) -> str:
    saved = seller_config.saved_deploy(args.config_file)
    args.session = getattr(args, "session", None) or seller_config.aws_session(saved)
    stack = seller_config.StackOutputs(saved, lambda: args.session.client("cloudformation"))
    return seller_config.resolve((setting,), {setting: flag}, stack, saved.stack_name)[setting]


def _dynamodb(args: argparse.Namespace) -> Any:
    return args.session.client("dynamodb")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autopilot", description=(__doc__ or "").splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config-file", type=Path, help="the samconfig.toml that records the deployed stack")
    commands = parser.add_subparsers(dest="command", required=True)
    policy = commands.add_parser("policy", parents=[common], help="show or set a shop's policy")
    policy.add_argument("shop", help="TikTok's shop_id, or 'default' for the deployment's default")
    policy.add_argument("--file", type=Path, help="a policy JSON file to validate and set")
    policy.add_argument("--policies-table", help="default: $POLICIES_TABLE, else the stack's")
    decisions = commands.add_parser("decisions", parents=[common], help="the decision log, newest first")
    decisions.add_argument("--shop", help="one shop's records only")
    decisions.add_argument("--json", action="store_true", help="every field of each record, as JSON")
    decisions.add_argument("--limit", type=int, default=50, help="at most this many records (default 50)")
    decisions.add_argument("--decisions-table", help="default: $DECISIONS_TABLE, else the stack's")
    return parser


if __name__ == "__main__":
    sys.exit(main())

"""Writes and reads of DecisionsTable. Every write is one UpdateItem, so steps recorded by different
functions (the decider, then the approval) land on the same record without reading it first.

Which decision stands when a cancellation is decided again (a redelivered notice, a later notification, a
changed policy): an approval already asked for (approve, not a dry run, `approval_queued_at` set) is never
replaced, since it may be at TikTok and its reasons must stay on file; "nothing to decide" (TikTok no longer
shows it pending) replaces only an approval never asked for, else it only updates TikTok's status; any other
decision replaces the last.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from .record import Outcome, StoredDecision

if TYPE_CHECKING:
    # Only the decider records decisions: the approval function, which records outcomes alone, does not
    # import the policy's rules at its cold start.
    from cancellation_policy import Decision
    from tiktok_shop.cancellations import Cancellation

DEFAULT_RETENTION_DAYS: Final = 90
# DynamoDB errors that asking again will not cure.
_PERMANENT_ERRORS: Final = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "ValidationException"}
)
_MAX_TEXT: Final = 1000  # a reason or a detail; TikTok's texts and ours are far shorter


class DecisionLogError(Exception):
    """The log cannot be written or read until someone fixes it (the table, its permissions)."""


class DecisionLogUnavailable(DecisionLogError):
    """A call failed in a way asking again may cure: the message is retried."""


class DecisionLog:
    def __init__(
        self, table_name: str, *, dynamodb: Any, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        self.table_name = table_name
        self._dynamodb = dynamodb
        self._retention = retention_days * 86400

    def note_webhook(
        self,
        *,
        shop_id: str,
        cancel_id: str,
        order_id: str,
        notification_id: str,
        cancel_status: str,
        notified_at: int,
        received_at: int,
    ) -> None:
        """A notification arrived for the cancellation: its status and TikTok's timestamp are appended (they
        may arrive out of order; the list keeps them all), the first arrival's time is kept. Once per
        notification id: a redelivered notice changes nothing."""
        # A notification already on record fails the condition: nothing to do.
        with contextlib.suppress(_ConditionFailed):
            self._update(
                shop_id,
                cancel_id,
                "SET order_id = :order, first_seen_at = if_not_exists(first_seen_at, :received),"
                " webhook_received_at = if_not_exists(webhook_received_at, :received),"
                " webhook_statuses = list_append(if_not_exists(webhook_statuses, :none), :status),"
                " expires_at = :expires ADD notification_ids :ids",
                {
                    ":order": {"S": order_id},
                    ":received": _n(received_at),
                    ":none": {"L": []},
                    ":status": {"L": [{"S": f"{cancel_status}@{notified_at}"}]},
                    ":expires": _n(received_at + self._retention),
                    ":ids": {"SS": [notification_id]},
                    ":id": {"S": notification_id},
                },
                condition="NOT contains(notification_ids, :id)",
            )

    def record_decision(
        self, *, shop_id: str, cancel_id: str, cancellation: Cancellation, decision: Decision, decided_at: int
    ) -> StoredDecision:
        """Records `decision` unless the one on record stands (see the module's rule). Returns the record as
        it is now: the new decision, or the standing one (the caller acts on what is returned)."""
        values: dict[str, Any] = {
            ":status": {"S": cancellation.cancel_status},
            ":seen": _n(decided_at),
            ":expires": _n(decided_at + self._retention),
        }
        updates = [
            "tiktok_status = :status",
            "first_seen_at = if_not_exists(first_seen_at, :seen)",
            "expires_at = :expires",
        ]
        optional = {
            "order_id": cancellation.order_id,
            "cancel_reason": cancellation.cancel_reason,
            "refund_total": cancellation.refund_total,
            "currency": cancellation.refund_currency,
        }
        for name, value in optional.items():
            if value is not None:
                updates.append(f"{name} = :{name}")
                values[f":{name}"] = {"S": value[:_MAX_TEXT]}
        if cancellation.response_deadline is not None:
            updates.append("deadline = :deadline")
            values[":deadline"] = _n(cancellation.response_deadline)
        facts = ", ".join(updates)
        decided = {
            ":verdict": {"S": decision.verdict.value},
            ":reasons": {"L": [{"S": reason[:_MAX_TEXT]} for reason in decision.reasons]},
            ":version": {"S": "" if decision.policy_version is None else str(decision.policy_version)},
            ":dry": {"BOOL": decision.dry_run},
            ":decided": _n(decided_at),
        }
        from cancellation_policy import Verdict  # noqa: PLC0415  # see the imports above

        decided.update({":approve": {"S": Verdict.APPROVE.value}, ":false": {"BOOL": False}})
        asked_for = "verdict = :approve AND dry_run = :false AND attribute_exists(approval_queued_at)"
        if decision.verdict is Verdict.NOTHING_TO_DECIDE:
            condition = (
                "attribute_not_exists(verdict) OR (verdict = :approve AND dry_run = :false"
                " AND attribute_not_exists(approval_queued_at))"
            )
        else:
            condition = f"attribute_not_exists(verdict) OR NOT ({asked_for})"

        try:
            return self._update(
                shop_id,
                cancel_id,
                f"SET {facts}, verdict = :verdict, reasons = :reasons, policy_version = :version,"
                " dry_run = :dry, decided_at = :decided",
                {**values, **decided},
                condition=condition,
            )
        except _ConditionFailed:
            # The standing decision stays; TikTok's latest status is still worth keeping.
            return self._update(shop_id, cancel_id, f"SET {facts}", values)

    def mark_approval_queued(self, *, shop_id: str, cancel_id: str, at: int) -> None:
        self._update(
            shop_id,
            cancel_id,
            "SET approval_queued_at = if_not_exists(approval_queued_at, :at)",
            {":at": _n(at)},
        )

    def mark_review_published(self, *, shop_id: str, cancel_id: str, at: int) -> None:
        self._update(shop_id, cancel_id, "SET review_published_at = :at", {":at": _n(at)})

    def mark_escalated(self, *, shop_id: str, cancel_id: str, at: int) -> None:
        self._update(shop_id, cancel_id, "SET escalated_at = :at", {":at": _n(at)})

    def record_outcome(
        self,
        *,
        shop_id: str,
        cancel_id: str,
        outcome: Outcome,
        detail: str | None = None,
        at: int | None = None,
    ) -> bool:
        """Records how the cancellation ended. For a record the autopilot made only (an approval a caller
        asked for directly leaves the log alone), except UNKNOWN_SHOP, which creates the record. Returns
        whether a record was written."""
        when = int(time.time()) if at is None else at
        values: dict[str, Any] = {":outcome": {"S": outcome.value}, ":at": _n(when)}
        expression = "SET outcome = :outcome, outcome_at = :at"
        if detail:
            expression += ", outcome_detail = :detail"
            values[":detail"] = {"S": detail[:_MAX_TEXT]}
        condition = None
        if outcome is Outcome.UNKNOWN_SHOP:
            expression += ", first_seen_at = if_not_exists(first_seen_at, :at), expires_at = :expires"
            values[":expires"] = _n(when + self._retention)
        else:
            condition = "attribute_exists(cancel_id)"
        try:
            self._update(shop_id, cancel_id, expression, values, condition=condition)
        except _ConditionFailed:
            return False
        return True

    def get(self, shop_id: str, cancel_id: str) -> StoredDecision | None:
        try:
            item = self._dynamodb.get_item(
                TableName=self.table_name, Key=_key(shop_id, cancel_id), ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as error:
            raise _failure("read", self.table_name, error) from None
        return None if item is None else StoredDecision.from_item(item)

    def records(self, shop_id: str | None = None) -> Iterator[StoredDecision]:
        """Every record of one shop (Query), or of every shop (Scan), page by page."""
        request: dict[str, Any] = {"TableName": self.table_name}
        if shop_id is not None:
            request.update(
                KeyConditionExpression="shop_id = :shop", ExpressionAttributeValues={":shop": {"S": shop_id}}
            )
        call = self._dynamodb.query if shop_id is not None else self._dynamodb.scan
        while True:
            try:
                page = call(**request)
            except (ClientError, BotoCoreError) as error:
                raise _failure("read", self.table_name, error) from None
            for item in page.get("Items", []):
                yield StoredDecision.from_item(item)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _update(
        self,
        shop_id: str,
        cancel_id: str,
        expression: str,
        values: dict[str, Any],
        *,
        condition: str | None = None,
    ) -> StoredDecision:
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": _key(shop_id, cancel_id),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
            "ReturnValues": "ALL_NEW",
        }
        if condition is not None:
            request["ConditionExpression"] = condition
        try:
            answer = self._dynamodb.update_item(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise _ConditionFailed from None
            raise _failure("write", self.table_name, error) from None
        except BotoCoreError as error:
            raise _failure("write", self.table_name, error) from None
        return StoredDecision.from_item(answer.get("Attributes", {}))


class _ConditionFailed(Exception):
    pass


def _key(shop_id: str, cancel_id: str) -> dict[str, Any]:
    return {"shop_id": {"S": shop_id}, "cancel_id": {"S": cancel_id}}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _failure(action: str, table: str, error: ClientError | BotoCoreError) -> DecisionLogError:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        message = f"cannot {action} the decision log {table}: {code}: {details.get('Message', '')}"
        return DecisionLogError(message) if code in _PERMANENT_ERRORS else DecisionLogUnavailable(message)
    return DecisionLogUnavailable(f"cannot {action} the decision log {table}: {error}")

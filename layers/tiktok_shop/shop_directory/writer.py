"""The shop directory's writer: one implementation for the rotation's testSecret and the operator's
scripts (make authorize, make shops, make remove-seller).

An item's attributes are defined once, by `ShopEntry`. Each seller authorization (one secret)
owns the items that name its secret; the BySecret index (keys only) finds them. Syncing an authorization
writes every shop it covers, then deletes the items of that secret it no longer covers. Each delete is
conditioned on the item still naming that secret: the index is eventually consistent, and a shop that has
moved to another seller's authorization in the meantime belongs to that one now.

A seller's de-authorization (TikTok's webhook type 6) marks every item of its secret inactive
(`deactivate_secret`): an UpdateItem each, conditioned the same way. A sync writes whole items, without the
flag: authorizing again (make authorize) makes the shops active again.

Plain boto3 low-level client, no Powertools: the operator's scripts import this module too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError
from tiktok_shop import TikTokValidationError

from .entry import ShopEntry, plain_attributes
from .errors import ShopDirectoryError

BY_SECRET_INDEX: Final = "BySecret"  # noqa: S105 - an index name, "Secret" as in secret_id
_CONDITION_FAILED: Final = "ConditionalCheckFailedException"


@dataclass(frozen=True)
class SyncResult:
    written: tuple[ShopEntry, ...] = ()
    removed: tuple[str, ...] = ()
    """shop_ids this secret no longer covers, deleted."""
    moved_from: Mapping[str, str] = field(default_factory=dict)
    """shop_id -> the other secret that held it before this write."""
    left_to_others: tuple[str, ...] = ()
    """shop_ids the index still listed for this secret, which another secret holds by now: not deleted."""


class ShopDirectoryWriter:
    def __init__(self, dynamodb_client: Any, table_name: str, *, index_name: str = BY_SECRET_INDEX) -> None:
        self._dynamodb = dynamodb_client  # boto3 clients are generated at run time
        self.table_name = table_name
        self._index_name = index_name

    def sync(self, secret_id: str, entries: Sequence[ShopEntry]) -> SyncResult:
        """Make the directory hold exactly `entries` for `secret_id`: every one written, the secret's other
        items deleted. Writes come first, so that a failure half-way never leaves an authorized shop out."""
        strangers = sorted({entry.secret_id for entry in entries} - {secret_id})
        if strangers:
            raise ValueError(f"entries for secret {secret_id} name other secrets: {', '.join(strangers)}")
        moved_from: dict[str, str] = {}
        for entry in entries:
            previous = self._put(entry)
            if previous is not None and previous != secret_id:
                moved_from[entry.shop_id] = previous
        authorized = {entry.shop_id for entry in entries}
        removed: list[str] = []
        left_to_others: list[str] = []
        for shop_id in self.shop_ids_of(secret_id):
            if shop_id in authorized:
                continue
            (removed if self._delete_if_owned(shop_id, secret_id) else left_to_others).append(shop_id)
        return SyncResult(
            written=tuple(entries),
            removed=tuple(removed),
            moved_from=moved_from,
            left_to_others=tuple(left_to_others),
        )

    def remove_all(self, secret_id: str) -> SyncResult:
        """Delete every item naming `secret_id` (a seller removed)."""
        return self.sync(secret_id, ())

    def deactivate_secret(self, secret_id: str, *, at: int, also: Sequence[str] = ()) -> list[str]:
        """Marks every item naming `secret_id` inactive (`active` false, `deactivated_at` kept from the first
        time: a repeated de-authorization changes nothing). `also`: shop_ids known to name the secret, marked
        even while the eventually consistent index does not list them yet. Returns the shop_ids marked; an
        item that names another secret by now, or is gone, is left alone."""
        marked: list[str] = []
        for shop_id in dict.fromkeys([*also, *self.shop_ids_of(secret_id)]):
            if self._deactivate_if_owned(shop_id, secret_id, at):
                marked.append(shop_id)
        return marked

    def shop_ids_of(self, secret_id: str) -> list[str]:
        """The shop_ids the BySecret index lists for the secret (eventually consistent)."""
        pages = self._pages(
            "query",
            TableName=self.table_name,
            IndexName=self._index_name,
            KeyConditionExpression="secret_id = :secret_id",
            ExpressionAttributeValues={":secret_id": {"S": secret_id}},
        )
        return [item["shop_id"]["S"] for page in pages for item in page.get("Items", [])]

    def list_entries(self) -> list[ShopEntry]:
        """Every entry, by shop_id (a Scan: for the operator's listing, never on a request's path)."""
        entries = []
        for page in self._pages("scan", TableName=self.table_name):
            for item in page.get("Items", []):
                plain = plain_attributes(item)
                try:
                    entries.append(ShopEntry.from_item(plain))
                except TikTokValidationError as error:
                    shop_id = plain.get("shop_id", "?")
                    raise ShopDirectoryError(f"{self.table_name}: item {shop_id}: {error}") from None
        return sorted(entries, key=lambda entry: entry.shop_id)

    def _put(self, entry: ShopEntry) -> str | None:
        """Writes the entry; returns the secret_id the item named before, if there was one."""
        item = entry.to_attributes()
        answer = self._call("put_item", TableName=self.table_name, Item=item, ReturnValues="ALL_OLD")
        previous = answer.get("Attributes", {}).get("secret_id", {}).get("S")
        return previous if isinstance(previous, str) else None

    def _deactivate_if_owned(self, shop_id: str, secret_id: str, at: int) -> bool:
        try:
            self._dynamodb.update_item(
                TableName=self.table_name,
                Key={"shop_id": {"S": shop_id}},
                UpdateExpression=(
                    "SET active = :inactive, deactivated_at = if_not_exists(deactivated_at, :at)"
                ),
                ConditionExpression="secret_id = :secret_id",
                ExpressionAttributeValues={
                    ":inactive": {"BOOL": False},
                    ":at": {"N": str(at)},
                    ":secret_id": {"S": secret_id},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _CONDITION_FAILED:
                return False  # another secret's by now, or gone
            raise self._failure("update_item", error) from None
        except BotoCoreError as error:
            raise self._failure("update_item", error) from None
        return True

    def _delete_if_owned(self, shop_id: str, secret_id: str) -> bool:
        try:
            self._dynamodb.delete_item(
                TableName=self.table_name,
                Key={"shop_id": {"S": shop_id}},
                ConditionExpression="secret_id = :secret_id",
                ExpressionAttributeValues={":secret_id": {"S": secret_id}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _CONDITION_FAILED:
                return False  # another secret's by now, or gone already
            raise self._failure("delete_item", error) from None
        except BotoCoreError as error:
            raise self._failure("delete_item", error) from None
        return True

    def _pages(self, operation: str, **arguments: Any) -> Iterator[dict[str, Any]]:
        try:
            yield from self._dynamodb.get_paginator(operation).paginate(**arguments)
        except (BotoCoreError, ClientError) as error:
            raise self._failure(operation, error) from None

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self._dynamodb, operation)(**arguments)
        except (BotoCoreError, ClientError) as error:
            raise self._failure(operation, error) from None
        return answer

    def _failure(self, operation: str, error: Exception) -> ShopDirectoryError:
        return ShopDirectoryError(f"shop directory {self.table_name}: {operation} failed: {error}")

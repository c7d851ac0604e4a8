"""AWS's two stores as the service sees them, in memory, for tests of the service's rules in milliseconds:
Powertools' idempotency persistence (its DynamoDB layer's conditions, on a dict) and Powertools' secrets
provider (its cache and max_age, on a dict). Each can be told to fail, as a throttled or unreachable
service would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.parameters import BaseProvider
from shop_directory import ShopEntry


class StoreDown(Exception):
    """What a store that cannot be reached raises (Powertools wraps it in its persistence error)."""


class InMemoryPersistence(BasePersistenceLayer):
    """Records by idempotency key, written under the conditions of Powertools' DynamoDB layer: a new key,
    an expired record, or an in-progress record whose invocation has ended."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}
        # Operation name ("put", "update", "delete", "get") -> how many more calls fail.
        self.failing: dict[str, int] = {}

    def fail(self, operation: str, times: int = 1) -> None:
        self.failing[operation] = times

    def _maybe_fail(self, operation: str) -> None:
        if self.failing.get(operation, 0) > 0:
            self.failing[operation] -= 1
            raise StoreDown(f"the idempotency store's {operation} failed")

    def _get_record(self, idempotency_key: str) -> DataRecord:
        self._maybe_fail("get")
        try:
            return self.records[idempotency_key]
        except KeyError:
            raise IdempotencyItemNotFoundError from None

    def _put_record(self, data_record: DataRecord) -> None:
        self._maybe_fail("put")
        old = self.records.get(data_record.idempotency_key)
        now = dt.datetime.now().timestamp()
        if old is not None and not _replaceable(old, now):
            self._validate_payload(data_payload=data_record, stored_data_record=old)
            raise IdempotencyItemAlreadyExistsError(old_data_record=old)
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self._maybe_fail("update")
        old = self.records[data_record.idempotency_key]
        self.records[data_record.idempotency_key] = DataRecord(
            idempotency_key=data_record.idempotency_key,
            status=data_record.status,
            expiry_timestamp=data_record.expiry_timestamp,
            in_progress_expiry_timestamp=old.in_progress_expiry_timestamp,
            response_data=data_record.response_data,
            payload_hash=old.payload_hash,
        )

    def _delete_record(self, data_record: DataRecord) -> None:
        self._maybe_fail("delete")
        self.records.pop(data_record.idempotency_key, None)

    def statuses(self) -> list[str]:
        return [record.status for record in self.records.values()]


def _replaceable(record: DataRecord, now: float) -> bool:
    if record.expiry_timestamp is not None and record.expiry_timestamp < now:
        return True
    in_progress_ends = record.in_progress_expiry_timestamp
    return record.status == "INPROGRESS" and in_progress_ends is not None and in_progress_ends < now * 1000


class InMemorySecrets(BaseProvider):
    """Secret strings by name; `reads` counts what reached the "service" past Powertools' cache."""

    def __init__(self, **secrets: str) -> None:
        super().__init__()
        self.values = dict(secrets)
        self.reads = 0

    def _get(self, name: str, **sdk_options: Any) -> str:
        self.reads += 1
        return self.values[name]

    def _get_multiple(self, path: str, **sdk_options: Any) -> dict[str, str]:
        raise NotImplementedError("the service reads one secret at a time")


class InMemoryShopTable:
    """The shop directory's table as `ShopDirectoryReader` reads it: GetItem by shop_id, attributes of type S."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, str]] = {}

    def put(self, entry: ShopEntry) -> None:
        self.items[entry.shop_id] = entry.to_item()

    def get_item(self, *, TableName: str, Key: dict[str, dict[str, str]], **options: Any) -> dict[str, Any]:  # noqa: N803
        item = self.items.get(Key["shop_id"]["S"])
        return {} if item is None else {"Item": {name: {"S": value} for name, value in item.items()}}

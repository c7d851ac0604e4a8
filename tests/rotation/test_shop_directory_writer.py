"""shop_directory.writer.ShopDirectoryWriter against moto's DynamoDB, with the template's ShopsTable."""

from __future__ import annotations

from typing import Any

import pytest
from seller_support import Directory
from shop_directory import ShopDirectoryError, ShopEntry
from shop_directory.writer import ShopDirectoryWriter

A = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tiktok-shop/sellers/a-AbCdEf"
B = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tiktok-shop/sellers/b-GhIjKl"


def entry(shop_id: str, secret_id: str, **optional: str) -> ShopEntry:
    return ShopEntry(shop_id=shop_id, shop_cipher=f"{shop_id}_cipher", secret_id=secret_id, **optional)


class LaggingIndex:
    """The DynamoDB client, except that the BySecret index answers what it held earlier: a GSI is
    eventually consistent, so a shop that just moved to another secret may still be listed for the old."""

    def __init__(self, client: Any, stale_pages: list[dict[str, Any]]) -> None:
        self._client = client
        self._stale_pages = stale_pages

    def get_paginator(self, operation: str) -> Any:
        if operation != "query":
            return self._client.get_paginator(operation)
        stale = self._stale_pages

        class Stale:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return stale

        return Stale()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_sync_writes_every_entry_and_removes_the_secrets_others(directory: Directory):
    writer = directory.writer
    writer.sync(A, [entry("1", A), entry("2", A)])
    writer.sync(B, [entry("3", B)])

    result = writer.sync(A, [entry("2", A, shop_name="renamed"), entry("4", A)])

    assert result.removed == ("1",)
    assert [e.shop_id for e in result.written] == ["2", "4"]
    assert directory.owners() == {"2": A, "3": B, "4": A}
    assert directory.entries()["2"].shop_name == "renamed"


def test_a_shop_taken_over_by_another_secret_is_reported_as_moved(directory: Directory):
    directory.writer.sync(A, [entry("1", A), entry("2", A)])

    result = directory.writer.sync(B, [entry("1", B)])

    assert result.moved_from == {"1": A}
    assert directory.owners() == {"1": B, "2": A}


def test_a_stale_index_never_deletes_a_shop_that_moved_to_another_secret(directory: Directory):
    directory.writer.sync(A, [entry("1", A), entry("2", A)])
    stale = list(directory.client.get_paginator("query").paginate(
        TableName=directory.name, IndexName="BySecret", KeyConditionExpression="secret_id = :s",
        ExpressionAttributeValues={":s": {"S": A}},
    ))  # fmt: skip
    directory.writer.sync(B, [entry("1", B)])  # shop 1 moved to B's authorization

    lagging = ShopDirectoryWriter(LaggingIndex(directory.client, stale), directory.name)
    result = lagging.sync(A, [entry("2", A)])  # A's authorization no longer lists shop 1

    assert result.removed == ()
    assert result.left_to_others == ("1",)
    assert directory.owners() == {"1": B, "2": A}


def test_remove_all_deletes_only_that_secrets_shops(directory: Directory):
    directory.writer.sync(A, [entry("1", A), entry("2", A)])
    directory.writer.sync(B, [entry("3", B)])

    assert sorted(directory.writer.remove_all(A).removed) == ["1", "2"]

    assert directory.owners() == {"3": B}


def test_entries_of_another_secret_are_refused(directory: Directory):
    with pytest.raises(ValueError, match="name other secrets"):
        directory.writer.sync(A, [entry("1", B)])
    assert directory.entries() == {}


def test_list_entries_reads_every_attribute_by_shop_id(directory: Directory):
    full = entry("2", A, shop_name="GB shop", region="GB", seller_name="Acme")
    directory.writer.sync(A, [full, entry("1", A)])

    assert directory.writer.list_entries() == [entry("1", A), full]


def test_an_unreadable_item_is_named(directory: Directory):
    directory.client.put_item(TableName=directory.name, Item={"shop_id": {"S": "9"}, "secret_id": {"S": A}})

    with pytest.raises(ShopDirectoryError, match="item 9: shop directory item lacks shop_cipher"):
        directory.writer.list_entries()


def test_dynamodb_failures_name_the_table_and_operation(directory: Directory):
    missing = ShopDirectoryWriter(directory.client, "NoSuchTable")

    with pytest.raises(ShopDirectoryError, match="shop directory NoSuchTable: put_item failed"):
        missing.sync(A, [entry("1", A)])
    with pytest.raises(ShopDirectoryError, match="shop directory NoSuchTable: scan failed"):
        missing.list_entries()

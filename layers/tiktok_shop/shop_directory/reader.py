"""The shop directory's reader, for the functions that approve: shop_id -> its ShopEntry.

Read one item at a time (GetItem, the only action the function's role has on the table), each cached for
a max age through Powertools' parameter cache, so a warm container asks DynamoDB once per shop and minute.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parameters.base import BaseProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from tiktok_shop import TikTokValidationError
from tiktok_shop.credentials import parameter_error_code

from .entry import ShopEntry, plain_attributes
from .errors import ShopDirectoryError, ShopDirectoryUnavailable

# DynamoDB errors that asking again will not cure: the table is missing or the role may not read it.
_PERMANENT_ERRORS = frozenset({"ResourceNotFoundException", "AccessDeniedException", "ValidationException"})


class _ShopItems(BaseProvider):
    """Powertools' cache around GetItem; an absent shop is None, which Powertools does not cache, so a
    shop onboarded a moment ago is found at once."""

    def __init__(self, table_name: str, dynamodb: Any) -> None:
        super().__init__(client=dynamodb)  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
        self._table_name = table_name
        self._dynamodb = dynamodb

    def _get(self, name: str, **sdk_options: Any) -> dict[str, Any] | None:  # type: ignore[override]
        # Strongly consistent: a shop onboarded a moment ago is found; found items are cached anyway.
        item = self._dynamodb.get_item(
            TableName=self._table_name, Key={"shop_id": {"S": name}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return plain_attributes(item)

    def _get_multiple(self, path: str, **sdk_options: Any) -> dict[str, str]:
        raise NotImplementedError("the directory is read one shop at a time")


class ShopDirectoryReader:
    def __init__(self, table_name: str, *, dynamodb: Any, max_age: int) -> None:
        self.table_name = table_name
        self._items = _ShopItems(table_name, dynamodb)
        self._max_age = max_age

    def get(self, shop_id: str, *, force_refresh: bool = False) -> ShopEntry | None:
        """The shop's entry, or None when the directory has no such shop. Raises ShopDirectoryUnavailable
        when asking again may cure the failure, ShopDirectoryError when it will not."""
        try:
            item = self._items.get(shop_id, max_age=self._max_age, force_fetch=force_refresh)
        except GetParameterError as error:
            message = f"cannot read the shop directory {self.table_name}: {error}"
            if parameter_error_code(error) in _PERMANENT_ERRORS:
                raise ShopDirectoryError(message) from None
            raise ShopDirectoryUnavailable(message) from None
        if item is None:
            return None
        try:
            return ShopEntry.from_item(item if isinstance(item, dict) else {})
        except TikTokValidationError as error:
            raise ShopDirectoryError(f"shop {shop_id}: {error}") from None

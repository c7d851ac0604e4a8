"""The decider's view of PoliciesTable: shop_id -> the `Policy` that applies to it now.

The shop's own item, else the deployment's default item, else `DEFAULT_POLICY` (observe). Each item is read
with GetItem (the only action the decider's role has on the table) and cached for a max age through
Powertools' parameter cache: a changed policy applies within that age, without a redeploy.
"""

from __future__ import annotations

from typing import Any, Final

from aws_lambda_powertools.utilities.parameters.base import BaseProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from cancellation_policy import DEFAULT_POLICY, Policy, PolicyError, policy_from_text
from tiktok_shop.credentials import parameter_error_code

from .errors import PolicyStoreUnavailable
from .items import DEFAULT_KEY, StoredPolicy

# DynamoDB errors that asking again will not cure: the decider fails closed instead of retrying forever.
_PERMANENT_ERRORS: Final = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "ValidationException"}
)
_ABSENT: Final = ""  # Powertools does not cache None; an absent item is cached as this


class _PolicyItems(BaseProvider):
    def __init__(self, table_name: str, dynamodb: Any) -> None:
        super().__init__(client=dynamodb)  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
        self._table_name = table_name
        self._dynamodb = dynamodb

    def _get(self, name: str, **sdk_options: Any) -> str:
        item = self._dynamodb.get_item(
            TableName=self._table_name, Key={"shop_id": {"S": name}}, ConsistentRead=True
        ).get("Item")
        return _ABSENT if item is None else StoredPolicy.from_item(item).policy or " "

    def _get_multiple(self, path: str, **sdk_options: Any) -> dict[str, str]:
        raise NotImplementedError("policies are read one shop at a time")


class PolicyReader:
    def __init__(self, table_name: str, *, dynamodb: Any, max_age: int) -> None:
        self.table_name = table_name
        self._items = _PolicyItems(table_name, dynamodb)
        self._max_age = max_age

    def policy_for(self, shop_id: str) -> Policy:
        """Raises PolicyError when the policy that applies cannot be read or is invalid (the caller fails
        closed), PolicyStoreUnavailable when asking again may cure the failure."""
        for key in (shop_id, DEFAULT_KEY):
            text = self._text(key)
            if text != _ABSENT:
                where = "the default policy" if key == DEFAULT_KEY else f"shop {shop_id}'s policy"
                try:
                    return policy_from_text(text)
                except PolicyError as error:
                    raise PolicyError(
                        f"{where} in {self.table_name}: {error.message}", field=error.field
                    ) from None
        return DEFAULT_POLICY

    def _text(self, key: str) -> str:
        try:
            return str(self._items.get(key, max_age=self._max_age))
        except GetParameterError as error:
            message = f"cannot read the policy store {self.table_name}: {error}"
            if parameter_error_code(error) in _PERMANENT_ERRORS:
                raise PolicyError(message) from None
            raise PolicyStoreUnavailable(message) from None

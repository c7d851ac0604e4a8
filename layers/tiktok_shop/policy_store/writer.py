"""The operator's side of PoliciesTable (`make policy`): show the policy that applies to a shop, and set one,
validated before it is written. Plain boto3, no Powertools: the operator scripts import it from the layer."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cancellation_policy import DEFAULT_POLICY, Policy, PolicyError, policy_from_text, policy_to_json

from .errors import PolicyStoreError
from .items import DEFAULT_KEY, StoredPolicy


@dataclass(frozen=True)
class EffectivePolicy:
    """The policy that applies to `shop_id` and where it comes from: "shop", "default" (the deployment's
    default item) or "built-in" (no item at all: observe)."""

    shop_id: str
    policy: Policy
    source: str


class PolicyWriter:
    def __init__(self, table_name: str, *, dynamodb: Any) -> None:
        self.table_name = table_name
        self._dynamodb = dynamodb

    def effective(self, shop_id: str) -> EffectivePolicy:
        """Raises PolicyError when the stored policy that applies is invalid, PolicyStoreError when the
        table cannot be read."""
        for key, source in ((shop_id, "shop"), (DEFAULT_KEY, "default")):
            stored = self._stored(key)
            if stored is not None:
                return EffectivePolicy(shop_id, policy_from_text(stored.policy or " "), source)
        return EffectivePolicy(shop_id, DEFAULT_POLICY, "built-in")

    def put(self, shop_id: str, text: str | bytes) -> Policy:
        """Validate `text` and store it for `shop_id` (DEFAULT_KEY: the deployment's default). A policy whose
        version is already stored with other rules is refused: each decision records the version it was
        made under, which must name one set of rules. Raises PolicyError or PolicyStoreError."""
        policy = policy_from_text(text)
        document = json.dumps(policy_to_json(policy), separators=(",", ":"), sort_keys=True)
        current = self._stored(shop_id)
        if current is not None and current.policy != document:
            try:
                stored_version = policy_from_text(current.policy).version
            except PolicyError:
                stored_version = None  # an invalid stored policy may be replaced by any valid one
            if stored_version == policy.version:
                raise PolicyError(
                    f"version {policy.version!r} is already stored for {_name(shop_id)} with other rules: "
                    "give the changed policy a new version",
                    field="version",
                )
        item = StoredPolicy(shop_id, document, updated_at=int(time.time())).to_item()
        # Conditional on what was read: two operators writing at once cannot both pass the version check.
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(shop_id)"}
            if current is None
            else {
                "ConditionExpression": "policy = :read",
                "ExpressionAttributeValues": {":read": {"S": current.policy}},
            }
        )
        try:
            self._dynamodb.put_item(TableName=self.table_name, Item=item, **condition)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise PolicyStoreError(
                    f"the policy of {_name(shop_id)} changed while this one was being written; run again"
                ) from None
            raise PolicyStoreError(f"cannot write to {self.table_name}: {_describe(error)}") from None
        except BotoCoreError as error:
            raise PolicyStoreError(f"cannot write to {self.table_name}: {error}") from None
        return policy

    def _stored(self, key: str) -> StoredPolicy | None:
        try:
            item = self._dynamodb.get_item(
                TableName=self.table_name, Key={"shop_id": {"S": key}}, ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise PolicyStoreError(f"cannot read {self.table_name}: {_describe(error)}") from None
        except BotoCoreError as error:
            raise PolicyStoreError(f"cannot read {self.table_name}: {error}") from None
        return None if item is None else StoredPolicy.from_item(item)


def _name(shop_id: str) -> str:
    return "the default policy" if shop_id == DEFAULT_KEY else f"shop {shop_id}"


def _describe(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', '')}".rstrip(": ")

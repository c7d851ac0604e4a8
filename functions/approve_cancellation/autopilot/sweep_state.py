"""Where the sweeper keeps what must outlive one run (SweepStateTable): each shop's next page of pending
cancellations, so a run that ran out of time resumes there, and the lease that keeps two runs from sweeping
at once (a slow run overlapping the next schedule)."""

from __future__ import annotations

from typing import Any, Final

from botocore.exceptions import ClientError

LEASE_KEY: Final = "#lease"  # no TikTok shop id starts with "#"


class SweepState:
    def __init__(self, table_name: str, *, dynamodb: Any) -> None:
        self.table_name = table_name
        self._dynamodb = dynamodb

    def acquire(self, *, run_id: str, now: float, until: float) -> bool:
        """Takes the lease until `until`, unless another run holds one that has not expired."""
        try:
            self._dynamodb.put_item(
                TableName=self.table_name,
                Item={
                    "shop_id": {"S": LEASE_KEY},
                    "run_id": {"S": run_id},
                    "lease_until": {"N": str(int(until))},
                },
                ConditionExpression="attribute_not_exists(shop_id) OR lease_until < :now",
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, *, run_id: str) -> None:
        """Gives the lease back, if it is still this run's."""
        try:
            self._dynamodb.delete_item(
                TableName=self.table_name,
                Key={"shop_id": {"S": LEASE_KEY}},
                ConditionExpression="run_id = :run",
                ExpressionAttributeValues={":run": {"S": run_id}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def page_token(self, shop_id: str) -> str | None:
        item = self._dynamodb.get_item(
            TableName=self.table_name, Key={"shop_id": {"S": shop_id}}, ConsistentRead=True
        ).get("Item")
        token = (item or {}).get("page_token", {}).get("S")
        return token or None

    def save_page_token(self, shop_id: str, token: str | None, *, now: float) -> None:
        """The page the next run starts from; None: the shop was swept to its last page (start over)."""
        item: dict[str, Any] = {"shop_id": {"S": shop_id}, "updated_at": {"N": str(int(now))}}
        if token:
            item["page_token"] = {"S": token}
        self._dynamodb.put_item(TableName=self.table_name, Item=item)

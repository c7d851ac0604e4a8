"""The fault matrix's stack: moto behind the fault proxy, one TikTok emulator, and each case's arrangement.

Every (cell, trigger) case has its own cancel_id, SQS message id and AWS access key id, so that all cases
can run at once in separate function processes and still meet only their own faults.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

import boto3
from tiktok_emulator import TikTokEmulator

from support.approvals import CREDENTIALS, SECRET_NAME, TABLE_NAME
from support.aws_fault_proxy import AwsFault, AwsFaultProxy
from support.cfn_template import function_environment, idempotency_table_schema
from support.fault_matrix import Cell, Trigger
from support.function_pool import Invocation


@dataclass(frozen=True)
class Case:
    cell: Cell
    trigger: Trigger
    index: int

    @property
    def id(self) -> str:
        return f"{self.cell.name}-{self.trigger}"

    @property
    def cancel_id(self) -> str:
        return f"57600900000000{self.index:04d}"

    @property
    def message_id(self) -> str:
        return f"00000000-0000-4000-9000-{self.index:012d}"

    @property
    def access_key(self) -> str:
        return f"FAULTCASE{self.index:04d}"

    @property
    def secret_name(self) -> str:
        return SECRET_NAME if self.cell.secret is None else f"{SECRET_NAME}/{self.id}"


@dataclass
class FaultStack:
    moto_url: str
    proxy: AwsFaultProxy
    emulator: TikTokEmulator
    dynamodb: Any
    secrets: Any
    sqs: Any
    dlq_url: str

    @classmethod
    def create(cls, moto_url: str, proxy: AwsFaultProxy, emulator: TikTokEmulator) -> FaultStack:
        # The test's own clients go to moto directly: only the function's calls meet faults.
        clients = {
            name: boto3.client(
                name,
                endpoint_url=moto_url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            for name in ("dynamodb", "secretsmanager", "sqs")
        }
        clients["dynamodb"].create_table(TableName=TABLE_NAME, **idempotency_table_schema())
        clients["secretsmanager"].create_secret(Name=SECRET_NAME, SecretString=json.dumps(CREDENTIALS))
        dlq_url = clients["sqs"].create_queue(QueueName="ApprovalDeadLetterQueue")["QueueUrl"]
        return cls(
            moto_url, proxy, emulator, clients["dynamodb"], clients["secretsmanager"], clients["sqs"], dlq_url
        )

    def arrange(self, case: Case) -> None:
        cell = case.cell
        self.emulator.seed({case.cancel_id: cell.cancellation})
        if cell.tiktok_fault is not None:
            self.emulator.inject_fault(cell.tiktok_fault, cancel_id=case.cancel_id, times=cell.tiktok_times)
        for fault in cell.aws_faults:
            self.proxy.inject(_scoped(fault, case.access_key))
        if cell.secret is not None:
            self.secrets.create_secret(Name=case.secret_name, SecretString=cell.secret)

    def heal(self, cases: list[Case]) -> None:
        """The faults end, broken secrets are fixed, and the in-progress records' invocations time out."""
        self.emulator.clear_faults()
        self.proxy.clear()
        for case in cases:
            if case.cell.secret is not None:
                self.secrets.put_secret_value(SecretId=case.secret_name, SecretString=json.dumps(CREDENTIALS))
        self.expire_in_progress_records()

    def expire_in_progress_records(self) -> None:
        """As if each invocation that left an INPROGRESS record had reached its timeout."""
        for record in self.dynamodb.scan(TableName=TABLE_NAME)["Items"]:
            if record.get("status", {}).get("S") == "INPROGRESS":
                self.dynamodb.update_item(
                    TableName=TABLE_NAME,
                    Key={"id": record["id"]},
                    UpdateExpression="SET in_progress_expiration = :past",
                    ExpressionAttributeValues={":past": {"N": str(int(time.time() * 1000) - 1000)}},
                )

    def invocation(self, case: Case) -> Invocation:
        environment = {
            "AWS_ENDPOINT_URL": self.proxy.url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": case.access_key,
            "AWS_SECRET_ACCESS_KEY": "testing",
            "TIKTOK_CREDENTIALS_SECRET": case.secret_name,
            "IDEMPOTENCY_TABLE": TABLE_NAME,
            "TIKTOK_API_BASE_URL": self.emulator.url,
            "APPROVAL_DLQ_URL": self.dlq_url,
            "POWERTOOLS_SERVICE_NAME": "cancellation-approver",
            "POWERTOOLS_METRICS_NAMESPACE": "TikTokShop",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "BATCH_CONCURRENCY": "10",
            # As the template sets it (botocore's retries are what the matrix counts).
            "AWS_RETRY_MODE": template_variable("AWS_RETRY_MODE"),
        }
        return Invocation(
            case.trigger, case.cancel_id, case.message_id, environment, case.cell.lambda_timeout
        )

    def dead_letters(self) -> dict[str, dict[str, Any]]:
        """Drains the dead-letter queue: each message by the SQS message id it was parked for."""
        parked: dict[str, dict[str, Any]] = {}
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return parked
            for message in batch:
                reason = {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}
                parked[reason.get("source_message_id", "?")] = {"body": message["Body"], **reason}
                self.sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])


def _scoped(fault: AwsFault, access_key: str) -> AwsFault:
    return replace(fault, access_key=access_key)


def template_variable(name: str) -> str:
    return str(function_environment("ApproveCancellationFunction")[name])

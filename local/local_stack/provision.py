"""Creates in moto what the functions use, from the template's own definitions: the tables, the credentials
secret (the TikTok emulator's credentials and tokens), the queues and their dead-letter queues.

Which resources: those the functions' environments, events and dead-letter configs refer to, plus the queues
their redrive policies point at; the local stack asks for every function of the template at once
(`serverless_functions`), so a function added to the template finds its resources without a change here.
Physical names are the logical IDs, except the secret, which keeps the name env.json uses; `!Ref`/`!GetAtt`
on them resolve through template_env.PhysicalResource.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

import boto3

from local_stack.template import resource, table_schema
from local_stack.template_env import ACCOUNT_ID, REGION, PhysicalResource, Resolver

SECRET_NAMES: Final = {"TikTokCredentialsSecret": "tiktok-shop/credentials"}
DUMMY_CREDENTIALS: Final = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
_QUEUE_ATTRIBUTES: Final = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "SqsManagedSseEnabled",
)


def aws_client(service: str, endpoint_url: str) -> Any:  # boto3 clients are generated at run time
    """A client for the local AWS, never the real one: explicit endpoint, region and dummy credentials."""
    return boto3.client(service, endpoint_url=endpoint_url, region_name=REGION, **DUMMY_CREDENTIALS)


def serverless_functions(template: dict[str, Any]) -> list[str]:
    """Every AWS::Serverless::Function of the template, in the template's order."""
    return [
        logical_id
        for logical_id, declared in template["Resources"].items()
        if declared.get("Type") == "AWS::Serverless::Function"
    ]


def referenced_resources(template: dict[str, Any], function_ids: str | Iterable[str]) -> list[str]:
    """Logical IDs the functions refer to (transitively through queue redrive policies), in creation order:
    a queue's dead-letter queue before the queue."""
    ids = [function_ids] if isinstance(function_ids, str) else list(function_ids)
    roots = [
        resource(function_id, template)["Properties"].get(key)
        for function_id in ids
        for key in ("Environment", "Events", "DeadLetterQueue")
    ]
    found: list[str] = []
    pending = [ref for root in roots for ref in _references(root)]
    while pending:
        logical_id = pending.pop()
        if logical_id in found or logical_id not in template["Resources"]:
            continue
        found.append(logical_id)
        declared = template["Resources"][logical_id]
        if declared.get("Type") == "AWS::SQS::Queue":
            pending.extend(_references(declared.get("Properties", {}).get("RedrivePolicy")))
    ordered: list[str] = []

    def visit(logical_id: str) -> None:
        if logical_id in ordered:
            return
        for dependency in _references(template["Resources"][logical_id].get("Properties", {})):
            if dependency in found and dependency != logical_id:
                visit(dependency)
        ordered.append(logical_id)

    for logical_id in sorted(found):
        visit(logical_id)
    return ordered


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            yield str(value["Ref"])
            return
        if set(value) == {"Fn::GetAtt"}:
            yield str(value["Fn::GetAtt"][0])
            return
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def provision(
    template: dict[str, Any],
    function_ids: str | Iterable[str],
    endpoint_url: str,
    credentials: Mapping[str, object],
    sqs_endpoint_url: str | None = None,
) -> dict[str, PhysicalResource]:
    """Creates the resources of the function (or functions) in moto; returns what `!Ref`/`!GetAtt` give for
    each. The queues go to `sqs_endpoint_url` when given (a moto server of their own), else to
    `endpoint_url`."""
    created: dict[str, PhysicalResource] = {}
    for logical_id in referenced_resources(template, function_ids):
        declared = template["Resources"][logical_id]
        kind = declared.get("Type")
        properties = declared.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            created[logical_id] = _create_table(template, logical_id, properties, endpoint_url)
        elif kind == "AWS::SecretsManager::Secret":
            created[logical_id] = _create_secret(logical_id, properties, endpoint_url, credentials)
        elif kind == "AWS::SQS::Queue":
            resolver = Resolver(template, created)
            created[logical_id] = _create_queue(
                logical_id, properties, sqs_endpoint_url or endpoint_url, resolver
            )
        # Layers, log groups, the API: nothing to create in moto.
    return created


def _create_table(
    template: dict[str, Any], logical_id: str, properties: Mapping[str, Any], endpoint_url: str
) -> PhysicalResource:
    dynamodb = aws_client("dynamodb", endpoint_url)
    table = dynamodb.create_table(TableName=logical_id, **table_schema(logical_id, template))
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(
            TableName=logical_id,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl["Enabled"])},
        )
    arn = str(table["TableDescription"]["TableArn"])
    return PhysicalResource(ref=logical_id, attributes={"Arn": arn})


def _create_secret(
    logical_id: str, properties: Mapping[str, Any], endpoint_url: str, credentials: Mapping[str, object]
) -> PhysicalResource:
    name = SECRET_NAMES.get(logical_id, logical_id)
    description = str(properties.get("Description", ""))
    secret = aws_client("secretsmanager", endpoint_url).create_secret(
        Name=name, Description=description, SecretString=json.dumps(dict(credentials))
    )
    return PhysicalResource(ref=name, attributes={"Id": str(secret["ARN"]), "Arn": str(secret["ARN"])})


def _create_queue(
    logical_id: str, properties: Mapping[str, Any], endpoint_url: str, resolver: Resolver
) -> PhysicalResource:
    attributes = {
        name: resolver.resolve(properties[name]) for name in _QUEUE_ATTRIBUTES if name in properties
    }
    redrive = properties.get("RedrivePolicy")
    if redrive:
        attributes["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": resolver.resolve(redrive["deadLetterTargetArn"]),
                "maxReceiveCount": int(resolver.resolve(redrive["maxReceiveCount"])),
            }
        )
    url = str(
        aws_client("sqs", endpoint_url).create_queue(QueueName=logical_id, Attributes=attributes)["QueueUrl"]
    )
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{logical_id}"
    return PhysicalResource(ref=url, attributes={"Arn": arn, "QueueName": logical_id, "QueueUrl": url})

"""template.yaml as plain data: CloudFormation's short-form tags become their long form.

`load_template()` reads the SAM template; `idempotency_table_schema()` gives the `create_table` arguments of
IdempotencyTable, so that the local stack and the tests build their (moto) table from the very definition
that gets deployed. tests/support/cfn_template.py re-exports this module.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from local_stack.paths import ROOT, TEMPLATE

__all__ = [
    "ROOT",
    "TEMPLATE",
    "CloudFormationLoader",
    "function_environment",
    "function_property",
    "idempotency_table_schema",
    "idempotency_ttl_attribute",
    "load_template",
    "load_yaml",
    "resource",
    "table_schema",
]


class CloudFormationLoader(yaml.SafeLoader):  # type: ignore[misc]  # yaml is untyped here
    """A safe YAML loader that also understands `!Ref`, `!Sub`, `!GetAtt`, `!If` and the other short forms."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - YAML has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}", node.start_mark)
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource_id, _, attribute = value.partition(".")
        value = [resource_id, attribute]
    return {f"Fn::{tag_suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass


@cache
def _template(path: Path = TEMPLATE) -> dict[str, Any]:
    template: dict[str, Any] = load_yaml(path)
    return template


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The parsed template (a fresh copy: callers may modify it)."""
    return copy.deepcopy(_template(path))


def resource(logical_id: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = (template or _template())["Resources"][logical_id]
    return found


def function_environment(logical_id: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The function's environment variables as deployed: Globals merged with the function's own."""
    template = template or _template()
    global_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own_env = resource(logical_id, template)["Properties"].get("Environment", {}).get("Variables", {})
    return {**global_env, **own_env}


def function_property(logical_id: str, name: str, template: dict[str, Any] | None = None) -> Any:
    """A function property as deployed: the function's own value, else the one from Globals."""
    template = template or _template()
    properties = resource(logical_id, template)["Properties"]
    if name in properties:
        return properties[name]
    return template.get("Globals", {}).get("Function", {})[name]


_CREATE_TABLE_PROPERTIES = (
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
)


def table_schema(logical_id: str, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keyword arguments for `create_table(TableName=..., **schema)` from an AWS::DynamoDB::Table: its key
    schema, attributes, billing mode and indexes (those properties are plain values in this template)."""
    properties = resource(logical_id, template)["Properties"]
    return copy.deepcopy({name: properties[name] for name in _CREATE_TABLE_PROPERTIES if name in properties})


def idempotency_table_schema(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keyword arguments for `boto3.client("dynamodb").create_table(TableName=..., **schema)`."""
    return table_schema("IdempotencyTable", template)


def idempotency_ttl_attribute(template: dict[str, Any] | None = None) -> str:
    """The attribute DynamoDB expires records on (Powertools' `expiry_attr`)."""
    specification = resource("IdempotencyTable", template)["Properties"]["TimeToLiveSpecification"]
    return str(specification["AttributeName"])

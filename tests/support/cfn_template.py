"""template.yaml as plain data, for tests: CloudFormation's short-form tags become their long form.

`load_template()` reads the SAM template; `idempotency_table_schema()` gives the `create_table` arguments of
IdempotencyTable so that tests build their (moto) table from the very definition that gets deployed.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):
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
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {f"Fn::{tag_suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=CloudFormationLoader)  # a SafeLoader subclass


@cache
def _template() -> dict[str, Any]:
    template: dict[str, Any] = load_yaml(TEMPLATE)
    return template


def load_template() -> dict[str, Any]:
    """The parsed template.yaml (a fresh copy: callers may modify it)."""
    return copy.deepcopy(_template())


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


def idempotency_table_schema() -> dict[str, Any]:
    """Keyword arguments for `boto3.client("dynamodb").create_table(TableName=..., **schema)`."""
    properties = resource("IdempotencyTable")["Properties"]
    return copy.deepcopy(
        {
            "KeySchema": properties["KeySchema"],
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "BillingMode": properties["BillingMode"],
        }
    )


def idempotency_ttl_attribute() -> str:
    """The attribute DynamoDB expires records on (Powertools' `expiry_attr`)."""
    return str(resource("IdempotencyTable")["Properties"]["TimeToLiveSpecification"]["AttributeName"])

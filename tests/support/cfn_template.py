"""template.yaml as plain data, for tests. The reading lives in local/local_stack/template.py, shared with
the local stack (`make run`) so that both build their resources from the template that gets deployed."""

from __future__ import annotations

from local_stack.template import (
    ROOT,
    TEMPLATE,
    CloudFormationLoader,
    function_environment,
    function_property,
    idempotency_table_schema,
    idempotency_ttl_attribute,
    load_template,
    load_yaml,
    resource,
    table_schema,
)

# The sellers' secrets in an IAM statement: the one resource pattern the template grants on.
SELLER_SECRETS = {
    "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${AWS::StackName}/${SellerSecretPrefix}*"
}

__all__ = [
    "ROOT",
    "SELLER_SECRETS",
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

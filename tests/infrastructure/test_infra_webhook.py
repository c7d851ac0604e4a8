"""template.yaml for TikTokWebhookFunction: the one route without IAM, and least privilege."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.cfn_template import function_environment, function_property, load_template

FUNCTION = "TikTokWebhookFunction"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def api_routes(template: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) -> the event's properties, for every Api event of every function."""
    routes = {}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                routes[(event["Properties"]["Method"].upper(), event["Properties"]["Path"])] = event[
                    "Properties"
                ]
    return routes


def statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in properties(template, FUNCTION)["Policies"]:
        assert isinstance(policy, dict), policy
        assert set(policy) <= {"Version", "Statement"}, policy
        found.extend(policy["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_webhook_route_alone_takes_no_iam_and_every_other_route_keeps_it(template: dict[str, Any]):
    assert properties(template, "ApprovalApi")["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    routes = api_routes(template)
    webhook = routes[("POST", "/webhooks/tiktok")]
    assert webhook["RestApiId"] == {"Ref": "ApprovalApi"}
    assert webhook["Auth"] == {"Authorizer": "NONE"}
    assert properties(template, FUNCTION)["Events"]["Webhook"]["Properties"] == webhook
    others = {route: event for route, event in routes.items() if route != ("POST", "/webhooks/tiktok")}
    assert others, "the approval routes are gone"
    for route, event in others.items():
        # No Auth of its own: the API's DefaultAuthorizer, AWS_IAM, applies.
        assert "Auth" not in event, route
        assert event["RestApiId"] == {"Ref": "ApprovalApi"}, route


def test_the_api_has_no_other_unauthenticated_way_in(template: dict[str, Any]):
    api = properties(template, "ApprovalApi")
    # The routes come from the functions' events only.
    assert "DefinitionBody" not in api
    assert "DefinitionUri" not in api
    assert "Authorizers" not in api["Auth"]
    assert api["Auth"].get("AddDefaultAuthorizerToCorsPreflight", True) is not False


def test_the_function_is_small_and_fast(template: dict[str, Any]):
    function = properties(template, FUNCTION)
    assert function["Handler"] == "webhook_app.lambda_handler"
    assert function["CodeUri"].rstrip("/") == "functions/webhook_intake"
    timeout = function_property(FUNCTION, "Timeout", template)
    assert isinstance(timeout, int)
    assert timeout <= 10
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "TikTokWebhookLogGroup"}
    assert "Role" not in function
    assert "DeadLetterQueue" not in function  # invoked synchronously only


def test_the_environment_names_what_the_function_reads(template: dict[str, Any]):
    env = function_environment(FUNCTION, template)
    assert env["TIKTOK_CREDENTIALS_SECRET"] == {"Ref": "TikTokCredentialsSecret"}
    assert env["IDEMPOTENCY_TABLE"] == {"Ref": "IdempotencyTable"}
    assert env["WEBHOOK_QUEUE_URL"] == {"Ref": "WebhookQueue"}
    assert env["WEBHOOK_DLQ_URL"] == {"Ref": "WebhookDeadLetterQueue"}
    assert env["POWERTOOLS_SERVICE_NAME"] == "tiktok-webhook"


def test_least_privilege_exactly(template: dict[str, Any]):
    grants: dict[str, list[Any]] = {}
    for statement in statements(template):
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action
            grants.setdefault(action, []).extend(as_list(statement["Resource"]))
    table = [{"Fn::GetAtt": ["IdempotencyTable", "Arn"]}]
    assert grants == {
        "dynamodb:GetItem": table,
        "dynamodb:PutItem": table,
        "dynamodb:UpdateItem": table,
        "dynamodb:DeleteItem": table,
        "secretsmanager:GetSecretValue": [{"Ref": "TikTokCredentialsSecret"}],
        "sqs:SendMessage": [
            {"Fn::GetAtt": ["WebhookQueue", "Arn"]},
            {"Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]},
        ],
    }
    assert "*" not in json.dumps([s["Resource"] for s in statements(template)])


@pytest.mark.parametrize("queue", ["WebhookQueue", "WebhookDeadLetterQueue"])
def test_the_queues_are_encrypted_and_refuse_plain_http(template: dict[str, Any], queue: str):
    assert properties(template, queue)["SqsManagedSseEnabled"] is True
    policy = properties(template, "WebhookQueuesPolicy")
    assert {"Ref": queue} in policy["Queues"]
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": [queue, "Arn"]} in deny["Resource"]


def test_the_queue_has_its_own_dead_letter_queue(template: dict[str, Any]):
    redrive = properties(template, "WebhookQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]}
    assert properties(template, "WebhookDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = properties(template, "WebhookDeadLetterQueueAlarm")
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["WebhookDeadLetterQueue", "QueueName"]}}
    ]


def test_the_webhook_url_is_an_output(template: dict[str, Any]):
    url = template["Outputs"]["WebhookUrl"]["Value"]["Fn::Sub"]
    assert (
        url
        == "https://${ApprovalApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${ApiStageName}/webhooks/tiktok"
    )

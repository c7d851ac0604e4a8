"""template.yaml for the autopilot: DecideCancellationFunction on WebhookQueue, its tables, its exact grants,
and the alarm on a policy it cannot read, each held to the code that relies on it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from support.cfn_template import function_environment, load_template

FUNCTION = "DecideCancellationFunction"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_decider_shares_the_approvals_code_and_has_its_own_entry_point(template: dict[str, Any]):
    decider = properties(template, FUNCTION)
    approval = properties(template, "ApproveCancellationFunction")
    assert decider["CodeUri"] == approval["CodeUri"]
    assert decider["Handler"] == "decide_app.lambda_handler"
    import decide_app

    assert callable(decide_app.lambda_handler)


def test_the_decider_consumes_webhook_queue_reporting_failures_per_record(template: dict[str, Any]):
    [event] = properties(template, FUNCTION)["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["WebhookQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    redrive = properties(template, "WebhookQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]}


def test_the_environment_sets_every_setting_the_decider_requires(template: dict[str, Any]):
    from approval.settings import Settings
    from autopilot.settings import DeciderSettings

    env = function_environment(FUNCTION, template)
    for settings in (DeciderSettings, Settings):
        required = [f.name.upper() for f in dataclasses.fields(settings) if f.default is dataclasses.MISSING]
        assert required
        assert set(required) <= set(env), settings
    assert env["DECISIONS_TABLE"] == {"Ref": "DecisionsTable"}
    assert env["POLICIES_TABLE"] == {"Ref": "PoliciesTable"}
    assert env["APPROVAL_QUEUE_URL"] == {"Ref": "ApprovalQueue"}
    assert env["POWERTOOLS_SERVICE_NAME"] == "cancellation-autopilot"
    assert function_environment("ApproveCancellationFunction", template)["DECISIONS_TABLE"] == {
        "Ref": "DecisionsTable"
    }


def test_least_privilege_exactly(template: dict[str, Any]):
    grants: dict[str, list[Any]] = {}
    for policy in properties(template, FUNCTION)["Policies"]:
        assert set(policy) <= {"Version", "Statement"}, policy
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            assert "NotAction" not in statement
            assert "NotResource" not in statement
            for action in as_list(statement["Action"]):
                grants.setdefault(action, []).extend(as_list(statement["Resource"]))
    arn = lambda logical_id: {"Fn::GetAtt": [logical_id, "Arn"]}  # noqa: E731
    assert grants == {
        # ShopsTable: a de-authorized seller's shops marked inactive (webhook type 6), found by BySecret.
        "dynamodb:UpdateItem": [arn("RateLimitTable"), arn("ShopsTable"), arn("DecisionsTable")],
        "dynamodb:Query": [{"Fn::Sub": "${ShopsTable.Arn}/index/BySecret"}],
        "secretsmanager:GetSecretValue": [
            {"Ref": "TikTokCredentialsSecret"},
            {
                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
                "${AWS::StackName}/${SellerSecretPrefix}*"
            },
        ],
        # Read only: policies are written by make policy; the directory by make authorize (its inactive flag
        # by the decider, above).
        # Read only: the decision log is written with conditional updates, never read back.
        "dynamodb:GetItem": [arn("ShopsTable"), arn("PoliciesTable")],
        "sqs:SendMessage": [arn("ApprovalQueue")],
        "sqs:ChangeMessageVisibility": [arn("WebhookQueue")],
        "events:PutEvents": [
            {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}
        ],
    }


def test_the_decision_log_expires_on_the_attribute_the_code_writes(template: dict[str, Any]):
    table = properties(template, "DecisionsTable")
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert [key["AttributeName"] for key in table["KeySchema"]] == ["shop_id", "cancel_id"]
    assert [key["AttributeName"] for key in properties(template, "PoliciesTable")["KeySchema"]] == ["shop_id"]
    for logical_id in ("DecisionsTable", "PoliciesTable"):
        assert properties(template, logical_id)["SSESpecification"] == {"SSEEnabled": True}
        assert properties(template, logical_id)["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }


@pytest.mark.parametrize(
    ("alarm_id", "outcome"),
    [
        ("AutopilotPolicyUnreadableAlarm", "policy_unreadable"),
        ("AutopilotUnknownShopAlarm", "unknown_shop"),
        ("SellerDeauthorizedAlarm", "seller_deauthorized"),
        ("AuthorizationExpiringAlarm", "authorization_expiring"),
    ],
)
def test_the_alarms_watch_the_metrics_the_decider_counts(
    template: dict[str, Any], alarm_id: str, outcome: str
):
    from autopilot.outcomes import OUTCOMES, Outcome

    alarm = properties(template, alarm_id)
    assert alarm["MetricName"] == OUTCOMES[Outcome(outcome)].metric
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
        "service": function_environment(FUNCTION, template)["POWERTOOLS_SERVICE_NAME"],
        "outcome": outcome,
    }
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_the_tables_are_outputs_for_the_operator_commands(template: dict[str, Any]):
    outputs = template["Outputs"]
    assert outputs["DecisionsTableName"]["Value"] == {"Ref": "DecisionsTable"}
    assert outputs["PoliciesTableName"]["Value"] == {"Ref": "PoliciesTable"}
    assert "*" not in json.dumps(outputs["DecisionsTableName"])


def test_the_docs_table_of_outcomes_is_the_code_table():
    from autopilot.outcomes import OUTCOMES
    from support.cfn_template import ROOT

    text = (ROOT / "docs/autopilot.md").read_text(encoding="utf-8")
    documented = {}
    for line in text.splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2] in ("yes", "no"):
            documented[cells[0]] = (cells[1], cells[2] == "yes")
    assert documented == {outcome.value: (row.metric, row.done) for outcome, row in OUTCOMES.items()}


SWEEPER = "SweepCancellationsFunction"


def test_the_sweeper_runs_on_a_schedule_that_zero_turns_off(template: dict[str, Any]):
    sweeper = properties(template, SWEEPER)
    assert sweeper["Handler"] == "sweep_app.lambda_handler"
    assert sweeper["CodeUri"] == properties(template, "ApproveCancellationFunction")["CodeUri"]
    [event] = sweeper["Events"].values()
    assert event["Type"] == "ScheduleV2"
    schedule = event["Properties"]
    assert schedule["State"] == {"Fn::If": ["SweepEnabled", "ENABLED", "DISABLED"]}
    assert schedule["ScheduleExpression"]["Fn::If"][1] == {"Fn::Sub": "rate(${SweepIntervalMinutes} minutes)"}
    assert template["Conditions"]["SweepEnabled"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SweepIntervalMinutes"}, 0]}]
    }
    interval = template["Parameters"]["SweepIntervalMinutes"]
    assert interval["Default"] == 10
    assert 0 in interval["AllowedValues"]
    assert 1 not in interval["AllowedValues"]  # rate(1 minutes) is not a valid expression
    import sweep_app

    assert callable(sweep_app.lambda_handler)


def test_the_sweepers_grants_exactly(template: dict[str, Any]):
    grants: dict[str, list[Any]] = {}
    for policy in properties(template, SWEEPER)["Policies"]:
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            for action in as_list(statement["Action"]):
                grants.setdefault(action, []).extend(as_list(statement["Resource"]))
    arn = lambda logical_id: {"Fn::GetAtt": [logical_id, "Arn"]}  # noqa: E731
    assert grants == {
        "dynamodb:UpdateItem": [arn("RateLimitTable"), arn("DecisionsTable")],
        "secretsmanager:GetSecretValue": [
            {"Ref": "TikTokCredentialsSecret"},
            {
                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
                "${AWS::StackName}/${SellerSecretPrefix}*"
            },
        ],
        # The directory is listed (every shop to sweep) and read one shop at a time, never written.
        "dynamodb:Scan": [arn("ShopsTable")],
        "dynamodb:GetItem": [arn("ShopsTable"), arn("PoliciesTable"), arn("SweepStateTable")],
        "dynamodb:PutItem": [arn("SweepStateTable")],
        "dynamodb:DeleteItem": [arn("SweepStateTable")],
        "sqs:SendMessage": [arn("ApprovalQueue")],
        "events:PutEvents": [
            {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}
        ],
    }


def test_the_sweeper_reads_what_its_environment_sets(template: dict[str, Any]):
    from autopilot.sweep_settings import SweepSettings

    env = function_environment(SWEEPER, template)
    for settings in (SweepSettings,):
        required = [f.name.upper() for f in dataclasses.fields(settings) if f.default is dataclasses.MISSING]
        assert set(required) <= set(env)
    decider_env = function_environment(FUNCTION, template)
    shared = {name for name in decider_env if name not in ("WEBHOOK_QUEUE_URL",)}
    assert {name: env.get(name) for name in shared} == {name: decider_env[name] for name in shared}

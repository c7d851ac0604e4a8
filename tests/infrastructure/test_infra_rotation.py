"""template.yaml: the credentials rotation (function, schedule, permission, alarms) and its least privilege."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from support.cfn_template import ROOT, SELLER_SECRETS, function_environment, function_property, load_template
from tiktok_shop import DEFAULT_AUTH_BASE_URL

FUNCTION = "RotateCredentialsFunction"
SECRET = {"Ref": "TikTokCredentialsSecret"}
ACCESS_TOKEN_LIFETIME_DAYS = 7


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in properties(template, FUNCTION)["Policies"]:
        assert isinstance(policy, dict), policy  # no SAM policy templates, no managed policies
        assert set(policy) <= {"Version", "Statement"}, policy
        found.extend(policy["Statement"])
    return found


def test_the_function_runs_the_rotation_entry_point(template: dict[str, Any]):
    assert template["Resources"][FUNCTION]["Type"] == "AWS::Serverless::Function"
    function = properties(template, FUNCTION)
    assert function["Handler"] == "rotation_app.lambda_handler"
    assert function["CodeUri"].rstrip("/") == "functions/rotate_credentials"
    assert (ROOT / "functions/rotate_credentials/rotation_app.py").is_file()
    assert function_property(FUNCTION, "Runtime", template) == "python3.13"
    assert function_property(FUNCTION, "Architectures", template) == [{"Ref": "Architecture"}]


def test_the_function_uses_the_same_layers_as_the_approver(template: dict[str, Any]):
    layers = properties(template, FUNCTION)["Layers"]
    assert layers == properties(template, "ApproveCancellationFunction")["Layers"]
    assert {"Ref": "PowertoolsLayer"} in layers


def test_the_function_environment(template: dict[str, Any]):
    env = function_environment(FUNCTION, template)
    assert env["TIKTOK_API_BASE_URL"] == {"Ref": "TikTokApiBaseUrl"}
    assert env["TIKTOK_AUTH_BASE_URL"] == {"Ref": "TikTokAuthBaseUrl"}
    assert env["REFRESH_TOKEN_WARNING_DAYS"] == {"Ref": "RefreshTokenWarningDays"}
    assert env["POWERTOOLS_SERVICE_NAME"] == "credentials-rotation"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "TikTokShop"
    assert env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
    assert "TIKTOK_CREDENTIALS_SECRET" not in env  # the secret comes with each event
    assert all(isinstance(value, (str, dict)) for value in env.values())


def test_the_auth_host_is_a_parameter_defaulting_to_tiktoks(template: dict[str, Any]):
    parameter = template["Parameters"]["TikTokAuthBaseUrl"]
    assert parameter["Default"] == DEFAULT_AUTH_BASE_URL
    assert re.fullmatch(parameter["AllowedPattern"], DEFAULT_AUTH_BASE_URL)
    assert re.fullmatch(parameter["AllowedPattern"], "http://127.0.0.1:8765")
    assert not re.fullmatch(parameter["AllowedPattern"], "https://auth.tiktok-shops.com/api?x=1")


# --- least privilege ---------------------------------------------------------------------------------------


def test_the_policy_is_the_four_rotation_actions_on_the_secrets_and_the_directory_writes(
    template: dict[str, Any],
):
    grants = sorted(
        (action, json.dumps(resource))
        for statement in statements(template)
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    )
    rotation = ["DescribeSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage"]
    shops_table = {"Fn::GetAtt": ["ShopsTable", "Arn"]}
    assert grants == sorted(
        [
            *((f"secretsmanager:{action}", json.dumps(secret)) for action in rotation
              for secret in (SECRET, SELLER_SECRETS)),
            ("dynamodb:PutItem", json.dumps(shops_table)),
            ("dynamodb:DeleteItem", json.dumps(shops_table)),
            ("dynamodb:Query", json.dumps({"Fn::Sub": "${ShopsTable.Arn}/index/BySecret"})),
        ]
    )  # fmt: skip


def test_the_policy_uses_no_wildcards_or_negations(template: dict[str, Any]):
    for statement in statements(template):
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        assert "*" not in json.dumps(statement["Action"])
        resources = [r for r in as_list(statement["Resource"]) if r != SELLER_SECRETS]
        assert "*" not in json.dumps(resources)
    assert "Role" not in properties(template, FUNCTION)


def test_the_approver_still_only_reads_the_secret(template: dict[str, Any]):
    approver = json.dumps(properties(template, "ApproveCancellationFunction")["Policies"])
    assert "secretsmanager:GetSecretValue" in approver
    for action in ("PutSecretValue", "UpdateSecretVersionStage", "DescribeSecret"):
        assert action not in approver


def test_only_secrets_manager_may_invoke_it_for_this_secret_in_this_account(template: dict[str, Any]):
    permission = template["Resources"]["RotateCredentialsPermission"]
    assert permission["Type"] == "AWS::Lambda::Permission"
    assert permission["Properties"] == {
        "FunctionName": {"Fn::GetAtt": [FUNCTION, "Arn"]},
        "Action": "lambda:InvokeFunction",
        "Principal": "secretsmanager.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": SECRET,
    }


def test_secrets_manager_may_invoke_it_for_the_sellers_secrets_only(template: dict[str, Any]):
    permission = template["Resources"]["RotateSellerCredentialsPermission"]["Properties"]
    assert permission["Principal"] == "secretsmanager.amazonaws.com"
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission["SourceArn"] == SELLER_SECRETS


# --- schedule ----------------------------------------------------------------------------------------------


def test_the_schedule_rotates_the_secret_with_the_function(template: dict[str, Any]):
    schedule = template["Resources"]["TikTokCredentialsRotationSchedule"]
    assert schedule["Type"] == "AWS::SecretsManager::RotationSchedule"
    # The permission must exist before Secrets Manager first tries to invoke the function.
    assert "RotateCredentialsPermission" in as_list(schedule["DependsOn"])
    rotation = schedule["Properties"]
    assert rotation["SecretId"] == SECRET
    assert rotation["RotationLambdaARN"] == {"Fn::GetAtt": [FUNCTION, "Arn"]}
    assert "HostedRotationLambda" not in rotation


def test_deploying_with_the_placeholder_secret_does_not_rotate_at_once(template: dict[str, Any]):
    schedule = properties(template, "TikTokCredentialsRotationSchedule")
    assert schedule["RotateImmediatelyOnUpdate"] is False


def test_the_interval_is_always_shorter_than_an_access_tokens_life(template: dict[str, Any]):
    expression = properties(template, "TikTokCredentialsRotationSchedule")["RotationRules"][
        "ScheduleExpression"
    ]
    assert expression == {"Fn::Sub": "rate(${RotationIntervalDays} days)"}
    interval = template["Parameters"]["RotationIntervalDays"]
    assert interval["Type"] == "Number"
    assert interval["Default"] == 3
    assert interval["MinValue"] >= 2  # rate() syntax wants "1 day", in the singular
    assert interval["MaxValue"] < ACCESS_TOKEN_LIFETIME_DAYS


# --- logs, alarms, outputs ---------------------------------------------------------------------------------


def test_the_function_logs_to_its_own_group_with_retention(template: dict[str, Any]):
    assert properties(template, FUNCTION)["LoggingConfig"] == {
        "LogGroup": {"Ref": "RotateCredentialsLogGroup"}
    }
    log_group = template["Resources"]["RotateCredentialsLogGroup"]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert log_group["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/${AWS::StackName}-rotate-credentials"
    }


def alarm_actions_go_to_the_optional_topic(alarm: dict[str, Any]) -> bool:
    expected = {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}
    return alarm["AlarmActions"] == expected and alarm["OKActions"] == expected


def test_a_failed_rotation_alarms(template: dict[str, Any]):
    alarm = properties(template, "RotationFailedAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": FUNCTION}}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
    )
    assert alarm_actions_go_to_the_optional_topic(alarm)


def test_an_expiring_refresh_token_alarms_on_what_the_function_emits(template: dict[str, Any]):
    alarm = properties(template, "RefreshTokenExpiringAlarm")
    env = function_environment(FUNCTION, template)
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["MetricName"] == "RefreshTokenExpiringSoon"
    # Powertools adds exactly one dimension, the service, to the function's metrics.
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Maximum",
        0,
        "GreaterThanThreshold",
    )
    assert alarm["TreatMissingData"] == "ignore"  # one data point per rotation: keep the state in between
    assert alarm_actions_go_to_the_optional_topic(alarm)
    rotator = (ROOT / "functions/rotate_credentials/rotation/rotator.py").read_text()
    assert 'name="RefreshTokenExpiringSoon"' in rotator
    warning_days = template["Parameters"]["RefreshTokenWarningDays"]
    assert warning_days["Default"] == 14


def test_the_function_arn_is_an_output(template: dict[str, Any]):
    assert template["Outputs"]["RotateCredentialsFunctionArn"]["Value"] == {"Fn::GetAtt": [FUNCTION, "Arn"]}

"""template.yaml: the names other code relies on, least privilege, and the settings the design depends on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from support.cfn_template import (
    ROOT,
    SELLER_SECRETS,
    function_environment,
    function_property,
    idempotency_table_schema,
    idempotency_ttl_attribute,
    load_template,
)

FUNCTION = "ApproveCancellationFunction"
API_PATH = "/cancellations/{cancel_id}/approve"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def walk(value: Any):
    """Every nested value, depth first."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def function_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in properties(template, FUNCTION)["Policies"]:
        # Only explicit statements: no SAM policy templates, no managed policies.
        assert isinstance(policy, dict), policy
        assert set(policy) <= {"Version", "Statement"}, policy
        statements.extend(policy["Statement"])
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- names other code relies on ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logical_id", "resource_type"),
    [
        ("ApproveCancellationFunction", "AWS::Serverless::Function"),
        ("TikTokShopLayer", "AWS::Serverless::LayerVersion"),
        ("IdempotencyTable", "AWS::DynamoDB::Table"),
        ("ApprovalQueue", "AWS::SQS::Queue"),
        ("ApprovalDeadLetterQueue", "AWS::SQS::Queue"),
        ("TikTokCredentialsSecret", "AWS::SecretsManager::Secret"),
        ("ApprovalApi", "AWS::Serverless::Api"),
    ],
)
def test_public_logical_ids_exist(template: dict[str, Any], logical_id: str, resource_type: str):
    assert template["Resources"][logical_id]["Type"] == resource_type


def test_transform_is_sam(template: dict[str, Any]):
    assert template["Transform"] == "AWS::Serverless-2016-10-31"


def test_function_runtime_and_entry_point(template: dict[str, Any]):
    assert function_property(FUNCTION, "Runtime", template) == "python3.13"
    assert function_property(FUNCTION, "Architectures", template) == [{"Ref": "Architecture"}]
    assert function_property(FUNCTION, "Tracing", template) == "Active"
    assert function_property(FUNCTION, "MemorySize", template) == 512
    function = properties(template, FUNCTION)
    assert function["Handler"] == "app.lambda_handler"
    assert function["CodeUri"].rstrip("/") == "functions/approve_cancellation"


def test_architecture_is_a_parameter_deployed_as_arm64(template: dict[str, Any]):
    # arm64 in AWS; x86_64 so that `make sam-local` runs natively on an x86_64 host instead of under QEMU.
    parameter = template["Parameters"]["Architecture"]
    assert parameter["Default"] == "arm64"
    assert parameter["AllowedValues"] == ["arm64", "x86_64"]


PACKAGED_BY_MAKEFILE = {"BuildMethod": "makefile", "ContextPath": "packaging"}
LAYERS = {"TikTokShopLayer": "layers/tiktok_shop", "PowertoolsLayer": "layers/powertools"}


@pytest.mark.parametrize(("layer_id", "content"), LAYERS.items())
def test_each_layer_is_packaged_by_the_makefile_for_python313_on_both_architectures(
    template: dict[str, Any], layer_id: str, content: str
):
    layer = template["Resources"][layer_id]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"].rstrip("/") == content
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    # Pure Python (packaging/Makefile installs pure wheels only): one build serves both.
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64", "x86_64"]
    assert layer["Metadata"] == PACKAGED_BY_MAKEFILE
    assert (ROOT / content / "requirements.txt").is_file()


@pytest.mark.parametrize(
    "function_id",
    [
        "ApproveCancellationFunction",
        "RotateCredentialsFunction",
        "TikTokWebhookFunction",
        "DecideCancellationFunction",
        "SweepCancellationsFunction",
    ],
)
def test_each_function_is_packaged_by_the_makefile_with_both_layers(
    template: dict[str, Any], function_id: str
):
    resource = template["Resources"][function_id]
    assert {key: resource["Metadata"][key] for key in PACKAGED_BY_MAKEFILE} == PACKAGED_BY_MAKEFILE
    assert resource["Properties"]["Layers"] == [{"Ref": "PowertoolsLayer"}, {"Ref": "TikTokShopLayer"}]


def test_the_makefile_has_a_target_for_every_resource_it_packages(template: dict[str, Any]):
    makefile = (ROOT / "packaging/Makefile").read_text(encoding="utf-8")
    packaged = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource.get("Metadata", {}).get("BuildMethod") == "makefile"
    ]
    assert sorted(packaged) == sorted(
        [
            *LAYERS,
            "ApproveCancellationFunction",
            "RotateCredentialsFunction",
            "TikTokWebhookFunction",
            "DecideCancellationFunction",
            "SweepCancellationsFunction",
        ]
    )
    for logical_id in packaged:
        assert re.search(rf"^[^#\n]*\bbuild-{logical_id}\b[^\n]*:", makefile, re.MULTILINE), logical_id


def test_no_public_layer_arn_is_left(template: dict[str, Any]):
    assert "017000801446" not in json.dumps(template)
    assert "PowertoolsLayerVersion" not in template["Parameters"]


def test_layer_source_has_what_sam_build_needs():
    assert (ROOT / "layers/tiktok_shop/tiktok_shop/__init__.py").is_file()


def test_function_environment_names(template: dict[str, Any]):
    env = function_environment(FUNCTION, template)
    assert env["TIKTOK_CREDENTIALS_SECRET"] == {"Ref": "TikTokCredentialsSecret"}
    assert env["IDEMPOTENCY_TABLE"] == {"Ref": "IdempotencyTable"}
    assert env["TIKTOK_API_BASE_URL"] == {"Ref": "TikTokApiBaseUrl"}
    assert env["APPROVAL_DLQ_URL"] == {"Ref": "ApprovalDeadLetterQueue"}
    assert env["IDEMPOTENCY_EXPIRY_SECONDS"] == {"Ref": "IdempotencyExpirySeconds"}
    assert env["BATCH_CONCURRENCY"] == {"Ref": "BatchConcurrency"}
    assert "CREDENTIALS_CACHE_SECONDS" in env
    assert env["POWERTOOLS_SERVICE_NAME"] == "cancellation-approver"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "TikTokShop"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
    assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    # Lambda passes every value as a string: literals must be strings in the template too.
    assert all(isinstance(value, (str, dict)) for value in env.values())


@pytest.mark.parametrize(
    ("name", "default", "minimum"),
    [
        ("TikTokApiBaseUrl", "https://open-api.tiktokglobalshop.com", None),
        ("IdempotencyExpirySeconds", 172800, 3600),
        ("QueueMaximumConcurrency", 5, 2),
        ("BatchConcurrency", 5, 1),
        ("AlarmEmail", "", None),
    ],
)
def test_parameters(template: dict[str, Any], name: str, default: Any, minimum: int | None):
    parameter = template["Parameters"][name]
    assert parameter["Default"] == default
    if minimum is not None:
        assert parameter["MinValue"] == minimum


def test_idempotency_covers_tiktoks_48_hour_window(template: dict[str, Any]):
    assert template["Parameters"]["IdempotencyExpirySeconds"]["Default"] >= 48 * 3600


# --- least privilege ---------------------------------------------------------------------------------------


def test_function_policies_use_no_wildcards(template: dict[str, Any]):
    for statement in function_statements(template):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
        for resource_ref in as_list(statement["Resource"]):
            # The one pattern: the sellers' secrets, whose names all start with the prefix.
            if resource_ref != SELLER_SECRETS:
                assert "*" not in json.dumps(resource_ref), statement
        assert "NotAction" not in statement
        assert "NotResource" not in statement


def test_the_seller_secret_prefix_cannot_be_extended_into_another_name(template: dict[str, Any]):
    parameter = template["Parameters"]["SellerSecretPrefix"]
    assert re.fullmatch(parameter["AllowedPattern"], parameter["Default"])
    assert parameter["Default"].endswith("/")
    for unsafe in ("tiktok-shop/sellers", "", "/", "a*/", "a b/"):
        assert not re.fullmatch(parameter["AllowedPattern"], unsafe)


def test_dynamodb_access_is_exactly_the_item_actions_each_table_needs(template: dict[str, Any]):
    by_table: dict[str, list[str]] = {}
    for statement in function_statements(template):
        actions = [a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")]
        if actions:
            [resource] = as_list(statement["Resource"])
            by_table.setdefault(resource["Fn::GetAtt"][0], []).extend(actions)
    assert {table: sorted(actions) for table, actions in by_table.items()} == {
        "IdempotencyTable": [
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        # The limiter reserves a slot with one conditional update; it never reads, writes or deletes items.
        "RateLimitTable": ["dynamodb:UpdateItem"],
        # The directory is only read, one shop at a time: make authorize and the rotation write it.
        "ShopsTable": ["dynamodb:GetItem"],
        # An approval the autopilot asked for puts its outcome on the decision's record, nothing more.
        "DecisionsTable": ["dynamodb:UpdateItem"],
    }


def test_the_shop_directory_reaches_the_function(template: dict[str, Any]):
    env = function_environment("ApproveCancellationFunction", template)
    assert env["SHOPS_TABLE"] == {"Ref": "ShopsTable"}
    table = template["Resources"]["ShopsTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "shop_id", "KeyType": "HASH"}]
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "BySecret"
    assert index["KeySchema"] == [{"AttributeName": "secret_id", "KeyType": "HASH"}]


def test_the_rate_limit_reaches_the_function_from_its_parameter(template: dict[str, Any]):
    parameter = template["Parameters"]["TikTokRateLimitPerSecond"]
    assert parameter["Default"] == 50
    env = function_environment("ApproveCancellationFunction", template)
    assert env["TIKTOK_RATE_LIMIT_PER_SECOND"] == {"Ref": "TikTokRateLimitPerSecond"}
    assert env["RATE_LIMIT_TABLE"] == {"Ref": "RateLimitTable"}
    table = template["Resources"]["RateLimitTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_secret_and_dead_letter_queue_access(template: dict[str, Any]):
    grants = {
        action: as_list(s["Resource"])
        for s in function_statements(template)
        for action in as_list(s["Action"])
    }
    assert grants["secretsmanager:GetSecretValue"] == [{"Ref": "TikTokCredentialsSecret"}, SELLER_SECRETS]
    assert grants["sqs:SendMessage"] == [{"Fn::GetAtt": ["ApprovalDeadLetterQueue", "Arn"]}]
    assert set(grants) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "secretsmanager:GetSecretValue",
        "sqs:SendMessage",
    }


def test_function_has_no_role_or_managed_policies_of_its_own(template: dict[str, Any]):
    function = properties(template, FUNCTION)
    assert "Role" not in function  # SAM's generated role: basic execution, SQS poller, X-Ray, the above
    assert all(not isinstance(policy, str) for policy in function["Policies"])


# --- queues ------------------------------------------------------------------------------------------------


def sqs_event(template: dict[str, Any]) -> dict[str, Any]:
    return properties(template, FUNCTION)["Events"]["Sqs"]


def test_sqs_trigger_reports_batch_item_failures(template: dict[str, Any]):
    event = sqs_event(template)
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["ApprovalQueue", "Arn"]}
    # Each record of a batch gets a worker at once (BatchConcurrency is also the function's pool size).
    assert event["Properties"]["BatchSize"] == {"Ref": "BatchConcurrency"}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 < event["Properties"]["MaximumBatchingWindowInSeconds"] <= 5
    assert event["Properties"]["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "QueueMaximumConcurrency"}}
    concurrency = template["Parameters"]["QueueMaximumConcurrency"]
    assert concurrency["MinValue"] >= 2
    assert concurrency["MaxValue"] <= 1000


def test_redrive_to_dead_letter_queue_after_at_least_five_receives(template: dict[str, Any]):
    redrive = properties(template, "ApprovalQueue")["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["ApprovalDeadLetterQueue", "Arn"]}
    assert redrive["maxReceiveCount"] >= 5


def test_visibility_timeout_is_at_least_six_function_timeouts(template: dict[str, Any]):
    timeout = function_property(FUNCTION, "Timeout", template)
    window = sqs_event(template)["Properties"]["MaximumBatchingWindowInSeconds"]
    assert isinstance(timeout, int)
    assert properties(template, "ApprovalQueue")["VisibilityTimeout"] >= 6 * timeout + window


@pytest.mark.parametrize("queue", ["ApprovalQueue", "ApprovalDeadLetterQueue"])
def test_queues_are_encrypted(template: dict[str, Any], queue: str):
    queue_properties = properties(template, queue)
    assert queue_properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue_properties


def test_dead_letter_queue_keeps_messages_14_days(template: dict[str, Any]):
    assert properties(template, "ApprovalDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert (
        properties(template, "ApprovalDeadLetterQueue")["MessageRetentionPeriod"]
        >= properties(template, "ApprovalQueue")["MessageRetentionPeriod"]
    )


def test_async_direct_invocations_fail_into_the_dead_letter_queue(template: dict[str, Any]):
    dead_letter = properties(template, FUNCTION)["DeadLetterQueue"]
    assert dead_letter == {"Type": "SQS", "TargetArn": {"Fn::GetAtt": ["ApprovalDeadLetterQueue", "Arn"]}}


# --- idempotency table -------------------------------------------------------------------------------------


def test_idempotency_table(template: dict[str, Any]):
    table = properties(template, "IdempotencyTable")
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert idempotency_ttl_attribute() == "expiration"


def test_idempotency_table_schema_is_valid_create_table_input():
    schema = idempotency_table_schema()
    assert schema["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert schema["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    # Plain data only: the tests create their table from it.
    assert not any(
        isinstance(value, dict) and any(k.startswith("Fn::") or k == "Ref" for k in value)
        for value in walk(schema)
    )
    model = botocore.session.get_session().get_service_model("dynamodb").operation_model("CreateTable")
    report = ParamValidator().validate({"TableName": "IdempotencyTable", **schema}, model.input_shape)
    assert not report.has_errors(), report.generate_report()


def test_idempotency_table_schema_returns_a_copy():
    idempotency_table_schema()["KeySchema"].clear()
    assert idempotency_table_schema()["KeySchema"]


# --- secret ------------------------------------------------------------------------------------------------


def test_credentials_secret_holds_placeholders_for_every_field(template: dict[str, Any]):
    secret = properties(template, "TikTokCredentialsSecret")
    value = json.loads(secret["SecretString"])
    assert set(value) == {
        "app_key",
        "app_secret",
        "access_token",
        "shop_cipher",
        "refresh_token",
        "access_token_expire_in",
        "refresh_token_expire_in",
    }
    assert set(value.values()) == {"REPLACE_ME"}
    assert "REPLACE_ME" in secret["Description"]


# --- API ---------------------------------------------------------------------------------------------------


def test_api_event_routes_post_approve_to_the_function(template: dict[str, Any]):
    event = properties(template, FUNCTION)["Events"]["Api"]
    assert event["Type"] == "Api"
    assert event["Properties"] == {"RestApiId": {"Ref": "ApprovalApi"}, "Path": API_PATH, "Method": "POST"}


def test_api_requires_iam_and_invokes_with_its_own_permission(template: dict[str, Any]):
    auth = properties(template, "ApprovalApi")["Auth"]
    assert auth["DefaultAuthorizer"] == "AWS_IAM"
    assert auth["InvokeRole"] == "NONE"


def test_api_throttles_traces_and_logs_access(template: dict[str, Any]):
    api = properties(template, "ApprovalApi")
    assert api["TracingEnabled"] is True
    [settings] = api["MethodSettings"]
    assert settings["ResourcePath"] == "/*"
    assert settings["HttpMethod"] == "*"
    assert "ThrottlingRateLimit" in settings
    assert "ThrottlingBurstLimit" in settings
    access_log = api["AccessLogSetting"]
    assert access_log["DestinationArn"] == {"Fn::GetAtt": ["ApprovalApiAccessLogGroup", "Arn"]}
    fields = json.loads(access_log["Format"])
    for name in (
        "requestId",
        "ip",
        "caller",
        "user",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
    ):
        assert fields[name].startswith("$context."), name


def test_api_gateway_account_role_is_optional(template: dict[str, Any]):
    assert template["Parameters"]["CreateApiGatewayAccountRole"]["Default"] == "false"
    for logical_id in ("ApiGatewayCloudWatchRole", "ApiGatewayAccount"):
        assert template["Resources"][logical_id]["Condition"] == "ShouldCreateApiGatewayAccountRole"


# --- logs, alarms, outputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("log_group", ["ApproveCancellationLogGroup", "ApprovalApiAccessLogGroup"])
def test_log_groups_have_retention(template: dict[str, Any], log_group: str):
    assert template["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    assert properties(template, log_group)["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert template["Parameters"]["LogRetentionInDays"]["Default"] == 30


def test_function_logs_to_its_own_log_group(template: dict[str, Any]):
    logging = properties(template, FUNCTION)["LoggingConfig"]
    assert logging["LogGroup"] == {"Ref": "ApproveCancellationLogGroup"}


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric"),
    [
        ("ApprovalDeadLetterQueueAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("ApproveCancellationErrorsAlarm", "AWS/Lambda", "Errors"),
    ],
)
def test_alarms(template: dict[str, Any], alarm: str, namespace: str, metric: str):
    alarm_properties = properties(template, alarm)
    assert alarm_properties["Namespace"] == namespace
    assert alarm_properties["MetricName"] == metric
    assert alarm_properties["Threshold"] == 0
    assert alarm_properties["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm_properties["AlarmActions"] == {
        "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]
    }


def test_alarm_topic_only_with_an_email(template: dict[str, Any]):
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert template["Resources"]["AlarmTopic"]["Condition"] == "HasAlarmEmail"
    subscription = template["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"


def test_outputs(template: dict[str, Any]):
    outputs = template["Outputs"]
    for name in (
        "ApiUrl",
        "ApprovalQueueUrl",
        "ApprovalDeadLetterQueueUrl",
        "IdempotencyTableName",
        "TikTokCredentialsSecretArn",
        "ApproveCancellationFunctionArn",
    ):
        assert name in outputs, name
    api_url = outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert api_url.startswith("https://${ApprovalApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/")
    assert api_url.endswith("/")


def test_every_reference_points_at_something_defined(template: dict[str, Any]):
    known = set(template["Resources"]) | set(template["Parameters"]) | {"AWS::Region", "AWS::NoValue"}
    known |= {"AWS::Partition", "AWS::StackName", "AWS::URLSuffix", "AWS::AccountId"}
    for value in walk(template):
        if isinstance(value, dict) and set(value) == {"Ref"}:
            assert value["Ref"] in known, value
        if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
            assert value["Fn::GetAtt"][0] in template["Resources"], value


def test_template_file_is_where_sam_looks():
    assert Path(ROOT / "template.yaml").is_file()

"""Events of AWS services the approval function is not wired to, shaped after AWS's documented samples
(`sam local generate-event`), trimmed to what tells them apart; and what the function says each looks like.

Shared by tests/unit/test_event_source.py and tests/integration/test_other_service_events.py.
"""

from __future__ import annotations

import copy
from typing import Any

NOT_OUR_EVENT = "not an event this function takes: API Gateway REST, SQS or a direct request"


def refusal(looks_like: str) -> str:
    return f"{NOT_OUR_EVENT} (this looks like {looks_like})"


HTTP_API_V2: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "POST /cancellations/{cancel_id}/approve",
    "rawPath": "/cancellations/5760001000000000001/approve",
    "rawQueryString": "",
    "headers": {"content-type": "application/json", "idempotency-key": "k-1"},
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "api-id",
        "domainName": "id.execute-api.us-east-1.amazonaws.com",
        "http": {
            "method": "POST",
            "path": "/cancellations/5760001000000000001/approve",
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.10",
            "userAgent": "agent",
        },
        "requestId": "id",
        "routeKey": "POST /cancellations/{cancel_id}/approve",
        "stage": "$default",
        "time": "01/Jan/2026:00:00:00 +0000",
        "timeEpoch": 1767225600000,
    },
    "pathParameters": {"cancel_id": "5760001000000000001"},
    "isBase64Encoded": False,
}
FUNCTION_URL: dict[str, Any] = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/",
    "rawQueryString": "",
    "headers": {"content-type": "application/json"},
    "requestContext": {
        "accountId": "anonymous",
        "domainName": "abcdefg.lambda-url.us-east-1.on.aws",
        "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10"},
        "requestId": "id",
        "routeKey": "$default",
        "stage": "$default",
        "timeEpoch": 1767225600000,
    },
    "body": '{"cancel_id": "5760001000000000001"}',
    "isBase64Encoded": False,
}
HTTP_API_V1: dict[str, Any] = {
    "version": "1.0",
    "resource": "/cancellations/{cancel_id}/approve",
    "path": "/cancellations/5760001000000000001/approve",
    "httpMethod": "POST",
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {"Content-Type": ["application/json"]},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "requestContext": {"apiId": "api-id", "httpMethod": "POST", "requestId": "id", "stage": "$default"},
    "pathParameters": {"cancel_id": "5760001000000000001"},
    "body": None,
    "isBase64Encoded": False,
}
LOAD_BALANCER: dict[str, Any] = {
    "requestContext": {
        "elb": {
            "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/6d0ecf831eec9f09"
        }
    },
    "httpMethod": "POST",
    "path": "/cancellations/5760001000000000001/approve",
    "queryStringParameters": {},
    "headers": {"content-type": "application/json"},
    "body": "",
    "isBase64Encoded": False,
}
WEBSOCKET: dict[str, Any] = {
    "requestContext": {
        "routeKey": "$default",
        "eventType": "MESSAGE",
        "connectionId": "conn-1",
        "requestId": "id",
        "apiId": "api-id",
    },
    "body": '{"cancel_id": "5760001000000000001"}',
    "isBase64Encoded": False,
}
EVENTBRIDGE: dict[str, Any] = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-01-01T00:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/sweep"],
    "detail": {},
}
SNS: dict[str, Any] = {
    "Records": [
        {
            "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:topic:2bcfbf39",
            "EventSource": "aws:sns",
            "Sns": {
                "Type": "Notification",
                "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:topic",
                "Message": '{"cancel_id": "5760001000000000001"}',
                "Timestamp": "2026-01-01T00:00:00.000Z",
                "MessageAttributes": {},
            },
        }
    ]
}
S3: dict[str, Any] = {
    "Records": [
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": "2026-01-01T00:00:00.000Z",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "bucket": {"name": "approvals", "arn": "arn:aws:s3:::approvals"},
                "object": {"key": "cancel.json", "size": 1024},
            },
        }
    ]
}
DYNAMODB_STREAM: dict[str, Any] = {
    "Records": [
        {
            "eventID": "1",
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {"Keys": {"id": {"S": "1"}}, "SequenceNumber": "111", "StreamViewType": "KEYS_ONLY"},
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000",
        }
    ]
}
KINESIS: dict[str, Any] = {
    "Records": [
        {
            "kinesis": {
                "partitionKey": "1",
                "kinesisSchemaVersion": "1.0",
                "data": "eyJjYW5jZWxfaWQiOiAiNTc2MDAwMTAwMDAwMDAwMDAwMSJ9",
                "sequenceNumber": "4959",
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": "shardId-000000000006:4959",
            "eventName": "aws:kinesis:record",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/approvals",
        }
    ]
}
SQS_RECORD: dict[str, Any] = {
    "messageId": "00000000-0000-4000-8000-000000000000",
    "receiptHandle": "handle",
    "body": '{"cancel_id": "5760001000000000001"}',
    "attributes": {"ApproximateReceiveCount": "1"},
    "messageAttributes": {},
    "md5OfBody": "",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ApprovalQueue",
    "awsRegion": "us-east-1",
}
MIXED_RECORDS: dict[str, Any] = {"Records": [copy.deepcopy(SQS_RECORD), copy.deepcopy(SNS["Records"][0])]}
MSK: dict[str, Any] = {
    "eventSource": "aws:kafka",
    "eventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/c/1",
    "records": {"approvals-0": [{"topic": "approvals", "partition": 0, "offset": 15, "value": "e30="}]},
}
CLOUDWATCH_LOGS: dict[str, Any] = {"awslogs": {"data": "H4sIAAAAAAAAAHWPwQqCQBCGX2WZc0Wp"}}
CUSTOM_RESOURCE: dict[str, Any] = {
    "RequestType": "Create",
    "ResponseURL": "https://cloudformation-custom-resource-response.example/",
    "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
    "RequestId": "1",
    "LogicalResourceId": "R",
    "ResourceType": "Custom::Approval",
    "ResourceProperties": {},
}
SECRET_ROTATION: dict[str, Any] = {
    "SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:tiktok-shop/credentials",
    "ClientRequestToken": "token",
    "Step": "createSecret",
}

# (id, event, what the refusal says it looks like, whether its caller gets an HTTP answer)
OTHER_SERVICE_EVENTS: list[tuple[str, dict[str, Any], str, bool]] = [
    (
        "http-api-v2",
        HTTP_API_V2,
        "a payload format 2.0 request of an API Gateway HTTP API or a Lambda function URL",
        True,
    ),
    (
        "function-url",
        FUNCTION_URL,
        "a payload format 2.0 request of an API Gateway HTTP API or a Lambda function URL",
        True,
    ),
    ("http-api-v1", HTTP_API_V1, "a payload format 1.0 request of an API Gateway HTTP API", True),
    ("load-balancer", LOAD_BALANCER, "an Application Load Balancer request", True),
    ("websocket", WEBSOCKET, "an API Gateway WebSocket event", False),
    ("eventbridge", EVENTBRIDGE, "an EventBridge event", False),
    ("sns", SNS, "an SNS notification", False),
    ("s3", S3, "an S3 event notification", False),
    ("dynamodb-stream", DYNAMODB_STREAM, "a DynamoDB stream event", False),
    ("kinesis", KINESIS, "a Kinesis stream event", False),
    ("mixed-records", MIXED_RECORDS, "records of several sources: aws:sns, aws:sqs", False),
    ("msk", MSK, "an event from aws:kafka", False),
    ("cloudwatch-logs", CLOUDWATCH_LOGS, "a CloudWatch Logs subscription event", False),
    ("custom-resource", CUSTOM_RESOURCE, "a CloudFormation custom resource request", False),
    ("secret-rotation", SECRET_ROTATION, "a Secrets Manager rotation step", False),
]

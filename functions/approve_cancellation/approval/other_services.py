"""Events of AWS services this function is not wired to, told apart from the three it takes.

Wired to another source by mistake (an HTTP API, an EventBridge rule, an SNS topic, a stream), or sent
another function's event, it refuses the event saying what it looks like, instead of reading it as an
approval request and listing its fields as unknown ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

NOT_OUR_EVENT: Final = "not an event this function takes: API Gateway REST, SQS or a direct request"


@dataclass(frozen=True)
class OtherService:
    """An event of an AWS service this function is not wired to (a trigger added by mistake, an event sent
    to the wrong function): refused, saying what it looks like, rather than read as an approval request."""

    looks_like: str  # "an EventBridge event"
    # Its caller waits for an HTTP answer (an HTTP API, a function URL, a load balancer): it gets the API's
    # 400 JSON answer. Any other is raised, as every direct error is: the invocation fails with the error
    # type InvalidApprovalRequest, and the service's own retries and failure destinations take over.
    answers_http: bool = False


def _http_api(event: dict[str, Any]) -> bool:
    return event.get("version") == "2.0" and ("routeKey" in event or "rawPath" in event)


def _http_api_v1(event: dict[str, Any]) -> bool:
    # Payload format 1.0 is the REST proxy event plus this field (REST events have no version).
    return event.get("version") == "1.0" and "httpMethod" in event


def _load_balancer(event: dict[str, Any]) -> bool:
    context = event.get("requestContext")
    return isinstance(context, dict) and "elb" in context


def _websocket(event: dict[str, Any]) -> bool:
    context = event.get("requestContext")
    return isinstance(context, dict) and "connectionId" in context and "eventType" in context


def _event_bridge(event: dict[str, Any]) -> bool:
    return {"detail-type", "source", "detail"} <= event.keys()


# Other services' events by their distinctive fields, after AWS's documented sample events. A direct
# request has none of these fields (the parser refuses any but cancel_id, shop_id and query), so none of
# these tests can turn a valid request away.
OTHER_SERVICES: Final[tuple[tuple[Callable[[dict[str, Any]], bool], OtherService], ...]] = (
    (
        _http_api,
        OtherService(
            "a payload format 2.0 request of an API Gateway HTTP API or a Lambda function URL",
            answers_http=True,
        ),
    ),
    (
        _http_api_v1,
        OtherService("a payload format 1.0 request of an API Gateway HTTP API", answers_http=True),
    ),
    (_load_balancer, OtherService("an Application Load Balancer request", answers_http=True)),
    (_websocket, OtherService("an API Gateway WebSocket event")),
    (_event_bridge, OtherService("an EventBridge event")),
    (lambda event: "awslogs" in event, OtherService("a CloudWatch Logs subscription event")),
    (
        lambda event: {"RequestType", "ResponseURL"} <= event.keys(),
        OtherService("a CloudFormation custom resource request"),
    ),
    (
        lambda event: {"SecretId", "ClientRequestToken", "Step"} <= event.keys(),
        OtherService("a Secrets Manager rotation step"),
    ),
    (
        lambda event: {"triggerSource", "userPoolId"} <= event.keys(),
        OtherService("a Cognito user pool trigger"),
    ),
)
# What each service puts in its records' eventSource (SNS: EventSource).
RECORD_SOURCES: Final = {
    "aws:sns": "an SNS notification",
    "aws:s3": "an S3 event notification",
    "aws:dynamodb": "a DynamoDB stream event",
    "aws:kinesis": "a Kinesis stream event",
    "aws:ses": "an SES email receiving event",
    "aws:codecommit": "a CodeCommit trigger",
}


def other_service(event: Any) -> OtherService | None:
    """What service `event` comes from when it is not one this function takes; None for API Gateway REST,
    SQS and anything else, which is a direct request (and parsed as one)."""
    if not isinstance(event, dict):
        return None
    for looks_so, service in OTHER_SERVICES:
        if looks_so(event):
            return service
    records = event.get("Records")
    if isinstance(records, list):
        return _other_records(records)
    source = event.get("eventSource")  # Amazon MQ, MSK, self-managed Kafka, DocumentDB: no Records list
    if isinstance(source, str) and source:
        return OtherService(f"an event from {_shown(source)}")
    return None


def _other_records(records: list[Any]) -> OtherService | None:
    sources = {_record_source(record) for record in records}
    if sources == {"aws:sqs"}:
        return None
    if not records:
        return OtherService("an event whose Records list is empty")
    if len(sources) > 1:
        named = ", ".join(sorted(_shown(source) if source else "no eventSource" for source in sources))
        return OtherService(f"records of several sources: {named}")
    [source] = sources
    if source is None:
        return OtherService("records without an eventSource")
    return OtherService(RECORD_SOURCES.get(source, f"records from {_shown(source)}"))


def _record_source(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    source = record.get("eventSource", record.get("EventSource"))
    return source if isinstance(source, str) and source else None


def _shown(source: str) -> str:
    """An event source's name as the message shows it: AWS's own (aws:...), not whatever text a sender put."""
    return source if source.startswith("aws:") and len(source) <= 40 else "an unknown source"

"""events/*.json, env.json and samconfig.toml: what `sam local invoke` and the integration tests feed on."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from support.cfn_template import ROOT, function_environment, load_template

EVENTS = ROOT / "events"
EVENT_FILES = sorted(EVENTS.glob("*.json"))
API_EVENTS = [path for path in EVENT_FILES if path.name.startswith("api_")]
SQS_EVENTS = [path for path in EVENT_FILES if path.name.startswith("sqs_")]
API_PATH = "/cancellations/{cancel_id}/approve"
PENDING = {f"57600010000000000{n:02d}" for n in range(1, 11)}
SHIPPED = "5760001000000000901"
UNKNOWN = "5760001999999999999"
CANCEL_ID = re.compile(r"^[0-9]{1,64}$")
# Region and credentials: sam local invoke sets these itself, from the shell's AWS configuration (env.json
# lists the dummy values for reference; export them, or the moto server will not accept the requests).
SAM_LOCAL_AWS_VARIABLES = {
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_event(name: str) -> dict[str, Any]:
    return load(EVENTS / name)


def header(event: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in (event["headers"] or {}).items() if k.lower() == name.lower()), None)


def test_the_expected_event_files_exist():
    assert {path.name for path in EVENT_FILES} >= {
        "api_approve.json",
        "api_approve_header_key.json",
        "api_approve_query_key.json",
        "api_conflicting_keys.json",
        "api_bad_cancel_id.json",
        "api_wrong_method.json",
        "api_unknown_route.json",
        "api_approve_shipped.json",
        "api_approve_unknown.json",
        "sqs_batch.json",
        "direct_approve.json",
    }


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_every_event_is_a_json_object(path: Path):
    assert isinstance(load(path), dict)


@pytest.mark.parametrize("path", API_EVENTS, ids=lambda p: p.name)
def test_api_events_are_full_rest_proxy_events(path: Path):
    event = load(path)
    for field in (
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "requestContext",
        "body",
        "isBase64Encoded",
    ):
        assert field in event, field
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["requestId"]
    assert context["identity"]["sourceIp"]
    assert context["httpMethod"] == event["httpMethod"]
    assert context["resourcePath"] == event["resource"]
    assert context["path"] == f"/{context['stage']}{event['path']}"
    # API Gateway gives both views of headers and query; they must agree.
    assert event["multiValueHeaders"] == {k: [v] for k, v in event["headers"].items()}
    query = event["queryStringParameters"]
    assert event["multiValueQueryStringParameters"] == ({k: [v] for k, v in query.items()} if query else None)
    # The resolver routes on `path`; pathParameters must be what that path says.
    if event["resource"] == API_PATH:
        cancel_id = event["pathParameters"]["cancel_id"]
        assert event["path"] == f"/cancellations/{cancel_id}/approve"


def test_api_events_match_the_templates_route():
    template = load_template()
    route = template["Resources"]["ApproveCancellationFunction"]["Properties"]["Events"]["Api"]["Properties"]
    approve = load_event("api_approve.json")
    assert (approve["resource"], approve["httpMethod"]) == (route["Path"], route["Method"])


@pytest.mark.parametrize(
    ("name", "cancel_id"),
    [
        ("api_approve.json", "5760001000000000001"),
        ("api_approve_header_key.json", "5760001000000000002"),
        ("api_approve_query_key.json", "5760001000000000003"),
        ("api_approve_shipped.json", SHIPPED),
        ("api_approve_unknown.json", UNKNOWN),
    ],
)
def test_approve_events(name: str, cancel_id: str):
    event = load_event(name)
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"cancel_id": cancel_id}


def test_key_placement():
    assert header(load_event("api_approve.json"), "Idempotency-Key") is None
    assert load_event("api_approve.json")["queryStringParameters"] is None
    assert header(load_event("api_approve_header_key.json"), "Idempotency-Key") == (
        "8f14e45f-ceea-467f-a0e6-3c3b2e1a0001"
    )
    assert load_event("api_approve_header_key.json")["queryStringParameters"] is None
    query_key = load_event("api_approve_query_key.json")
    assert header(query_key, "Idempotency-Key") is None
    assert query_key["queryStringParameters"]["idempotency_key"]
    conflicting = load_event("api_conflicting_keys.json")
    from_header = header(conflicting, "Idempotency-Key")
    from_query = conflicting["queryStringParameters"]["idempotency_key"]
    assert from_header
    assert from_query
    assert from_header != from_query


def test_negative_api_events():
    bad = load_event("api_bad_cancel_id.json")
    assert not CANCEL_ID.match(unquote(bad["pathParameters"]["cancel_id"]))
    wrong_method = load_event("api_wrong_method.json")
    assert (wrong_method["httpMethod"], wrong_method["resource"]) == ("GET", API_PATH)
    unknown = load_event("api_unknown_route.json")
    assert unknown["resource"] != API_PATH
    assert not unknown["path"].startswith("/cancellations/")


def test_pending_events_use_only_the_reserved_pending_ids():
    # The shops' events use their shops' own cancellations (see the next test).
    ids = [
        load_event(path.name)["pathParameters"]["cancel_id"]
        for path in API_EVENTS
        if "approve" in path.name and "shop_id" not in (load_event(path.name)["pathParameters"] or {})
    ]
    ids += [load_event("direct_approve.json")["cancel_id"]]
    for record in load_event("sqs_batch.json")["Records"]:
        try:
            ids.append(json.loads(record["body"])["cancel_id"])
        except ValueError:
            continue
    valid = {cancel_id for cancel_id in ids if CANCEL_ID.match(cancel_id)}
    assert valid - {SHIPPED, UNKNOWN} <= PENDING


def test_shop_events_name_a_seeded_sellers_shop_and_its_own_cancellation():
    seed = json.loads((EVENTS.parent / "local" / "tiktok_emulator" / "seed.json").read_text())
    owned = {
        shop["id"]: set(shop.get("cancellations", {}))
        for seller in seed["sellers"]
        for shop in seller["shops"]
    }
    direct = load_event("direct_approve_shop.json")
    api = load_event("api_approve_shop.json")["pathParameters"]
    for request in (direct, api):
        assert request["cancel_id"] in owned[request["shop_id"]]
    assert direct["shop_id"] != api["shop_id"]  # two shops of one cross-border seller
    unknown = load_event("api_approve_unknown_shop.json")["pathParameters"]["shop_id"]
    assert unknown not in owned


@pytest.mark.parametrize("path", SQS_EVENTS, ids=lambda p: p.name)
def test_sqs_events_are_full_sqs_events(path: Path):
    records = load(path)["Records"]
    assert records
    assert len({record["messageId"] for record in records}) == len(records)
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:ApprovalQueue"
        assert record["awsRegion"] == "us-east-1"
        assert record["receiptHandle"]
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        assert record["messageAttributes"] == {}
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()


def test_sqs_batch_mixes_good_and_bad_records():
    bodies = [record["body"] for record in load_event("sqs_batch.json")["Records"]]
    assert len(bodies) == 4
    parsed: list[Any] = []
    not_json = 0
    for body in bodies:
        try:
            parsed.append(json.loads(body))
        except ValueError:
            not_json += 1
    assert not_json == 1
    good = [p for p in parsed if CANCEL_ID.match(p["cancel_id"])]
    bad = [p for p in parsed if not CANCEL_ID.match(p["cancel_id"])]
    assert [p["cancel_id"] for p in good] == ["5760001000000000004", "5760001000000000005"]
    assert good[0]["query"]["idempotency_key"]
    assert "query" not in good[1]
    assert len(bad) == 1


def test_direct_event_is_the_request_itself():
    assert load_event("direct_approve.json") == {
        "cancel_id": "5760001000000000006",
        "query": {"idempotency_key": "direct-0001"},
    }


# --- env.json and samconfig.toml ---------------------------------------------------------------------------


def test_env_json_configures_the_function_for_local_runs():
    env = load(ROOT / "env.json")["ApproveCancellationFunction"]
    assert env["TIKTOK_CREDENTIALS_SECRET"] == "tiktok-shop/credentials"
    assert env["IDEMPOTENCY_TABLE"] == "IdempotencyTable"
    assert env["TIKTOK_API_BASE_URL"] == "http://host.docker.internal:8765"
    assert env["AWS_ENDPOINT_URL"] == "http://host.docker.internal:5000"
    assert env["APPROVAL_DLQ_URL"].startswith(env["AWS_ENDPOINT_URL"] + "/")
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert all(isinstance(value, str) for value in env.values())


@pytest.mark.parametrize(
    "function", ["ApproveCancellationFunction", "RotateCredentialsFunction", "TikTokWebhookFunction"]
)
def test_env_json_sets_only_variables_sam_local_passes_on(function):
    # sam local invoke only overrides variables the template declares: anything else in env.json would be
    # silently ignored (AWS_ENDPOINT_URL is declared, empty, in template.yaml for this reason).
    declared = set(function_environment(function))
    env = load(ROOT / "env.json")[function]
    assert set(env) - declared - SAM_LOCAL_AWS_VARIABLES == set()
    # Every declared variable is given: one the file leaves out keeps the template's value under sam local
    # (`!Ref SomeQueue` becomes the bare logical ID, AWS_ENDPOINT_URL "" real AWS).
    assert declared - set(env) == set()


def test_samconfig():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert config["version"] == 0.1
    default = config["default"]
    assert default["global"]["parameters"]["stack_name"] == "tiktok-cancellation-approver"
    assert default["validate"]["parameters"]["lint"] is True
    assert default["build"]["parameters"] == {"cached": True, "parallel": True}
    deploy = default["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["confirm_changeset"] is True
    assert deploy["resolve_s3"] is True
    assert (ROOT / default["local_invoke"]["parameters"]["env_vars"]).is_file()

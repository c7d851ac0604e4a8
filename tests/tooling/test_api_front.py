"""The local stack's API front (local_stack/api_front.py): API Gateway's webhook route before a Runtime API,
here a stand-in that records the events and answers as told. What reaches the real webhook function through
it is make run's autopilot step (tests/e2e)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
from local_stack.api_front import ApiFrontServer, proxy_event
from local_stack.invoke import INVOCATIONS_PATH


class FakeRuntime(HTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RuntimeHandler)
        self.events: list[dict[str, Any]] = []
        self.answer: Any = {"statusCode": 200, "headers": {}, "body": "", "isBase64Encoded": False}

    @property
    def invoke_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{INVOCATIONS_PATH}"


class _RuntimeHandler(BaseHTTPRequestHandler):
    server: FakeRuntime

    def do_POST(self) -> None:
        assert self.path == INVOCATIONS_PATH
        self.server.events.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        body = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serving(server: HTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return thread


@pytest.fixture
def runtime() -> Iterator[FakeRuntime]:
    server = FakeRuntime()
    _serving(server)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def front(runtime: FakeRuntime) -> Iterator[str]:
    server = ApiFrontServer("127.0.0.1", 0, runtime.invoke_url, stage="v1")
    _serving(server)
    yield server.url
    server.shutdown()
    server.server_close()


def test_a_webhook_reaches_the_function_as_the_rest_api_s_proxy_event(front, runtime):
    body = b'{"type":11,"shop_id":"7000714532876273420"}'
    answer = requests.post(
        f"{front}/webhooks/tiktok?probe=1",
        data=body,
        headers={"Authorization": "abc123", "Content-Type": "application/json"},
        timeout=10,
    )

    assert answer.status_code == 200
    assert answer.content == b""
    [event] = runtime.events
    assert (event["httpMethod"], event["path"], event["resource"]) == (
        "POST",
        "/webhooks/tiktok",
        "/webhooks/tiktok",
    )
    assert event["body"] == body.decode()  # text, as a REST API without BinaryMediaTypes passes JSON
    assert event["isBase64Encoded"] is False
    assert event["headers"]["Authorization"] == "abc123"
    assert event["multiValueHeaders"]["Authorization"] == ["abc123"]
    assert event["queryStringParameters"] == {"probe": "1"}
    context = event["requestContext"]
    assert context["stage"] == "v1"
    assert context["resourcePath"] == "/webhooks/tiktok"
    assert context["requestId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"


def test_bytes_that_are_not_utf8_reach_the_function_base64_encoded(front, runtime):
    requests.post(f"{front}/webhooks/tiktok", data=b"\xff\xfe", timeout=10)

    [event] = runtime.events
    assert event["isBase64Encoded"] is True
    assert event["body"] == "//4="


def test_the_function_s_status_headers_and_body_are_the_answer(front, runtime):
    runtime.answer = {
        "statusCode": 401,
        "headers": {"X-Why": "unsigned"},
        "body": "no",
        "isBase64Encoded": False,
    }

    answer = requests.post(f"{front}/webhooks/tiktok", data=b"{}", timeout=10)

    assert answer.status_code == 401
    assert answer.headers["X-Why"] == "unsigned"
    assert answer.text == "no"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/webhooks/tiktok"), ("POST", "/cancellations/1/approve"), ("POST", "/"), ("PUT", "/webhooks")],
)
def test_anything_but_the_webhook_route_is_refused_as_api_gateway_does_and_nothing_is_invoked(
    front, runtime, method, path
):
    answer = requests.request(method, f"{front}{path}", data=b"{}", timeout=10)

    assert answer.status_code == 403
    assert answer.json() == {"message": "Missing Authentication Token"}
    assert runtime.events == []


@pytest.mark.parametrize(
    "payload",
    [
        {"errorType": "Boom", "errorMessage": "the function raised"},
        {"body": "no status"},
        "not a proxy response",
    ],
)
def test_a_function_error_or_an_answer_that_is_not_a_proxy_response_is_a_502(front, runtime, payload):
    runtime.answer = payload

    answer = requests.post(f"{front}/webhooks/tiktok", data=b"{}", timeout=10)

    assert answer.status_code == 502
    assert answer.json() == {"message": "Internal server error"}


def test_repeated_headers_keep_every_value_in_multi_value_headers():
    event = proxy_event(
        method="POST",
        path="/webhooks/tiktok",
        query={},
        headers=[("X-A", "1"), ("X-A", "2")],
        body=b"",
        source_ip="127.0.0.1",
        domain="localhost",
        stage="v1",
        now=0,
    )

    assert event["headers"] == {"X-A": "2"}
    assert event["multiValueHeaders"] == {"X-A": ["1", "2"]}
    assert event["body"] is None
    assert event["queryStringParameters"] is None
    assert event["requestContext"]["requestTime"] == "01/Jan/1970:00:00:00 +0000"

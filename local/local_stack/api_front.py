"""API Gateway's REST API in front of TikTokWebhookFunction, on loopback: `POST /webhooks/tiktok` becomes the
Lambda proxy event API Gateway (and `sam local start-api`) builds, invoked in the webhook function's Runtime
Interface Emulator; the function's statusCode, headers and body are the answer TikTok (the emulator) gets.

Hand-written: no library emulates API Gateway's proxy event in front of an arbitrary local Lambda runtime;
SAM's `start-api` does, but only with Docker.

As API Gateway does:
- only the route the template declares without IAM: any other path, or another method on it, is answered
  403 `{"message": "Missing Authentication Token"}` (what API Gateway answers for a route it does not have,
  and for an IAM route without a signature), and nothing is invoked;
- the body as text (the REST API declares no BinaryMediaTypes, so a JSON body arrives as the text sent);
  bytes that are not UTF-8, which API Gateway would garble, go base64 with `isBase64Encoded` instead, so the
  function still sees what was sent;
- a request over API Gateway's 10 MB payload limit: 413; a function error or an answer that is not a proxy
  response: 502 `{"message": "Internal server error"}`; no answer within API Gateway's 29 s: 504.
Not modelled: stage throttling, access logs, the stage in the path (as under `sam local start-api`, the
route is served at the root; the stage is in `requestContext.stage`). One invocation at a time: the stack
runs one environment of the function.

    python -m local_stack.api_front --port PORT --invoke-url URL [--host 127.0.0.1] [--stage v1]
"""

from __future__ import annotations

import argparse
import base64
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs

import requests

from local_stack.invoke import invoke
from local_stack.template_env import ACCOUNT_ID

WEBHOOK_PATH: Final = "/webhooks/tiktok"
WEBHOOK_METHOD: Final = "POST"
PAYLOAD_LIMIT: Final = 10 * 1024 * 1024
"""API Gateway's maximum request payload."""
INTEGRATION_TIMEOUT: Final = 29.0
"""API Gateway's default integration timeout, seconds."""
API_ID: Final = "local00api"
MISSING_TOKEN: Final = b'{"message":"Missing Authentication Token"}'


def proxy_event(
    *,
    method: str,
    path: str,
    query: Mapping[str, Sequence[str]],
    headers: Sequence[tuple[str, str]],
    body: bytes,
    source_ip: str,
    domain: str,
    stage: str,
    now: float | None = None,
) -> dict[str, Any]:
    """The REST API's Lambda proxy event (payload format 1.0) for one request of the webhook route."""
    now = time.time() if now is None else now
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value  # API Gateway keeps the last value in `headers`, every value in the other
        multi.setdefault(name, []).append(value)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    lowered = {name.lower(): value for name, value in single.items()}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": {name: list(values) for name, values in query.items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "webhook",
            "resourcePath": path,
            "httpMethod": method,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": domain.split(".", 1)[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": source_ip, "userAgent": lowered.get("user-agent")},
            "domainName": domain,
            "apiId": API_ID,
        },
        "body": text if body else None,
        "isBase64Encoded": encoded,
    }


class _Handler(BaseHTTPRequestHandler):
    server: ApiFrontServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """_serve logs each request once, when its answer is known (and never its query)."""

    def _serve(self) -> None:
        started = time.perf_counter()
        path, _, raw_query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        if length > PAYLOAD_LIMIT:
            status = self._answer(413, {}, b'{"message":"Request Too Long"}', close=True)
        else:
            body = self.rfile.read(length) if length else b""
            if (self.command, path) != (WEBHOOK_METHOD, WEBHOOK_PATH):
                status = self._answer(
                    403, {"x-amzn-ErrorType": "MissingAuthenticationTokenException"}, MISSING_TOKEN
                )
            else:
                status = self._invoke(path, raw_query, body)
        # Method, path, status and time only: bodies carry seller data, Authorization a signature.
        self.log_message(
            "%s %s -> %d (%.0f ms)", self.command, path, status, (time.perf_counter() - started) * 1e3
        )

    def _invoke(self, path: str, raw_query: str, body: bytes) -> int:
        event = proxy_event(
            method=self.command,
            path=path,
            query=_query(raw_query),
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            domain=self.headers.get("Host") or "localhost",
            stage=self.server.stage,
        )
        try:
            with self.server.one_at_a_time:
                invocation = invoke(self.server.invoke_url, event, timeout=INTEGRATION_TIMEOUT)
        except requests.Timeout:
            return self._answer(504, {}, b'{"message":"Endpoint request timed out"}')
        except requests.RequestException:
            return self._answer(502, {}, b'{"message":"Internal server error"}')
        answer = _proxy_answer(invocation.payload)
        if answer is None:
            return self._answer(502, {}, b'{"message":"Internal server error"}')
        return self._answer(*answer)

    def _answer(self, status: int, headers: Mapping[str, str], body: bytes, *, close: bool = False) -> int:
        self.send_response(status)
        sent = {name.lower() for name in headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
        return status


def _query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True)


def _proxy_answer(payload: Any) -> tuple[int, dict[str, str], bytes] | None:
    """(status, headers, body) from a proxy integration's answer; None for one API Gateway refuses (502)."""
    if not isinstance(payload, dict) or "errorType" in payload:
        return None
    status = payload.get("statusCode")
    if not isinstance(status, int) or not 100 <= status <= 599:
        return None
    headers = {str(k): str(v) for k, v in (payload.get("headers") or {}).items()}
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        headers[str(name)] = ", ".join(str(value) for value in values)
    body = payload.get("body") or ""
    if not isinstance(body, str):
        return None
    raw = base64.b64decode(body) if payload.get("isBase64Encoded") else body.encode("utf-8")
    return status, headers, raw


class ApiFrontServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, invoke_url: str, stage: str) -> None:
        super().__init__((host, port), _Handler)
        self.invoke_url = invoke_url
        self.stage = stage
        # One environment of the function, which takes one invocation at a time.
        self.one_at_a_time = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local_stack.api_front", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--invoke-url", required=True, help="the webhook function's Runtime API invocation URL"
    )
    parser.add_argument("--stage", default="v1", help="requestContext.stage (the template's ApiStageName)")
    args = parser.parse_args(argv)
    server = ApiFrontServer(args.host, args.port, args.invoke_url, args.stage)
    print(f"API front on {server.url}{WEBHOOK_PATH} -> {args.invoke_url}", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

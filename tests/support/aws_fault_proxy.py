"""A loopback HTTP proxy in front of the moto server that fails chosen AWS operations on purpose.

A proxy rather than botocore event hooks: the function's own boto3 clients, reached only through
AWS_ENDPOINT_URL, then run botocore's real retry handler (attempts, backoff, retry quota) as deployed.

The operation is recognised by the X-Amz-Target header (DynamoDB, Secrets Manager and SQS all speak
AWS JSON here), and the caller by the access key id in its SigV4 Authorization header, so that several
function processes can share one proxy and each meet only its own faults.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import urlsplit

AwsFaultKind = Literal["throttled", "unavailable", "slow"]
_ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
# Dropped on the way through: hop-by-hop, or recomputed by http.client for the forwarded body.
_NOT_FORWARDED = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})

# What each service answers when it throttles, by X-Amz-Target prefix: DynamoDB's data-plane throttle
# for a table over its capacity, and the generic one the other JSON services use.
_THROTTLE_TYPE = {
    "DynamoDB_20120810": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "secretsmanager": "ThrottlingException",
    "AmazonSQS": "com.amazonaws.sqs#RequestThrottled",
}


@dataclass(frozen=True)
class AwsFault:
    """`target` is an X-Amz-Target such as "DynamoDB_20120810.PutItem"; `times` None means every attempt.

    - throttled: HTTP 400 with the service's throttling error (botocore backs off from 1 s);
    - unavailable: HTTP 503 ServiceUnavailable (botocore backs off from 25-50 ms);
    - slow: wait `delay` seconds, then forward (the operation succeeds, late).
    """

    target: str
    kind: AwsFaultKind
    times: int | None = None
    delay: float = 0.5
    access_key: str | None = None  # None: whoever calls


@dataclass(frozen=True)
class ProxiedCall:
    target: str
    access_key: str | None
    status: int  # what the caller received
    fault: AwsFaultKind | None


@dataclass
class _Armed:
    fault: AwsFault
    remaining: int | None


Hook = Callable[[str, str | None], None]


@dataclass
class AwsFaultProxy:
    upstream: str
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _armed: list[_Armed] = field(default_factory=list)
    _calls: list[ProxiedCall] = field(default_factory=list)
    _hooks: list[Hook] = field(default_factory=list)
    url: str = ""

    def inject(self, fault: AwsFault) -> None:
        with self._lock:
            self._armed.append(_Armed(fault, fault.times))

    def before_forwarding(self, hook: Hook) -> None:
        """`hook(target, access_key)` runs before each forwarded call: to change the world between two."""
        with self._lock:
            self._hooks.append(hook)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._calls.clear()
            self._hooks.clear()

    def calls(self, target: str | None = None, access_key: str | None = None) -> list[ProxiedCall]:
        with self._lock:
            return [
                call
                for call in self._calls
                if (target is None or call.target == target)
                and (access_key is None or call.access_key == access_key)
            ]

    def take(self, target: str, access_key: str | None) -> AwsFault | None:
        with self._lock:
            for armed in self._armed:
                fault = armed.fault
                if fault.target != target or fault.access_key not in (None, access_key):
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        self._armed.remove(armed)
                return fault
        return None

    def record(self, call: ProxiedCall) -> None:
        with self._lock:
            self._calls.append(call)

    def hooks(self) -> list[Hook]:
        with self._lock:
            return list(self._hooks)


def fault_answer(target: str, kind: AwsFaultKind) -> tuple[int, bytes]:
    if kind == "throttled":
        error_type = _THROTTLE_TYPE.get(target.split(".", 1)[0], "ThrottlingException")
        return 400, json.dumps({"__type": error_type, "message": "Rate of requests exceeded"}).encode()
    return 503, json.dumps({"__type": "ServiceUnavailable", "message": "Service unavailable"}).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects

    def do_POST(self) -> None:
        self._relay()

    def do_GET(self) -> None:
        self._relay()

    def log_message(self, format: str, *args: object) -> None:
        del format, args  # the proxy's own access log would only bury the test's output

    def _relay(self) -> None:
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target") or f"{self.command} {self.path}"
        found = _ACCESS_KEY.search(self.headers.get("Authorization") or "")
        access_key = found.group(1) if found else None
        fault = proxy.take(target, access_key)
        if fault is not None and fault.kind != "slow":
            status, payload = fault_answer(target, fault.kind)
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-proxy"}
        else:
            if fault is not None:
                time.sleep(fault.delay)
            for hook in proxy.hooks():
                hook(target, access_key)
            status, headers, payload = self._forward(proxy.upstream, body)
        proxy.record(ProxiedCall(target, access_key, status, None if fault is None else fault.kind))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _forward(self, upstream: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(upstream)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _NOT_FORWARDED}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in _NOT_FORWARDED}
            return response.status, kept, payload
        finally:
            connection.close()


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: AwsFaultProxy) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy


@contextmanager
def running_proxy(upstream: str) -> Iterator[AwsFaultProxy]:
    proxy = AwsFaultProxy(upstream)
    server = _ProxyServer(proxy)
    proxy.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="aws-fault-proxy", daemon=True
    )
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""A TikTokShopClient whose HTTP answers are scripted: for unit tests of request building and parsing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from tiktok_shop import RetryPolicy, TikTokShopClient

APP_SECRET = "app-secret-value"


def answer(
    code: int = 0, message: str = "success", data: object = None, status: int = 200
) -> requests.Response:
    """An HTTP answer holding TikTok's envelope."""
    response = requests.Response()
    response.status_code = status
    envelope = {"code": code, "message": message, "request_id": "req-1", "data": data}
    response._content = json.dumps(envelope).encode()
    return response


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted response (or raises it), and keeps what was sent."""

    def __init__(self, *script: requests.Response | Exception) -> None:
        super().__init__()
        self.script = list(script)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        step.request = request
        return step

    def close(self) -> None:
        pass


def client_with(*script: requests.Response | Exception) -> tuple[TikTokShopClient, ScriptedAdapter]:
    """A client for https://open.test and https://auth.test whose retries do not sleep."""
    adapter = ScriptedAdapter(*script)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    client = TikTokShopClient(
        app_key="app-key",
        app_secret=APP_SECRET,
        base_url="https://open.test",
        auth_base_url="https://auth.test",
        session=session,
        retry_policy=RetryPolicy(sleep=lambda _: None),
    )
    return client, adapter


def sent_query(request: requests.PreparedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url or "").query))

"""Plain-HTTP access to the emulator for its own tests, signed with the emulator's own `sign`, so that
these tests check the emulator and nothing else (never the project's client)."""

import http.client
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from tiktok_emulator import TikTokEmulator, sign

Overrides = Mapping[str, str | None]
"""Values replace the defaults; None removes the entry."""


def approve_path(cancel_id: str) -> str:
    return f"/return_refund/202309/cancellations/{cancel_id}/approve"


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> int:
        return self.json()["code"]


def overridden(defaults: Mapping[str, str], overrides: Overrides | None) -> dict[str, str]:
    merged = dict(defaults)
    for key, value in (overrides or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class Shop:
    """Talks to one emulator the way a TikTok client would, with knobs to get each part wrong.

    `emulator` is a TikTokEmulator, or anything else with its url and credentials (the CLI's printed line).
    """

    def __init__(self, emulator: TikTokEmulator | Any) -> None:
        self.emulator = emulator

    def query(self, path: str, overrides: Overrides | None = None, body: bytes = b"") -> dict[str, str]:
        """A signed query. The sign covers the overrides, unless `sign` itself is overridden."""
        overrides = dict(overrides or {})
        sign_override = {"sign": overrides.pop("sign")} if "sign" in overrides else {}
        defaults = {
            "app_key": self.emulator.app_key,
            "timestamp": str(int(time.time())),
            "shop_cipher": self.emulator.shop_cipher,
        }
        query = overridden(defaults, overrides)
        query["sign"] = sign(self.emulator.app_secret, path, query, body)
        return overridden(query, sign_override)

    def send(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        headers: Overrides | None = None,
        body: bytes = b"",
        timeout: float = 5.0,
    ) -> Reply:
        defaults = {"content-type": "application/json", "x-tts-access-token": self.emulator.access_token}
        target = path + ("?" + urlencode(query) if query else "")
        return raw_request(self.emulator.url, method, target, overridden(defaults, headers), body, timeout)

    def approve(
        self,
        cancel_id: str,
        *,
        query: Overrides | None = None,
        headers: Overrides | None = None,
        body: bytes = b"",
        method: str = "POST",
        timeout: float = 5.0,
    ) -> Reply:
        path = approve_path(cancel_id)
        signed = self.query(path, query, body)
        return self.send(method, path, query=signed, headers=headers, body=body, timeout=timeout)


SEARCH_PATH = "/return_refund/202309/cancellations/search"


def search(
    shop: Shop, filters: object, query: Overrides | None = None, headers: Overrides | None = None
) -> Reply:
    """Search Cancellations, signed with its JSON body as TikTok requires."""
    body = json.dumps(filters).encode()
    signed = shop.query(SEARCH_PATH, query, body)
    return shop.send("POST", SEARCH_PATH, query=signed, headers=headers, body=body)


def raw_request(
    base_url: str,
    method: str,
    target: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 5.0,
) -> Reply:
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Reply(response.status, response.getheader("content-type", ""), response.read())
    finally:
        connection.close()


def control(emulator: TikTokEmulator, name: str, arguments: object = None) -> tuple[int, Any]:
    """Calls one of the emulator's controls over HTTP (`POST /__emulator/call/<name>`, the arguments as the
    JSON body): the status and, for 200, the result; otherwise the answer itself ({"error": ...})."""
    body = b"" if arguments is None else json.dumps(arguments).encode()
    reply = raw_request(
        emulator.url, "POST", f"/__emulator/call/{name}", {"content-type": "application/json"}, body
    )
    answer = reply.json()
    return reply.status, answer["result"] if reply.status == 200 else answer

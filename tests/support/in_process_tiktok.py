"""The TikTok emulator reached in-process: a requests transport that hands each request to
`TikTokEmulator.respond`, with no socket and no server thread, so a test of the service takes milliseconds.

What the HTTP server would turn into a transport failure becomes requests' own exception: no answer (a
dropped connection, an answer lost after the approval) is a ConnectionError, and an answer that took longer
than the client's read timeout (a `read_timeout` or `latency` fault) is a ReadTimeout.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import urllib3
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.wire import IncomingRequest


class EmulatorTransport(BaseAdapter):
    def __init__(self, emulator: TikTokEmulator) -> None:
        super().__init__()
        self._emulator = emulator

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body or b""
        incoming = IncomingRequest(
            method=request.method or "GET",
            path=url.path,
            query={key: values[0] for key, values in parse_qs(url.query, keep_blank_values=True).items()},
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body.encode() if isinstance(body, str) else body,
        )
        started = time.monotonic()
        answer = self._emulator.respond(incoming)
        read_timeout = _read_timeout(timeout)
        if read_timeout is not None and time.monotonic() - started > read_timeout:
            raise requests.exceptions.ReadTimeout(f"read timed out ({read_timeout} s)", request=request)
        if answer is None:
            raise requests.exceptions.ConnectionError("connection closed without an answer", request=request)
        response = requests.Response()
        response.status_code = answer.status
        response._content = answer.body
        response.headers = CaseInsensitiveDict({"Content-Type": answer.content_type})
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def emulator_session(emulator: TikTokEmulator) -> requests.Session:
    """A session whose every request, to any host, is answered by `emulator` in this process."""
    session = requests.Session()
    transport = EmulatorTransport(emulator)
    session.mount("https://", transport)
    session.mount("http://", transport)
    return session


def _read_timeout(timeout: Any) -> float | None:
    if isinstance(timeout, urllib3.Timeout):
        reads = [value for value in (timeout.read_timeout, timeout.total) if isinstance(value, int | float)]
        return min(reads) if reads else None
    if isinstance(timeout, tuple):
        return float(timeout[1])
    return None if timeout is None else float(timeout)

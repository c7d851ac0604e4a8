"""The HTTP layer: turns each connection into an IncomingRequest and writes back whatever the responder
decides. It knows nothing of TikTok."""

from __future__ import annotations

import logging
import socket
import socketserver
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tiktok_emulator.wire import Answer, IncomingRequest

logger = logging.getLogger("tiktok_emulator")

Responder = Callable[[IncomingRequest], Answer | None]
"""Answers a request; None means close the connection without answering."""


class EmulatorHTTPServer(ThreadingHTTPServer):
    # A handler parked in a fault's delay must not hold up stop(); the emulator wakes it separately.
    block_on_close = False
    # socketserver's default backlog of 5 drops bursts of connections; the dropped SYNs are only retried
    # a second later, which made 20 concurrent requests take over a second.
    request_queue_size = 128

    def __init__(self, host: str, port: int, responder: Responder) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.responder = responder
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a DNS lookup that can stall start-up for seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server_version = "TikTokShopEmulator/1.0"
    sys_version = ""
    server: EmulatorHTTPServer

    def do_GET(self) -> None:
        self._respond()

    def do_POST(self) -> None:
        self._respond()

    def do_PUT(self) -> None:
        self._respond()

    def do_PATCH(self) -> None:
        self._respond()

    def do_DELETE(self) -> None:
        self._respond()

    def do_HEAD(self) -> None:
        self._respond()

    def do_OPTIONS(self) -> None:
        self._respond()

    def log_message(self, format: str, *args: Any) -> None:
        # The emulator logs one line per request itself, without http.server's default stderr chatter.
        logger.debug("%s " + format, self.address_string(), *args)

    def _respond(self) -> None:
        answer = self.server.responder(self._read_request())
        if answer is None:
            self.close_connection = True
            return
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
        except ConnectionError:
            # The client gave up first (its read timeout was shorter than a fault's delay): nobody to tell.
            self.close_connection = True

    def _read_request(self) -> IncomingRequest:
        # Not urlsplit: it would read a path starting with "//" as a host name.
        path, _, raw_query = self.path.partition("?")
        query = {key: values[0] for key, values in parse_qs(raw_query, keep_blank_values=True).items()}
        headers = {name.lower(): value for name, value in self.headers.items()}
        return IncomingRequest(self.command, path, query, headers, self._read_body(headers))

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return self._read_chunked_body()
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked_body(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                # Trailers, if any, end with an empty line.
                while self.rfile.readline().strip():
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

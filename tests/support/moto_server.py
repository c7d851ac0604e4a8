"""moto in server mode on a free loopback port, the way the function reaches AWS (AWS_ENDPOINT_URL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


@contextmanager
def serialized_moto_server() -> Iterator[str]:
    """Yield the server's URL.

    One request at a time, on purpose: DynamoDB applies a conditional write atomically, moto's in-memory
    backend does not when two threads interleave, and the idempotency tests race 20 writers on one key.
    """
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def reset_moto(url: str) -> None:
    requests.post(f"{url}/moto-api/reset", timeout=5).raise_for_status()

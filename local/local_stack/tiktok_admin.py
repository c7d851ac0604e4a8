"""The TikTok emulator's controls from another process: `TikTokAdmin(url).seed({...})` calls the running
emulator's `seed` (`POST /__emulator/call/seed`). Every name in tiktok_emulator.controls.CONTROLS is a method
here, with TikTokEmulator's arguments (positional or by name; sellers as the seed format's JSON objects);
results come back as JSON (a seller, a shop, a call: their to_json objects). A refused call raises
ControlRefused with the emulator's reason.

`seller` arguments are a seller's open_id; without one, a control acts on the emulator's default seller.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import requests
from tiktok_emulator.controls import CALL_PATH, CONTROLS, to_json
from tiktok_emulator.emulator import TikTokEmulator


class ControlRefused(ValueError):
    """The emulator refused a control call (HTTP 400 or 404); the message is its reason. A ValueError, as
    the same call made in process raises."""


class TikTokAdmin:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in CONTROLS:
            raise AttributeError(f"{name!r} is not one of the emulator's controls (tiktok_emulator.controls)")
        method = getattr(TikTokEmulator, name)
        signature = inspect.signature(method)

        def control(*args: Any, **kwargs: Any) -> Any:
            # Bound here first, so that a wrong argument fails in the caller, as it would in process.
            arguments = signature.bind(None, *args, **kwargs).arguments
            del arguments["self"]
            return self._call(name, {key: to_json(value) for key, value in arguments.items()})

        control.__name__, control.__doc__ = name, method.__doc__
        return control

    def _call(self, name: str, arguments: Mapping[str, object]) -> Any:
        response = requests.post(f"{self.base_url}{CALL_PATH}/{name}", json=arguments, timeout=self.timeout)
        if response.status_code in (400, 404):
            raise ControlRefused(response.json().get("error") or f"{name}: HTTP {response.status_code}")
        response.raise_for_status()
        return response.json()["result"]


def first_authorization(
    tiktok: TikTokAdmin, app_key: str, app_secret: str, seller: str | None = None
) -> dict[str, Any]:
    """What `make authorize` gets after the seller's consent: an authorization code exchanged at Get Access
    Token (`GET /api/v2/token/get`), i.e. `access_token`, `refresh_token` and both absolute `*_expire_in`
    times, all issued by the emulator. Raises RuntimeError naming TikTok's code, never a value."""
    response = requests.get(
        f"{tiktok.base_url}/api/v2/token/get",
        params={
            "app_key": app_key,
            "app_secret": app_secret,
            "auth_code": tiktok.issue_auth_code(seller=seller),
            "grant_type": "authorized_code",
        },
        timeout=tiktok.timeout,
    )
    response.raise_for_status()
    envelope = response.json()
    data = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(data, dict) or envelope.get("code") != 0:
        code = envelope.get("code") if isinstance(envelope, dict) else None
        raise RuntimeError(f"the emulator refused the authorization code: code {code}")
    return data

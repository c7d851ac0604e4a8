"""Default credentials and the seed format: one JSON shape for the seed file (`--seed FILE`, read at start)
and for `POST /__emulator/seed` (a running emulator)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tiktok_emulator.state import CancellationState, validate_cancellations

DEFAULT_APP_KEY: Final = "test-app-key"
# Fake credentials: the emulator only ever serves loopback tests and local runs.
DEFAULT_APP_SECRET: Final = "test-app-secret"  # noqa: S105
DEFAULT_ACCESS_TOKEN: Final = "test-access-token"  # noqa: S105
DEFAULT_REFRESH_TOKEN: Final = "test-refresh-token"  # noqa: S105
DEFAULT_SHOP_CIPHER: Final = "ROW_test_cipher"

SEED_FILE: Final = Path(__file__).with_name("seed.json")
"""The cancellations every local run starts with: the ids events/*.json use, and one in each other state.
`make run` and `make local-up` start the emulator with it; add your own cancel_ids here."""

CREDENTIAL_FIELDS: Final = ("app_key", "app_secret", "access_token", "shop_cipher", "refresh_token")


@dataclass(frozen=True)
class Seed:
    cancellations: dict[str, CancellationState] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    """Only the credentials the seed names; the constructor's arguments and the defaults fill the rest."""


def parse_seed(raw: object, source: str = "the seed") -> Seed:
    """`{"cancellations": {"<cancel_id>": "<state>"}, "app_key": ..., ...}` checked; raises ValueError
    naming `source` and the first bad entry."""
    if not isinstance(raw, Mapping):
        raise ValueError(
            f'{source}: must be a JSON object, {{"cancellations": {{"<cancel_id>": "<state>"}}}}'
        )
    unknown = set(raw) - {"cancellations", *CREDENTIAL_FIELDS}
    if unknown:
        raise ValueError(
            f'{source}: unknown keys {sorted(unknown)}; expected {{"cancellations": {{"<cancel_id>": '
            f'"<state>"}}}} and optionally {", ".join(CREDENTIAL_FIELDS)}'
        )
    credentials: dict[str, str] = {}
    for name in CREDENTIAL_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise ValueError(f"{source}: {name} must be a non-empty string")
        credentials[name] = value
    try:
        cancellations = validate_cancellations(raw.get("cancellations", {}))
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None
    return Seed(cancellations, credentials)


def read_seed_file(path: str | Path) -> Seed:
    """The seed file's content (see parse_seed); raises ValueError, or OSError when it cannot be read."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    return parse_seed(raw, f"the seed file {path}")

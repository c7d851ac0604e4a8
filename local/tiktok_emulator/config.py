"""Default credentials and the seed-file format."""

from __future__ import annotations

import json
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
"""A few realistic cancellations in each state, for `python -m tiktok_emulator --seed` and local runs."""

_CREDENTIAL_FIELDS: Final = ("app_key", "app_secret", "access_token", "shop_cipher", "refresh_token")


@dataclass(frozen=True)
class Seed:
    cancellations: dict[str, CancellationState] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    """Only the credentials the file names; the constructor's arguments and the defaults fill the rest."""


def read_seed_file(path: str | Path) -> Seed:
    """Reads `{"cancellations": {"<cancel_id>": "<state>"}, "app_key": ..., ...}`; raises ValueError."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the seed file must hold a JSON object")
    unknown = set(raw) - {"cancellations", *_CREDENTIAL_FIELDS}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    credentials: dict[str, str] = {}
    for name in _CREDENTIAL_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise ValueError(f"{path}: {name} must be a non-empty string")
        credentials[name] = value
    return Seed(validate_cancellations(raw.get("cancellations", {})), credentials)

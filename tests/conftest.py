"""Fixtures shared by every test folder. Each block below belongs to one piece of the local stack."""

from collections.abc import Iterator

import pytest
from tiktok_emulator import TikTokEmulator

# --- TikTok Shop emulator ------------------------------------------------------------------------------
# A fake TikTok Shop on a free loopback port, with tiktok_emulator.DEFAULT_* credentials and no
# cancellations: seed what the test needs with `tiktok_emulator.seed({...})`.


@pytest.fixture
def tiktok_emulator() -> Iterator[TikTokEmulator]:
    with TikTokEmulator() as emulator:
        yield emulator


# --- end of the TikTok Shop emulator block -------------------------------------------------------------

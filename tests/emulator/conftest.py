import pytest
from emulator_http import Shop
from tiktok_emulator import TikTokEmulator


@pytest.fixture
def shop(tiktok_emulator: TikTokEmulator) -> Shop:
    return Shop(tiktok_emulator)

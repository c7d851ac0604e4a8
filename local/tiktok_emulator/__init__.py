"""A TikTok Shop API emulator for local development and tests. Standard library only; never deployed.

with TikTokEmulator(cancellations={"5760001": "pending"}) as emulator:
    ...  # point the client at emulator.url, then look at emulator.recorder.calls

Several sellers, each with its own tokens and shops (a token acts only for its own seller's shops):

    other = emulator.add_seller("open-id-2", [AuthorizedShop("GB_cipher"), AuthorizedShop("FR_cipher")])
    emulator.seed({"5760002": "pending"}, shop_cipher="FR_cipher")  # that shop's cancellation
"""

from tiktok_emulator.config import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SHOP_CIPHER,
    SEED_FILE,
    SellerSpec,
)
from tiktok_emulator.emulator import TikTokEmulator
from tiktok_emulator.faults import Fault, FaultKind
from tiktok_emulator.recorder import CallRecorder, RecordedCall
from tiktok_emulator.sellers import EmulatorSeller
from tiktok_emulator.shops import AuthorizedShop
from tiktok_emulator.signing import sign, string_to_sign
from tiktok_emulator.state import CancellationState

__all__ = [
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_APP_KEY",
    "DEFAULT_APP_SECRET",
    "DEFAULT_REFRESH_TOKEN",
    "DEFAULT_SHOP_CIPHER",
    "SEED_FILE",
    "AuthorizedShop",
    "CallRecorder",
    "CancellationState",
    "EmulatorSeller",
    "Fault",
    "FaultKind",
    "RecordedCall",
    "SellerSpec",
    "TikTokEmulator",
    "sign",
    "string_to_sign",
]

"""TikTok's rate limit in the emulator: per app, shop and endpoint, over a sliding second, HTTP 429 with
code 36009002 beyond it, counted."""

import pytest
from emulator_http import control, search
from tiktok_emulator import TikTokEmulator
from tiktok_emulator.rate_limit import RateLimit

PENDING = "5760001234567890123"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_is_per_app_shop_and_endpoint_over_a_sliding_second():
    clock = Clock()
    limit = RateLimit(3, clock=clock)
    assert [limit.admit("app", "shop", "approve") for _ in range(4)] == [True, True, True, False]
    assert limit.admit("app", "other-shop", "approve")
    assert limit.admit("app", "shop", "search")
    assert limit.admit("other-app", "shop", "approve")
    clock.now += 0.999
    assert not limit.admit("app", "shop", "approve")
    clock.now += 0.002  # the first three left the window
    assert limit.admit("app", "shop", "approve")
    assert limit.counts() == {"limit": 3, "admitted": 7, "rejected": 2}


def test_no_limit_admits_everything():
    limit = RateLimit(None)
    assert all(limit.admit("app", "shop", "approve") for _ in range(1000))


@pytest.mark.parametrize("bad", [0, -1.0])
def test_a_limit_must_be_positive(bad):
    with pytest.raises(ValueError, match="positive"):
        RateLimit().set_limit(bad)


def test_over_the_limit_tiktok_answers_429_with_36009002(shop, tiktok_emulator: TikTokEmulator):
    tiktok_emulator.rate_limit.set_limit(2)
    tiktok_emulator.seed({PENDING: "pending"})
    answers = [search(shop, {"cancel_ids": [PENDING]}) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == 36009002
    # Another endpoint has its own count; a refused approval changes nothing.
    assert shop.approve(PENDING).code == 0
    assert tiktok_emulator.rate_limit.counts()["rejected"] == 1


def test_the_default_is_tiktoks_50_per_second_and_settable_over_http(tiktok_emulator: TikTokEmulator):
    assert tiktok_emulator.rate_limit.limit == 50
    assert control(tiktok_emulator, "set_rate_limit", {"limit": 5}) == (200, None)
    assert control(tiktok_emulator, "rate_limit_counts")[1]["limit"] == 5
    assert control(tiktok_emulator, "set_rate_limit", {"limit": None}) == (200, None)
    assert control(tiktok_emulator, "rate_limit_counts")[1]["limit"] is None
    assert control(tiktok_emulator, "set_rate_limit", {"limit": "fast"})[0] == 400
    assert control(tiktok_emulator, "set_rate_limit", {"limit": 0})[0] == 400
    tiktok_emulator.reset()
    assert tiktok_emulator.rate_limit.limit == 50

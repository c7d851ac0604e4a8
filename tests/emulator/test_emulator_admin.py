"""The emulator's controls over HTTP (/__emulator/call/<control>), seed files, and its lifecycle."""

import json
import re
from pathlib import Path

import pytest
from emulator_http import Shop, control, raw_request
from tiktok_emulator import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SHOP_CIPHER,
    SEED_FILE,
    TikTokEmulator,
)

CANCEL_ID = "5760001"
ROOT = Path(__file__).resolve().parents[2]


def test_fixture_serves_the_default_credentials_on_loopback(tiktok_emulator):
    assert tiktok_emulator.url == f"http://127.0.0.1:{tiktok_emulator.port}"
    assert tiktok_emulator.port > 0
    assert (
        tiktok_emulator.app_key,
        tiktok_emulator.app_secret,
        tiktok_emulator.access_token,
        tiktok_emulator.shop_cipher,
    ) == (DEFAULT_APP_KEY, DEFAULT_APP_SECRET, DEFAULT_ACCESS_TOKEN, DEFAULT_SHOP_CIPHER)
    assert tiktok_emulator.cancellations() == {}


def test_seed_and_read_cancellations(shop, tiktok_emulator):
    seed = {"cancellations": {CANCEL_ID: "pending", "5760002": "shipped"}}  # the seed file's format

    assert control(tiktok_emulator, "seed", seed) == (200, None)

    assert control(tiktok_emulator, "cancellations") == (200, {CANCEL_ID: "pending", "5760002": "shipped"})
    shop.approve(CANCEL_ID)
    assert control(tiktok_emulator, "cancellations")[1][CANCEL_ID] == "approved"


def test_inject_list_and_clear_faults(shop, tiktok_emulator):
    fault = {"fault": {"kind": "http_429"}, "cancel_id": CANCEL_ID, "times": 2}

    assert control(tiktok_emulator, "inject_fault", fault) == (200, None)

    assert control(tiktok_emulator, "faults") == (
        200,
        [{"kind": "http_429", "delay": None, "status": None, "cancel_id": CANCEL_ID, "times": 2}],
    )
    assert shop.approve(CANCEL_ID).status == 429
    assert control(tiktok_emulator, "faults")[1][0]["times"] == 1
    assert control(tiktok_emulator, "clear_faults") == (200, None)
    assert control(tiktok_emulator, "faults") == (200, [])
    assert shop.approve(CANCEL_ID).status == 200


def test_expire_token_and_add_a_new_one(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})

    assert control(tiktok_emulator, "expire_token")[0] == 200
    assert shop.approve(CANCEL_ID).code == 105002
    assert control(tiktok_emulator, "add_access_token", {"token": "fresh"})[0] == 200
    assert shop.approve(CANCEL_ID).code == 0


def test_calls_are_listed_with_text_bodies_and_can_be_cleared(shop, tiktok_emulator):
    shop.approve(CANCEL_ID, body=b'{"x": 1}')
    shop.approve("5760002")

    status, calls = control(tiktok_emulator, "calls")

    assert status == 200
    assert calls[0]["body"] == '{"x": 1}'
    assert (calls[0]["cancel_id"], calls[0]["code"]) == (CANCEL_ID, 25007006)
    assert control(tiktok_emulator, "calls", {"cancel_id": "5760002"})[1] == calls[1:]
    assert control(tiktok_emulator, "clear_calls") == (200, None)
    assert tiktok_emulator.recorder.count() == 0


def test_reset(shop, tiktok_emulator):
    tiktok_emulator.seed({CANCEL_ID: "pending"})
    shop.approve(CANCEL_ID)

    assert control(tiktok_emulator, "reset") == (200, None)
    assert tiktok_emulator.cancellations() == {}
    assert tiktok_emulator.recorder.count() == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "call/seed", b"{not json", 400),
        ("POST", "call/seed", b'{"cancellations": {"5760001": "lost"}}', 400),
        ("POST", "call/seed", b'{"5760001": "pending"}', 400),  # not the seed file's format
        ("POST", "call/seed", b'{"cancellations": {}, "app_secret": "x"}', 400),  # credentials: at start only
        ("POST", "call/seed", b'["5760001"]', 400),
        ("POST", "call/inject_fault", b'{"fault": {"kind": "explode"}}', 400),
        ("POST", "call/inject_fault", b'{"fault": {"kind": "drop"}, "times": 0}', 400),
        ("POST", "call/expire_token", b'{"token": "never-issued"}', 400),
        ("POST", "call/add_access_token", b"{}", 400),
        ("GET", "call/seed", b"", 405),
        ("POST", "call/nothing_here", b"{}", 404),
        ("POST", "seed", b"{}", 404),  # the paths before the one call endpoint
        ("GET", "cancellations", b"", 404),
    ],
)
def test_bad_control_requests(tiktok_emulator, method, path, body, status):
    reply = raw_request(tiktok_emulator.url, method, f"/__emulator/{path}", body=body)

    assert reply.status == status
    assert "error" in reply.json()
    assert tiktok_emulator.cancellations() == {}


def test_the_seed_file_is_what_posting_it_seeds(tiktok_emulator):
    """One format: the seed file's content, POSTed as it is, seeds the same cancellations."""
    content = json.loads(SEED_FILE.read_text())

    assert control(tiktok_emulator, "seed", content) == (200, None)

    seeded = tiktok_emulator.cancellations()
    with TikTokEmulator.from_seed_file(SEED_FILE) as emulator:
        assert seeded == emulator.cancellations()
    of_shops = {
        cancel_id: state
        for seller in content.get("sellers", [])
        for shop in seller["shops"]
        for cancel_id, state in shop.get("cancellations", {}).items()
    }
    assert seeded == {**content["cancellations"], **of_shops}


def test_the_seed_file_holds_the_events_cancel_ids():
    """Every cancel_id in events/ that should reach TikTok is seeded (the others are unknown on purpose)."""
    seeded = TikTokEmulator.from_seed_file(SEED_FILE).cancellations()
    events = ROOT / "events"
    mentioned = set(re.findall(r"57600\d{14}", " ".join(p.read_text() for p in events.glob("*.json"))))

    assert mentioned - set(seeded) == {"5760001999999999999"}  # api_approve_unknown.json: a 404 on purpose


def test_shipped_seed_file_is_valid_and_realistic():
    with TikTokEmulator.from_seed_file(SEED_FILE) as emulator:
        states = emulator.cancellations()

    assert {"pending", "approved", "shipped"} <= set(states.values())
    assert all(cancel_id.isdigit() and len(cancel_id) == 19 for cancel_id in states)


def test_seed_file_credentials_yield_to_explicit_arguments(tmp_path):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(
        json.dumps(
            {"cancellations": {CANCEL_ID: "pending"}, "app_key": "file-key", "shop_cipher": "ROW_file"}
        )
    )

    with TikTokEmulator(
        seed_file=seed_file, shop_cipher="ROW_arg", cancellations={"5760002": "shipped"}
    ) as emulator:
        assert (emulator.app_key, emulator.shop_cipher, emulator.app_secret) == (
            "file-key",
            "ROW_arg",
            DEFAULT_APP_SECRET,
        )
        assert emulator.cancellations() == {CANCEL_ID: "pending", "5760002": "shipped"}
        assert Shop(emulator).approve(CANCEL_ID).code == 0


@pytest.mark.parametrize(
    "content",
    [[], {"cancellations": {"1": "lost"}}, {"app_key": 5}, {"cancellations": {}, "surprise": 1}],
)
def test_bad_seed_files_are_refused(tmp_path, content):
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(content))

    with pytest.raises(ValueError, match=r"seed file|state of|app_key|unknown keys"):
        TikTokEmulator(seed_file=seed_file)


def test_url_before_start_and_stop_twice():
    emulator = TikTokEmulator()
    with pytest.raises(RuntimeError):
        _ = emulator.url

    emulator.start()
    with pytest.raises(RuntimeError):
        emulator.start()
    emulator.stop()
    emulator.stop()


def test_port_is_released_on_stop():
    with TikTokEmulator() as first:
        port = first.port

    with TikTokEmulator(port=port) as second:
        assert second.port == port


def test_unknown_states_are_refused(tiktok_emulator):
    with pytest.raises(ValueError, match="must be one of"):
        tiktok_emulator.seed({CANCEL_ID: "lost"})

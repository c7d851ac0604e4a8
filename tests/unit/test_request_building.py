from urllib.parse import parse_qsl, urlsplit

import pytest
import tiktok_shop
from tiktok_shop import TikTokShopClient, TikTokValidationError, sign

PATH = "/return_refund/202309/cancellations/5760001/approve"


@pytest.fixture
def client() -> TikTokShopClient:
    client = TikTokShopClient(app_key="app-key", app_secret="app-secret", base_url="https://tiktok.test/")
    client.set_access_token("access-token")
    client.set_shop_cipher("ROW_cipher")
    return client


def test_prepared_request_matches_the_documented_wire_format(client: TikTokShopClient):
    prepared = client.prepare_request("POST", PATH, query={"idempotency_key": "key-1"}, timestamp=1700000000)
    url = urlsplit(prepared.url or "")
    query = dict(parse_qsl(url.query))
    assert prepared.method == "POST"
    assert f"{url.scheme}://{url.netloc}" == "https://tiktok.test"
    assert url.path == PATH
    assert set(query) == {"app_key", "timestamp", "shop_cipher", "idempotency_key", "sign"}
    assert query["app_key"] == "app-key"
    assert query["timestamp"] == "1700000000"
    assert query["shop_cipher"] == "ROW_cipher"
    assert query["sign"] == sign("app-secret", PATH, {k: v for k, v in query.items() if k != "sign"})
    assert "access_token" not in query
    assert prepared.headers["x-tts-access-token"] == "access-token"
    assert prepared.headers["content-type"] == "application/json"
    assert prepared.headers["User-Agent"].startswith(
        f"tiktok-cancellation-approver/{tiktok_shop.__version__}"
    )
    assert not prepared.body


def test_timestamp_defaults_to_the_policy_clock(client: TikTokShopClient):
    policy = tiktok_shop.RetryPolicy(clock=lambda: 1234567890.9)
    client.retry_policy = policy
    query = dict(parse_qsl(urlsplit(client.prepare_request("POST", PATH).url or "").query))
    assert query["timestamp"] == "1234567890"


def test_shop_cipher_can_be_left_out_for_shop_less_endpoints(client: TikTokShopClient):
    prepared = client.prepare_request("GET", "/authorization/202309/shops", shop_cipher_required=False)
    assert "shop_cipher" not in dict(parse_qsl(urlsplit(prepared.url or "").query))


@pytest.mark.parametrize(
    "cancel_id",
    [
        "",
        "a" * 65,
        "../1",
        "1/2",
        "1?x=2",
        "1#frag",
        "1%2F2",
        "1 2",
        "1\n",
        "\t1",
        "caf\u00e9",
        None,
        576,
        "..",
    ],
)
def test_bad_cancel_ids_never_reach_the_url(client: TikTokShopClient, cancel_id: object):
    # tiktok.test does not resolve: had a request been attempted, a transport error would surface instead.
    with pytest.raises(TikTokValidationError, match="cancel_id"):
        client.return_refund.approve_cancellation(cancel_id=cancel_id)  # type: ignore[arg-type]


@pytest.mark.parametrize("cancel_id", ["1", "a" * 64, "576_abc-DEF"])
def test_good_cancel_ids_are_accepted(client: TikTokShopClient, cancel_id: str):
    path = tiktok_shop.return_refund.APPROVE_CANCELLATION_PATH.format(cancel_id=cancel_id)
    assert urlsplit(client.prepare_request("POST", path).url or "").path.endswith(f"/{cancel_id}/approve")


@pytest.mark.parametrize(
    ("key", "match"),
    [
        ("", "non-empty"),
        ("k" * 256, "at most 255"),
        ("caf\u00e9", "printable ASCII"),
        ("a\nb", "printable"),
        (5, "string"),
    ],
)
def test_bad_idempotency_keys_are_refused(client: TikTokShopClient, key: object, match: str):
    with pytest.raises(TikTokValidationError, match=match):
        client.return_refund.approve_cancellation(cancel_id="1", query={"idempotency_key": key})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (576, "a number"),
        (5.76, "a number"),
        ({"id": "1"}, "an object"),
        (["1"], "a list"),
        (b"1", "a value that is not JSON"),
        ("1/2", "'1/2'"),
    ],
)
def test_a_refused_value_is_described_in_json_words_not_python_types(value: object, shown: str):
    """The messages reach API callers and queue producers, who sent JSON: 'NoneType' or 'dict' mean nothing."""
    with pytest.raises(TikTokValidationError) as raised:
        tiktok_shop.validation.validate_cancel_id(value)
    assert str(raised.value).endswith(f"(got {shown})")
    assert tiktok_shop.validation.describe_kind("1/2") == "text"


def test_unknown_query_parameters_are_refused(client: TikTokShopClient):
    with pytest.raises(TikTokValidationError, match="page_size"):
        client.return_refund.approve_cancellation(cancel_id="1", query={"page_size": "10"})


@pytest.mark.parametrize("missing", ["app_key", "app_secret", "access_token", "shop_cipher"])
def test_missing_credentials_fail_before_sending(missing: str):
    settings = {"app_key": "k", "app_secret": "s", "access_token": "t", "shop_cipher": "c", missing: ""}
    client = TikTokShopClient(app_key=settings["app_key"], app_secret=settings["app_secret"])
    client.set_access_token(settings["access_token"])
    client.set_shop_cipher(settings["shop_cipher"])
    with pytest.raises(TikTokValidationError, match=missing) as raised:
        client.return_refund.approve_cancellation(cancel_id="1")
    assert isinstance(raised.value, ValueError)


def test_access_token_never_set_is_reported():
    client = TikTokShopClient(app_key="k", app_secret="s", shop_cipher="c")
    with pytest.raises(TikTokValidationError, match="access_token"):
        client.return_refund.approve_cancellation(cancel_id="1")


@pytest.mark.parametrize("base_url", ["tiktok.test", "ftp://tiktok.test", "https://", "https://h?x=1"])
def test_bad_base_urls_are_refused(base_url: str):
    with pytest.raises(TikTokValidationError, match="base_url"):
        TikTokShopClient(app_key="k", app_secret="s", base_url=base_url)


@pytest.mark.parametrize("timeout", [0, -1, (1.0,), (1.0, 0), "3", float("inf"), (1.0, float("nan"))])
def test_bad_timeouts_are_refused(timeout: object):
    with pytest.raises(TikTokValidationError, match="timeout"):
        TikTokShopClient(app_key="k", app_secret="s", timeout=timeout)  # type: ignore[arg-type]


def test_a_single_timeout_applies_to_connect_and_read():
    assert TikTokShopClient(app_key="k", app_secret="s", timeout=2).timeout == (2.0, 2.0)


def test_repr_hides_the_secret_and_token(client: TikTokShopClient):
    assert "app-secret" not in repr(client)
    assert "access-token" not in repr(client)

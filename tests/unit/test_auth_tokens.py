"""client.auth: the auth host's unsigned token endpoints, the TokenGrant they yield, and no secret leaking."""

import logging
from urllib.parse import urlsplit

import pytest
import requests
from support.scripted_http import APP_SECRET, answer, client_with, sent_query
from tiktok_shop import (
    DEFAULT_AUTH_BASE_URL,
    ErrorCategory,
    TikTokAPIError,
    TikTokShopClient,
    TikTokTransportError,
    TikTokValidationError,
    TokenGrant,
)

REFRESH_TOKEN = "refresh-token-value"
AUTH_CODE = "auth-code-value"
GRANT = {
    "access_token": "new-access-token",
    "access_token_expire_in": 1_800_604_800,
    "refresh_token": "new-refresh-token",
    "refresh_token_expire_in": 1_831_536_000,
    "open_id": "open-1",
    "seller_name": "Maomao",
    "seller_base_region": "GB",
    "user_type": 0,
    "granted_scopes": ["seller.authorization.info"],
}


def test_refresh_is_an_unsigned_get_on_the_auth_host():
    client, adapter = client_with(answer(data=GRANT))

    client.auth.refresh_access_token(refresh_token=REFRESH_TOKEN)

    [request] = adapter.sent
    url = urlsplit(request.url or "")
    assert request.method == "GET"
    assert (url.scheme, url.netloc, url.path) == ("https", "auth.test", "/api/v2/token/refresh")
    assert sent_query(request) == {
        "app_key": "app-key",
        "app_secret": APP_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "grant_type": "refresh_token",
    }
    assert "x-tts-access-token" not in request.headers
    assert not request.body


def test_first_exchange_sends_the_authorization_code():
    client, adapter = client_with(answer(data=GRANT))

    grant = client.auth.get_access_token(auth_code=AUTH_CODE)

    [request] = adapter.sent
    assert urlsplit(request.url or "").path == "/api/v2/token/get"
    query = sent_query(request)
    assert (query["auth_code"], query["grant_type"]) == (AUTH_CODE, "authorized_code")
    assert grant.refresh_token == "new-refresh-token"


def test_a_grant_carries_every_field_with_absolute_expiry_times():
    client, _ = client_with(answer(data=GRANT))

    grant = client.auth.refresh_access_token(REFRESH_TOKEN)

    assert grant == TokenGrant(
        access_token="new-access-token",
        access_token_expire_in=1_800_604_800,
        refresh_token="new-refresh-token",
        refresh_token_expire_in=1_831_536_000,
        open_id="open-1",
        seller_name="Maomao",
        seller_base_region="GB",
        user_type=0,
        granted_scopes=("seller.authorization.info",),
        request_id="req-1",
    )


def test_a_grant_repr_hides_both_tokens():
    grant = TokenGrant.from_envelope({"code": 0, "data": GRANT})
    text = repr(grant)
    assert "new-access-token" not in text
    assert "new-refresh-token" not in text
    assert "access_token='***'" not in text  # shown as a bare placeholder
    assert "access_token=***" in text
    assert "Maomao" in text


def test_the_default_auth_host_is_tiktoks():
    assert DEFAULT_AUTH_BASE_URL == "https://auth.tiktok-shops.com"
    assert TikTokShopClient(app_key="k", app_secret="s").auth_base_url == DEFAULT_AUTH_BASE_URL


@pytest.mark.parametrize("auth_base_url", ["auth.test", "https://", "https://h?x=1"])
def test_a_bad_auth_base_url_is_refused_by_name(auth_base_url: str):
    with pytest.raises(TikTokValidationError, match="auth_base_url"):
        TikTokShopClient(app_key="k", app_secret="s", auth_base_url=auth_base_url)


@pytest.mark.parametrize("refresh_token", ["", "  ", None])
def test_a_missing_refresh_token_fails_before_sending(refresh_token: object):
    client, adapter = client_with()
    with pytest.raises(TikTokValidationError, match="refresh_token"):
        client.auth.refresh_access_token(refresh_token)  # type: ignore[arg-type]
    assert adapter.sent == []


def test_a_missing_app_secret_fails_before_sending():
    client, adapter = client_with()
    client._app_secret = ""  # as a secret without the key would leave it
    with pytest.raises(TikTokValidationError, match="app_secret"):
        client.auth.refresh_access_token(REFRESH_TOKEN)
    assert adapter.sent == []


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (36004005, "can not find related auth record"),
        (36004004, "invalid auth code"),
        (36009004, "Invalid credentials. The 'app_secret' is invalid."),
    ],
)
def test_refusals_are_configuration_errors_and_not_retried(code: int, message: str):
    client, adapter = client_with(answer(code, message))

    with pytest.raises(TikTokAPIError) as raised:
        client.auth.refresh_access_token(REFRESH_TOKEN)

    assert len(adapter.sent) == 1
    assert (raised.value.code, raised.value.message) == (code, message)
    assert raised.value.category is ErrorCategory.CONFIGURATION
    assert not raised.value.retryable


def test_transient_answers_are_retried():
    client, adapter = client_with(answer(36009003, "Internal error"), answer(data=GRANT))

    assert client.auth.refresh_access_token(REFRESH_TOKEN).access_token == "new-access-token"
    assert len(adapter.sent) == 2


def test_an_error_never_repeats_the_secret_or_the_refresh_token_even_when_tiktok_echoes_them():
    echoed = f"bad app_secret {APP_SECRET} for refresh_token {REFRESH_TOKEN}"
    client, _ = client_with(answer(36004005, echoed))

    with pytest.raises(TikTokAPIError) as raised:
        client.auth.refresh_access_token(REFRESH_TOKEN)

    for text in (str(raised.value), repr(raised.value), raised.value.message, str(raised.value.args)):
        assert APP_SECRET not in text
        assert REFRESH_TOKEN not in text
    assert "refresh_token ***" in raised.value.message


def test_an_error_never_repeats_the_authorization_code():
    client, _ = client_with(answer(36004004, f"invalid auth code {AUTH_CODE}"))
    with pytest.raises(TikTokAPIError) as raised:
        client.auth.get_access_token(AUTH_CODE)
    assert AUTH_CODE not in str(raised.value)


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectionError(
            f"https://auth.test/api/v2/token/refresh?app_secret={APP_SECRET}"
        ),
        requests.exceptions.ReadTimeout(f"read timed out: app_secret={APP_SECRET}"),
        requests.exceptions.InvalidURL(f"bad url app_secret={APP_SECRET}"),
    ],
)
def test_transport_errors_name_the_host_and_never_the_url(failure: Exception):
    client, _ = client_with(failure, failure, failure, failure)

    with pytest.raises(TikTokTransportError) as raised:
        client.auth.refresh_access_token(REFRESH_TOKEN)

    assert "auth.test" in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    for text in (str(raised.value), repr(raised.value)):
        assert APP_SECRET not in text
        assert REFRESH_TOKEN not in text


def test_no_log_line_holds_a_secret(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    client, _ = client_with(answer(36009003, "busy"), answer(36004005, f"no record {REFRESH_TOKEN}"))

    with pytest.raises(TikTokAPIError):
        client.auth.refresh_access_token(REFRESH_TOKEN)

    assert caplog.records
    assert APP_SECRET not in caplog.text
    assert REFRESH_TOKEN not in caplog.text


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {**GRANT, "access_token": ""},
        {k: v for k, v in GRANT.items() if k != "refresh_token"},
        {**GRANT, "access_token_expire_in": "1800604800"},
        {**GRANT, "refresh_token_expire_in": True},
    ],
)
def test_a_success_without_usable_tokens_is_an_error_and_not_retried(data: object):
    client, adapter = client_with(answer(data=data))

    with pytest.raises(TikTokAPIError, match="token answer") as raised:
        client.auth.refresh_access_token(REFRESH_TOKEN)

    assert len(adapter.sent) == 1
    assert not raised.value.retryable
    assert "new-access-token" not in str(raised.value)


def test_optional_fields_may_be_missing():
    required = {
        k: GRANT[k]
        for k in ("access_token", "access_token_expire_in", "refresh_token", "refresh_token_expire_in")
    }
    grant = TokenGrant.from_envelope({"code": 0, "data": required})
    assert (grant.open_id, grant.seller_name, grant.user_type, grant.granted_scopes) == (None, None, None, ())

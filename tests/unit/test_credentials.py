import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from tiktok_shop import Credentials, CredentialsError, CredentialsLoader

SECRET_NAME = "tiktok/credentials"
VALUES = {
    "app_key": "key-123",
    "app_secret": "s3cr3t-app",
    "access_token": "tok-abc",
    "shop_cipher": "ROW_cipher",
    "refresh_token": "ref-xyz",
    "access_token_expire_in": 1790000000,
    "refresh_token_expire_in": "1800000000",
}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("secretsmanager")


def test_loads_every_field(secrets):
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(VALUES))
    credentials = CredentialsLoader(SECRET_NAME).get()
    assert credentials == Credentials(
        app_key="key-123",
        app_secret="s3cr3t-app",
        access_token="tok-abc",
        shop_cipher="ROW_cipher",
        refresh_token="ref-xyz",
        access_token_expire_in=1790000000,
        refresh_token_expire_in=1800000000,
    )


def test_reads_by_arn(secrets):
    arn = secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(VALUES))["ARN"]
    assert CredentialsLoader(arn).get().app_key == "key-123"


def test_is_cached_until_forced(secrets):
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(VALUES))
    loader = CredentialsLoader(SECRET_NAME, max_age=300)
    assert loader.get().access_token == "tok-abc"
    secrets.put_secret_value(
        SecretId=SECRET_NAME, SecretString=json.dumps({**VALUES, "access_token": "tok-new"})
    )
    assert loader.get().access_token == "tok-abc"
    assert loader.get(force_refresh=True).access_token == "tok-new"
    assert loader.get().access_token == "tok-new"


def test_max_age_zero_always_rereads(secrets):
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(VALUES))
    loader = CredentialsLoader(SECRET_NAME, max_age=0)
    loader.get()
    secrets.put_secret_value(
        SecretId=SECRET_NAME, SecretString=json.dumps({**VALUES, "access_token": "tok-2"})
    )
    assert loader.get().access_token == "tok-2"


@pytest.mark.parametrize("key", ["app_key", "app_secret", "access_token", "shop_cipher"])
@pytest.mark.parametrize("how", ["missing", "empty", "not a string"])
def test_a_missing_or_empty_key_is_named_without_values(secrets, key: str, how: str):
    broken = dict(VALUES)
    if how == "missing":
        del broken[key]
    else:
        broken[key] = "" if how == "empty" else 42
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(broken))
    with pytest.raises(CredentialsError, match=repr(key)) as raised:
        CredentialsLoader(SECRET_NAME).get()
    assert isinstance(raised.value, ValueError)
    for secret_value in ("s3cr3t-app", "tok-abc", "ref-xyz"):
        assert secret_value not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [("not json {", "not valid JSON"), ('["a"]', "not a JSON object"), ('"tok-abc"', "not a JSON object")],
)
def test_a_secret_that_is_not_a_json_object(secrets, text: str, match: str):
    secrets.create_secret(Name=SECRET_NAME, SecretString=text)
    with pytest.raises(CredentialsError, match=match) as raised:
        CredentialsLoader(SECRET_NAME).get()
    assert "tok-abc" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_a_missing_secret_is_reported_by_name(secrets):
    with pytest.raises(CredentialsError, match="cannot read secret 'absent'"):
        CredentialsLoader("absent").get()


def test_no_secret_configured():
    with pytest.raises(CredentialsError, match="TIKTOK_CREDENTIALS_SECRET"):
        CredentialsLoader("")


@pytest.mark.parametrize(("key", "value"), [("access_token_expire_in", "soon"), ("refresh_token", 7)])
def test_malformed_optional_fields_are_named(key: str, value: object):
    with pytest.raises(CredentialsError, match=key):
        Credentials.from_mapping({**VALUES, key: value})


def test_optional_fields_may_be_absent():
    required = {k: VALUES[k] for k in ("app_key", "app_secret", "access_token", "shop_cipher")}
    credentials = Credentials.from_mapping(required)
    assert credentials.refresh_token is None
    assert credentials.access_token_expire_in is None


def test_repr_hides_secret_fields():
    text = repr(Credentials.from_mapping(VALUES))
    for secret_value in ("s3cr3t-app", "tok-abc", "ref-xyz"):
        assert secret_value not in text
    assert "key-123" in text
    assert "ROW_cipher" in text


@pytest.mark.parametrize("value", [" tok-abc", "tok-abc\n", "tok\r\nX-Injected: 1", "tok\u20ac"])
@pytest.mark.parametrize("key", ["access_token", "app_key"])
def test_values_that_cannot_be_sent_as_is_are_refused_by_key(key: str, value: str):
    with pytest.raises(CredentialsError, match=repr(key)) as raised:
        Credentials.from_mapping({**VALUES, key: value})
    assert "tok" not in str(raised.value).replace("token", "")


def test_an_unreachable_secrets_manager_is_unavailable_not_misconfigured(monkeypatch: pytest.MonkeyPatch):
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from botocore.config import Config
    from tiktok_shop import CredentialsUnavailableError

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    provider = SecretsProvider(boto_config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    with pytest.raises(CredentialsUnavailableError, match="cannot read secret"):
        CredentialsLoader(SECRET_NAME, provider=provider).get()
